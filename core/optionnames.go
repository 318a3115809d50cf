package core

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zeroplug/zeroplug/sdk/zmtp/curve"
)

// Options by libzmq's names: one table says, for each option, how to set it
// from text (the command line's -o NAME=VALUE) and how to read it back
// (Socket.Option). The setters themselves stay the typed functions above;
// the table only adapts them, so that each rule lives once.

// optionKind is the Go type an option's value has in Socket.Option, and the
// text form ParseOption reads.
type optionKind int

const (
	kindInt     optionKind = iota // int; text: a decimal integer
	kindInt64                     // int64; text: a decimal integer
	kindBool                      // bool; text: 1, 0, true or false
	kindMillis                    // time.Duration; text: milliseconds as libzmq counts them (-1: infinite)
	kindSeconds                   // time.Duration; text: seconds as libzmq counts them
	kindBytes                     // []byte; text: the bytes as given
	kindString                    // string; text: as given
)

// optionSpec is one option by libzmq's name (without the ZMQ_ prefix).
type optionSpec struct {
	name string
	kind optionKind
	// set makes the Option from a value of the kind's Go type; nil for a
	// read-only option.
	set func(v any) Option
	// get reads the value from the socket and its current snapshot; nil for
	// a write-only option (SUBSCRIBE).
	get func(s *Socket, o *options) any
}

// optionTables are the tables every lookup searches, in order. A file that
// adds options of its own appends its table here in an init function, so
// that no single file has to know every option.
var optionTables = [][]optionSpec{baseOptions}

// lookupOption finds an option by name: case does not matter, and a ZMQ_
// prefix may be given.
func lookupOption(name string) (optionSpec, bool) {
	n := strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(name)), "ZMQ_")
	for _, t := range optionTables {
		for _, spec := range t {
			if spec.name == n {
				return spec, true
			}
		}
	}
	return optionSpec{}, false
}

