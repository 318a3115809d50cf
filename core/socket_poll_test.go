package core

import (
	"context"
	"errors"
	"testing"
	"time"
)

// Socket.Poll and PollContext: pyzmq's socket.poll, one socket without a
// Poller.

// TestSocketPollTimeout: with nothing to receive, Poll(0) answers at once
// and Poll(d) waits d, both with no events; with a message waiting, Poll
// reports PollIn, and a REQ is writable before its request, not after.
func TestSocketPollTimeout(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		rep := e.bound(REP, tr.endpoint())
		req := e.connected(REQ, []string{rep.LastEndpoint()})
		if ev, err := rep.Poll(PollIn, 0); err != nil || ev != 0 {
			t.Fatalf("Poll(PollIn, 0) with nothing queued: %v, %v", ev, err)
		}
		start := time.Now()
		if ev, err := rep.Poll(PollIn, 30*time.Millisecond); err != nil || ev != 0 {
			t.Fatalf("Poll(PollIn, 30ms) with nothing queued: %v, %v", ev, err)
		}
		if d := time.Since(start); d < 30*time.Millisecond {
			t.Fatalf("Poll(PollIn, 30ms) returned after %v", d)
		}
		if ev, err := req.Poll(PollIn|PollOut, patience); err != nil || ev != PollOut {
			t.Fatalf("REQ before its request: %v, %v; want PollOut", ev, err)
		}
		mustSend(t, req, "q")
		if ev, err := req.Poll(PollOut, 0); err != nil || ev != 0 {
			t.Fatalf("REQ after its request: %v, %v; want nothing", ev, err)
		}
		if ev, err := rep.Poll(PollIn|PollOut, patience); err != nil || ev != PollIn {
			t.Fatalf("REP with a request waiting: %v, %v; want PollIn", ev, err)
		}
		mustRecv(t, rep)
	})
}

// TestSocketPollWaitsForMessage: a Poll without a deadline returns when a
// message arrives.
func TestSocketPollWaitsForMessage(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		pull := e.bound(PULL, tr.endpoint())
		push := e.connected(PUSH, []string{pull.LastEndpoint()})
		done := make(chan error, 1)
		go func() {
			ev, err := pull.Poll(PollIn, -1)
			if err == nil && ev != PollIn {
				err = errors.New("no PollIn")
			}
			done <- err
		}()
		mustSend(t, push, "m")
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Poll(PollIn, -1): %v", err)
			}
		case <-time.After(patience):
			t.Fatal("Poll(PollIn, -1) did not return when a message came")
		}
		if got := mustRecvString(t, pull); !equalStrings(got, []string{"m"}) {
			t.Fatalf("received %q", got)
		}
	})
}

// TestSocketPollContext: PollContext waits until its context is done and
// returns the context's error.
func TestSocketPollContext(t *testing.T) {
	e := newEnv(t)
	pull := e.bound(PULL, "inproc://poll-socket-ctx")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := pull.PollContext(ctx, PollIn); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("PollContext: %v, want the context's error", err)
	}
	push := e.connected(PUSH, []string{"inproc://poll-socket-ctx"})
	mustSend(t, push, "m")
	if ev, err := pull.PollContext(t.Context(), PollIn); err != nil || ev != PollIn {
		t.Fatalf("PollContext with a message: %v, %v", ev, err)
	}
}

// TestSocketPollClosed: a Poll in progress returns ErrClosed when the
// socket closes, and so does a Poll on a closed socket.
func TestSocketPollClosed(t *testing.T) {
	e := newEnv(t)
	pull := e.bound(PULL, "inproc://poll-socket-closed")
	done := make(chan error, 1)
	go func() {
		_, err := pull.Poll(PollIn, -1)
		done <- err
	}()
	eventually(t, func() bool { return pull.pollers.n.Load() == 1 }, "the Poll to start")
	pull.Close()
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("Poll when the socket closed: %v, want ErrClosed", err)
		}
	case <-time.After(patience):
		t.Fatal("Poll did not return when its socket closed")
	}
	if _, err := pull.Poll(PollIn, 0); !errors.Is(err, ErrClosed) {
		t.Fatalf("Poll on a closed socket: %v, want ErrClosed", err)
	}
}
