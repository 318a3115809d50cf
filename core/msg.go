package core

import "github.com/zeroplug/zeroplug/sdk/zmtp"

// Msg is a message with what is known of the peer that sent it. Its
// frames are the caller's, as Recv's are.
//
// The draft types address messages: a SERVER's (or PEER's) received Msg
// carries the RoutingID of the connection it came on, and SendMsg with one
// sends the reply there; a DISH's carries the Group it was sent to, and a
// RADIO's SendMsg sends to Group.
type Msg struct {
	Frames [][]byte

	// RoutingID is a SERVER's name for a CLIENT connection, or a PEER's
	// for a connection to another PEER: never 0 on a message a SERVER or
	// PEER received, 0 on every other type's.
	RoutingID uint32

	// Group is the RADIO and DISH group, at most MaxGroupLength bytes.
	Group string

	peer *peerInfo

	// pooled says the frames were read from a connection into buffers of
	// the body pools, which Release may take back.
	pooled bool
}

// Release hands the message's frames back to the receive buffer pools, so
// that the next messages are read into the same memory instead of fresh
// memory that Go must zero and later collect: a receiver that releases
// every message it is done with allocates next to nothing (libzmq's
// zmq_msg_close, which frees the buffer at once). Calling it is optional:
// a message never released is collected as any other slice is.
//
// After Release the frames must not be used any more, by the caller or by
// anyone the caller handed them to (Send copies, so a frame sent with Send
// may be released; one sent with SendNoCopy may not until it is written).
// Release empties m.Frames and keeps its backing array, for RecvInto to
// fill again. Frames that did not come from a connection (inproc messages,
// which are the sender's own slices) are left alone, as are copies of the
// Msg: release a message once.
func (m *Msg) Release() {
	if m.pooled {
		for _, f := range m.Frames {
			releaseBody(f)
		}
	}
	clear(m.Frames)
	m.Frames = m.Frames[:0]
	m.pooled = false
	m.peer = nil
}

// Property returns a property of the connection the message came on, by
// its ZMTP name, as libzmq's zmq_msg_gets does: "Socket-Type",
// "Routing-Id" (once "Identity", which still works), "Peer-Address",
// "User-Id" and whatever else the peer's metadata holds. Names are
// case-insensitive, as ZMTP's metadata names are (RFC 23, 37); libzmq
// 4.3.4 matches them exactly.
func (m Msg) Property(name string) (string, bool) {
	if m.peer == nil {
		return "", false
	}
	return m.peer.property(name)
}

// peerInfo is what a handshake told of a connection, shared by every
// message received on it.
type peerInfo struct {
	address  string
	userID   string
	metadata zmtp.Metadata
}

func (p *peerInfo) property(name string) (string, bool) {
	switch {
	case equalFoldASCII(name, "Peer-Address"):
		return p.address, p.address != ""
	case equalFoldASCII(name, "User-Id"):
		return p.userID, p.userID != ""
	case equalFoldASCII(name, "Routing-Id"):
		// libzmq 4.3 documents "Routing-Id" as the name of what the
		// handshake calls "Identity", but 4.3.4's zmq_msg_gets fails with
		// EINVAL for it (checked with pyzmq) and answers only to
		// "Identity": the name works here as documented.
		name = "Identity"
	}
	v, ok := p.metadata.Get(name)
	return string(v), ok
}

// kind says how a message in a pipe is to be treated on the wire.
type kind uint8

const (
	kindData   kind = iota
	kindSub         // a subscription: "\x01topic" (SUBSCRIBE to a 3.1 peer)
	kindCancel      // a cancellation: "\x00topic" (CANCEL to a 3.1 peer)
	kindGroup       // a RADIO's message: parts are the group and the body (radiodish.go)
	kindJoin        // a DISH's join: body is the group (JOIN on the wire)
	kindLeave       // a DISH's leave: body is the group (LEAVE on the wire)
)

// msg is what pipes carry: one whole message. A single frame, the common
// case, sits in body so that sending it allocates nothing for the frame
// list; a multipart message uses parts.
type msg struct {
	body  []byte
	parts [][]byte
	kind  kind

	// routingID is the SERVER connection a message goes to (send) or came
	// from (recv); it fits in the padding after kind, so costs nothing.
	routingID uint32

	// pooled says the frames came from a decoder's body pools (Msg.Release).
	pooled bool

	// copied says body is Send's copy from the body pools (copyMsg), and
	// release that it went to one pipe only (loadBalancer): the engine that
	// writes it hands the memory back to the pools once it is written.
	// A copy a PUB sends to many pipes is never released, only collected.
	copied, release bool
}

func newMsg(frames [][]byte) msg {
	if len(frames) == 1 {
		return msg{body: frames[0]}
	}
	return msg{parts: frames}
}

// frames gives the message's frames; for a single frame it allocates the
// list, so the hot paths use count and frame instead.
func (m *msg) frames() [][]byte {
	if m.parts == nil {
		return [][]byte{m.body}
	}
	return m.parts
}

func (m *msg) count() int {
	if m.parts == nil {
		return 1
	}
	return len(m.parts)
}

func (m *msg) frame(i int) []byte {
	if m.parts == nil {
		return m.body
	}
	return m.parts[i]
}

// size is the number of payload bytes, for statistics.
func (m *msg) size() int {
	if m.parts == nil {
		return len(m.body)
	}
	n := 0
	for _, f := range m.parts {
		n += len(f)
	}
	return n
}
