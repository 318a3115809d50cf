// Package sdk is the stable contract between zeroplug's core and its transports.
//
// A transport is a Driver: it turns an endpoint's address into connected byte
// streams, by listening or by dialing. The core runs ZMTP over every stream a
// driver returns, so a driver knows nothing of messages, patterns or security.
// tcp and ipc are drivers linked into the core; other transports are the same
// interface served from their own process (see Serve).
//
// The contract is versioned by DriverVersion. A driver built for one version
// keeps working with a core that still offers that version.
package sdk

import (
	"context"
	"net"
	"time"
)

// DriverVersion is the version of the Driver contract this package describes.
// It is raised only when the interface changes in a way old drivers cannot
// follow; the plugin handshake states it.
const DriverVersion = 1

// Driver is one transport. Implementations must be safe for concurrent use:
// the core listens and dials from many goroutines at once.
//
// Errors: a malformed address wraps ErrBadEndpoint (see EndpointError); a
// failure of the operating system is returned as it came, through
// WrapOSError, so that errors.Is finds the sentinel of its errno
// (ErrAddrInUse, ErrConnRefused...) as well as the errno. Served as a
// plugin, the errno crosses the process boundary and the host rebuilds the
// sentinel from it.
type Driver interface {
	// Schemes names the endpoint schemes the driver serves, such as "tcp".
	Schemes() []string

	// Listen binds to the endpoint's address and returns a listener. The
	// listener reports the address actually bound (an ephemeral port filled
	// in), which becomes the socket's LAST_ENDPOINT.
	Listen(ctx context.Context, ep Endpoint, opts Options) (Listener, error)

	// Dial connects to the endpoint's address. It honours ctx's deadline and
	// cancellation: the core cancels a dial when the socket closes.
	Dial(ctx context.Context, ep Endpoint, opts Options) (net.Conn, error)
}

// Listener accepts connected byte streams for one bound endpoint.
type Listener interface {
	// Accept waits for the next connection. After Close it returns an error
	// that wraps net.ErrClosed; any other error is taken as passing (out of
	// descriptors, a connection reset before it was accepted), and the core
	// calls Accept again after a pause.
	Accept() (net.Conn, error)

	// Close stops listening and releases the address (for ipc, the socket
	// file). Connections already accepted stay open.
	Close() error

	// Endpoint is the bound endpoint in a form a peer could connect to, with
	// wildcards resolved where the transport can: "tcp://127.0.0.1:41234".
	Endpoint() Endpoint
}

// Options are the per-socket settings a transport may honour. A zero field
// means the transport's (and the operating system's) default, except
// TCPKeepAlive, whose default is -1 as in libzmq (0 turns keep-alive off).
type Options struct {
	// IPv6 allows IPv6 addresses when resolving names and wildcards
	// (ZMQ_IPV6). Without it, only IPv4 addresses are used, as in libzmq.
	IPv6 bool

	// TCPKeepAlive is libzmq's ZMQ_TCP_KEEPALIVE: -1 leaves the system
	// default, 0 disables, 1 enables. The three durations tune it; zero
	// leaves the system default.
	TCPKeepAlive      int
	TCPKeepAliveIdle  time.Duration
	TCPKeepAliveIntvl time.Duration
	TCPKeepAliveCount int

	// SendBuffer and RecvBuffer set SO_SNDBUF and SO_RCVBUF (ZMQ_SNDBUF,
	// ZMQ_RCVBUF) when positive.
	SendBuffer int
	RecvBuffer int

	// ConnectTimeout bounds one connection attempt (ZMQ_CONNECT_TIMEOUT);
	// zero means the operating system's own limit.
	ConnectTimeout time.Duration

	// TOS is the IP type-of-service byte of the connection's packets
	// (ZMQ_TOS: IP_TOS, and IPV6_TCLASS over IPv6) when positive.
	TOS int

	// BindToDevice ties the socket to one network interface, "eth0"
	// (ZMQ_BINDTODEVICE: SO_BINDTODEVICE, Linux only, usually needs
	// CAP_NET_RAW) when not empty.
	BindToDevice string

	// TCPMaxRT is how long sent data may stay unacknowledged before the
	// connection is dropped (ZMQ_TCP_MAXRT: TCP_USER_TIMEOUT on Linux) when
	// positive.
	TCPMaxRT time.Duration

	// Backlog is the listen queue's length (ZMQ_BACKLOG) when positive;
	// zero leaves the operating system's default. The core passes libzmq's
	// default, 100.
	Backlog int

	// SocketType is the ZMTP name of the socket that binds or connects
	// ("PUB", "SUB", ...), set by the core, so that a transport that serves
	// some patterns only (pgm and norm: PUB, XPUB, SUB, XSUB) refuses the
	// others at bind and connect, as libzmq does.
	SocketType string

	// The multicast transports' settings (pgm, epgm, norm), with libzmq's
	// names; zero means libzmq's default, given beside each.
	Rate             int           // ZMQ_RATE: the sender's rate in kbit/s (100)
	RecoveryIvl      time.Duration // ZMQ_RECOVERY_IVL: how long a sender can repair (10 s)
	MulticastHops    int           // ZMQ_MULTICAST_HOPS: the packets' time-to-live (1)
	MulticastMaxTPDU int           // ZMQ_MULTICAST_MAXTPDU: the largest packet, in bytes (1500)

	// Extra carries transport-specific settings by name, for options the
	// contract does not know (a plugin documents the names it reads).
	Extra map[string]string
}

// Validator is implemented by drivers that can check an address without
// using it, so that Connect reports a malformed endpoint at once, as
// libzmq's zmq_connect does, rather than in every reconnect attempt.
type Validator interface {
	// Validate checks ep for a bind (bind true) or a connect. Its errors
	// wrap ErrBadEndpoint (or ErrNoSuchDevice).
	Validate(ep Endpoint, bind bool) error
}

// Drainer is implemented by drivers with work left when the host stops the
// plugin: a multicast sender whose socket has closed still answers its
// receivers' repair requests. Serve calls Drain once the host has asked the
// plugin to stop, and exits when it returns; deadline is when the host
// would kill the process, and Drain must return by then.
type Drainer interface {
	Drain(deadline time.Time)
}
