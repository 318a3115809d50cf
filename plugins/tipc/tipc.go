// Package tipc is zeroplug's TIPC transport: ZMTP over AF_TIPC stream
// sockets, the Transparent Inter-Process Communication protocol of Linux
// clusters, where a server is found by a service name rather than a host and
// a port. The addresses are libzmq's:
//
//	tipc://{type,lower,upper}     bind: publish the service range; type is 64 or more
//	tipc://{type,instance}        connect to the service; bound, the range {type,instance,instance}
//	tipc://{type,instance}@z.c.n  connect, looking the name up in the domain <z.c.n> only
//	tipc://<*>                    bind to the socket's own port identity, which LAST_ENDPOINT
//	                              reports: "tipc://<0.0.0:1578911474>"
//	tipc://<z.c.n:ref>            connect to that port identity
//
// A bound range is reported as libzmq writes it, "tipc://{5555, 0, 100}"; a
// connect to a range connects to its lower instance, so that LAST_ENDPOINT
// can be connected to. libzmq's refusals are errors wrapping
// sdk.ErrBadEndpoint here too: a type below 64, a lower bound above the upper
// one, binding a port identity, connecting to <*>; so are a malformed number
// or domain.
//
// One deliberate difference: without "@", a connect looks the name up
// everywhere (domain 0, "closest first"), where libzmq looks it up in the
// domain <1.0.0>. On a single node of a current kernel (one that has not been
// given a TIPC node address), that domain matches nothing, and libzmq's own
// documented example, connecting tipc://{5555,50}, retries for ever; it works
// only as tipc://{5555,50}@0.0.0. Here tipc://{5555,50} finds the service
// wherever it is published, and "@z.c.n" still narrows the lookup.
//
// Several sockets may bind overlapping ranges of one type: a connect to an
// instance then reaches one of the sockets publishing it, in turn, which
// spreads the connections of many clients over a pool of servers.
//
// A connect honours its context and Options.ConnectTimeout. As in libzmq,
// ZMQ_SNDBUF and ZMQ_RCVBUF are not applied to TIPC sockets.
//
// The package is a Driver; cmd/zeroplug-transport-tipc serves it as a
// plugin, which binds or connects and hands the socket to the core.
package tipc

import (
	"context"
	"net"

	"github.com/zeroplug/zeroplug/sdk"
)

// Scheme is the endpoint scheme of this transport.
const Scheme = "tipc"

// Driver is the tipc transport. The zero value is ready to use and safe for
// concurrent use.
type Driver struct{}

var (
	_ sdk.Driver    = Driver{}
	_ sdk.Validator = Driver{}
)

// Schemes returns "tipc".
func (Driver) Schemes() []string { return []string{Scheme} }

// Validate checks an endpoint's syntax without touching a socket.
func (Driver) Validate(ep sdk.Endpoint, bind bool) error {
	_, err := parse(ep, bind)
	return err
}

// Listen publishes the endpoint's service range (or takes the socket's own
// port identity, for <*>) and listens.
func (Driver) Listen(ctx context.Context, ep sdk.Endpoint, opts sdk.Options) (sdk.Listener, error) {
	a, err := parse(ep, true)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return listen(a)
}

// Dial connects to the endpoint's service name (a range's lower instance) or
// port identity.
func (Driver) Dial(ctx context.Context, ep sdk.Endpoint, opts sdk.Options) (net.Conn, error) {
	a, err := parse(ep, false)
	if err != nil {
		return nil, err
	}
	if opts.ConnectTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.ConnectTimeout)
		defer cancel()
	}
	return dial(ctx, a)
}

func checkScheme(ep sdk.Endpoint) error {
	if ep.Scheme != Scheme {
		return &sdk.EndpointError{Endpoint: ep.String(), Err: sdk.ErrUnknownScheme,
			Reason: "the tipc driver serves tipc:// only", Known: []string{Scheme}}
	}
	return nil
}
