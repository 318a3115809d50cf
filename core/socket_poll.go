package core

import (
	"context"
	"time"
)

// Poll waits until the socket is ready for one of events, up to timeout
// (negative: for ever; zero: not at all), and returns those it is ready
// for: zero when the time ran out. It is pyzmq's socket.poll, the one-socket
// poll of the Guide's Lazy Pirate, without building a Poller. A socket
// closed before or during the call gives ErrClosed.
func (s *Socket) Poll(events PollEvents, timeout time.Duration) (PollEvents, error) {
	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	return s.pollUntil(context.Background(), events, timeout == 0, expired)
}

// PollContext is Poll that waits until ctx is done (its error then) instead
// of for a timeout.
func (s *Socket) PollContext(ctx context.Context, events PollEvents) (PollEvents, error) {
	return s.pollUntil(ctx, events, false, nil)
}

// pollUntil looks at the socket until it is ready, at once only when
// nowait, and otherwise after each wake-up of its pollers.
func (s *Socket) pollUntil(ctx context.Context, events PollEvents, nowait bool, expired <-chan time.Time) (PollEvents, error) {
	wake := make(chan struct{}, 1)
	s.pollers.add(wake) // before the first look: no wake-up is lost
	defer s.pollers.remove(wake)
	for {
		if s.isClosed() {
			return 0, ErrClosed
		}
		if ev := s.poll(events); ev != 0 || nowait {
			return ev, nil
		}
		select {
		case <-wake:
		case <-s.closing:
			return 0, ErrClosed
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-expired:
			return 0, nil
		}
	}
}
