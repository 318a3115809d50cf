// Package norm is zeroplug's NORM transport (NACK-Oriented Reliable
// Multicast, RFC 5740) for PUB, XPUB, SUB and XSUB sockets, on the wire as
// libzmq's norm:// (libzmq 4.3 over NRL libnorm): one NORM stream object
// per sender, each ZMQ frame a sync byte and a ZMTP/2.0 frame ending a NORM
// message, Reed-Solomon FEC as libnorm builds it, and NORM-CC congestion
// control. The addresses are libzmq's:
//
//	norm://GROUP:PORT                 the group, on the interface the route to it takes
//	norm://IFACE;GROUP:PORT           joined and sent on IFACE (a name or one of its IPv4 addresses)
//	norm://NODEID,IFACE;GROUP:PORT    with this NORM node id (default: the interface's IPv4 address)
//	norm://[NODEID,][IFACE;]HOST:PORT unicast: a sender sends to HOST, feedback goes to the sender
//
// Bind and connect are the same, as in libzmq: the socket joins the
// session. A sender (PUB, XPUB) sends every message its socket publishes;
// a receiver (SUB, XSUB) delivers every whole message heard from every
// sender on the group, in each sender's order, filtered by its
// subscriptions. A receiver that joins late starts at the next message.
// Other socket types are refused, as are an unknown interface or a group
// without a route (where libzmq aborts the process).
//
// The options are libzmq's: NORM_MODE (0: a fixed rate, RATE; 1: NORM-CC,
// the default), NORM_UNICAST_NACK, NORM_BUFFER_SIZE (KiB), NORM_SEGMENT_SIZE,
// NORM_BLOCK_SIZE, NORM_NUM_PARITY, NORM_NUM_AUTOPARITY, NORM_PUSH, read
// from sdk.Options.Extra by those names, and RATE, MULTICAST_HOPS (the TTL),
// RECOVERY_IVL (how long a closed sender goes on repairing), SNDBUF and
// RCVBUF. NORM_MODE 2 to 4 (the ECN modes) are refused.
//
// The protocol runs in the plugin: Listen and Dial return one end of a
// stream pair, on whose other end the plugin speaks ZMTP as the core's
// peer. cmd/zeroplug-transport-norm serves the package as a plugin.
package norm

import (
	"context"
	"net"
	"sync"
	"time"

	"github.com/zeroplug/zeroplug/sdk"
)

// Scheme is the endpoint scheme of this transport.
const Scheme = "norm"

// Driver is the norm transport. The zero value is ready to use and safe
// for concurrent use.
type Driver struct {
	mu   sync.Mutex
	live map[*endpoint]struct{}
}

var (
	_ sdk.Driver    = (*Driver)(nil)
	_ sdk.Validator = (*Driver)(nil)
	_ sdk.Drainer   = (*Driver)(nil)
)

// Schemes returns "norm".
func (*Driver) Schemes() []string { return []string{Scheme} }

// Validate checks an endpoint's syntax, and that its interface exists (or,
// without one, that the session address has a route), without opening a
// socket: Connect reports those at once, where libzmq's connect succeeds
// and its session aborts the process.
func (*Driver) Validate(ep sdk.Endpoint, _ bool) error {
	a, err := parseAddress(ep)
	if err != nil {
		return err
	}
	_, _, err = resolveInterface(ep, a)
	return err
}

// Listen joins the session, as Dial: libzmq binds a norm:// endpoint by
// connecting it (and so does the core: this serves other hosts). The
// listener accepts one session at a time: after one has ended (the core
// closed it), the next Accept joins the session again (sdk.SessionListener).
func (d *Driver) Listen(ctx context.Context, ep sdk.Endpoint, opts sdk.Options) (sdk.Listener, error) {
	a, set, err := d.prepare(ep, opts)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return sdk.SessionListener(sdk.Endpoint{Scheme: Scheme, Address: a.String()}, func() (sdk.Session, error) {
		conn, e, err := d.open(ep, a, set, opts.SocketType)
		if err != nil {
			return sdk.Session{}, err
		}
		return sdk.Session{Conn: conn, Done: e.done}, nil
	})
}

// Dial joins the session.
func (d *Driver) Dial(ctx context.Context, ep sdk.Endpoint, opts sdk.Options) (net.Conn, error) {
	a, set, err := d.prepare(ep, opts)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	conn, _, err := d.open(ep, a, set, opts.SocketType)
	return conn, err
}

func (d *Driver) prepare(ep sdk.Endpoint, opts sdk.Options) (address, settings, error) {
	a, err := parseAddress(ep)
	if err != nil {
		return address{}, settings{}, err
	}
	if err := checkSocketType(ep, opts.SocketType); err != nil {
		return address{}, settings{}, err
	}
	set, err := configure(ep, a, opts)
	return a, set, err
}

// open starts an endpoint and returns the core's end of its stream.
func (d *Driver) open(ep sdk.Endpoint, a address, set settings, socketType string) (net.Conn, *endpoint, error) {
	remote, local, err := sdk.StreamPair()
	if err != nil {
		return nil, nil, err
	}
	if sender(socketType) {
		if err := limitSendBuffer(remote); err != nil {
			remote.Close()
			local.Close()
			return nil, nil, err
		}
	}
	d.mu.Lock()
	if d.live == nil {
		d.live = make(map[*endpoint]struct{})
	}
	d.mu.Unlock()
	e, err := newEndpoint(d, ep, a, set, socketType, local)
	if err != nil {
		remote.Close()
		local.Close()
		return nil, nil, err
	}
	d.mu.Lock()
	d.live[e] = struct{}{}
	d.mu.Unlock()
	return remote, e, nil
}

func (d *Driver) forget(e *endpoint) {
	d.mu.Lock()
	delete(d.live, e)
	d.mu.Unlock()
}

// Drain lets the senders whose sockets have closed finish their repairs,
// until deadline; then it ends every endpoint and waits for them.
func (d *Driver) Drain(deadline time.Time) {
	d.mu.Lock()
	live := make([]*endpoint, 0, len(d.live))
	for e := range d.live {
		live = append(live, e)
	}
	d.mu.Unlock()
	for _, e := range live {
		if e.rcv != nil {
			e.shutdown()
		}
		// A sender goes on: it takes what the core wrote before it
		// closed its end, sends it, and repairs.
	}
	for _, e := range live {
		select {
		case <-e.done:
		case <-time.After(time.Until(deadline)):
			e.shutdown()
		}
		e.wg.Wait()
	}
}
