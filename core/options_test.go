package core

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/sdk/zmtp"
)

// Socket options, one test per option (libzmq's zmq_setsockopt).

// fillCount sends with TrySend until ErrAgain and returns how many went.
func fillCount(t *testing.T, s *Socket, limit int) int {
	t.Helper()
	for n := 0; n < limit; n++ {
		if err := s.TrySend([]byte("x")); err != nil {
			if !errors.Is(err, ErrAgain) {
				t.Fatalf("TrySend: %v", err)
			}
			return n
		}
	}
	return limit
}

// TestOptionHWMDefaults: ZMQ_SNDHWM and ZMQ_RCVHWM default to 1000
// messages. A connect with no peer yet queues SNDHWM; an inproc pipe holds
// the sender's SNDHWM plus the receiver's RCVHWM, as in libzmq.
func TestOptionHWMDefaults(t *testing.T) {
	t.Run("sndhwm", func(t *testing.T) {
		e := newEnv(t)
		push := e.connected(PUSH, []string{deadTCPEndpoint(t)})
		eventually(t, func() bool { return numPipes(push) == 1 }, "the connect's pipe")
		if n := fillCount(t, push, 5000); n != 1000 {
			t.Fatalf("queued %d messages for a peer to come, want SNDHWM's default 1000", n)
		}
	})
	t.Run("rcvhwm", func(t *testing.T) {
		e := newEnv(t)
		pull := e.bound(PULL, "inproc://rcvhwm")
		push := e.connected(PUSH, []string{"inproc://rcvhwm"}, SendHWM(1))
		if n := fillCount(t, push, 5000); n != 1001 {
			t.Fatalf("inproc took %d messages with SNDHWM 1, want 1 + RCVHWM's default 1000", n)
		}
		_ = pull
	})
}

// TestOptionLastEndpoint: ZMQ_LAST_ENDPOINT is the endpoint of the last
// Bind or Connect, with a wildcard resolved to what was bound.
func TestOptionLastEndpoint(t *testing.T) {
	e := newEnv(t)
	tcp := e.bound(PULL, "tcp://127.0.0.1:*")
	if ep := tcp.LastEndpoint(); !strings.HasPrefix(ep, "tcp://127.0.0.1:") || strings.HasSuffix(ep, ":*") || strings.HasSuffix(ep, ":0") {
		t.Fatalf("tcp LastEndpoint %q: want the port bound", ep)
	}
	path := transport{name: "ipc", t: t}.endpoint()
	ipc := e.bound(PULL, path)
	if ep := ipc.LastEndpoint(); ep != path {
		t.Fatalf("ipc LastEndpoint %q, want %q", ep, path)
	}
	wild := e.bound(PULL, "ipc://*")
	if ep := wild.LastEndpoint(); !strings.HasPrefix(ep, "ipc:///") {
		t.Fatalf("ipc://* LastEndpoint %q: want the path bound", ep)
	}
	in := e.bound(PULL, "inproc://last-endpoint")
	if ep := in.LastEndpoint(); ep != "inproc://last-endpoint" {
		t.Fatalf("inproc LastEndpoint %q", ep)
	}
	// Each resolved endpoint is one a peer can connect to.
	for _, pull := range []*Socket{tcp, ipc, wild, in} {
		push := e.connected(PUSH, []string{pull.LastEndpoint()})
		if got := push.LastEndpoint(); got != pull.LastEndpoint() {
			t.Fatalf("LastEndpoint after Connect is %q, want %q", got, pull.LastEndpoint())
		}
		mustSend(t, push, "hi")
		mustRecv(t, pull)
	}
}

