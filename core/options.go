package core

import (
	"fmt"
	"time"

	"github.com/zeroplug/zeroplug/sdk"
	"github.com/zeroplug/zeroplug/sdk/zmtp"
)

// options are a socket's settings, with libzmq's defaults. Most apply to
// connections made after they are set, as in libzmq.
type options struct {
	sendHWM, recvHWM int
	linger           time.Duration // negative: wait for ever
	reconnectIvl     time.Duration // negative: do not reconnect
	reconnectIvlMax  time.Duration
	routingID        []byte
	maxMsgSize       int64
	immediate        bool
	routerMandatory  bool
	routerHandover   bool
	xpubVerbose      bool
	xpubVerboser     bool
	xpubNoDrop       bool
	reqCorrelate     bool
	reqRelaxed       bool
	streamNotify     bool
	sendTimeout      time.Duration // negative: block for ever
	recvTimeout      time.Duration
	heartbeatIvl     time.Duration
	heartbeatTTL     time.Duration
	heartbeatTimeout time.Duration // zero: the interval
	handshakeIvl     time.Duration
	conflate         bool
	reconnectStop    ReconnectStopFlags
	metadata         zmtp.Metadata // ZMQ_METADATA: X- properties for the handshake
	transport        sdk.Options

	// udp:// multicast (options_udp.go)
	multicastLoop bool
	patterns      patternOptions
	security      security
}

func defaultOptions() options {
	return options{
		sendHWM:      1000,
		recvHWM:      1000,
		linger:       -1,
		reconnectIvl: 100 * time.Millisecond,
		maxMsgSize:   -1,
		streamNotify: true,
		sendTimeout:  -1,
		recvTimeout:  -1,
		handshakeIvl: 30 * time.Second,
		transport: sdk.Options{TCPKeepAlive: -1, Backlog: defaultBacklog,
			Rate: defaultRate, RecoveryIvl: defaultRecoveryIvl, MulticastHops: 1, MulticastMaxTPDU: defaultMaxTPDU},
		reconnectIvlMax: 0,
		multicastLoop:   true,
	}
}

// Option sets one socket option, at NewSocket or with Socket.SetOption.
type Option func(*options) error

func nonNegative(name string, n int) error {
	if n < 0 {
		return fmt.Errorf("%w: %s of %d", ErrInvalid, name, n)
	}
	return nil
}

func positive(name string, n int) error {
	if n <= 0 {
		return fmt.Errorf("%w: %s of %d", ErrInvalid, name, n)
	}
	return nil
}

// SendHWM is ZMQ_SNDHWM: how many messages may wait for each peer before
// the socket blocks or drops (by type). 0 means no limit. Default 1000.
func SendHWM(n int) Option {
	return func(o *options) error { o.sendHWM = n; return nonNegative("SNDHWM", n) }
}

// RecvHWM is ZMQ_RCVHWM: how many received messages may wait for each peer
// before the socket stops reading from it. 0 means no limit. Default 1000.
func RecvHWM(n int) Option {
	return func(o *options) error { o.recvHWM = n; return nonNegative("RCVHWM", n) }
}

// Linger is ZMQ_LINGER: how long Close waits for queued messages to be
// sent. Negative waits for ever (the default, as libzmq), zero discards.
func Linger(d time.Duration) Option { return func(o *options) error { o.linger = d; return nil } }

// ReconnectInterval is ZMQ_RECONNECT_IVL: the pause before reconnecting a
// lost or refused connection (default 100 ms); negative never reconnects.
func ReconnectInterval(d time.Duration) Option {
	return func(o *options) error { o.reconnectIvl = d; return nil }
}

// ReconnectIntervalMax is ZMQ_RECONNECT_IVL_MAX: when larger than the
// interval, each failed attempt doubles the pause up to this. Default 0: no
// backoff.
func ReconnectIntervalMax(d time.Duration) Option {
	return func(o *options) error { o.reconnectIvlMax = d; return nil }
}

