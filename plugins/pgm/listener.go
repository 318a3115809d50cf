package pgm

import (
	"net"
	"sync"

	"github.com/zeroplug/zeroplug/sdk"
)

// listener is a bind: pgm has no connections to accept, so Accept starts the session
// (the first at once, its sockets opened by Listen so that their errors are the
// bind's) and, each time the session before has ended, a new one, as a connect's
// reconnect would.
type listener struct {
	ep  sdk.Endpoint
	cfg config

	mu      sync.Mutex
	first   net.Conn // the stream of the session Listen started, until accepted
	current *engine
	closed  chan struct{}
	once    sync.Once
}

func newListener(ep sdk.Endpoint, cfg config) (*listener, error) {
	conn, s, err := startEngine(cfg)
	if err != nil {
		return nil, err
	}
	return &listener{ep: ep, cfg: cfg, first: conn, current: s, closed: make(chan struct{})}, nil
}

// Accept returns the session's stream; after the first, it waits for the current
// session to end and starts another.
func (l *listener) Accept() (net.Conn, error) {
	l.mu.Lock()
	if c := l.first; c != nil {
		l.first = nil
		l.mu.Unlock()
		return c, nil
	}
	cur := l.current
	l.mu.Unlock()
	select {
	case <-cur.done:
	case <-l.closed:
		return nil, net.ErrClosed
	}
	select {
	case <-l.closed:
		return nil, net.ErrClosed
	default:
	}
	conn, s, err := startEngine(l.cfg)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.current = s
	l.mu.Unlock()
	return conn, nil
}

// Close stops starting sessions. A session whose stream was not accepted ends with
// it; the others end when the core closes their streams.
func (l *listener) Close() error {
	l.once.Do(func() {
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
func (l *listener) Endpoint() sdk.Endpoint { return l.ep }
