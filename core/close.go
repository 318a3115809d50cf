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

// lingerPoll is how often Close looks whether queued messages are out.
const lingerPoll = 2 * time.Millisecond

// Close closes the socket. Messages still queued for peers are given
// LINGER to go out (for ever by default, as in libzmq); then every
// connection is closed and every goroutine of the socket has ended when
// Close returns. Blocked Send and Recv calls return ErrClosed.
func (s *Socket) Close() error {
	first := false
	s.closeOnce.Do(func() { first = true })
	if !first {
		<-s.done
		return nil
	}
	o := s.options()
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

	// Linger: let the writers drain what is queued.
	deadline := time.Time{}
	if o.linger >= 0 {
		deadline = time.Now().Add(o.linger)
	}
	for !s.drained() && (deadline.IsZero() || time.Now().Before(deadline)) {
		time.Sleep(lingerPoll)
	}

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
	for b := range bindings {
		b.close()
	}
	s.mu.Unlock()
	s.disconnectAllInproc()
	s.wg.Wait()
	s.pat.close()
	s.stopMonitors()
	s.pollers.notify()
	s.ctx.forget(s)
	close(s.done)
	return nil
}

// drained reports whether every connection's queue is empty and written.
func (s *Socket) drained() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for p := range s.pipes {
		if p.peer == nil && (!p.out.empty() || p.writing.Load()) {
			return false
		}
	}
	return true
}
