package tipc

import (
	"context"
	"fmt"
	"net"

	"golang.org/x/sys/unix"

	"github.com/zeroplug/zeroplug/plugins/internal/sockconn"
	"github.com/zeroplug/zeroplug/sdk"
)

// listen makes the listening socket of a bind.
func listen(a address) (sdk.Listener, error) {
	var sa unix.Sockaddr
	if a.kind != randomPort {
		// libzmq asks for TIPC_ZONE_SCOPE, which current kernels take as
		// the cluster scope.
		sa = &unix.SockaddrTIPC{Scope: unix.TIPC_CLUSTER_SCOPE,
			Addr: &unix.TIPCServiceRange{Type: a.typ, Lower: a.lower, Upper: a.upper}}
	}
	l, err := family.Listen(sa, unix.SOMAXCONN, nil)
	if err != nil {
		return nil, sdk.WrapOSError(err)
	}
	bound := sdk.Endpoint{Scheme: Scheme, Address: formatRange(a.typ, a.lower, a.upper)}
	if a.kind == randomPort {
		id := portOf(l.Sockaddr())
		if id == nil {
			l.Close()
			return nil, &net.OpError{Op: "listen", Net: Scheme, Err: unix.EAFNOSUPPORT}
		}
		bound.Address = formatPortID(id.Node, id.Ref)
	}
	return &listener{Listener: l, ep: bound}, nil
}

// portOf is the port identity in sa, or nil.
func portOf(sa unix.Sockaddr) *unix.TIPCSocketAddr {
	if t, ok := sa.(*unix.SockaddrTIPC); ok {
		id, _ := t.Addr.(*unix.TIPCSocketAddr)
		return id
	}
	return nil
}

// dial connects a socket.
func dial(ctx context.Context, a address) (net.Conn, error) {
	sa := &unix.SockaddrTIPC{}
	switch a.kind {
	case portID:
		sa.Addr = &unix.TIPCSocketAddr{Ref: a.ref, Node: a.node}
	default:
		sa.Addr = &unix.TIPCServiceName{Type: a.typ, Instance: a.lower, Domain: a.domain}
	}
	c, err := family.Dial(ctx, sa, nil)
	if err != nil {
		return nil, sdk.WrapOSError(err) // a nil *Conn would be a non-nil net.Conn
	}
	return c, nil
}

// family is AF_TIPC.
var family = sockconn.Family{
	Domain:     unix.AF_TIPC,
	Name:       Scheme,
	ResetIsEOF: true,
	Addr: func(sa unix.Sockaddr) net.Addr {
		if t, ok := sa.(*unix.SockaddrTIPC); ok {
			return &Addr{Addr: t.Addr}
		}
		return nil
	},
}

// Addr is a TIPC address: a port identity, a service name or a range.
type Addr struct {
	Addr unix.TIPCAddr
}

// Network is "tipc".
func (*Addr) Network() string { return Scheme }

// String writes the address as an endpoint's: "<1.1.1:3748102>",
// "{5555,0}", "{5555, 0, 100}".
func (a *Addr) String() string {
	switch t := a.Addr.(type) {
	case *unix.TIPCSocketAddr:
		return formatPortID(t.Node, t.Ref)
	case *unix.TIPCServiceName:
		return fmt.Sprintf("{%d,%d}", t.Type, t.Instance)
	case *unix.TIPCServiceRange:
		return formatRange(t.Type, t.Lower, t.Upper)
	}
	return "?"
}

// listener is a bound endpoint.
type listener struct {
	*sockconn.Listener
	ep sdk.Endpoint
}

// Endpoint is the range published, or the port identity bound.
func (l *listener) Endpoint() sdk.Endpoint { return l.ep }
