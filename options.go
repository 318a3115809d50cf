package zeroplug

// Socket options, by libzmq's names: each function is one ZMQ_* option, given
// to NewSocket or Socket.SetOption.

import (
	"time"

	"github.com/zeroplug/zeroplug/core"
)

// Option sets one socket option, at NewSocket or with Socket.SetOption.
type Option = core.Option

// ParseOption makes the Option that libzmq's name and a value in text set:
// ParseOption("SNDHWM", "10"), ParseOption("ROUTING_ID", "w1"). Durations
// are in libzmq's units (milliseconds, or seconds for the TCP_KEEPALIVE
// times), -1 meaning infinite; booleans are 1, 0, true or false.
func ParseOption(name, value string) (Option, error) { return core.ParseOption(name, value) }

// OptionNames lists every option name that ParseOption or Socket.Option
// knows, sorted.
func OptionNames() []string { return core.OptionNames() }

// Conflate is ZMQ_CONFLATE: keep only the last message in each queue
// (for PULL, SUB, PUSH, PUB, DEALER and PAIR; single-frame messages only).
// It is fixed when the socket is made: SetOption cannot change it.
func Conflate(on bool) Option { return core.Conflate(on) }

// ConnectTimeout is ZMQ_CONNECT_TIMEOUT: the limit of one connection
// attempt; zero leaves it to the operating system.
func ConnectTimeout(d time.Duration) Option { return core.ConnectTimeout(d) }

// CurvePublicKey is ZMQ_CURVE_PUBLICKEY: a CURVE client's long-term public
// key (derived from the secret key when not set).
func CurvePublicKey(key string) Option { return core.CurvePublicKey(key) }

// CurveSecretKey is ZMQ_CURVE_SECRETKEY: the socket's long-term secret key,
// as 32 bytes or 40 characters of Z85.
func CurveSecretKey(key string) Option { return core.CurveSecretKey(key) }

// CurveServer is ZMQ_CURVE_SERVER: the socket is a CURVE server; it needs
// CurveSecretKey.
func CurveServer(on bool) Option { return core.CurveServer(on) }

// CurveServerKey is ZMQ_CURVE_SERVERKEY: the socket is a CURVE client of
// the server with this public key. Without CurveSecretKey it uses a fresh
// key pair of its own.
func CurveServerKey(key string) Option { return core.CurveServerKey(key) }

// HandshakeInterval is ZMQ_HANDSHAKE_IVL: a peer must complete the ZMTP
// handshake within this (default 30 s); zero means no limit.
func HandshakeInterval(d time.Duration) Option { return core.HandshakeInterval(d) }

// HeartbeatInterval is ZMQ_HEARTBEAT_IVL: send a ZMTP PING this often.
// Zero (default) sends none.
func HeartbeatInterval(d time.Duration) Option { return core.HeartbeatInterval(d) }

// HeartbeatTTL is ZMQ_HEARTBEAT_TTL: ask peers to drop the connection when
// they hear nothing for this long (sent in each PING; up to 6553.5 s).
func HeartbeatTTL(d time.Duration) Option { return core.HeartbeatTTL(d) }

// HeartbeatTimeout is ZMQ_HEARTBEAT_TIMEOUT: drop a connection that sends
// nothing for this long after a PING. Zero means the interval.
func HeartbeatTimeout(d time.Duration) Option { return core.HeartbeatTimeout(d) }

// IPv6 is ZMQ_IPV6: resolve names and wildcards to IPv6 as well as IPv4.
func IPv6(on bool) Option { return core.IPv6(on) }

// Immediate is ZMQ_IMMEDIATE: queue messages only for peers whose
// connection is complete, rather than for every connect at once.
func Immediate(on bool) Option { return core.Immediate(on) }

// Linger is ZMQ_LINGER: how long Close waits for queued messages to be
// sent. Negative waits for ever (the default, as libzmq), zero discards.
func Linger(d time.Duration) Option { return core.Linger(d) }

// MaxMsgSize is ZMQ_MAXMSGSIZE: a peer sending a larger frame is
// disconnected. Negative (the default) means no limit.
func MaxMsgSize(n int64) Option { return core.MaxMsgSize(n) }

// PlainPassword is ZMQ_PLAIN_PASSWORD, for a PLAIN client.
func PlainPassword(password string) Option { return core.PlainPassword(password) }

// PlainServer is ZMQ_PLAIN_SERVER: the socket is a PLAIN server, which
// asks the context's authenticator about each client (RFC 24, 27).
func PlainServer(on bool) Option { return core.PlainServer(on) }

// PlainUsername is ZMQ_PLAIN_USERNAME: the socket is a PLAIN client with
// this user name.
func PlainUsername(user string) Option { return core.PlainUsername(user) }

// ReconnectInterval is ZMQ_RECONNECT_IVL: the pause before reconnecting a
// lost or refused connection (default 100 ms); negative never reconnects.
func ReconnectInterval(d time.Duration) Option { return core.ReconnectInterval(d) }

