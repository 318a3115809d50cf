package core

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// RFC 30 (PUSH/PULL) and RFC 31 (PAIR), one test per rule.

// TestPUSHRoundRobin: RFC 30 says a PUSH sends each message to the next
// connected PULL in turn: with three peers connected, 30 messages are
// 10 each, exactly.
func TestPUSHRoundRobin(t *testing.T) {
	for _, pushBinds := range []bool{true, false} {
		t.Run(fmt.Sprintf("push-binds=%v", pushBinds), func(t *testing.T) {
			eachTransport(t, func(t *testing.T, tr transport) {
				e := newEnv(t)
				var push *Socket
				var pulls []*Socket
				if pushBinds {
					push = e.bound(PUSH, tr.endpoint())
					for i := 0; i < 3; i++ {
						pulls = append(pulls, e.connected(PULL, []string{push.LastEndpoint()}))
					}
				} else {
					var eps []string
					for i := 0; i < 3; i++ {
						pull := e.bound(PULL, tr.endpoint())
						pulls = append(pulls, pull)
						eps = append(eps, pull.LastEndpoint())
					}
					push = e.connected(PUSH, eps)
				}
				eventually(t, func() bool { return numPipes(push) == 3 }, "the PUSH to have 3 peers")
				for i := 0; i < 30; i++ {
					mustSend(t, push, fmt.Sprint(i))
				}
				for i, pull := range pulls {
					var got []string
					for j := 0; j < 10; j++ {
						got = append(got, mustRecvString(t, pull)[0])
					}
					// Each PULL's share is every third message, in order.
					for j := 1; j < len(got); j++ {
						var a, b int
						fmt.Sscan(got[j-1], &a)
						fmt.Sscan(got[j], &b)
						if b-a != 3 {
							t.Fatalf("PULL %d got %q: not every third message", i, got)
						}
					}
				}
				for i, pull := range pulls {
					if f, err := pull.TryRecv(); err == nil {
						t.Fatalf("PULL %d got an 11th message %q", i, f)
					}
				}
			})
		})
	}
}

// TestPUSHBlocksAtHWM: RFC 30 says a PUSH whose every peer is at the
// high-water mark blocks (or, not blocking, reports ErrAgain); it never
// drops. SNDTIMEO bounds the wait.
func TestPUSHBlocksAtHWM(t *testing.T) {
	t.Run("no-peer-yet", func(t *testing.T) {
		// A connect that is not IMMEDIATE queues up to SNDHWM for the peer
		// to come: exactly that many.
		eachTransport(t, func(t *testing.T, tr transport) {
			e := newEnv(t)
			ep := tr.endpoint()
			if tr.name == "tcp" {
				ep = deadTCPEndpoint(t)
			}
			push := e.connected(PUSH, []string{ep}, SendHWM(5))
			eventually(t, func() bool { return numPipes(push) == 1 }, "the connect's pipe")
			for i := 0; i < 5; i++ {
				if err := push.TrySend([]byte("x")); err != nil {
					t.Fatalf("TrySend %d: %v", i, err)
				}
			}
			if err := push.TrySend([]byte("x")); !errors.Is(err, ErrAgain) {
				t.Fatalf("TrySend past SNDHWM: %v, want ErrAgain", err)
			}
			push.SetOption(SendTimeout(50 * time.Millisecond))
			start := time.Now()
			if err := push.Send([]byte("x")); !errors.Is(err, ErrAgain) {
				t.Fatalf("Send past SNDHWM: %v, want ErrAgain", err)
			}
			if d := time.Since(start); d < 50*time.Millisecond {
				t.Fatalf("Send gave up after %v, before SNDTIMEO", d)
			}
			// The queued messages are kept for the peer.
			pull := e.bound(PULL, ep)
			for i := 0; i < 5; i++ {
				mustRecv(t, pull)
			}
		})
	})
	t.Run("peer-not-reading", func(t *testing.T) {
		eachTransport(t, func(t *testing.T, tr transport) {
			e := newEnv(t)
			pull := e.bound(PULL, tr.endpoint(), RecvHWM(5))
			push := e.connected(PUSH, []string{pull.LastEndpoint()}, SendHWM(5))
			body := make([]byte, 16<<10)
			// The kernel's buffers take some on tcp and ipc; then the
			// PUSH stops.
			sent := 0
			for ; sent < 10000; sent++ {
				if err := push.TrySend(body); err != nil {
					if !errors.Is(err, ErrAgain) {
						t.Fatalf("TrySend: %v", err)
					}
					break
				}
			}
			if sent == 10000 {
				t.Fatal("the PUSH never stopped at its high-water mark")
			}
			if !tr.stream() && sent != 10 {
				t.Fatalf("inproc took %d messages, want SNDHWM + RCVHWM = 10", sent)
			}
			// A sender with a timeout keeps going while the writer drains
			// into the kernel, then waits its SNDTIMEO and gives up.
			push.SetOption(SendTimeout(50 * time.Millisecond))
			for {
				start := time.Now()
				err := push.Send(body)
				if err == nil {
					sent++
					continue
				}
				if !errors.Is(err, ErrAgain) {
					t.Fatalf("Send: %v", err)
				}
				if d := time.Since(start); d < 50*time.Millisecond {
					t.Fatalf("Send gave up after %v, before SNDTIMEO", d)
				}
				break
			}
			// Nothing was dropped: the PULL gets every message.
			for i := 0; i < sent; i++ {
				mustRecv(t, pull)
			}
		})
	})
}

