package core

import (
	"encoding/binary"
	"math/rand/v2"
	"sync"
)

// req is RFC 28's REQ: it sends a request to one peer in turn, each behind
// an empty delimiter frame, and accepts only that peer's reply. Send and
// Recv must alternate (ErrState otherwise) unless REQ_RELAXED.
type req struct {
	s  *Socket
	lb loadBalancer

	// mu guards the state below: Send, Recv and pollers each use it on
	// their own goroutine (under sendMu, recvMu, or neither).
	mu        sync.Mutex
	expecting bool  // a request is out; its reply is next
	replyPipe *pipe // where the request went
	requestID uint32
}

func (x *req) attach(p *pipe) bool { x.lb.add(p); return true }
func (x *req) detach(p *pipe)      { x.lb.remove(p) }
func (x *req) close()              {}

func (x *req) writable() bool {
	x.mu.Lock()
	expecting := x.expecting
	x.mu.Unlock()
	return !expecting && x.lb.writable()
}

func (x *req) send(m msg, w *wait) error {
	o := x.s.options()
	x.mu.Lock()
	if x.expecting && !o.reqRelaxed {
		x.mu.Unlock()
		return ErrState
	}
	id := x.requestID
	x.mu.Unlock()
	frames := make([][]byte, 0, m.count()+2)
	if o.reqCorrelate {
		if id == 0 {
			id = rand.Uint32()
		}
		id++
		frames = append(frames, binary.BigEndian.AppendUint32(nil, id))
	}
	frames = append(frames, []byte{})
	for i := 0; i < m.count(); i++ {
		frames = append(frames, m.frame(i))
	}
	p, err := x.s.sendOne(&x.lb, msg{parts: frames}, w)
	if err != nil {
		return err
	}
	x.mu.Lock()
	x.expecting = true
	x.replyPipe = p
	x.requestID = id
	x.mu.Unlock()
	return nil
}

func (x *req) recv(w *wait) (msg, *pipe, error) {
	x.mu.Lock()
	expecting := x.expecting
	x.mu.Unlock()
	if !expecting {
		return msg{}, nil, ErrState
	}
	correlate := x.s.options().reqCorrelate
	for {
		m, p, err := x.s.recvAny(w)
		if err != nil {
			return m, p, err
		}
		frames := m.frames()
		x.mu.Lock()
		replyPipe, id := x.replyPipe, x.requestID
		x.mu.Unlock()
		// A reply from another peer, or one without the envelope REQ put
		// on its request, is not the reply: libzmq drops it too.
		if p != replyPipe {
			continue
		}
		if correlate {
			if len(frames) < 3 || len(frames[0]) != 4 || binary.BigEndian.Uint32(frames[0]) != id {
				continue
			}
			frames = frames[1:]
		}
		if len(frames) < 2 || len(frames[0]) != 0 {
			continue
		}
		x.mu.Lock()
		x.expecting = false
		x.replyPipe = nil
		x.mu.Unlock()
		return newMsg(frames[1:]), p, nil
	}
}

// rep is RFC 28's REP: it receives a request from any peer, fair-queued,
// keeps its envelope (the frames up to the empty delimiter), and puts it
// back on the reply, which goes to the same peer.
type rep struct {
	s *Socket

	// mu guards the state below, as req's.
	mu        sync.Mutex
	replying  bool
	envelope  [][]byte
	replyPipe *pipe
}

func (x *rep) attach(*pipe) bool { return true }
func (x *rep) detach(*pipe)      {}
func (x *rep) close()            {}

func (x *rep) writable() bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.replying
}

func (x *rep) recv(w *wait) (msg, *pipe, error) {
	x.mu.Lock()
	replying := x.replying
	x.mu.Unlock()
	if replying {
		return msg{}, nil, ErrState
	}
	for {
		m, p, err := x.s.recvAny(w)
		if err != nil {
			return m, p, err
		}
		frames := m.frames()
		i := -1 // the delimiter's index
		for j, f := range frames {
			if len(f) == 0 {
				i = j
				break
			}
		}
		if i < 0 || i == len(frames)-1 {
			continue // no envelope, or nothing after it: malformed, dropped
		}
		x.mu.Lock()
		x.envelope = frames[: i+1 : i+1]
		x.replyPipe = p
		x.replying = true
		x.mu.Unlock()
		return newMsg(frames[i+1:]), p, nil
	}
}

func (x *rep) send(m msg, w *wait) error {
	x.mu.Lock()
	if !x.replying {
		x.mu.Unlock()
		return ErrState
	}
	frames := append(x.envelope, m.frames()...)
	p := x.replyPipe
	x.replying, x.envelope, x.replyPipe = false, nil, nil
	x.mu.Unlock()
	if !p.gone.Load() {
		p.write(msg{parts: frames}) // at the high-water mark a reply is dropped, as in libzmq
	}
	return nil
}
