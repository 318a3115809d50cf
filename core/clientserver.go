package core

import (
	"math/rand/v2"
	"sync"
)

// server is libzmq's SERVER (RFC 41): it names each CLIENT connection by a
// 32-bit routing id of its own making, which every message received from
// it carries, and sends each message to the connection its routing id
// names.
type server struct {
	s    *Socket
	mu   sync.Mutex
	byID map[uint32]*pipe
	next uint32
}

func newServer(s *Socket) *server {
	// libzmq starts its counter at a random value, so that a restarted
	// server does not hand out the ids of its previous life at once.
	return &server{s: s, byID: make(map[uint32]*pipe), next: rand.Uint32()}
}

func (x *server) attach(p *pipe) bool {
	x.idOf(p)
	return true
}

// idOf returns p's routing id, giving it one first if it has none: at
// attach, or at the first receive from an inproc pipe whose messages the
// binder could read before its attach was through.
func (x *server) idOf(p *pipe) uint32 {
	x.mu.Lock()
	defer x.mu.Unlock()
	if id := p.routingID.Load(); id != 0 {
		return id
	}
	for {
		x.next++
		// 0 is no routing id; one in use (after 2^32 connections) is
		// passed over.
		if _, taken := x.byID[x.next]; x.next != 0 && !taken {
			break
		}
	}
	p.routingID.Store(x.next)
	x.byID[x.next] = p
	return x.next
}

func (x *server) detach(p *pipe) {
	x.mu.Lock()
	id := p.routingID.Load()
	if x.byID[id] == p {
		delete(x.byID, id)
	}
	x.mu.Unlock()
}

// fromWire drops multipart messages, as libzmq's server does: a CLIENT
// never sends one.
func (x *server) fromWire(m *msg) (bool, error) { return m.parts == nil, nil }

func (x *server) recv(w *wait) (msg, *pipe, error) {
	m, p, err := x.s.recvAny(w)
	if err == nil {
		if m.routingID = p.routingID.Load(); m.routingID == 0 {
			m.routingID = x.idOf(p)
		}
	}
	return m, p, err
}

// send writes to the connection m.routingID names, waiting (up to SNDTIMEO)
// while it is at its high-water mark, as libzmq's SERVER does; an id that
// names no connection, or one that goes meanwhile, is ErrHostUnreachable.
func (x *server) send(m msg, w *wait) error {
	if m.parts != nil {
		return errMultipart(x.s.typ)
	}
	id := m.routingID
	m.routingID = 0
	for {
		x.mu.Lock()
		p := x.byID[id]
		x.mu.Unlock()
		if p == nil || p.gone.Load() {
			return ErrHostUnreachable
		}
		if p.write(m) {
			return nil
		}
		if err := w.on(x.s.sendWake); err != nil {
			return err
		}
	}
}

// writable is always true, as libzmq's SERVER says: which peer a message
// goes to is known only when it is sent.
func (x *server) writable() bool { return true }
func (x *server) close()         {}

// client is libzmq's CLIENT (RFC 41): round-robin out to its SERVERs,
// fair-queued in, single-part messages only.
type client struct {
	s  *Socket
	lb loadBalancer
}

func (x *client) attach(p *pipe) bool { x.lb.add(p); return true }
func (x *client) detach(p *pipe)      { x.lb.remove(p) }
func (x *client) writable() bool      { return x.lb.writable() }
func (x *client) close()              {}

func (x *client) fromWire(m *msg) (bool, error) { return m.parts == nil, nil }

func (x *client) send(m msg, w *wait) error {
	if m.parts != nil {
		return errMultipart(x.s.typ)
	}
	_, err := x.s.sendOne(&x.lb, m, w)
	return err
}

func (x *client) recv(w *wait) (msg, *pipe, error) { return x.s.recvAny(w) }

// SendTo sends body to the connection of a SERVER (or PEER) that
// routingID names, as a received Msg's RoutingID or ConnectPeer gives it:
// ErrHostUnreachable when there is none (libzmq's EHOSTUNREACH). It copies
// body, as Send does.
func (s *Socket) SendTo(routingID uint32, body []byte) error {
	return s.SendMsg(Msg{RoutingID: routingID, Frames: [][]byte{body}})
}