// TestOptionMaxMsgSize: ZMQ_MAXMSGSIZE drops the connection of a peer that
// sends a larger frame; a frame of the limit passes, and other peers carry
// on.
func TestOptionMaxMsgSize(t *testing.T) {
	eachStreamTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		pull := e.bound(PULL, tr.endpoint(), MaxMsgSize(100))
		events := pull.Monitor(EventDisconnected | EventHandshakeSucceeded)
		good := e.connected(PUSH, []string{pull.LastEndpoint()})
		waitEvent(t, events, EventHandshakeSucceeded)
		bad := e.connected(PUSH, []string{pull.LastEndpoint()}, ReconnectInterval(-1))
		waitEvent(t, events, EventHandshakeSucceeded)

		mustSend(t, good, strings.Repeat("g", 100))
		if got := mustRecv(t, pull); len(got[0]) != 100 {
			t.Fatalf("got %d bytes", len(got[0]))
		}
		mustSend(t, bad, strings.Repeat("b", 101))
		ev := waitEvent(t, events, EventDisconnected)
		if !errors.Is(ev.Err, zmtp.ErrTooLarge) {
			t.Fatalf("DISCONNECTED with %v, want ErrTooLarge", ev.Err)
		}
		mustSend(t, good, "still here")
		if got := mustRecvString(t, pull); got[0] != "still here" {
			t.Fatalf("got %q", got)
		}
	})
}

// TestOptionImmediate: with ZMQ_IMMEDIATE messages queue only for
// connections that are up, never for a connect still pending.
func TestOptionImmediate(t *testing.T) {
	eachStreamTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		dead := tr.endpoint()
		if tr.name == "tcp" {
			dead = deadTCPEndpoint(t)
		}
		push := e.connected(PUSH, []string{dead}, Immediate(true))
		if err := push.TrySend([]byte("x")); !errors.Is(err, ErrAgain) {
			t.Fatalf("TrySend with only a pending connect: %v, want ErrAgain", err)
		}
		live := e.bound(PULL, tr.endpoint())
		if err := push.Connect(live.LastEndpoint()); err != nil {
			t.Fatal(err)
		}
		eventually(t, func() bool { return numPipes(push) == 1 }, "the live connection")
		for i := 0; i < 10; i++ {
			mustSend(t, push, fmt.Sprint(i))
		}
		for i := 0; i < 10; i++ {
			if got := mustRecvString(t, live); got[0] != fmt.Sprint(i) {
				t.Fatalf("live peer got %q, want every message in order", got)
			}
		}
		// Once the other peer is up, it takes its turn.
		late := e.bound(PULL, dead)
		eventually(t, func() bool { return numPipes(push) == 2 }, "the second connection")
		for i := 0; i < 10; i++ {
			mustSend(t, push, "rr")
		}
		for i := 0; i < 5; i++ {
			mustRecv(t, late)
			mustRecv(t, live)
		}
	})
}

// TestOptionLinger: ZMQ_LINGER bounds how long a closed socket goes on
// delivering what it queued, in the background (Close itself returns at
// once): 0 not at all (the messages are dropped), a duration that long,
// and the default (-1) until they are delivered, however late the peer.
func TestOptionLinger(t *testing.T) {
	eachStreamTransport(t, func(t *testing.T, tr transport) {
		for _, tc := range []struct {
			name   string
			linger time.Duration
		}{
			{"zero", 0},
			{"100ms", 100 * time.Millisecond},
			{"default", -1},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e := newEnv(t)
				ep := tr.endpoint()
				if tr.name == "tcp" {
					ep = deadTCPEndpoint(t)
				}
				push := e.connected(PUSH, []string{ep}, Linger(tc.linger))
				eventually(t, func() bool { return numPipes(push) == 1 }, "the connect's pipe")
				for i := 0; i < 5; i++ {
					mustSend(t, push, fmt.Sprint(i))
				}
				start := time.Now()
				closeAtOnce(t, push)
				if tc.linger >= 0 {
					select {
					case <-push.Done():
					case <-time.After(patience):
						t.Fatalf("the linger of %v did not end", tc.linger)
					}
					d := time.Since(start)
					if d < tc.linger || d > tc.linger+time.Second {
						t.Fatalf("the socket lingered %v with LINGER %v", d, tc.linger)
					}
					pull := e.bound(PULL, ep)
					expectNothing(t, pull, 50*time.Millisecond)
					return
				}
				// The default waits for the peer, however long it takes.
				select {
				case <-push.Done():
					t.Fatal("the linger ended with messages undelivered and LINGER -1")
				case <-time.After(100 * time.Millisecond):
				}
				pull := e.bound(PULL, ep)
				for i := 0; i < 5; i++ {
					if got := mustRecvString(t, pull); got[0] != fmt.Sprint(i) {
						t.Fatalf("got %q", got)
					}
				}
				select {
				case <-push.Done():
				case <-time.After(patience):
					t.Fatal("the linger did not end once the messages were delivered")
				}
			})
		}
	})
}

