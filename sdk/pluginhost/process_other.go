//go:build !linux

package pluginhost

import (
	"context"
	"fmt"
	"net"

	"github.com/zeroplug/zeroplug/sdk"
)

// plat is empty where plugins cannot run.
type plat struct {
	kill, release func()
	exitStatus    func() string
}

func (pr *process) cleanup() {}

// startProcess refuses: the descriptor hand-off needs Linux.
func (h *Host) startProcess(p *Plugin) (*process, error) {
	return nil, fmt.Errorf("zeroplug: transport plugin %s: %w (plugins need Linux)", p.found.Path, sdk.ErrNotSupported)
}

func (pr *process) validate(context.Context, sdk.Endpoint, bool) error { return sdk.ErrNotSupported }

func (pr *process) dial(context.Context, sdk.Endpoint, sdk.Options) (net.Conn, error) {
	return nil, sdk.ErrNotSupported
}

func (pr *process) listen(context.Context, sdk.Endpoint, sdk.Options) (sdk.Listener, error) {
	return nil, sdk.ErrNotSupported
}

// InProcess returns a Plugin that would serve d in this process; plugins
// need Linux, so it fails to start.
func (h *Host) InProcess(d sdk.Driver) *Plugin {
	name := "in-process:" + fmt.Sprint(d.Schemes())
	p := &Plugin{h: h, found: Found{Name: name, Path: name, Real: name}}
	p.start = func() (*process, error) { return h.startProcess(p) }
	return p
}
