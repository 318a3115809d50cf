// Command zeroplug-transport-tcpplug serves zeroplug's tcp driver from a
// plugin process, under the scheme tcpplug: the addresses and options of
// tcp:// ("tcpplug://127.0.0.1:*"), the connections made by the plugin and
// handed to the core. It exists to test and to measure the plugin platform
// beside the built-in tcp, which it should match once a connection is up.
package main

import (
	"context"
	"net"
	"syscall"

	"github.com/zeroplug/zeroplug/plugins/tcp"
	"github.com/zeroplug/zeroplug/sdk"
)

// scheme is the scheme served; the addresses are tcp's.
const scheme = "tcpplug"

func main() { sdk.Serve(driver{}) }

// driver is tcp.Driver under another scheme.
type driver struct{ tcp tcp.Driver }

func (driver) Schemes() []string { return []string{scheme} }

func asTCP(ep sdk.Endpoint) sdk.Endpoint {
	if ep.Scheme == scheme {
		ep.Scheme = "tcp"
	}
	return ep
}

func (d driver) Validate(ep sdk.Endpoint, bind bool) error {
	if ep.Scheme != scheme {
		return &sdk.EndpointError{Endpoint: ep.String(), Err: sdk.ErrUnknownScheme, Known: []string{scheme}}
	}
	return d.tcp.Validate(asTCP(ep), bind)
}

func (d driver) Dial(ctx context.Context, ep sdk.Endpoint, opts sdk.Options) (net.Conn, error) {
	if err := d.Validate(ep, false); err != nil {
		return nil, err
	}
	return d.tcp.Dial(ctx, asTCP(ep), opts)
}

func (d driver) Listen(ctx context.Context, ep sdk.Endpoint, opts sdk.Options) (sdk.Listener, error) {
	if err := d.Validate(ep, true); err != nil {
		return nil, err
	}
	l, err := d.tcp.Listen(ctx, asTCP(ep), opts)
	if err != nil {
		return nil, err
	}
	sl := &listener{Listener: l, sc: l.(syscall.Conn)}
	if err := sl.keepAlive(opts); err != nil {
		l.Close()
		return nil, err
	}
	return sl, nil
}

// listener reports its endpoint under tcpplug, and gives Serve its socket.
type listener struct {
	sdk.Listener
	sc syscall.Conn
}

func (l *listener) Endpoint() sdk.Endpoint {
	ep := l.Listener.Endpoint()
	ep.Scheme = scheme
	return ep
}

func (l *listener) SyscallConn() (syscall.RawConn, error) { return l.sc.SyscallConn() }