// TestOptionLingerDeliversOnClose: with the default LINGER, messages a
// PUSH has queued for a connected peer all arrive although Close comes
// right after the last Send.
func TestOptionLingerDeliversOnClose(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		pull := e.bound(PULL, tr.endpoint())
		push := e.connected(PUSH, []string{pull.LastEndpoint()}, Linger(-1))
		const n = 1500 // under inproc's SNDHWM + RCVHWM, since nothing reads yet
		for i := 0; i < n; i++ {
			mustSend(t, push, fmt.Sprint(i))
		}
		push.Close()
		for i := 0; i < n; i++ {
			if got := mustRecvString(t, pull); got[0] != fmt.Sprint(i) {
				t.Fatalf("got %q, want %d", got, i)
			}
		}
	})
}

// TestOptionReconnectBackoff: ZMQ_RECONNECT_IVL is the pause between
// attempts (plus up to one interval of jitter, as in libzmq); with
// ZMQ_RECONNECT_IVL_MAX it doubles after each failure up to the maximum.
// CONNECT_RETRIED reports each pause.
func TestOptionReconnectBackoff(t *testing.T) {
	const ivl = 10 * time.Millisecond
	for _, tc := range []struct {
		name string
		max  time.Duration
		want []time.Duration // the base of each pause; jitter adds [0, ivl)
	}{
		{"constant", 0, []time.Duration{10, 10, 10, 10, 10, 10}},
		{"backoff", 80 * time.Millisecond, []time.Duration{10, 20, 40, 80, 80, 80}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			push := e.socket(PUSH, ReconnectInterval(ivl), ReconnectIntervalMax(tc.max))
			events := push.Monitor(EventConnectRetried)
			if err := push.Connect(deadTCPEndpoint(t)); err != nil {
				t.Fatal(err)
			}
			for i, base := range tc.want {
				base *= time.Millisecond
				ev := waitEvent(t, events, EventConnectRetried)
				if ev.Interval < base || ev.Interval >= base+ivl {
					t.Fatalf("retry %d after %v, want %v plus jitter under %v", i, ev.Interval, base, ivl)
				}
			}
		})
	}
}

// lastQueued is, white-box, the body of the newest message that has
// reached the socket's pipes and is still on the producers' side of its
// queue (until the next Recv takes it over), or "".
func lastQueued(s *Socket) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for p := range s.pipes {
		p.in.mu.Lock()
		var last string
		if n := len(p.in.items); n > 0 {
			last = string(p.in.items[n-1].body)
		}
		p.in.mu.Unlock()
		if last != "" {
			return last
		}
	}
	return ""
}