// OptionNames lists every option name that ParseOption or Socket.Option
// knows, sorted.
func OptionNames() []string {
	var names []string
	for _, t := range optionTables {
		for _, spec := range t {
			names = append(names, spec.name)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// ParseOption makes the Option that libzmq's name and a value in text set:
// ParseOption("SNDHWM", "10"), ParseOption("ROUTING_ID", "w1"). Durations
// are in libzmq's units (milliseconds, or seconds for the TCP_KEEPALIVE
// times), -1 meaning infinite; booleans are 1, 0, true or false.
func ParseOption(name, value string) (Option, error) {
	spec, ok := lookupOption(name)
	if !ok {
		return nil, fmt.Errorf("%w: no socket option %q", ErrInvalid, name)
	}
	if spec.set == nil {
		return nil, fmt.Errorf("%w: %s can only be read", ErrInvalid, spec.name)
	}
	v, err := parseOptionValue(spec.kind, value)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, spec.name, err)
	}
	return spec.set(v), nil
}

func parseOptionValue(k optionKind, text string) (any, error) {
	switch k {
	case kindInt:
		return strconv.Atoi(strings.TrimSpace(text))
	case kindInt64:
		return strconv.ParseInt(strings.TrimSpace(text), 10, 64)
	case kindBool:
		switch strings.ToLower(strings.TrimSpace(text)) {
		case "1", "true", "on", "yes":
			return true, nil
		case "0", "false", "off", "no":
			return false, nil
		}
		return nil, fmt.Errorf("%q is not a boolean (1, 0, true or false)", text)
	case kindMillis, kindSeconds:
		n, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
		if err != nil {
			return nil, err
		}
		unit := time.Millisecond
		if k == kindSeconds {
			unit = time.Second
		}
		if n < 0 {
			return time.Duration(-1), nil
		}
		return time.Duration(n) * unit, nil
	case kindBytes:
		return []byte(text), nil
	default:
		return text, nil
	}
}

// Option reads a socket option by libzmq's name (see OptionNames), as
// zmq_getsockopt does. The value's Go type follows the option: int
// (SNDHWM), int64 (MAXMSGSIZE), bool (IMMEDIATE), time.Duration (LINGER,
// negative meaning infinite), []byte (ROUTING_ID), string (CURVE keys in
// Z85, LAST_ENDPOINT, MECHANISM: "NULL", "PLAIN" or "CURVE") or []string
// (METADATA, as "X-Name:value"). EVENTS is PollIn|PollOut as an int, 1 and
// 2 as in libzmq, from the readiness a Poller sees. RCVMORE is not an
// option here: Recv returns whole messages.
func (s *Socket) Option(name string) (any, error) {
	spec, ok := lookupOption(name)
	if !ok {
		return nil, fmt.Errorf("%w: no socket option %q", ErrInvalid, name)
	}
	if spec.get == nil {
		return nil, fmt.Errorf("%w: %s can only be set", ErrInvalid, spec.name)
	}
	if s.closed.Load() {
		return nil, ErrClosed
	}
	return spec.get(s, s.options()), nil
}

// The adapters from a typed setter to a table entry.

func intOpt(name string, set func(int) Option, get func(*options) int) optionSpec {
	return optionSpec{name: name, kind: kindInt,
		set: func(v any) Option { return set(v.(int)) },
		get: func(_ *Socket, o *options) any { return get(o) }}
}

func boolOpt(name string, set func(bool) Option, get func(*options) bool) optionSpec {
	return optionSpec{name: name, kind: kindBool,
		set: func(v any) Option { return set(v.(bool)) },
		get: func(_ *Socket, o *options) any { return get(o) }}
}

func durOpt(name string, k optionKind, set func(time.Duration) Option, get func(*options) time.Duration) optionSpec {
	return optionSpec{name: name, kind: k,
		set: func(v any) Option { return set(v.(time.Duration)) },
		get: func(_ *Socket, o *options) any { return get(o) }}
}

func stringOpt(name string, set func(string) Option, get func(*options) string) optionSpec {
	spec := optionSpec{name: name, kind: kindString, set: func(v any) Option { return set(v.(string)) }}
	if get != nil {
		spec.get = func(_ *Socket, o *options) any { return get(o) }
	}
	return spec
}

func bytesOpt(name string, set func([]byte) Option, get func(*options) []byte) optionSpec {
	return optionSpec{name: name, kind: kindBytes,
		set: func(v any) Option { return set(v.([]byte)) },
		get: func(_ *Socket, o *options) any { return slices.Clone(get(o)) }}
}

func readOnly(name string, k optionKind, get func(s *Socket, o *options) any) optionSpec {
	return optionSpec{name: name, kind: k, get: get}
}

// baseOptions are the options of options.go and security.go.
var baseOptions = []optionSpec{
	intOpt("SNDHWM", SendHWM, func(o *options) int { return o.sendHWM }),
	intOpt("RCVHWM", RecvHWM, func(o *options) int { return o.recvHWM }),
	durOpt("LINGER", kindMillis, Linger, func(o *options) time.Duration { return o.linger }),
	durOpt("RECONNECT_IVL", kindMillis, ReconnectInterval, func(o *options) time.Duration { return o.reconnectIvl }),
	durOpt("RECONNECT_IVL_MAX", kindMillis, ReconnectIntervalMax, func(o *options) time.Duration { return o.reconnectIvlMax }),
	bytesOpt("ROUTING_ID", RoutingID, func(o *options) []byte { return o.routingID }),
	bytesOpt("IDENTITY", RoutingID, func(o *options) []byte { return o.routingID }),
	{name: "MAXMSGSIZE", kind: kindInt64,
		set: func(v any) Option { return MaxMsgSize(v.(int64)) },
		get: func(_ *Socket, o *options) any { return o.maxMsgSize }},
	boolOpt("IMMEDIATE", Immediate, func(o *options) bool { return o.immediate }),
	intOpt("MULTICAST_HOPS", MulticastHops, func(o *options) int { return o.transport.MulticastHops }),
	boolOpt("MULTICAST_LOOP", MulticastLoop, func(o *options) bool { return o.multicastLoop }),
	boolOpt("ROUTER_MANDATORY", RouterMandatory, func(o *options) bool { return o.routerMandatory }),
	boolOpt("ROUTER_HANDOVER", RouterHandover, func(o *options) bool { return o.routerHandover }),
	boolOpt("XPUB_VERBOSE", XPubVerbose, func(o *options) bool { return o.xpubVerbose }),
	boolOpt("XPUB_VERBOSER", XPubVerboser, func(o *options) bool { return o.xpubVerboser }),
	boolOpt("XPUB_NODROP", XPubNoDrop, func(o *options) bool { return o.xpubNoDrop }),
	boolOpt("REQ_CORRELATE", ReqCorrelate, func(o *options) bool { return o.reqCorrelate }),
	boolOpt("REQ_RELAXED", ReqRelaxed, func(o *options) bool { return o.reqRelaxed }),
	boolOpt("STREAM_NOTIFY", StreamNotify, func(o *options) bool { return o.streamNotify }),
	durOpt("SNDTIMEO", kindMillis, SendTimeout, func(o *options) time.Duration { return o.sendTimeout }),
	durOpt("RCVTIMEO", kindMillis, RecvTimeout, func(o *options) time.Duration { return o.recvTimeout }),
	durOpt("HEARTBEAT_IVL", kindMillis, HeartbeatInterval, func(o *options) time.Duration { return o.heartbeatIvl }),
	durOpt("HEARTBEAT_TTL", kindMillis, HeartbeatTTL, func(o *options) time.Duration { return o.heartbeatTTL }),
	durOpt("HEARTBEAT_TIMEOUT", kindMillis, HeartbeatTimeout, func(o *options) time.Duration { return o.heartbeatTimeout }),
	durOpt("HANDSHAKE_IVL", kindMillis, HandshakeInterval, func(o *options) time.Duration { return o.handshakeIvl }),
	boolOpt("CONFLATE", Conflate, func(o *options) bool { return o.conflate }),
	boolOpt("IPV6", IPv6, func(o *options) bool { return o.transport.IPv6 }),
	intOpt("TCP_KEEPALIVE", TCPKeepAlive, func(o *options) int { return o.transport.TCPKeepAlive }),
	durOpt("TCP_KEEPALIVE_IDLE", kindSeconds, TCPKeepAliveIdle, func(o *options) time.Duration { return o.transport.TCPKeepAliveIdle }),
	durOpt("TCP_KEEPALIVE_INTVL", kindSeconds, TCPKeepAliveInterval, func(o *options) time.Duration { return o.transport.TCPKeepAliveIntvl }),
	intOpt("TCP_KEEPALIVE_CNT", TCPKeepAliveCount, func(o *options) int { return o.transport.TCPKeepAliveCount }),
	intOpt("SNDBUF", SendBuffer, func(o *options) int { return o.transport.SendBuffer }),
	intOpt("RCVBUF", RecvBuffer, func(o *options) int { return o.transport.RecvBuffer }),
	durOpt("CONNECT_TIMEOUT", kindMillis, ConnectTimeout, func(o *options) time.Duration { return o.transport.ConnectTimeout }),
	boolOpt("PLAIN_SERVER", PlainServer, func(o *options) bool { return o.security.mechanism == "PLAIN" && o.security.server }),
	stringOpt("PLAIN_USERNAME", PlainUsername, func(o *options) string { return o.security.username }),
	stringOpt("PLAIN_PASSWORD", PlainPassword, func(o *options) string { return o.security.password }),
	boolOpt("CURVE_SERVER", CurveServer, func(o *options) bool { return o.security.mechanism == "CURVE" && o.security.server }),
	stringOpt("ZAP_DOMAIN", ZAPDomain, func(o *options) string { return o.security.zapDomain }),
	stringOpt("CURVE_SECRETKEY", CurveSecretKey, func(o *options) string { return z85Key(o.security.curveSecret) }),
	stringOpt("CURVE_PUBLICKEY", CurvePublicKey, curvePublicKey),
	stringOpt("CURVE_SERVERKEY", CurveServerKey, func(o *options) string { return z85Key(o.security.curveServer) }),
	readOnly("MECHANISM", kindString, func(_ *Socket, o *options) any { return mechanismName(o) }),
	readOnly("TYPE", kindInt, func(s *Socket, _ *options) any { return int(s.typ) }),
	readOnly("LAST_ENDPOINT", kindString, func(s *Socket, _ *options) any { return s.LastEndpoint() }),
	readOnly("EVENTS", kindInt, func(s *Socket, _ *options) any { return int(s.poll(PollIn | PollOut)) }),
}

// z85Key is a CURVE key as zmq_getsockopt gives it with a 41-byte buffer:
// its 40 Z85 characters. A key not set reads back empty rather than as
// the Z85 of 32 zero bytes that libzmq returns, which no caller could use.
func z85Key(k curve.Key) string {
	if k.IsZero() {
		return ""
	}
	return k.String()
}

// curvePublicKey is CURVE_PUBLICKEY: the key set, else the one the secret
// key implies (a client given only a server key generated both).
func curvePublicKey(o *options) string {
	sec := &o.security
	if sec.curvePublic.IsZero() && !sec.curveSecret.IsZero() {
		return curve.PublicFromSecret(sec.curveSecret).String()
	}
	return z85Key(sec.curvePublic)
}

// mechanismName is MECHANISM by name, where libzmq gives ZMQ_NULL (0),
// ZMQ_PLAIN (1) or ZMQ_CURVE (2).
func mechanismName(o *options) string {
	if o.security.mechanism == "" {
		return "NULL"
	}
	return o.security.mechanism
}
