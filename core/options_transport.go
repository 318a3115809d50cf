package core

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/zeroplug/zeroplug/sdk/zmtp"
)

// The transport and connection options beyond options.go: those the
// drivers apply to their sockets (TOS, BINDTODEVICE, TCP_MAXRT, BACKLOG),
// when a connect gives up (RECONNECT_STOP), and what the handshake tells
// the peer (METADATA).

// TOS is ZMQ_TOS: the IP type-of-service byte (DSCP and ECN) of the
// socket's tcp packets, IP_TOS (and IPV6_TCLASS over IPv6), on the sockets
// it connects and binds. Default 0: the system's.
func TOS(tos int) Option {
	return func(o *options) error {
		if tos < 0 || tos > 255 {
			return fmt.Errorf("%w: TOS of %d (0 to 255)", ErrInvalid, tos)
		}
		o.transport.TOS = tos
		return nil
	}
}

// BindToDevice is ZMQ_BINDTODEVICE: the socket's tcp connections use only
// this network interface ("eth0"), SO_BINDTODEVICE. Linux only, and the
// system asks for CAP_NET_RAW. Empty (the default) means any interface.
func BindToDevice(device string) Option {
	return func(o *options) error {
		// IFNAMSIZ is 16 with the terminating zero.
		if len(device) > 15 {
			return fmt.Errorf("%w: BINDTODEVICE %q is longer than an interface name", ErrInvalid, device)
		}
		o.transport.BindToDevice = device
		return nil
	}
}

// TCPMaxRT is ZMQ_TCP_MAXRT: a tcp connection whose sent data stays
// unacknowledged this long is dropped (TCP_USER_TIMEOUT, counted in
// milliseconds as libzmq does). Zero, the default, leaves the system's.
func TCPMaxRT(d time.Duration) Option {
	return func(o *options) error {
		if d < 0 {
			return fmt.Errorf("%w: TCP_MAXRT of %v", ErrInvalid, d)
		}
		o.transport.TCPMaxRT = d
		return nil
	}
}

// Backlog is ZMQ_BACKLOG: how many connections a bound tcp endpoint queues
// before the application accepts them. Default 100, as libzmq.
func Backlog(n int) Option {
	return func(o *options) error {
		if n <= 0 {
			return fmt.Errorf("%w: BACKLOG of %d", ErrInvalid, n)
		}
		o.transport.Backlog = n
		return nil
	}
}

// defaultBacklog is libzmq's ZMQ_BACKLOG default.
const defaultBacklog = 100

// ReconnectStopFlags say when a connect stops retrying (ZMQ_RECONNECT_STOP),
// with the values of libzmq's draft API.
type ReconnectStopFlags int

const (
	// ReconnectStopConnRefused: stop when the peer refuses the connection
	// (ECONNREFUSED: nothing listens there).
	ReconnectStopConnRefused ReconnectStopFlags = 1
	// ReconnectStopHandshakeFailed: stop when the ZMTP handshake fails: a
	// peer that is not ZMTP, one that breaks the protocol, a refusal by
	// the server's authenticator, or a handshake timed out.
	ReconnectStopHandshakeFailed ReconnectStopFlags = 2
	// ReconnectStopAfterDisconnect: do not reconnect after Disconnect.
	// Disconnect always ends the connect's retries here, so the flag only
	// keeps libzmq's value valid. (libzmq 4.3.4's header says 3, a bug
	// that 4.3.5 fixed to 4.)
	ReconnectStopAfterDisconnect ReconnectStopFlags = 4
)

// ReconnectStop is ZMQ_RECONNECT_STOP: the cases in which a connect gives
// up instead of retrying every RECONNECT_IVL. A connect that gives up
// reports EventClosed to the monitor and drops what was queued for it.
// Default 0: retry for ever.
func ReconnectStop(flags ReconnectStopFlags) Option {
	return func(o *options) error {
		all := ReconnectStopConnRefused | ReconnectStopHandshakeFailed | ReconnectStopAfterDisconnect
		if flags&^all != 0 {
			return fmt.Errorf("%w: RECONNECT_STOP of %d", ErrInvalid, flags)
		}
		o.reconnectStop = flags
		return nil
	}
}

// Metadata is ZMQ_METADATA: a property sent to peers in the handshake,
// which they read on each message (Msg.Property; msg.get in pyzmq). The
// name starts with "X-", as libzmq requires, and is at most 255 of RFC
// 37's name characters; the value is not empty. Setting a name again
// replaces its value (libzmq keeps the first; replacing is what a caller
// setting it again means).
func Metadata(name, value string) Option {
	return func(o *options) error {
		if err := checkMetadata(name, value); err != nil {
			return err
		}
		md := slices.Clone(o.metadata)
		md = slices.DeleteFunc(md, func(p zmtp.Property) bool { return strings.EqualFold(p.Name, name) })
		o.metadata = append(md, zmtp.Property{Name: name, Value: []byte(value)})
		return nil
	}
}

func checkMetadata(name, value string) error {
	if !strings.HasPrefix(name, "X-") || len(name) < 3 || len(name) > 255 {
		return fmt.Errorf("%w: METADATA name %q: 3 to 255 bytes starting with X-", ErrInvalid, name)
	}
	for _, c := range []byte(name) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '+') {
			return fmt.Errorf("%w: METADATA name %q has a character outside RFC 37's set", ErrInvalid, name)
		}
	}
	if value == "" {
		return fmt.Errorf("%w: METADATA %s has no value", ErrInvalid, name)
	}
	return nil
}

// metadataOption reads libzmq's ZMQ_METADATA text, "X-Name:value".
func metadataOption(text string) Option {
	name, value, ok := strings.Cut(text, ":")
	if !ok {
		return func(*options) error {
			return fmt.Errorf("%w: METADATA %q is not X-Name:value", ErrInvalid, text)
		}
	}
	return Metadata(name, value)
}

// transportOptions are this file's options by libzmq's names. METADATA
// reads back as a []string of "X-Name:value", in the order set.
var transportOptions = []optionSpec{
	intOpt("TOS", TOS, func(o *options) int { return o.transport.TOS }),
	stringOpt("BINDTODEVICE", BindToDevice, func(o *options) string { return o.transport.BindToDevice }),
	durOpt("TCP_MAXRT", kindMillis, TCPMaxRT, func(o *options) time.Duration { return o.transport.TCPMaxRT }),
	intOpt("BACKLOG", Backlog, func(o *options) int { return o.transport.Backlog }),
	intOpt("RECONNECT_STOP", func(n int) Option { return ReconnectStop(ReconnectStopFlags(n)) },
		func(o *options) int { return int(o.reconnectStop) }),
	{name: "METADATA", kind: kindString,
		set: func(v any) Option { return metadataOption(v.(string)) },
		get: func(_ *Socket, o *options) any {
			list := make([]string, len(o.metadata))
			for i, p := range o.metadata {
				list[i] = p.Name + ":" + string(p.Value)
			}
			return list
		}},
}

func init() { optionTables = append(optionTables, transportOptions) }
