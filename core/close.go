package core

import (
	"net"
	"time"
)

// trackConn records a live connection so that Close can end it; false
// means the socket is closed already.
func (s *Socket) trackConn(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns == nil {
		s.conns = make(map[net.Conn]struct{})
	}
	select {
	case <-s.closing:
		if s.lingerOver {
			return false
		}
	default:
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Socket) untrackConn(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// Linger polls whether queued messages are out, at first often (most
// lingers are short), then less often, so that a socket lingering for ever
// for a peer that never comes costs next to nothing.
const (
	lingerPollMin = 2 * time.Millisecond
	lingerPollMax = 100 * time.Millisecond
)

// Close closes the socket and returns at once, as libzmq's zmq_close:
// blocked Send and Recv calls return ErrClosed, and so does every call
// after; the socket stops listening at once (its endpoints are free to
// bind again) and inproc peers lose it at once.
//
// Messages still queued for connected (or connecting, and reconnecting)
// peers go on being delivered in the background, for up to LINGER: for
// ever by default (-1, as in libzmq), not at all with 0. Messages queued
// for a peer that is not reconnected are lost with it: those of a
// connection that was accepted on a Bind and ends, and those of a Connect
// with RECONNECT_IVL -1 whose connection ends. Over inproc a message is in
// the peer's queue as soon as Send returns: nothing lingers there.
//
// Context.Close waits for the lingering sockets, but with the default
// LINGER not for a peer that is missing (see there); Done tells when this
// one has finished. Setting LINGER on the closed socket shortens what remains
// of its linger: Linger(0) drops what is still queued.
//
// When nothing is queued, or LINGER is 0, everything has ended (every
// connection closed, every goroutine of the socket returned, Done closed)
// when Close returns.
func (s *Socket) Close() error {
	first := false
	s.closeOnce.Do(func() { first = true })
	if !first {
		return nil
	}
	s.mu.Lock()
	s.closed.Store(true)
	close(s.closing)
	bindings := make(map[*binding]struct{})
	for _, b := range s.listeners {
		bindings[b] = struct{}{}
	}
	s.listeners = map[string]*binding{}
	s.mu.Unlock()
	s.pollers.notify() // a Wait in progress drops the socket now, not after LINGER
	for b := range bindings {
		b.ln.Close()
		s.event(Event{Type: EventClosed, Endpoint: b.endpoint})
	}
	s.unbindAllInproc()
	// Inproc messages are in the peer's queue already: nothing to linger.
	s.disconnectAllInproc()
	s.pollers.notify()

	// A Send under way when Close began has either queued its message or
	// returned an error once the sender's lock is free: what it queued is
	// lingered for like the rest. (A blocked Send returns at s.closing.)
	s.sendMu.Lock()
	s.sendMu.Unlock()

	if s.options().linger == 0 || s.drained(true) {
		s.finishClose(bindings)
		return nil
	}
	closedAt := time.Now()
	go func() {
		s.linger(closedAt)
		s.finishClose(bindings)
	}()
	return nil
}

// Done is closed when the socket has finished closing: after Close, once
// its queued messages are delivered or its LINGER is over, every
// connection closed and every goroutine of the socket ended.
func (s *Socket) Done() <-chan struct{} { return s.done }

// Context is the context the socket belongs to.
func (s *Socket) Context() *Context { return s.ctx }

// linger waits until every message queued for a connection is written,
// or LINGER since closedAt is over. LINGER is read each time round, so
// that setting it on the closed socket takes effect.
func (s *Socket) linger(closedAt time.Time) {
	poll := lingerPollMin
	for !s.drained(s.waitsForMissingPeers()) {
		wait := poll
		if l := s.options().linger; l >= 0 {
			left := l - time.Since(closedAt)
			if left <= 0 {
				return
			}
			wait = min(wait, left)
		}
		time.Sleep(wait)
		poll = min(2*poll, lingerPollMax)
	}
}

// finishClose ends what Close left running: the connects stop, every
// connection closes, and once every goroutine of the socket has returned
// the context forgets it and Done is closed.
func (s *Socket) finishClose(bindings map[*binding]struct{}) {
	s.mu.Lock()
	s.lingerOver = true
	for _, list := range s.connects {
		for _, ss := range list {
			ss.cancel()
		}
	}
	for c := range s.conns {
		c.Close()
	}
	// Closing a connection ends an engine that reads or writes it, not one
	// whose reader waits for room in a full in-queue that nobody will read
	// any more: stop those too, or wg.Wait would wait for ever.
	for p := range s.pipes {
		if kick := p.kick.Load(); kick != nil {
			(*kick)()
		}
	}
	for b := range bindings {
		b.close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	s.pat.close()
	s.stopMonitors()
	s.pollers.notify()
	s.ctx.forget(s)
	close(s.done)
}

// waitsForMissingPeers reports whether the linger still waits for a
// Connect's peer that is missing: always, except with the default LINGER
// (-1) once the context is closing (see Context.Close).
func (s *Socket) waitsForMissingPeers() bool {
	return !s.ctx.terminating.Load() || s.options().linger >= 0
}

// drained reports whether every message queued for a connection is
// written. Pipes whose peer is gone for good were removed (removePipe),
// and their messages with them: they hold nothing up; nor, unless
// missingToo, do those of a Connect waiting to retry.
func (s *Socket) drained(missingToo bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for p := range s.pipes {
		if !missingToo && p.missing.Load() {
			continue
		}
		if p.peer == nil && (!p.out.empty() || p.writing.Load() || p.awaitingPeer.Load()) {
			return false
		}
	}
	return true
}
