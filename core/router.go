package core

import (
	"encoding/binary"
	"math/rand/v2"
	"sync"
)

// router is libzmq's ROUTER: each received message is prefixed with the
// routing id of the peer it came from, and each sent message goes to the
// peer its first frame names.
type router struct {
	s    *Socket
	mu   sync.Mutex
	byID map[string]*pipe
	next uint32
}

func newRouter(s *Socket) *router {
	return &router{s: s, byID: make(map[string]*pipe), next: rand.Uint32()}
}

// generateID makes an id as libzmq does for a peer that set none: a zero
// byte (which no peer may choose) and a 32-bit counter. r.mu is held.
func (r *router) generateID() []byte {
	id := make([]byte, 5)
	for {
		r.next++
		binary.BigEndian.PutUint32(id[1:], r.next)
		if _, taken := r.byID[string(id)]; !taken {
			return id
		}
	}
}

func (r *router) identify(p *pipe, id []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p.id != nil && r.byID[string(p.id)] == p {
		delete(r.byID, string(p.id))
	}
	if len(id) == 0 || id[0] == 0 {
		id = r.generateID()
	}
	if old, taken := r.byID[string(id)]; taken && old != p {
		if !r.s.options().routerHandover {
			// libzmq ignores a peer whose id is already in use: it stays
			// connected but unaddressable, and what it sends is dropped.
			p.id = nil
			r.s.log.Warn("peer's routing id is in use; ignoring it", "endpoint", p.endpoint, "id", id)
			return
		}
		old.id = r.generateID()
		r.byID[string(old.id)] = old
		// libzmq then terminates the old peer's pipe: close its
		// connection (kick), rather than let it go on under a made-up
		// id. An inproc pipe has no connection to close.
		if k := old.kick.Load(); k != nil {
			(*k)()
		}
	}
	p.id = id
	r.byID[string(id)] = p
}

// hasID reports whether a peer has the routing id.
func (r *router) hasID(id []byte) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, taken := r.byID[string(id)]
	return taken
}

func (r *router) attach(*pipe) bool { return true }

func (r *router) detach(p *pipe) {
	r.mu.Lock()
	if p.id != nil && r.byID[string(p.id)] == p {
		delete(r.byID, string(p.id))
	}
	r.mu.Unlock()
}

func (r *router) recv(w *wait) (msg, *pipe, error) {
	for {
		m, p, err := r.s.recvAny(w)
		if err != nil {
			return m, p, err
		}
		r.mu.Lock()
		id := p.id
		r.mu.Unlock()
		if id == nil {
			continue // an ignored peer
		}
		frames := make([][]byte, 0, m.count()+1)
		frames = append(frames, id)
		for i := 0; i < m.count(); i++ {
			frames = append(frames, m.frame(i))
		}
		return msg{parts: frames}, p, nil
	}
}

func (r *router) send(m msg, w *wait) error {
	if m.parts == nil {
		// Only a routing id and no body: nothing to send (libzmq drops it).
		return nil
	}
	r.mu.Lock()
	p := r.byID[string(m.parts[0])]
	r.mu.Unlock()
	mandatory := r.s.options().routerMandatory
	if p == nil {
		if mandatory {
			return ErrHostUnreachable
		}
		return nil
	}
	out := newMsg(m.parts[1:])
	for !p.write(out) {
		if !mandatory {
			return nil // at the high-water mark a ROUTER drops (RFC 28)
		}
		if err := w.on(r.s.sendWake); err != nil {
			return err
		}
		if p.gone.Load() {
			return ErrHostUnreachable
		}
	}
	return nil
}

func (r *router) writable() bool { return true }
func (r *router) close()         {}