// RoutingID is ZMQ_ROUTING_ID (once ZMQ_IDENTITY): the name a ROUTER peer
// knows this socket by. 1 to 255 bytes, not starting with a zero byte.
func RoutingID(id []byte) Option {
	return func(o *options) error {
		if len(id) == 0 || len(id) > 255 || id[0] == 0 {
			return fmt.Errorf("%w: a routing id is 1 to 255 bytes and does not start with 0", ErrInvalid)
		}
		o.routingID = append([]byte(nil), id...)
		return nil
	}
}

// MaxMsgSize is ZMQ_MAXMSGSIZE: a peer sending a larger frame is
// disconnected. Negative (the default) means no limit.
func MaxMsgSize(n int64) Option { return func(o *options) error { o.maxMsgSize = n; return nil } }

// Immediate is ZMQ_IMMEDIATE: queue messages only for peers whose
// connection is complete, rather than for every connect at once.
func Immediate(on bool) Option { return func(o *options) error { o.immediate = on; return nil } }

// RouterMandatory is ZMQ_ROUTER_MANDATORY: a ROUTER reports
// ErrHostUnreachable for an unknown routing id, and blocks (or ErrAgain)
// at the high-water mark, instead of dropping silently.
func RouterMandatory(on bool) Option {
	return func(o *options) error { o.routerMandatory = on; return nil }
}

// RouterHandover is ZMQ_ROUTER_HANDOVER: a new peer with a routing id
// already in use takes it over, instead of being ignored.
func RouterHandover(on bool) Option {
	return func(o *options) error { o.routerHandover = on; return nil }
}

// XPubVerbose is ZMQ_XPUB_VERBOSE: pass every subscription to the
// application, not only the first for each topic.
func XPubVerbose(on bool) Option { return func(o *options) error { o.xpubVerbose = on; return nil } }

// XPubVerboser is ZMQ_XPUB_VERBOSER: as XPubVerbose, and every
// unsubscription too.
func XPubVerboser(on bool) Option {
	return func(o *options) error { o.xpubVerboser = on; o.xpubVerbose = o.xpubVerbose || on; return nil }
}

// XPubNoDrop is ZMQ_XPUB_NODROP: at the high-water mark an XPUB (or, as in
// libzmq, a RADIO) blocks (or returns ErrAgain) instead of dropping.
func XPubNoDrop(on bool) Option { return func(o *options) error { o.xpubNoDrop = on; return nil } }

// ReqCorrelate is ZMQ_REQ_CORRELATE: a REQ tags each request with an id and
// accepts only the reply that carries it.
func ReqCorrelate(on bool) Option { return func(o *options) error { o.reqCorrelate = on; return nil } }

// ReqRelaxed is ZMQ_REQ_RELAXED: a REQ may send a new request without
// waiting for the reply to the last one, which is then discarded.
func ReqRelaxed(on bool) Option { return func(o *options) error { o.reqRelaxed = on; return nil } }

// StreamNotify is ZMQ_STREAM_NOTIFY: a STREAM socket reports each connect
// and disconnect as an empty message (default on).
func StreamNotify(on bool) Option { return func(o *options) error { o.streamNotify = on; return nil } }

// SendTimeout is ZMQ_SNDTIMEO: how long Send may block before ErrAgain.
// Negative (default) blocks for ever; zero never blocks.
func SendTimeout(d time.Duration) Option {
	return func(o *options) error { o.sendTimeout = d; return nil }
}

// RecvTimeout is ZMQ_RCVTIMEO: how long Recv may block before ErrAgain.
func RecvTimeout(d time.Duration) Option {
	return func(o *options) error { o.recvTimeout = d; return nil }
}

// HeartbeatInterval is ZMQ_HEARTBEAT_IVL: send a ZMTP PING this often.
// Zero (default) sends none.
func HeartbeatInterval(d time.Duration) Option {
	return func(o *options) error { o.heartbeatIvl = d; return nil }
}

