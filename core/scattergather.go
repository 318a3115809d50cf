package core

// scatter is libzmq's SCATTER: PUSH for single-part messages, round-robin
// to its GATHERs, blocking while every one is at its high-water mark.
type scatter struct {
	sendOnly
	s  *Socket
	lb loadBalancer
}

func (x *scatter) attach(p *pipe) bool { x.lb.add(p); return true }
func (x *scatter) detach(p *pipe)      { x.lb.remove(p) }
func (x *scatter) writable() bool      { return x.lb.writable() }
func (x *scatter) close()              {}

// fromWire drops what a GATHER sends: nothing, if it is one.
func (x *scatter) fromWire(*msg) (bool, error) { return false, nil }

func (x *scatter) send(m msg, w *wait) error {
	if m.parts != nil {
		return errMultipart(x.s.typ)
	}
	_, err := x.s.sendOne(&x.lb, m, w)
	return err
}

// gather is libzmq's GATHER: PULL for single-part messages, fair-queued
// from its SCATTERs. A multipart message from a peer is dropped, as
// libzmq's gather drops it.
type gather struct {
	recvOnly
	s *Socket
}

func (x *gather) attach(*pipe) bool { return true }
func (x *gather) detach(*pipe)      {}
func (x *gather) close()            {}

func (x *gather) fromWire(m *msg) (bool, error) { return m.parts == nil, nil }

func (x *gather) recv(w *wait) (msg, *pipe, error) { return x.s.recvAny(w) }
