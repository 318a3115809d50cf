package zeroplug

// The transport and connection options: TOS, BINDTODEVICE, TCP_MAXRT,
// BACKLOG, RECONNECT_STOP and METADATA.

import (
	"time"

	"github.com/zeroplug/zeroplug/core"
)

// Backlog is ZMQ_BACKLOG: how many connections a bound tcp endpoint queues
// before the application accepts them. Default 100, as libzmq.
func Backlog(n int) Option { return core.Backlog(n) }

// BindToDevice is ZMQ_BINDTODEVICE: the socket's tcp connections use only
// this network interface ("eth0"), SO_BINDTODEVICE. Linux only, and the
// system asks for CAP_NET_RAW. Empty (the default) means any interface.
func BindToDevice(device string) Option { return core.BindToDevice(device) }

// Metadata is ZMQ_METADATA: a property sent to peers in the handshake,
// which they read on each message (Msg.Property; msg.get in pyzmq). The
// name starts with "X-", as libzmq requires, and is at most 255 of RFC
// 37's name characters; the value is not empty. Setting a name again
// replaces its value (libzmq keeps the first; replacing is what a caller
// setting it again means).
func Metadata(name, value string) Option { return core.Metadata(name, value) }

// ReconnectStop is ZMQ_RECONNECT_STOP: the cases in which a connect gives
// up instead of retrying every RECONNECT_IVL. A connect that gives up
// reports EventClosed to the monitor and drops what was queued for it.
// Default 0: retry for ever.
func ReconnectStop(flags ReconnectStopFlags) Option { return core.ReconnectStop(flags) }

// TCPMaxRT is ZMQ_TCP_MAXRT: a tcp connection whose sent data stays
// unacknowledged this long is dropped (TCP_USER_TIMEOUT, counted in
// milliseconds as libzmq does). Zero, the default, leaves the system's.
func TCPMaxRT(d time.Duration) Option { return core.TCPMaxRT(d) }

// TOS is ZMQ_TOS: the IP type-of-service byte (DSCP and ECN) of the
// socket's tcp packets, IP_TOS (and IPV6_TCLASS over IPv6), on the sockets
// it connects and binds. Default 0: the system's.
func TOS(tos int) Option { return core.TOS(tos) }

// ReconnectStopFlags say when a connect stops retrying (ZMQ_RECONNECT_STOP),
// with the values of libzmq's draft API.
type ReconnectStopFlags = core.ReconnectStopFlags

// The RECONNECT_STOP flags.
const (
	// ReconnectStopConnRefused: stop when the peer refuses the connection
	// (ECONNREFUSED: nothing listens there).
	ReconnectStopConnRefused = core.ReconnectStopConnRefused
	// ReconnectStopHandshakeFailed: stop when the ZMTP handshake fails: a
	// peer that is not ZMTP, one that breaks the protocol, a refusal by
	// the server's authenticator, or a handshake timed out. (libzmq 4.3.4
	// stops after a protocol error or a refusal even without the flag,
	// and retries only a connection lost or timed out in the handshake;
	// zeroplug retries every failure unless told, since a refusal may be
	// lifted, a client's key admitted, while the client runs.)
	ReconnectStopHandshakeFailed = core.ReconnectStopHandshakeFailed
	// ReconnectStopAfterDisconnect: do not reconnect after Disconnect.
	// Disconnect always ends the connect's retries here, so the flag only
	// keeps libzmq's value valid. (libzmq 4.3.4's header says 3, a bug
	// that 4.3.5 fixed to 4.)
	ReconnectStopAfterDisconnect = core.ReconnectStopAfterDisconnect
)