// HeartbeatTTL is ZMQ_HEARTBEAT_TTL: ask peers to drop the connection when
// they hear nothing for this long (sent in each PING; up to 6553.5 s).
func HeartbeatTTL(d time.Duration) Option {
	return func(o *options) error {
		if d < 0 || d > 6553500*time.Millisecond {
			return fmt.Errorf("%w: HEARTBEAT_TTL of %v", ErrInvalid, d)
		}
		o.heartbeatTTL = d
		return nil
	}
}

// HeartbeatTimeout is ZMQ_HEARTBEAT_TIMEOUT: drop a connection that sends
// nothing for this long after a PING. Zero means the interval.
func HeartbeatTimeout(d time.Duration) Option {
	return func(o *options) error { o.heartbeatTimeout = d; return nil }
}

// HandshakeInterval is ZMQ_HANDSHAKE_IVL: a peer must complete the ZMTP
// handshake within this (default 30 s); zero means no limit.
func HandshakeInterval(d time.Duration) Option {
	return func(o *options) error { o.handshakeIvl = d; return nil }
}

// Conflate is ZMQ_CONFLATE: keep only the last message in each queue
// (for PULL, SUB, PUSH, PUB, DEALER and PAIR; single-frame messages only).
// It is fixed when the socket is made: SetOption cannot change it.
func Conflate(on bool) Option { return func(o *options) error { o.conflate = on; return nil } }

// IPv6 is ZMQ_IPV6: resolve names and wildcards to IPv6 as well as IPv4.
func IPv6(on bool) Option { return func(o *options) error { o.transport.IPv6 = on; return nil } }

// TCPKeepAlive is ZMQ_TCP_KEEPALIVE: -1 the system default, 0 off, 1 on.
func TCPKeepAlive(mode int) Option {
	return func(o *options) error {
		if mode < -1 || mode > 1 {
			return fmt.Errorf("%w: TCP_KEEPALIVE of %d", ErrInvalid, mode)
		}
		o.transport.TCPKeepAlive = mode
		return nil
	}
}

// TCPKeepAliveIdle is ZMQ_TCP_KEEPALIVE_IDLE.
func TCPKeepAliveIdle(d time.Duration) Option {
	return func(o *options) error { o.transport.TCPKeepAliveIdle = d; return nil }
}

// TCPKeepAliveInterval is ZMQ_TCP_KEEPALIVE_INTVL.
func TCPKeepAliveInterval(d time.Duration) Option {
	return func(o *options) error { o.transport.TCPKeepAliveIntvl = d; return nil }
}

// TCPKeepAliveCount is ZMQ_TCP_KEEPALIVE_CNT.
func TCPKeepAliveCount(n int) Option {
	return func(o *options) error { o.transport.TCPKeepAliveCount = n; return nil }
}

// SendBuffer is ZMQ_SNDBUF: the kernel's send buffer size, in bytes.
func SendBuffer(n int) Option {
	return func(o *options) error { o.transport.SendBuffer = n; return nil }
}

// RecvBuffer is ZMQ_RCVBUF: the kernel's receive buffer size, in bytes.
func RecvBuffer(n int) Option {
	return func(o *options) error { o.transport.RecvBuffer = n; return nil }
}

// ConnectTimeout is ZMQ_CONNECT_TIMEOUT: the limit of one connection
// attempt; zero leaves it to the operating system.
func ConnectTimeout(d time.Duration) Option {
	return func(o *options) error { o.transport.ConnectTimeout = d; return nil }
}

// TransportOption passes a setting by name to the transports that know it
// (a plugin documents its own names).
func TransportOption(name, value string) Option {
	return func(o *options) error {
		m := make(map[string]string, len(o.transport.Extra)+1)
		for k, v := range o.transport.Extra {
			m[k] = v
		}
		m[name] = value
		o.transport.Extra = m
		return nil
	}
}
