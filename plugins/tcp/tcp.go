// Package tcp implements the TCP transport of zeroplug: the "tcp://"
// endpoints of libzmq 4.3, with the same address syntax and the same socket
// options, so that a libzmq user's configuration works unchanged.
//
// Bind addresses (Listen):
//
//	tcp://*:5555            every interface: 0.0.0.0, or [::] dual-stack with Options.IPv6
//	tcp://127.0.0.1:5555    one IPv4 address
//	tcp://[::1]:5555        one IPv6 address (needs Options.IPv6, as ZMQ_IPV6 in libzmq)
//	tcp://eth0:5555         the address of a network interface (IPv4; IPv6 first with Options.IPv6)
//	tcp://127.0.0.1:*       an ephemeral port; "0" means the same
//
// A bind address is never looked up in DNS (libzmq does not either), so
// "tcp://localhost:5555" fails to bind with sdk.ErrNoSuchDevice, libzmq's
// ENODEV. Listener.Endpoint reports the address actually bound, with the
// port filled in, as libzmq's ZMQ_LAST_ENDPOINT does: "tcp://0.0.0.0:5555",
// "tcp://127.0.0.1:41234", "tcp://[::]:5555".
//
// Connect addresses (Dial):
//
//	tcp://127.0.0.1:5555               an IP address
//	tcp://localhost:5555               a host name: IPv4 only unless Options.IPv6
//	tcp://[fe80::1%eth0]:5555          an IPv6 address with its zone
//	tcp://192.0.2.1:0;192.0.2.7:5555   from a source address (and port; "*" or 0 for any)
//
// Every connection has TCP_NODELAY set, as in libzmq: ZMTP batches its own
// writes, and Nagle's algorithm would only add latency.
package tcp

import (
	"context"
	"net"
	"syscall"

	"github.com/zeroplug/zeroplug/sdk"
)

// scheme is the one endpoint scheme this driver serves.
const scheme = "tcp"

// Driver is the tcp transport. The zero value is ready to use and safe for
// concurrent use; it holds no state.
type Driver struct{}

var _ sdk.Driver = Driver{}

// Schemes returns "tcp".
func (Driver) Schemes() []string { return []string{scheme} }

// Listen binds to a tcp endpoint and listens on it. Malformed addresses are
// sdk.ErrBadEndpoint; a host that is neither "*", an IP address nor a
// network interface is sdk.ErrNoSuchDevice; the source form is
// sdk.ErrNotSupported. Failures of the operating system come back as the
// *net.OpError wrapping the system error, within an *sdk.OSError when the
// errno has a sentinel: errors.Is(err, sdk.ErrAddrInUse) and
// errors.Is(err, syscall.EADDRINUSE) both hold for a port in use.
func (Driver) Listen(ctx context.Context, ep sdk.Endpoint, opts sdk.Options) (sdk.Listener, error) {
	if err := checkScheme(ep); err != nil {
		return nil, err
	}
	b, err := parseBind(ep, opts.IPv6)
	if err != nil {
		return nil, err
	}
	lc := net.ListenConfig{
		// Go would turn keep-alive on for every accepted connection; libzmq
		// leaves the system default unless ZMQ_TCP_KEEPALIVE says otherwise.
		KeepAlive:       -1,
		KeepAliveConfig: keepAliveConfig(opts),
		// libzmq sets SO_SNDBUF and SO_RCVBUF on the listening socket, so
		// that accepted sockets inherit them before the handshake fixes
		// the TCP window scale.
		Control: control(opts, false),
	}
	ln, err := lc.Listen(ctx, b.network, b.String())
	if err != nil {
		return nil, sdk.WrapOSError(err)
	}
	tl := ln.(*net.TCPListener)
	if err := setBacklog(tl, opts.Backlog); err != nil {
		tl.Close()
		return nil, err
	}
	return &listener{
		ln:   tl,
		ep:   sdk.Endpoint{Scheme: scheme, Address: tl.Addr().String()},
		opts: opts,
	}, nil
}