// TestOptionConflate: with ZMQ_CONFLATE a queue keeps only the newest
// message: a receiver gets the last one sent, and a sender with no peer
// yet delivers only its last.
func TestOptionConflate(t *testing.T) {
	t.Run("receiver", func(t *testing.T) {
		eachTransport(t, func(t *testing.T, tr transport) {
			e := newEnv(t)
			pull := e.bound(PULL, tr.endpoint(), Conflate(true))
			push := e.connected(PUSH, []string{pull.LastEndpoint()})
			for i := 1; i <= 10; i++ {
				mustSend(t, push, fmt.Sprint(i))
			}
			eventually(t, func() bool { return lastQueued(pull) == "10" }, "the last message to arrive")
			if got := mustRecvString(t, pull); got[0] != "10" {
				t.Fatalf("conflating PULL got %q, want the newest, 10", got)
			}
			if f, err := pull.TryRecv(); err == nil {
				t.Fatalf("conflating PULL got %q after the newest", f)
			}
			// It never holds the sender back: far more than the marks go.
			for i := 0; i < 5000; i++ {
				mustSend(t, push, "more")
			}
			mustSend(t, push, "last")
			eventually(t, func() bool { return lastQueued(pull) == "last" }, "the last message to arrive")
			if got := mustRecvString(t, pull); got[0] != "last" {
				t.Fatalf("got %q", got)
			}
		})
	})
	t.Run("sender", func(t *testing.T) {
		eachStreamTransport(t, func(t *testing.T, tr transport) {
			e := newEnv(t)
			ep := tr.endpoint()
			if tr.name == "tcp" {
				ep = deadTCPEndpoint(t)
			}
			push := e.connected(PUSH, []string{ep}, Conflate(true))
			eventually(t, func() bool { return numPipes(push) == 1 }, "the connect's pipe")
			for i := 1; i <= 10; i++ {
				if err := push.TrySend([]byte(fmt.Sprint(i))); err != nil {
					t.Fatalf("TrySend %d: %v", i, err)
				}
			}
			pull := e.bound(PULL, ep)
			if got := mustRecvString(t, pull); got[0] != "10" {
				t.Fatalf("PULL got %q from a conflating PUSH, want only the newest, 10", got)
			}
			expectNothing(t, pull, 50*time.Millisecond)
		})
	})
}

// TestOptionTimeouts: ZMQ_SNDTIMEO and ZMQ_RCVTIMEO bound a blocking call,
// which then reports ErrAgain; 0 makes it non-blocking.
func TestOptionTimeouts(t *testing.T) {
	for _, tc := range []struct {
		name    string
		timeout time.Duration
	}{
		{"zero", 0},
		{"50ms", 50 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			pull := e.bound(PULL, "inproc://timeouts-"+tc.name, RecvTimeout(tc.timeout))
			push := e.socket(PUSH, SendTimeout(tc.timeout), Immediate(true))
			for _, call := range []struct {
				name string
				do   func() error
			}{
				{"Recv", func() error { _, err := pull.Recv(); return err }},
				{"Send", func() error { return push.SendString("x") }},
			} {
				start := time.Now()
				if err := call.do(); !errors.Is(err, ErrAgain) {
					t.Fatalf("%s: %v, want ErrAgain", call.name, err)
				}
				if d := time.Since(start); d < tc.timeout || d > tc.timeout+time.Second {
					t.Fatalf("%s gave up after %v with a timeout of %v", call.name, d, tc.timeout)
				}
			}
		})
	}
}

// TestContextCancel: RecvContext and SendContext give up with the
// context's error when it is cancelled or its deadline passes, whether
// before the call or while it waits.
func TestContextCancel(t *testing.T) {
	e := newEnv(t)
	pull := e.bound(PULL, "inproc://cancel")
	push := e.socket(PUSH, Immediate(true))
	calls := []struct {
		name string
		do   func(ctx context.Context) error
	}{
		{"RecvContext", func(ctx context.Context) error { _, err := pull.RecvContext(ctx); return err }},
		{"SendContext", func(ctx context.Context) error { return push.SendContext(ctx, []byte("x")) }},
	}
	for _, call := range calls {
		t.Run(call.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if err := call.do(ctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled before: %v, want context.Canceled", err)
			}
			ctx, cancel = context.WithTimeout(context.Background(), 30*time.Millisecond)
			defer cancel()
			if err := call.do(ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("deadline: %v, want context.DeadlineExceeded", err)
			}
			ctx, cancel = context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- call.do(ctx) }()
			select {
			case err := <-done:
				t.Fatalf("returned %v before the cancel", err)
			case <-time.After(20 * time.Millisecond):
			}
			cancel()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("cancelled while waiting: %v, want context.Canceled", err)
				}
			case <-time.After(patience):
				t.Fatal("the call did not return after its context was cancelled")
			}
		})
	}
}

