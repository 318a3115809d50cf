package core

import (
	"slices"
	"sync"
	"sync/atomic"
)

// fairQueue receives from a socket's pipes in turn (RFC 30's fair-queuing):
// one message from each pipe that has one, round and round. Only pipes that
// may have messages are in the active list; a pipe found empty leaves it
// and its queue puts it back on the next push.
type fairQueue struct {
	mu     sync.Mutex
	active []*pipe
	cur    int
	wake   chan struct{} // a pipe became active
	notify func()        // tells pollers the socket may be readable

	// With one active pipe there is nobody to be fair to: the receiver
	// takes what it already holds of that pipe's queue (the batch its last
	// refill took) without f.mu. alone is set under f.mu when the active
	// list is that one pipe, and cleared as soon as another joins; last is
	// the receiver's own (recvMu): the pipe it took the last message from.
	alone atomic.Bool
	last  *pipe
}

func (f *fairQueue) init(notify func()) {
	f.wake = make(chan struct{}, 1)
	f.notify = notify
}

// activate is called by a pipe's in-queue when it stops being empty.
func (f *fairQueue) activate(p *pipe) {
	f.mu.Lock()
	if !p.listed {
		p.listed = true
		f.active = append(f.active, p)
		f.alone.Store(false)
	}
	f.mu.Unlock()
	signal(f.wake)
	if f.notify != nil {
		f.notify()
	}
}

// next takes one message from the next pipe in turn that has one. The
// caller is the socket's only receiver (it holds recvMu).
func (f *fairQueue) next() (msg, *pipe, bool) {
	if p := f.last; p != nil && f.alone.Load() && p.in.holds() {
		m, _ := p.in.pop()
		return m, p, true
	}
	f.mu.Lock()
	for len(f.active) > 0 {
		if f.cur >= len(f.active) {
			f.cur = 0
		}
		p := f.active[f.cur]
		if m, ok := p.in.pop(); ok {
			f.cur++
			f.last = p
			f.alone.Store(len(f.active) == 1)
			f.mu.Unlock()
			return m, p, true
		}
		// Popping from an empty queue marked it idle under its own lock,
		// so the next push calls activate, which waits for f.mu: taking
		// the pipe off the list here cannot lose that push.
		p.listed = false
		f.active = slices.Delete(f.active, f.cur, f.cur+1)
	}
	f.mu.Unlock()
	return msg{}, nil, false
}

// from takes one message from pipe p only (REQ waits for its reply pipe),
// leaving the others' turns alone.
func (f *fairQueue) from(p *pipe) (msg, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, ok := p.in.pop()
	if !ok && p.listed {
		p.listed = false
		if i := slices.Index(f.active, p); i >= 0 {
			f.active = slices.Delete(f.active, i, i+1)
		}
	}
	return m, ok
}

// ready reports whether next would return a message (for pollers).
func (f *fairQueue) ready() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.active {
		if p.in.ready() {
			return true
		}
	}
	return false
}
