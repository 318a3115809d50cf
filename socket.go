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

// libzmq 4.3's draft socket types, with its numbering: safe for concurrent
// use, single-part messages only (a multipart Send is ErrInvalid).
const (
	SERVER  = core.SERVER  // names each CLIENT by Msg.RoutingID; replies with SendTo (RFC 41)
	CLIENT  = core.CLIENT  // round-robin out to SERVERs, fair-queued in (RFC 41)
	RADIO   = core.RADIO   // sends to a group (SendToGroup): every DISH that joined it
	DISH    = core.DISH    // receives the groups it joined (Join, Leave); Msg.Group
	GATHER  = core.GATHER  // PULL for single-part messages
	SCATTER = core.SCATTER // PUSH for single-part messages
)

// libzmq 4.3's draft PEER and CHANNEL, with its numbering: safe for
// concurrent use, single-part messages only.
const (
	PEER    = core.PEER    // SERVER on both sides: Msg.RoutingID names each connection, ConnectPeer the one it makes
	CHANNEL = core.CHANNEL // PAIR for single-part messages: one peer at a time
)

// MaxGroupLength is libzmq's ZMQ_GROUP_MAX_LENGTH: the longest group, in
// bytes, a RADIO sends to or a DISH joins (255, as in libzmq 4.3.2 on).
const MaxGroupLength = core.MaxGroupLength
