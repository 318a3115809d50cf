package core

import (
	"context"
	"errors"
	"slices"
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

func mustWait(t *testing.T, p *Poller) Ready {
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

// TestPollerDropsClosedSocket: a socket closed while a Wait without a
// deadline runs drops out of the poller at once (Close wakes the Wait),
// and the Wait goes on with the others; later Waits do not fail.
func TestPollerDropsClosedSocket(t *testing.T) {
	e := newEnv(t)
	closing := e.bound(PULL, "inproc://poll-closing")
	pull := e.bound(PULL, "inproc://poll-staying")
	push := e.connected(PUSH, []string{"inproc://poll-staying"})
	p := NewPoller()
	p.Add(closing, PollIn)
	p.Add(pull, PollIn)
	type result struct {
		r   Ready
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := p.Wait(t.Context(), -1)
		done <- result{r, err}
	}()
	eventually(t, func() bool { return closing.pollers.n.Load() == 1 }, "the Wait to watch the socket")
	closing.Close()
	eventually(t, func() bool { return len(p.watchedItems()) == 1 }, "the closed socket to drop out of the Wait in progress")
	select {
	case got := <-done:
		t.Fatalf("Wait returned %v, %v when a socket closed; want it to go on waiting", got.r, got.err)
	default:
	}
	mustSend(t, push, "m")
	select {
	case got := <-done:
		if got.err != nil || len(got.r) != 1 || !got.r.Readable(pull) {
			t.Fatalf("Wait: %v, %v; want the open PULL readable", got.r, got.err)
		}
	case <-time.After(patience):
		t.Fatal("Wait did not return for the open socket")
	}
	mustRecv(t, pull)
	if r, err := p.Wait(context.Background(), 0); err != nil || len(r) != 0 {
		t.Fatalf("Wait(0) after the close: %v, %v; want nothing and no error", r, err)
	}
}

// watchedItems gives the sockets the poller watches.
func (p *Poller) watchedItems() []pollItem {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.items)
}

// TestPollerAddDuringWait: a socket added while a Wait runs is watched by
// that Wait.
func TestPollerAddDuringWait(t *testing.T) {
	e := newEnv(t)
	pull := e.bound(PULL, "inproc://poll-added")
	push := e.connected(PUSH, []string{"inproc://poll-added"})
	mustSend(t, push, "m")
	eventually(t, func() bool { return readable(pull) }, "the message to arrive")
	p := NewPoller()
	done := make(chan Ready, 1)
	go func() {
		r, _ := p.Wait(t.Context(), -1)
		done <- r
	}()
	eventually(t, func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return len(p.waits) == 1
	}, "the Wait to start")
	p.Add(pull, PollIn)
	select {
	case r := <-done:
		if !r.Readable(pull) {
			t.Fatalf("Wait: %v; want the added PULL readable", r)
		}
	case <-time.After(patience):
		t.Fatal("Wait did not see the socket added while it ran")
	}
}

// TestPollerReady: the result of Wait answers for one socket: Readable,
// Writable and Events, false and zero for a socket it does not list.
func TestPollerReady(t *testing.T) {
	e := newEnv(t)
	dealer := e.bound(DEALER, "inproc://poll-ready")
	peer := e.connected(DEALER, []string{"inproc://poll-ready"})
	idle := e.socket(PULL)
	mustSend(t, peer, "m")
	eventually(t, func() bool { return readable(dealer) }, "the message to arrive")
	p := NewPoller()
	p.Add(dealer, PollIn|PollOut)
	p.Add(idle, PollIn)
	r := mustWait(t, p)
	if !r.Readable(dealer) || !r.Writable(dealer) || r.Events(dealer) != PollIn|PollOut {
		t.Fatalf("DEALER with a message and a peer: Events %v, Readable %v, Writable %v; want both",
			r.Events(dealer), r.Readable(dealer), r.Writable(dealer))
	}
	if r.Readable(idle) || r.Writable(idle) || r.Events(idle) != 0 {
		t.Fatalf("idle PULL: Events %v; want none", r.Events(idle))
	}
	if len(r) != 1 || r[0].Socket != dealer {
		t.Fatalf("ranging over Ready: %v; want the DEALER alone", r)
	}
}

// TestPollerTwoWaits: two Waits on one poller at once both wake when a
// socket becomes ready; neither takes the other's wake-up.
func TestPollerTwoWaits(t *testing.T) {
	e := newEnv(t)
	pull := e.bound(PULL, "inproc://poll-two-waits")
	push := e.connected(PUSH, []string{"inproc://poll-two-waits"})
	p := NewPoller()
	p.Add(pull, PollIn)
	done := make(chan Ready, 2)
	for range 2 {
		go func() {
			r, _ := p.Wait(t.Context(), -1)
			done <- r
		}()
	}
	eventually(t, func() bool { return pull.pollers.n.Load() == 2 }, "both Waits to watch the socket")
	mustSend(t, push, "m")
	for range 2 {
		select {
		case r := <-done:
			if !r.Readable(pull) {
				t.Fatalf("Wait: %v; want the PULL readable", r)
			}
		case <-time.After(patience):
			t.Fatal("a Wait did not wake when the socket became readable")
		}
	}
}
