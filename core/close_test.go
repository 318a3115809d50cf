package core

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// Close: what it ends, what it leaves behind (nothing), and what the
// sockets say afterwards.

// exchange links two sockets of a pattern and moves a message each way
// the pattern allows.
type exchange struct {
	binder, connector Type
	opts              []Option // for both
	subscribe         bool     // the connector subscribes to everything
	run               func(t *testing.T, b, c *Socket)
}

func closeExchanges() map[string]exchange {
	pingPong := func(t *testing.T, b, c *Socket) {
		mustSend(t, c, "ping")
		mustRecv(t, b)
		mustSend(t, b, "pong")
		mustRecv(t, c)
	}
	return map[string]exchange{
		"PUSH-PULL": {PULL, PUSH, nil, false, func(t *testing.T, b, c *Socket) {
			mustSend(t, c, "x")
			mustRecv(t, b)
		}},
		"REQ-REP": {REP, REQ, nil, false, pingPong},
		"DEALER-ROUTER": {ROUTER, DEALER, nil, false, func(t *testing.T, b, c *Socket) {
			mustSend(t, c, "x")
			f := mustRecv(t, b)
			if err := b.Send(f[0], []byte("y")); err != nil {
				t.Fatal(err)
			}
			mustRecv(t, c)
		}},
		"PAIR-PAIR": {PAIR, PAIR, nil, false, pingPong},
		"PUB-SUB": {PUB, SUB, nil, true, func(t *testing.T, b, c *Socket) {
			syncSub(t, b, c, "t")
		}},
		"XPUB-XSUB": {XPUB, XSUB, nil, false, func(t *testing.T, b, c *Socket) {
			mustSend(t, c, "\x01")
			mustRecv(t, b)
			syncSub(t, b, c, "t")
		}},
		"heartbeats": {PULL, PUSH, []Option{HeartbeatInterval(5 * time.Millisecond), HeartbeatTTL(time.Second)}, false,
			func(t *testing.T, b, c *Socket) {
				mustSend(t, c, "x")
				mustRecv(t, b)
			}},
	}
}

// TestCloseLeavesNoGoroutine: for every socket type, open, bind, connect,
// exchange, close: every goroutine the sockets started has ended.
func TestCloseLeavesNoGoroutine(t *testing.T) {
	for name, x := range closeExchanges() {
		t.Run(name, func(t *testing.T) {
			eachTransport(t, func(t *testing.T, tr transport) {
				checkNoLeak(t)
				e := newEnv(t)
				b := e.bound(x.binder, tr.endpoint(), x.opts...)
				copts := x.opts
				if x.subscribe {
					copts = append(copts, Subscribe(""))
				}
				c := e.connected(x.connector, []string{b.LastEndpoint()}, copts...)
				x.run(t, b, c)
				c.Close()
				b.Close()
			})
		})
	}
	t.Run("STREAM", func(t *testing.T) {
		eachStreamTransport(t, func(t *testing.T, tr transport) {
			checkNoLeak(t)
			e := newEnv(t)
			s := e.bound(STREAM, tr.endpoint())
			c := rawDial(t, s.LastEndpoint())
			id := mustRecv(t, s)[0]
			c.Write([]byte("x"))
			recvStream(t, s, id, 1)
			s.Close()
			c.Close()
		})
	})
	t.Run("proxy", func(t *testing.T) {
		checkNoLeak(t)
		e := newEnv(t)
		r := newProxyRig(t, e)
		control := e.bound(PAIR, tr(t).endpoint())
		startProxy(t, r, nil, control)
		mustSend(t, r.client, "x")
		mustRecv(t, r.worker)
	})
	t.Run("unreachable-connect", func(t *testing.T) {
		checkNoLeak(t)
		e := newEnv(t)
		e.connected(PUSH, []string{deadTCPEndpoint(t)}).SendString("queued")
	})
}

// TestCloseTwice: a second Close, even at the same time as the first, is
// fine and returns once the socket is closed.
func TestCloseTwice(t *testing.T) {
	e := newEnv(t)
	s := e.bound(PULL, "tcp://127.0.0.1:*")
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}()
	}
	wg.Wait()
	if err := s.Close(); err != nil {
		t.Fatalf("Close again: %v", err)
	}
}