// deadTCPEndpoint returns a loopback tcp endpoint that nothing listens on
// (a port just bound and released).
func deadTCPEndpoint(t *testing.T) string {
	t.Helper()
	e := newEnv(t)
	s := e.bound(PULL, "tcp://127.0.0.1:*")
	ep := s.LastEndpoint()
	s.Close()
	return ep
}

// TestPULLFairQueues: RFC 30 says a PULL takes messages from its peers in
// turn: with two PUSHes that have both queued plenty, their messages come
// interleaved, not one sender's first.
func TestPULLFairQueues(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		pull := e.bound(PULL, tr.endpoint())
		const n = 100
		for _, name := range []string{"a", "b"} {
			push := e.connected(PUSH, []string{pull.LastEndpoint()})
			for i := 0; i < n; i++ {
				mustSend(t, push, name)
			}
		}
		eventually(t, func() bool { return queuedIn(pull) == 2*n }, "both PUSHes' messages to be queued at the PULL")
		var got []string
		for i := 0; i < 2*n; i++ {
			got = append(got, mustRecvString(t, pull)[0])
		}
		for i := 1; i < len(got); i++ {
			if got[i] == got[i-1] {
				t.Fatalf("message %d from %s again: not fair-queued (%q...)", i, got[i], got[:min(len(got), i+10)])
			}
		}
	})
}

// TestPULLFairQueuesWhenASecondPeerJoins: a PULL that has been receiving
// from one PUSH alone (which it does without the fair-queue's lock) takes
// turns again as soon as a second has messages, even with the first's
// messages already in hand.
func TestPULLFairQueuesWhenASecondPeerJoins(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		pull := e.bound(PULL, tr.endpoint())
		const n = 100
		a := e.connected(PUSH, []string{pull.LastEndpoint()})
		for i := 0; i < n; i++ {
			mustSend(t, a, "a")
		}
		eventually(t, func() bool { return queuedIn(pull) == n }, "A's messages to be queued at the PULL")
		for i := 0; i < 10; i++ {
			if got := mustRecvString(t, pull)[0]; got != "a" {
				t.Fatalf("got %q from A alone", got)
			}
		}
		b := e.connected(PUSH, []string{pull.LastEndpoint()})
		for i := 0; i < n; i++ {
			mustSend(t, b, "b")
		}
		eventually(t, func() bool { return queuedIn(pull) >= 2*n-10 }, "B's messages to be queued at the PULL")
		var got []string
		for i := 0; i < 2*(n-10); i++ {
			got = append(got, mustRecvString(t, pull)[0])
		}
		for i := 1; i < len(got); i++ {
			if got[i] == got[i-1] {
				t.Fatalf("message %d from %s again: not fair-queued (%q...)", i, got[i], got[:min(len(got), i+10)])
			}
		}
	})
}

