package core

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// PollEvents says what a poller waits for on a socket.
type PollEvents uint8

// Poll events, as libzmq's ZMQ_POLLIN and ZMQ_POLLOUT.
const (
	PollIn  PollEvents = 1
	PollOut PollEvents = 2
)

// Poller waits on several sockets at once: libzmq's zmq_poller.
type Poller struct {
	mu    sync.Mutex
	items []pollItem
	wake  chan struct{}
}

type pollItem struct {
	s      *Socket
	events PollEvents
}

// Polled is one ready socket and what it is ready for.
type Polled struct {
	Socket *Socket
	Events PollEvents
}

// NewPoller returns an empty poller.
func NewPoller() *Poller { return &Poller{wake: make(chan struct{}, 1)} }

// Add watches s for events (or changes what is watched).
func (p *Poller) Add(s *Socket, events PollEvents) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.items {
		if p.items[i].s == s {
			p.items[i].events = events
			return
		}
	}
	p.items = append(p.items, pollItem{s: s, events: events})
}

// Remove stops watching s.
func (p *Poller) Remove(s *Socket) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.items {
		if p.items[i].s == s {
			p.items = append(p.items[:i], p.items[i+1:]...)
			return
		}
	}
}

// Wait returns the sockets ready now, waiting up to timeout for one
// (negative: for ever; zero: not at all) or until ctx is done. It returns
// an empty list when the time runs out, and ErrClosed when one of its
// sockets is closed.
func (p *Poller) Wait(ctx context.Context, timeout time.Duration) ([]Polled, error) {
	p.mu.Lock()
	items := append([]pollItem(nil), p.items...)
	p.mu.Unlock()
	for _, it := range items {
		it.s.pollers.add(p.wake)
		defer it.s.pollers.remove(p.wake)
	}
	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	for {
		var ready []Polled
		for _, it := range items {
			if it.s.isClosed() {
				return nil, ErrClosed
			}
			if ev := it.s.poll(it.events); ev != 0 {
				ready = append(ready, Polled{Socket: it.s, Events: ev})
			}
		}
		if len(ready) > 0 || timeout == 0 {
			return ready, nil
		}
		select {
		case <-p.wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-expired:
			return nil, nil
		}
	}
}

// poll reports which of events the socket is ready for. A socket another
// goroutine is receiving from (or sending on) counts as not ready for that.
func (s *Socket) poll(events PollEvents) PollEvents {
	var ev PollEvents
	if s.isClosed() {
		return 0
	}
	if events&PollIn != 0 && s.recvMu.TryLock() {
		if s.fq.ready() {
			ev |= PollIn
		}
		s.recvMu.Unlock()
	}
	if events&PollOut != 0 && s.sendMu.TryLock() {
		if s.pat.writable() {
			ev |= PollOut
		}
		s.sendMu.Unlock()
	}
	return ev
}

// pollers are the wake channels of the pollers watching a socket.
type pollers struct {
	n     atomic.Int32
	mu    sync.Mutex
	chans map[chan struct{}]int
}

func (ps *pollers) add(ch chan struct{}) {
	ps.mu.Lock()
	if ps.chans == nil {
		ps.chans = make(map[chan struct{}]int)
	}
	ps.chans[ch]++
	ps.n.Add(1)
	ps.mu.Unlock()
}

func (ps *pollers) remove(ch chan struct{}) {
	ps.mu.Lock()
	if ps.chans[ch]--; ps.chans[ch] <= 0 {
		delete(ps.chans, ch)
	}
	ps.n.Add(-1)
	ps.mu.Unlock()
}

// notify wakes every poller; the common case, no poller, costs one load.
func (ps *pollers) notify() {
	if ps.n.Load() == 0 {
		return
	}
	ps.mu.Lock()
	for ch := range ps.chans {
		signal(ch)
	}
	ps.mu.Unlock()
}