// TestCloseUnblocksCalls: a Recv or Send blocked on a socket returns
// ErrClosed when it closes, and every call afterwards does too.
func TestCloseUnblocksCalls(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		pull := e.bound(PULL, tr.endpoint())
		push := e.socket(PUSH, Immediate(true))
		errs := make(chan error, 2)
		go func() { _, err := pull.Recv(); errs <- err }()
		go func() { errs <- push.SendString("nowhere") }()
		select {
		case err := <-errs:
			t.Fatalf("a call returned %v before Close", err)
		case <-time.After(20 * time.Millisecond):
		}
		pull.Close()
		push.Close()
		for i := 0; i < 2; i++ {
			select {
			case err := <-errs:
				if !errors.Is(err, ErrClosed) {
					t.Fatalf("blocked call returned %v, want ErrClosed", err)
				}
			case <-time.After(patience):
				t.Fatal("a blocked call did not return at Close")
			}
		}
		afterwards := map[string]error{
			"Send":    push.SendString("x"),
			"TrySend": push.TrySend([]byte("x")),
			"Bind":    pull.Bind(tr.endpoint()),
			"Connect": push.Connect("tcp://127.0.0.1:1"),
		}
		_, afterwards["Recv"] = pull.Recv()
		_, afterwards["TryRecv"] = pull.TryRecv()
		for name, err := range afterwards {
			if !errors.Is(err, ErrClosed) {
				t.Errorf("%s after Close: %v, want ErrClosed", name, err)
			}
		}
	})
}

// TestCloseManyInprocLinks: a socket connected to several inproc peers
// closes cleanly, and its peers lose it.
func TestCloseManyInprocLinks(t *testing.T) {
	e := newEnv(t)
	var pulls []*Socket
	var eps []string
	for i := 0; i < 4; i++ {
		pull := e.bound(PULL, fmt.Sprintf("inproc://many-%d", i))
		pulls = append(pulls, pull)
		eps = append(eps, pull.LastEndpoint())
	}
	push := e.connected(PUSH, eps)
	push.Close()
	for i, pull := range pulls {
		if n := numPipes(pull); n != 0 {
			t.Fatalf("PULL %d still has %d peers", i, n)
		}
	}
}

// TestContextCloseClosesSockets: closing a context closes all its sockets
// (blocked calls return ErrClosed) and it makes no new ones.
func TestContextCloseClosesSockets(t *testing.T) {
	checkNoLeak(t)
	e := newEnv(t)
	pull := e.bound(PULL, "tcp://127.0.0.1:*")
	push := e.connected(PUSH, []string{pull.LastEndpoint()})
	sub := e.connected(SUB, []string{"inproc://ctx-pub"}, Subscribe(""))
	pub := e.bound(PUB, "inproc://ctx-pub")
	mustSend(t, push, "x")
	mustRecv(t, pull)
	blocked := make(chan error, 1)
	go func() { _, err := sub.Recv(); blocked <- err }()

	if err := e.ctx.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-blocked:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("blocked Recv returned %v, want ErrClosed", err)
		}
	case <-time.After(patience):
		t.Fatal("blocked Recv did not return at Context.Close")
	}
	for _, s := range []*Socket{pull, push, sub, pub} {
		if err := s.SendString("x"); !errors.Is(err, ErrClosed) && !errors.Is(err, ErrNotSupported) {
			t.Fatalf("%v Send after Context.Close: %v", s.Type(), err)
		}
		if !s.isClosed() {
			t.Fatalf("%v not closed", s.Type())
		}
	}
	if _, err := e.ctx.NewSocket(PUSH); !errors.Is(err, ErrClosed) {
		t.Fatalf("NewSocket on a closed context: %v, want ErrClosed", err)
	}
}

// TestSendEmptyMessage: a message has at least one frame (ErrInvalid);
// one empty frame is a message.
func TestSendEmptyMessage(t *testing.T) {
	e := newEnv(t)
	pull := e.bound(PULL, "inproc://empty")
	push := e.connected(PUSH, []string{"inproc://empty"})
	if err := push.Send(); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Send(): %v, want ErrInvalid", err)
	}
	if err := push.Send([]byte{}); err != nil {
		t.Fatal(err)
	}
	if got := mustRecv(t, pull); len(got) != 1 || len(got[0]) != 0 {
		t.Fatalf("got %q", got)
	}
}