// TestPAIRExclusive: RFC 31 says a PAIR talks to one peer: a second PAIR
// connecting gets nothing through, and nothing from it, while the first is
// connected; on tcp and ipc it gets in once the first has gone.
func TestPAIRExclusive(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		a := e.bound(PAIR, tr.endpoint())
		events := a.Monitor(EventHandshakeSucceeded)
		b := e.connected(PAIR, []string{a.LastEndpoint()})
		mustSend(t, b, "from b")
		if got := mustRecvString(t, a); got[0] != "from b" {
			t.Fatalf("A got %q", got)
		}
		c := e.connected(PAIR, []string{a.LastEndpoint()})
		if tr.stream() {
			// A refuses C's connection after the handshake.
			waitEvent(t, events, EventHandshakeSucceeded)
			waitEvent(t, events, EventHandshakeSucceeded)
		}
		c.TrySend([]byte("from c"))
		mustSend(t, b, "from b again")
		if got := mustRecvString(t, a); got[0] != "from b again" {
			t.Fatalf("A got %q, want B's message only", got)
		}
		for i := 0; i < 5; i++ {
			mustSend(t, a, fmt.Sprint("to b ", i))
		}
		for i := 0; i < 5; i++ {
			if got := mustRecvString(t, b); got[0] != fmt.Sprint("to b ", i) {
				t.Fatalf("B got %q", got)
			}
		}
		expectNothing(t, c, 20*time.Millisecond)
		expectNothing(t, a, 20*time.Millisecond)
		if !tr.stream() {
			return // inproc does not reconnect
		}
		b.Close()
		// C reconnects (RECONNECT_IVL) and gets through.
		eventually(t, func() bool {
			c.TrySend([]byte("from c later"))
			f, err := recvWithin(a, 5*time.Millisecond)
			return err == nil && string(f[0]) != "from b again"
		}, "C to get through once B has gone")
	})
}

// TestPAIRConnectsToOnePeer: RFC 31's one peer holds for a PAIR that
// connects to two endpoints as well: it talks to one of them only, and the
// second Connect is not an error.
func TestPAIRConnectsToOnePeer(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		a := e.bound(PAIR, tr.endpoint())
		b := e.bound(PAIR, tr.endpoint())
		x := e.connected(PAIR, []string{a.LastEndpoint(), b.LastEndpoint()})
		for i := 0; i < 10; i++ {
			mustSend(t, x, fmt.Sprint(i))
		}
		// Which one wins is the first connection made; it gets all.
		var winner, loser *Socket
		eventually(t, func() bool {
			if queuedIn(a) > 0 {
				winner, loser = a, b
			} else if queuedIn(b) > 0 {
				winner, loser = b, a
			}
			return winner != nil
		}, "a PAIR to receive")
		for i := 0; i < 10; i++ {
			if got := mustRecvString(t, winner); got[0] != fmt.Sprint(i) {
				t.Fatalf("got %q, want %d", got, i)
			}
		}
		expectNothing(t, loser, 20*time.Millisecond)
		mustSend(t, winner, "back")
		if got := mustRecvString(t, x); got[0] != "back" {
			t.Fatalf("got %q", got)
		}
		if err := loser.TrySend([]byte("lost")); !errors.Is(err, ErrAgain) {
			t.Fatalf("the PAIR left out has a peer: TrySend %v, want ErrAgain", err)
		}
	})
}

// TestPUSHPULLKeepsOrderAndFrames: over each transport, a PUSH's messages reach the PULL in
// the order sent, each with all its frames.
func TestPUSHPULLKeepsOrderAndFrames(t *testing.T) {
	for _, ep := range []string{"tcp://127.0.0.1:*", "inproc://smoke", "ipc://@zeroplug-smoke"} {
		t.Run(ep, func(t *testing.T) {
			pull, err := NewSocket(PULL, RecvTimeout(5*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			defer pull.Close()
			if err := pull.Bind(ep); err != nil {
				t.Fatal(err)
			}
			push, _ := NewSocket(PUSH)
			defer push.Close()
			if err := push.Connect(pull.LastEndpoint()); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 100; i++ {
				if err := push.Send([]byte(fmt.Sprint(i)), []byte("x")); err != nil {
					t.Fatal(err)
				}
			}
			for i := 0; i < 100; i++ {
				f, err := pull.Recv()
				if err != nil {
					t.Fatal(err)
				}
				if string(f[0]) != fmt.Sprint(i) || len(f) != 2 {
					t.Fatalf("got %q", f)
				}
			}
		})
	}
}
