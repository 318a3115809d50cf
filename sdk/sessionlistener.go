package sdk

import (
	"net"
	"sync"
)

// A Session is one run of a transport that has no connections to accept,
// such as a multicast group the plugin joins (pgm, norm): the stream the
// core talks ZMTP over (the remote end of a StreamPair), and a channel closed
// when the session has ended.
type Session struct {
	Conn net.Conn
	Done <-chan struct{}
}

// SessionListener is the Listener of a bind to such a transport, where
// binding means joining, as connecting does: Accept returns one session's
// stream at a time, the first started by SessionListener itself (so that
// its errors are the bind's), and each next one once the one before has
// ended, as a connect's reconnect would start it again.
//
// start begins a session. ep is what Endpoint reports.
func SessionListener(ep Endpoint, start func() (Session, error)) (Listener, error) {
	first, err := start()
	if err != nil {
		return nil, err
	}
	return &sessionListener{ep: ep, start: start, first: first.Conn, current: first.Done, closed: make(chan struct{})}, nil
}

type sessionListener struct {
	ep    Endpoint
	start func() (Session, error)

	mu        sync.Mutex
	first     net.Conn        // the first session's stream, until accepted
	current   <-chan struct{} // the latest session's end
	closed    chan struct{}
	closeOnce sync.Once
}

// Accept returns the first session's stream, then waits for the latest
// session to end and starts another.
func (l *sessionListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	if c := l.first; c != nil {
		l.first = nil
		l.mu.Unlock()
		return c, nil
	}
	current := l.current
	l.mu.Unlock()
	select {
	case <-current:
	case <-l.closed:
		return nil, net.ErrClosed
	}
	select {
	case <-l.closed: // closed as the session ended: start no other
		return nil, net.ErrClosed
	default:
	}
	s, err := l.start()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.current = s.Done
	l.mu.Unlock()
	return s.Conn, nil
}

// Close stops starting sessions. A session whose stream was never accepted
// ends with it; the others end when the core closes their streams.
func (l *sessionListener) Close() error {
	l.closeOnce.Do(func() {
		close(l.closed)
		l.mu.Lock()
		if l.first != nil {
			l.first.Close()
			l.first = nil
		}
		l.mu.Unlock()
	})
	return nil
}

// Endpoint is the endpoint as bound.
func (l *sessionListener) Endpoint() Endpoint { return l.ep }
