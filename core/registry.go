package core

import (
	"slices"
	"sync"

	"github.com/zeroplug/zeroplug/plugins/ipc"
	"github.com/zeroplug/zeroplug/plugins/tcp"
	"github.com/zeroplug/zeroplug/sdk"
	"github.com/zeroplug/zeroplug/sdk/pluginhost"
)

// registry maps endpoint schemes to the drivers that serve them, and falls
// back on the context's plugin host for the others (plugins.go).
type registry struct {
	mu      sync.RWMutex
	drivers map[string]sdk.Driver
	plugins *pluginhost.Host
}

func newRegistry() *registry {
	r := &registry{drivers: make(map[string]sdk.Driver)}
	r.register(tcp.Driver{})
	r.register(ipc.Driver{})
	return r
}

func (r *registry) register(d sdk.Driver) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range d.Schemes() {
		r.drivers[s] = d
	}
}

func (r *registry) schemes() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := []string{"inproc"}
	for s := range r.drivers {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// lookup finds the driver for an endpoint, a plugin's if no linked-in
// driver serves its scheme, or an error that names the schemes known.
func (r *registry) lookup(ep sdk.Endpoint) (sdk.Driver, error) {
	r.mu.RLock()
	d, ok := r.drivers[ep.Scheme]
	r.mu.RUnlock()
	if !ok {
		return r.lookupPlugin(ep)
	}
	return d, nil
}