// ReconnectIntervalMax is ZMQ_RECONNECT_IVL_MAX: when larger than the
// interval, each failed attempt doubles the pause up to this. Default 0: no
// backoff.
func ReconnectIntervalMax(d time.Duration) Option { return core.ReconnectIntervalMax(d) }

// RecvBuffer is ZMQ_RCVBUF: the kernel's receive buffer size, in bytes.
func RecvBuffer(n int) Option { return core.RecvBuffer(n) }

// RecvHWM is ZMQ_RCVHWM: how many received messages may wait for each peer
// before the socket stops reading from it. 0 means no limit. Default 1000.
func RecvHWM(n int) Option { return core.RecvHWM(n) }

// RecvTimeout is ZMQ_RCVTIMEO: how long Recv may block before ErrAgain.
func RecvTimeout(d time.Duration) Option { return core.RecvTimeout(d) }

// ReqCorrelate is ZMQ_REQ_CORRELATE: a REQ tags each request with an id and
// accepts only the reply that carries it.
func ReqCorrelate(on bool) Option { return core.ReqCorrelate(on) }

// ReqRelaxed is ZMQ_REQ_RELAXED: a REQ may send a new request without
// waiting for the reply to the last one, which is then discarded.
func ReqRelaxed(on bool) Option { return core.ReqRelaxed(on) }

// RouterHandover is ZMQ_ROUTER_HANDOVER: a new peer with a routing id
// already in use takes it over, instead of being ignored.
func RouterHandover(on bool) Option { return core.RouterHandover(on) }

// RouterMandatory is ZMQ_ROUTER_MANDATORY: a ROUTER reports
// ErrHostUnreachable for an unknown routing id, and blocks (or ErrAgain)
// at the high-water mark, instead of dropping silently.
func RouterMandatory(on bool) Option { return core.RouterMandatory(on) }

// RoutingID is ZMQ_ROUTING_ID (once ZMQ_IDENTITY): the name a ROUTER peer
// knows this socket by. 1 to 255 bytes, not starting with a zero byte.
func RoutingID(id []byte) Option { return core.RoutingID(id) }

// SendBuffer is ZMQ_SNDBUF: the kernel's send buffer size, in bytes.
func SendBuffer(n int) Option { return core.SendBuffer(n) }

// SendHWM is ZMQ_SNDHWM: how many messages may wait for each peer before
// the socket blocks or drops (by type). 0 means no limit. Default 1000.
func SendHWM(n int) Option { return core.SendHWM(n) }

// SendTimeout is ZMQ_SNDTIMEO: how long Send may block before ErrAgain.
// Negative (default) blocks for ever; zero never blocks.
func SendTimeout(d time.Duration) Option { return core.SendTimeout(d) }

// StreamNotify is ZMQ_STREAM_NOTIFY: a STREAM socket reports each connect
// and disconnect as an empty message (default on).
func StreamNotify(on bool) Option { return core.StreamNotify(on) }

// Subscribe is ZMQ_SUBSCRIBE as an option at creation: a SUB or XSUB
// starts with this subscription. Socket.Subscribe does the same later.
func Subscribe(prefix string) Option { return core.Subscribe(prefix) }

// TCPKeepAlive is ZMQ_TCP_KEEPALIVE: -1 the system default, 0 off, 1 on.
func TCPKeepAlive(mode int) Option { return core.TCPKeepAlive(mode) }

// TCPKeepAliveCount is ZMQ_TCP_KEEPALIVE_CNT.
func TCPKeepAliveCount(n int) Option { return core.TCPKeepAliveCount(n) }

// TCPKeepAliveIdle is ZMQ_TCP_KEEPALIVE_IDLE.
func TCPKeepAliveIdle(d time.Duration) Option { return core.TCPKeepAliveIdle(d) }

// TCPKeepAliveInterval is ZMQ_TCP_KEEPALIVE_INTVL.
func TCPKeepAliveInterval(d time.Duration) Option { return core.TCPKeepAliveInterval(d) }

// TransportOption passes a setting by name to the transports that know it
// (a plugin documents its own names).
func TransportOption(name, value string) Option { return core.TransportOption(name, value) }

// XPubNoDrop is ZMQ_XPUB_NODROP: at the high-water mark an XPUB blocks (or
// returns ErrAgain) instead of dropping.
func XPubNoDrop(on bool) Option { return core.XPubNoDrop(on) }

// XPubVerbose is ZMQ_XPUB_VERBOSE: pass every subscription to the
// application, not only the first for each topic.
func XPubVerbose(on bool) Option { return core.XPubVerbose(on) }

// XPubVerboser is ZMQ_XPUB_VERBOSER: as XPubVerbose, and every
// unsubscription too.
func XPubVerboser(on bool) Option { return core.XPubVerboser(on) }

