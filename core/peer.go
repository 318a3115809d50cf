package core

import "fmt"

// A PEER is libzmq's SERVER with routing ids on both sides: it names every
// connection by a 32-bit routing id of its own making, the ones it accepts
// as a SERVER does and the ones it makes as well, and sends each message
// to the connection its routing id names. Its pattern is the server's
// (clientserver.go); what PEER adds is ConnectPeer, which returns the id
// of the connection it makes, and the handshake's rule that a PEER talks
// to PEERs only (sdk/zmtp's compatibility table).

// ConnectPeer is libzmq's zmq_connect_peer: Connect for a PEER socket,
// returning the routing id that names the connection it makes, for SendTo
// and SendMsg. The id is good at once: messages sent to it queue (up to
// SNDHWM) until the connection is up, and it stays the same across
// reconnects, until Disconnect, as the pipe it names outlives them. Each
// call makes a connection of its own, with its own id, even to an
// endpoint connected already.
//
// It is ErrNotSupported on other types (libzmq's ENOTSUP), and ErrInvalid
// with IMMEDIATE set (libzmq's EFAULT, which has no counterpart here):
// with it, no pipe exists until the connection is up, so there is nothing
// for an id to name yet.
func (s *Socket) ConnectPeer(endpoint string) (routingID uint32, err error) {
	if s.typ != PEER {
		return 0, fmt.Errorf("%w: ConnectPeer is for PEER sockets, not %s", ErrNotSupported, s.typ)
	}
	if s.options().immediate {
		return 0, fmt.Errorf("%w: ConnectPeer needs IMMEDIATE off: with it, the connection has no routing id until it is up", ErrInvalid)
	}
	p, err := s.connect(endpoint)
	if err != nil {
		return 0, err
	}
	if p == nil {
		// A PEER's pattern takes every pipe: none means the socket closed
		// meanwhile, or the socket bound to an inproc name refused the
		// link (inproc has no handshake to check types: a PAIR that has
		// its peer).
		if s.isClosed() {
			return 0, ErrClosed
		}
		return 0, fmt.Errorf("%w: %s refused the connection", ErrConnRefused, endpoint)
	}
	// The pattern gave the pipe its id when Connect attached it.
	return p.routingID.Load(), nil
}
