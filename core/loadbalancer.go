package core

import "sync"

// loadBalancer sends each message to one pipe, taking them in turn and
// passing over those at their high-water mark (RFC 28 and 30's
// round-robin). PUSH, DEALER, REQ and PAIR send through it.
type loadBalancer struct {
	mu    sync.Mutex
	pipes []*pipe
	cur   int
}

func (l *loadBalancer) add(p *pipe) {
	l.mu.Lock()
	l.pipes = append(l.pipes, p)
	l.mu.Unlock()
}

func (l *loadBalancer) remove(p *pipe) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, q := range l.pipes {
		if q == p {
			l.pipes = append(l.pipes[:i], l.pipes[i+1:]...)
			if l.cur > i {
				l.cur--
			}
			return
		}
	}
}

// send writes m to the next pipe with room and returns it, or nil when
// every pipe is full (or there is none).
func (l *loadBalancer) send(m msg) *pipe {
	m.release = m.copied // one pipe gets it: its engine may give the copy back
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(l.pipes)
	for i := 0; i < n; i++ {
		if l.cur >= n {
			l.cur = 0
		}
		p := l.pipes[l.cur]
		l.cur++
		if p.write(m) {
			return p
		}
	}
	return nil
}

// writable reports whether send would succeed now (for pollers).
func (l *loadBalancer) writable() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, p := range l.pipes {
		if !p.full() {
			return true
		}
	}
	return false
}
