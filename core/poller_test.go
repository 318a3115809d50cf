package core

import (
	"context"
	"errors"
	"testing"
	"time"
)

// Poller (libzmq's zmq_poller).

// ready gives the events of each socket in a Wait result.
func ready(ps []Polled) map[*Socket]PollEvents {
	m := map[*Socket]PollEvents{}
	for _, p := range ps {
		m[p.Socket] |= p.Events
	}
	return m
}

// TestPollerPollIn: Wait reports the sockets that have a message, among
// several; with none, it waits out its timeout and returns an empty list.
func TestPollerPollIn(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		var pulls, pushes []*Socket
		p := NewPoller()
		for i := 0; i < 3; i++ {
			pull := e.bound(PULL, tr.endpoint())
			pulls = append(pulls, pull)
			pushes = append(pushes, e.connected(PUSH, []string{pull.LastEndpoint()}))
			p.Add(pull, PollIn)
		}
		if got, err := p.Wait(context.Background(), 0); err != nil || len(got) != 0 {
			t.Fatalf("Wait(0) with nothing queued: %v, %v", got, err)
		}
		start := time.Now()
		if got, err := p.Wait(context.Background(), 50*time.Millisecond); err != nil || len(got) != 0 {
			t.Fatalf("Wait(50ms) with nothing queued: %v, %v", got, err)
		}
		if d := time.Since(start); d < 50*time.Millisecond {
			t.Fatalf("Wait(50ms) returned after %v", d)
		}

		mustSend(t, pushes[1], "one")
		got, err := p.Wait(context.Background(), patience)
		if err != nil || len(got) != 1 || got[0].Socket != pulls[1] || got[0].Events != PollIn {
			t.Fatalf("Wait: %v, %v; want the second PULL readable", got, err)
		}
		mustRecv(t, pulls[1])
		if got, _ := p.Wait(context.Background(), 0); len(got) != 0 {
			t.Fatalf("Wait(0) after reading: %v", got)
		}

		mustSend(t, pushes[0], "zero")
		mustSend(t, pushes[2], "two")
		eventually(t, func() bool {
			got, _ := p.Wait(context.Background(), patience)
			r := ready(got)
			return r[pulls[0]] == PollIn && r[pulls[2]] == PollIn && len(r) == 2
		}, "the first and third PULL to be readable")

		// A socket removed is not reported.
		p.Remove(pulls[0])
		if r := ready(mustWait(t, p)); len(r) != 1 || r[pulls[2]] != PollIn {
			t.Fatalf("after Remove: %v", r)
		}
	})
}

func mustWait(t *testing.T, p *Poller) []Polled {
	t.Helper()
	got, err := p.Wait(context.Background(), patience)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestPollerPollOut: PollOut reports a socket that can send now: a PUSH
// with a peer (not one without), a REQ before its request (not after).
func TestPollerPollOut(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		rep := e.bound(REP, tr.endpoint())
		lonely := e.socket(PUSH, Immediate(true))
		req := e.connected(REQ, []string{rep.LastEndpoint()})
		p := NewPoller()
		p.Add(lonely, PollOut)
		p.Add(req, PollIn|PollOut)
		eventually(t, func() bool {
			r := ready(mustWait(t, p))
			return len(r) == 1 && r[req] == PollOut
		}, "the REQ alone to be writable")

		mustSend(t, req, "q")
		if got, _ := p.Wait(context.Background(), 20*time.Millisecond); len(got) != 0 {
			t.Fatalf("a REQ waiting for its reply is ready: %v", got)
		}
		mustRecv(t, rep)
		mustSend(t, rep, "a")
		if r := ready(mustWait(t, p)); r[req] != PollIn {
			t.Fatalf("REQ with its reply waiting: %v, want PollIn only", r)
		}
		mustRecv(t, req)

		pull := e.bound(PULL, tr.endpoint())
		lonely.Connect(pull.LastEndpoint())
		eventually(t, func() bool {
			return ready(mustWait(t, p))[lonely] == PollOut
		}, "the PUSH to become writable once connected")
	})
}

// TestPollerContext: a Wait gives up when its context is cancelled.
func TestPollerContext(t *testing.T) {
	e := newEnv(t)
	p := NewPoller()
	p.Add(e.bound(PULL, "inproc://poll-ctx"), PollIn)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := p.Wait(ctx, -1); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait: %v, want the context's error", err)
	}
}

// TestPollerConcurrentWithCalls: a poller on one goroutine and Send and
// Recv on another may use a socket at once (sockets are safe for
// concurrent use; run with -race).
func TestPollerConcurrentWithCalls(t *testing.T) {
	e := newEnv(t)
	rep := e.bound(REP, "inproc://poll-concurrent")
	req := e.connected(REQ, []string{"inproc://poll-concurrent"})
	dealer := e.bound(DEALER, "inproc://poll-concurrent-rep")
	rep2 := e.connected(REP, []string{"inproc://poll-concurrent-rep"})
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		p := NewPoller()
		p.Add(req, PollIn|PollOut)
		p.Add(rep, PollIn|PollOut)
		p.Add(rep2, PollIn|PollOut)
		for {
			select {
			case <-stop:
				return
			default:
			}
			p.Wait(context.Background(), time.Millisecond)
		}
	}()
	for i := 0; i < 200; i++ {
		mustSend(t, req, "q")
		mustRecv(t, rep)
		mustSend(t, rep, "a")
		mustRecv(t, req)
		mustSend(t, dealer, "", "q")
		mustRecv(t, rep2)
		mustSend(t, rep2, "a")
		mustRecv(t, dealer)
	}
	close(stop)
	<-done
}

// TestPollerReturnsWhenSocketCloses: a Wait without a deadline returns
// ErrClosed when a socket it watches is closed.
func TestPollerReturnsWhenSocketCloses(t *testing.T) {
	ctx := NewContext()
	defer ctx.Close()
	pull, _ := ctx.NewSocket(PULL)
	p := NewPoller()
	p.Add(pull, PollIn)
	done := make(chan error, 1)
	go func() {
		_, err := p.Wait(t.Context(), -1)
		done <- err
	}()
	time.Sleep(20 * time.Millisecond) // let Wait block: it must return either way
	pull.Close()
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("Wait: %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Wait did not return after its socket closed")
	}
}
