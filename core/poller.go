package core

import (
	"context"
	"slices"
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

// Poller waits on several sockets at once: libzmq's zmq_poller. Add and
// Remove may be called from any goroutine, also while a Wait runs, which
// then watches the new set. A socket closed while in the poller drops out
// of it.
type Poller struct {
	mu    sync.Mutex
	items []pollItem
	waits map[chan struct{}]struct{} // the wake channels of the Waits in progress
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

// Ready is what a Wait found: the ready sockets, in the order they were
// added, each once. Range over it, or ask about one socket.
type Ready []Polled

// Events gives what s is ready for; zero when it is not in the list.
func (r Ready) Events(s *Socket) PollEvents {
	for _, p := range r {
		if p.Socket == s {
			return p.Events
		}
	}
	return 0
}

// Readable reports whether s has a message to receive.
func (r Ready) Readable(s *Socket) bool { return r.Events(s)&PollIn != 0 }

// Writable reports whether s can send a message now.
func (r Ready) Writable(s *Socket) bool { return r.Events(s)&PollOut != 0 }

// NewPoller returns an empty poller.
func NewPoller() *Poller { return &Poller{waits: make(map[chan struct{}]struct{})} }

// Add watches s for events (or changes what is watched).
func (p *Poller) Add(s *Socket, events PollEvents) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.wakeWaits()
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
	p.items = slices.DeleteFunc(p.items, func(it pollItem) bool { return it.s == s })
}

// wakeWaits makes the Waits in progress read the items again (p.mu held).
func (p *Poller) wakeWaits() {
	for ch := range p.waits {
		signal(ch)
	}
}

// Wait returns the sockets ready now, waiting up to timeout for one
// (negative: for ever; zero: not at all) or until ctx is done. It returns
// an empty list when the time runs out. A socket closed before or during
// the Wait is removed from the poller and not reported. libzmq leaves that
// to the caller (pyzmq 4.3.4's Poller then polls file descriptor 0 in its
// place); failing every later Wait instead would take down a loop that
// serves the other sockets.
// With no socket to watch, Wait waits out its timeout, as libzmq's does,
// or until a socket is added.
func (p *Poller) Wait(ctx context.Context, timeout time.Duration) (Ready, error) {
	wake := make(chan struct{}, 1)
	p.mu.Lock()
	p.waits[wake] = struct{}{}
	p.mu.Unlock()
	watched := map[*Socket]bool{}
	defer func() {
		p.mu.Lock()
		delete(p.waits, wake)
		p.mu.Unlock()
		for s := range watched {
			s.pollers.remove(wake)
		}
	}()
	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	for {
		var ready Ready
		for _, it := range p.liveItems() {
			if !watched[it.s] {
				// Watched before it is looked at, so that no wake-up
				// between the look and the select is lost.
				it.s.pollers.add(wake)
				watched[it.s] = true
			}
			if ev := it.s.poll(it.events); ev != 0 {
				ready = append(ready, Polled{Socket: it.s, Events: ev})
			}
		}
		if len(ready) > 0 || timeout == 0 {
			return ready, nil
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-expired:
			return nil, nil
		}
	}
}

// liveItems drops the closed sockets from the poller and returns a copy of
// the rest.
func (p *Poller) liveItems() []pollItem {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.items = slices.DeleteFunc(p.items, func(it pollItem) bool { return it.s.isClosed() })
	return slices.Clone(p.items)
}

// poll reports which of events the socket is ready for. A socket another
// goroutine is receiving from (or sending on) counts as not ready for that.
func (s *Socket) poll(events PollEvents) PollEvents {
	var ev PollEvents
	if s.isClosed() {
		return 0
	}
	s.pollMu.Lock()
	defer s.pollMu.Unlock()
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
