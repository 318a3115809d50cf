package zeroplug

import (
	"github.com/zeroplug/zeroplug/core"
)

// Socket is a ZeroMQ socket. It is safe for concurrent use.
type Socket = core.Socket

// NewSocket opens a socket of the given type in the default context.
func NewSocket(t Type, opts ...Option) (*Socket, error) { return core.NewSocket(t, opts...) }

// Msg is a received message with what is known of the peer that sent it.
type Msg = core.Msg

// Type is a socket type, with libzmq's numbering.
type Type = core.Type

// ParseType returns the type with the given name ("PUSH"), as libzmq and the
// command-line tool write it; case does not matter.
func ParseType(name string) (Type, error) { return core.ParseType(name) }

// The socket types of libzmq 4.3 (RFC 28 to 31 and the raw STREAM), with
// libzmq's numbering.
const (
	PAIR   = core.PAIR   // one peer, both ways (RFC 31)
	PUB    = core.PUB    // sends to every matching subscriber (RFC 29)
	SUB    = core.SUB    // receives what it subscribed to (RFC 29)
	REQ    = core.REQ    // sends a request, then receives its reply (RFC 28)
	REP    = core.REP    // receives a request, then sends its reply (RFC 28)
	DEALER = core.DEALER // REQ without the lockstep: round-robin out, fair-queued in
	ROUTER = core.ROUTER // REP without the lockstep: addresses peers by routing id
	PULL   = core.PULL   // receives, fair-queued across pushers (RFC 30)
	PUSH   = core.PUSH   // sends, round-robin across pullers (RFC 30)
	XPUB   = core.XPUB   // PUB that also receives the subscriptions
	XSUB   = core.XSUB   // SUB that sends its subscriptions as messages
	STREAM = core.STREAM // raw TCP bytes, no ZMTP
)