// ZAPDomain is ZMQ_ZAP_DOMAIN: the domain in this socket's ZAP requests.
// With a domain set, even a NULL socket asks the authenticator.
func ZAPDomain(domain string) Option { return core.ZAPDomain(domain) }

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

// ReconnectStopAfterDisconnect: do not reconnect after Disconnect.
// Disconnect always ends the connect's retries here, so the flag only
// keeps libzmq's value valid. (libzmq 4.3.4's header says 3, a bug
// that 4.3.5 fixed to 4.)
const ReconnectStopAfterDisconnect = core.ReconnectStopAfterDisconnect

// ReconnectStopConnRefused: stop when the peer refuses the connection
// (ECONNREFUSED: nothing listens there).
const ReconnectStopConnRefused = core.ReconnectStopConnRefused

// ReconnectStopFlags say when a connect stops retrying (ZMQ_RECONNECT_STOP),
// with the values of libzmq's draft API.
type ReconnectStopFlags = core.ReconnectStopFlags

// ReconnectStopHandshakeFailed: stop when the ZMTP handshake fails: a
// peer that is not ZMTP, one that breaks the protocol, a refusal by
// the server's authenticator, or a handshake timed out. libzmq 4.3.4
// stops after a protocol error or a refusal even without the flag;
// zeroplug retries every failure unless told, since a refusal may be
// lifted (a client's key admitted) while the client runs.
const ReconnectStopHandshakeFailed = core.ReconnectStopHandshakeFailed

// TCPMaxRT is ZMQ_TCP_MAXRT: a tcp connection whose sent data stays
// unacknowledged this long is dropped (TCP_USER_TIMEOUT, counted in
// milliseconds as libzmq does). Zero, the default, leaves the system's.
func TCPMaxRT(d time.Duration) Option { return core.TCPMaxRT(d) }

// TOS is ZMQ_TOS: the IP type-of-service byte (DSCP and ECN) of the
// socket's tcp packets, IP_TOS (and IPV6_TCLASS over IPv6), on the sockets
// it connects and binds. Default 0: the system's.
func TOS(tos int) Option { return core.TOS(tos) }

// ConnectRoutingID is ZMQ_CONNECT_ROUTING_ID: a ROUTER or STREAM names the
// peer of its next Connect by id instead of the id the peer announces (or
// one made up). Connect consumes it; it fails with ErrInvalid if the id is
// in use. 1 to 255 bytes, not starting with a zero byte; empty clears it.
func ConnectRoutingID(id []byte) Option { return core.ConnectRoutingID(id) }

// InvertMatching is ZMQ_INVERT_MATCHING: a PUB or XPUB sends each message
// to the peers with no subscription matching it, and a SUB keeps the
// messages no subscription matches. Both ends must agree: a PUB with it
// and a SUB without filter twice and deliver nothing useful.
func InvertMatching(on bool) Option { return core.InvertMatching(on) }

// NotifyConnect reports each new connection's peer (ZMQ_NOTIFY_CONNECT).
const NotifyConnect = core.NotifyConnect

// NotifyDisconnect reports each lost one (ZMQ_NOTIFY_DISCONNECT).
const NotifyDisconnect = core.NotifyDisconnect

// NotifyFlags say which peer events a ROUTER reports (RouterNotify).
type NotifyFlags = core.NotifyFlags

// ProbeRouter is ZMQ_PROBE_ROUTER: a ROUTER, DEALER or REQ sends an empty
// message to each peer as its connection is made, so that a ROUTER peer
// learns the routing id at once.
func ProbeRouter(on bool) Option { return core.ProbeRouter(on) }

// RouterNotify is ZMQ_ROUTER_NOTIFY: a ROUTER receives [routing id, ""]
// when a peer's connection completes its handshake (NotifyConnect) and
// when it ends (NotifyDisconnect). As in libzmq, only connections (tcp,
// ipc, plugins) notify, not inproc, and a notification that finds the
// peer's queue at its high-water mark is lost.
func RouterNotify(flags NotifyFlags) Option { return core.RouterNotify(flags) }

// Unsubscribe is ZMQ_UNSUBSCRIBE as an option: Socket.Unsubscribe through
// SetOption (or ParseOption).
func Unsubscribe(prefix string) Option { return core.Unsubscribe(prefix) }

// XPubManual is ZMQ_XPUB_MANUAL: an XPUB applies no subscription itself.
// The application receives every subscription and unsubscription and
// decides: Socket.Subscribe and Unsubscribe (or the SUBSCRIBE option) on
// the XPUB then apply to the peer the last received one came from.
func XPubManual(on bool) Option { return core.XPubManual(on) }

// XPubWelcomeMsg is ZMQ_XPUB_WELCOME_MSG: an XPUB sends this message to
// each new peer as soon as it is connected, before anything else (a SUB
// sees it only if it subscribes to a prefix of it). Empty means none, the
// default, as in libzmq.
func XPubWelcomeMsg(m []byte) Option { return core.XPubWelcomeMsg(m) }