// TestTrySendTryRecv: TrySend and TryRecv never block (ZMQ_DONTWAIT):
// ErrAgain when they cannot go on, the message when they can.
func TestTrySendTryRecv(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		pull := e.bound(PULL, tr.endpoint())
		start := time.Now()
		if _, err := pull.TryRecv(); !errors.Is(err, ErrAgain) {
			t.Fatalf("TryRecv with nothing queued: %v, want ErrAgain", err)
		}
		lonely := e.socket(PUSH, Immediate(true))
		if err := lonely.TrySend([]byte("x")); !errors.Is(err, ErrAgain) {
			t.Fatalf("TrySend with no peer: %v, want ErrAgain", err)
		}
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Fatalf("the Try calls took %v", d)
		}
		push := e.connected(PUSH, []string{pull.LastEndpoint()})
		eventually(t, func() bool { return push.TrySend([]byte("hello")) == nil }, "TrySend to go through")
		var f [][]byte
		eventually(t, func() bool {
			var err error
			f, err = pull.TryRecv()
			return err == nil
		}, "TryRecv to get the message")
		if string(f[0]) != "hello" {
			t.Fatalf("got %q", f)
		}
	})
}

// TestSetOptionWhileConnecting: SetOption may be called while connections
// come and go; each new connection takes the options of its moment (run
// with -race).
func TestSetOptionWhileConnecting(t *testing.T) {
	eachStreamTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		pull := e.bound(PULL, tr.endpoint())
		push := e.socket(PUSH)
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := 1; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				pull.SetOption(RecvHWM(1000+i%10), SendHWM(1000+i%10))
				push.SetOption(SendHWM(1000+i%10), RecvHWM(1000+i%10))
			}
		}()
		for i := 0; i < 5; i++ {
			ep := pull.LastEndpoint()
			if err := push.Connect(ep); err != nil {
				t.Fatal(err)
			}
			mustSend(t, push, "x")
			mustRecv(t, pull)
			if err := push.Disconnect(ep); err != nil {
				t.Fatal(err)
			}
			eventually(t, func() bool { return numPipes(pull) == 0 }, "the connection to end")
		}
		close(stop)
		<-done
	})
}

// TestTryCallsDoNotWaitForOthers: TrySend and TryRecv never block, not
// even behind another goroutine's Send or Recv that is waiting.
func TestTryCallsDoNotWaitForOthers(t *testing.T) {
	e := newEnv(t)
	pull := e.bound(PULL, "inproc://try-others")
	push := e.socket(PUSH, Immediate(true)) // no peer: Send waits
	errs := make(chan error, 2)
	go func() { errs <- push.SendString("waits") }()
	go func() { _, err := pull.Recv(); errs <- err }()
	held := func(mu *sync.Mutex) bool {
		if mu.TryLock() {
			mu.Unlock()
			return false
		}
		return true
	}
	eventually(t, func() bool { return held(&push.sendMu) && held(&pull.recvMu) }, "both calls to wait")
	for name, try := range map[string]func() error{
		"TrySend": func() error { return push.TrySend([]byte("x")) },
		"TryRecv": func() error { _, err := pull.TryRecv(); return err },
	} {
		done := make(chan error, 1)
		go func() { done <- try() }()
		select {
		case err := <-done:
			if !errors.Is(err, ErrAgain) {
				t.Fatalf("%s: %v, want ErrAgain", name, err)
			}
		case <-time.After(time.Second):
			t.Fatalf("%s blocked behind another goroutine's call", name)
		}
	}
	push.Close()
	pull.Close()
	for i := 0; i < 2; i++ {
		<-errs
	}
}
