package core

// push is RFC 30's PUSH: round-robin to peers with room, blocking when
// every peer is at its high-water mark.
type push struct {
	sendOnly
	s  *Socket
	lb loadBalancer
}

func (x *push) attach(p *pipe) bool { x.lb.add(p); return true }
func (x *push) detach(p *pipe)      { x.lb.remove(p) }
func (x *push) writable() bool      { return x.lb.writable() }
func (x *push) close()              {}

func (x *push) send(m msg, w *wait) error {
	_, err := x.s.sendOne(&x.lb, m, w)
	return err
}

// pull is RFC 30's PULL: fair-queued receipt from every peer.
type pull struct {
	recvOnly
	s *Socket
}

func (x *pull) attach(*pipe) bool { return true }
func (x *pull) detach(*pipe)      {}
func (x *pull) close()            {}

func (x *pull) recv(w *wait) (msg, *pipe, error) { return x.s.recvAny(w) }

// pair is RFC 31's PAIR: one peer, both directions; a second is refused.
type pair struct {
	s    *Socket
	lb   loadBalancer
	peer *pipe // guarded by lb.mu
}

func (x *pair) attach(p *pipe) bool {
	x.lb.mu.Lock()
	defer x.lb.mu.Unlock()
	if x.peer != nil {
		return false
	}
	x.peer = p
	x.lb.pipes = append(x.lb.pipes, p)
	return true
}

func (x *pair) detach(p *pipe) {
	x.lb.mu.Lock()
	if x.peer == p {
		x.peer = nil
	}
	x.lb.mu.Unlock()
	x.lb.remove(p)
}

func (x *pair) send(m msg, w *wait) error {
	_, err := x.s.sendOne(&x.lb, m, w)
	return err
}

func (x *pair) recv(w *wait) (msg, *pipe, error) { return x.s.recvAny(w) }
func (x *pair) writable() bool                   { return x.lb.writable() }
func (x *pair) close()                           {}

// dealer is libzmq's DEALER: PUSH's sending and PULL's receiving at once.
type dealer struct {
	s  *Socket
	lb loadBalancer
}

func (x *dealer) attach(p *pipe) bool { x.lb.add(p); return true }
func (x *dealer) detach(p *pipe)      { x.lb.remove(p) }
func (x *dealer) writable() bool      { return x.lb.writable() }
func (x *dealer) close()              {}

func (x *dealer) send(m msg, w *wait) error {
	_, err := x.s.sendOne(&x.lb, m, w)
	return err
}

func (x *dealer) recv(w *wait) (msg, *pipe, error) { return x.s.recvAny(w) }