// Dial connects to a tcp endpoint. A host name is looked up under ctx, which
// also bounds the whole attempt; Options.ConnectTimeout bounds it further.
// Errors are those of Listen (an *sdk.OSError with sdk.ErrConnRefused and
// syscall.ECONNREFUSED for a port nobody listens on), or the context's.
func (Driver) Dial(ctx context.Context, ep sdk.Endpoint, opts sdk.Options) (net.Conn, error) {
	if err := checkScheme(ep); err != nil {
		return nil, err
	}
	a, err := parseDial(ep, opts.IPv6)
	if err != nil {
		return nil, err
	}
	d := net.Dialer{
		KeepAlive:       -1,
		KeepAliveConfig: keepAliveConfig(opts),
		// With a source address libzmq sets SO_REUSEADDR, so that one
		// source port may connect to several servers.
		Control: control(opts, a.source != nil),
	}
	if opts.ConnectTimeout > 0 {
		d.Timeout = opts.ConnectTimeout
	}
	if a.source != nil {
		d.LocalAddr = a.source
	}
	c, err := d.DialContext(ctx, a.network, a.target())
	if err != nil {
		return nil, sdk.WrapOSError(err)
	}
	tc := c.(*net.TCPConn)
	if err := tune(tc, opts); err != nil {
		tc.Close()
		return nil, sdk.WrapOSError(err)
	}
	return tc, nil
}

func checkScheme(ep sdk.Endpoint) error {
	if ep.Scheme != scheme {
		return &sdk.EndpointError{Endpoint: ep.String(), Err: sdk.ErrUnknownScheme, Reason: "the tcp driver serves tcp:// only", Known: []string{scheme}}
	}
	return nil
}

// keepAliveConfig maps libzmq's ZMQ_TCP_KEEPALIVE family onto Go's. Only 1
// turns probes on; -1 leaves the system alone, and 0 is applied by tune as
// an explicit SO_KEEPALIVE off. As in libzmq, the idle, interval and count
// settings matter only with keep-alive on, and zero leaves each to the
// system (a negative field tells Go not to touch it).
func keepAliveConfig(o sdk.Options) net.KeepAliveConfig {
	if o.TCPKeepAlive != 1 {
		return net.KeepAliveConfig{}
	}
	c := net.KeepAliveConfig{Enable: true, Idle: -1, Interval: -1, Count: -1}
	if o.TCPKeepAliveIdle > 0 {
		c.Idle = o.TCPKeepAliveIdle
	}
	if o.TCPKeepAliveIntvl > 0 {
		c.Interval = o.TCPKeepAliveIntvl
	}
	if o.TCPKeepAliveCount > 0 {
		c.Count = o.TCPKeepAliveCount
	}
	return c
}

// tune applies what libzmq's tune_tcp_socket and tune_tcp_keepalives do to
// each new connection.
func tune(c *net.TCPConn, o sdk.Options) error {
	if err := c.SetNoDelay(true); err != nil {
		return err
	}
	if o.TCPKeepAlive == 0 {
		if err := c.SetKeepAlive(false); err != nil {
			return err
		}
	}
	return tuneBuffers(c, o)
}

// listener is a bound tcp endpoint.
type listener struct {
	ln   *net.TCPListener
	ep   sdk.Endpoint
	opts sdk.Options
}

// Accept waits for the next connection and tunes it. A connection that
// cannot be tuned was reset before it was accepted; it is dropped and the
// listener goes on, as libzmq's tcp_listener does.
func (l *listener) Accept() (net.Conn, error) {
	for {
		c, err := l.ln.AcceptTCP()
		if err != nil {
			return nil, err
		}
		if err := tune(c, l.opts); err != nil {
			c.Close()
			continue
		}
		return c, nil
	}
}

// Close stops listening. A blocked Accept returns an error wrapping
// net.ErrClosed.
func (l *listener) Close() error { return l.ln.Close() }

// Endpoint is the address bound, with the real port.
func (l *listener) Endpoint() sdk.Endpoint { return l.ep }

// SyscallConn gives the listening socket, which sdk.Serve hands to the core
// when tcp is served from a plugin process. Connections accepted there get
// the listening socket's options, as Linux copies them, but not Accept's
// tuning.
func (l *listener) SyscallConn() (syscall.RawConn, error) { return l.ln.SyscallConn() }

var _ sdk.Validator = Driver{}

// Validate checks an endpoint's syntax without binding or connecting, so
// that Connect can refuse a malformed one at once. For a connect it
// allows IPv6 literals: whether the socket may use them is Dial's to say.
func (Driver) Validate(ep sdk.Endpoint, bind bool) error {
	if err := checkScheme(ep); err != nil {
		return err
	}
	if bind {
		_, err := parseBind(ep, true)
		return err
	}
	_, err := parseDial(ep, true)
	return err
}
