package core

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Close and linger: Socket.Close never waits for a peer; what it leaves
// queued goes on in the background up to LINGER; Context.Close waits for
// that, as libzmq's zmq_ctx_term does, unless BLOCKY is false.

// closeAtOnce closes s and fails the test if Close waits: with LINGER -1
// and no peer, a Close that waited would never return.
func closeAtOnce(t *testing.T, s *Socket) {
	t.Helper()
	returned := make(chan struct{})
	go func() { s.Close(); close(returned) }()
	select {
	case <-returned:
	case <-time.After(patience):
		t.Fatal("Socket.Close waited for the linger")
	}
}

// closeContextWithin closes c and returns how long it took, failing the
// test if it has not returned after patience.
func closeContextWithin(t *testing.T, c *Context) time.Duration {
	t.Helper()
	start := time.Now()
	returned := make(chan struct{})
	go func() { c.Close(); close(returned) }()
	select {
	case <-returned:
	case <-time.After(patience):
		t.Fatal("Context.Close did not return")
	}
	return time.Since(start)
}

func quietContext(opts ...ContextOption) *Context {
	return NewContext(append([]ContextOption{WithLogger(hclog.NewNullLogger())}, opts...)...)
}

// TestCloseDoesNotWaitForPeer: a PUSH with the default options, connected
// to nothing, with a message queued: Close returns at once, the socket
// lingers in the background (Done stays open), and setting LINGER to 0 on
// the closed socket ends the linger, dropping the message.
func TestCloseDoesNotWaitForPeer(t *testing.T) {
	checkNoLeak(t)
	c := quietContext()
	defer c.Close()
	push, err := c.NewSocket(PUSH) // the defaults: LINGER -1
	if err != nil {
		t.Fatal(err)
	}
	if push.Context() != c {
		t.Fatal("Socket.Context is not the socket's context")
	}
	if err := push.Connect(deadTCPEndpoint(t)); err != nil {
		t.Fatal(err)
	}
	mustSend(t, push, "queued")
	closeAtOnce(t, push)
	select {
	case <-push.Done():
		t.Fatal("Done closed with a message queued and LINGER -1")
	case <-time.After(50 * time.Millisecond):
	}
	if err := push.SetOption(Linger(0)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-push.Done():
	case <-time.After(patience):
		t.Fatal("Linger(0) on the closed socket did not end its linger")
	}
}

// TestCloseWithNothingQueued: with nothing to deliver, the socket has
// finished closing when Close returns, even with LINGER -1 and its peer
// missing.
func TestCloseWithNothingQueued(t *testing.T) {
	e := newEnv(t)
	push := e.connected(PUSH, []string{deadTCPEndpoint(t)}, Linger(-1))
	push.Close()
	select {
	case <-push.Done():
	default:
		t.Fatal("Done is not closed when Close returns with nothing queued")
	}
}

// TestContextCloseAfterLinger: Context.Close waits for its sockets'
// linger, closed before or by it, and returns when LINGER is over although
// the peer never came.
func TestContextCloseAfterLinger(t *testing.T) {
	checkNoLeak(t)
	const linger = 200 * time.Millisecond
	c := quietContext()
	ep := deadTCPEndpoint(t)
	closedBefore, _ := c.NewSocket(PUSH, Linger(linger))
	open, _ := c.NewSocket(PUSH, Linger(linger))
	for _, s := range []*Socket{closedBefore, open} {
		if err := s.Connect(ep); err != nil {
			t.Fatal(err)
		}
		mustSend(t, s, "queued")
	}
	closeAtOnce(t, closedBefore)
	if d := closeContextWithin(t, c); d < linger {
		t.Fatalf("Context.Close returned after %v, before the LINGER of %v", d, linger)
	}
	for _, s := range []*Socket{closedBefore, open} {
		select {
		case <-s.Done():
		default:
			t.Fatal("Context.Close returned before a socket finished")
		}
	}
}

// TestContextCloseDeliversToLatePeer: messages queued before Close reach a
// peer that binds only afterwards, within LINGER, and Context.Close waits
// for them.
func TestContextCloseDeliversToLatePeer(t *testing.T) {
	checkNoLeak(t)
	c := quietContext()
	ep := deadTCPEndpoint(t)
	push, _ := c.NewSocket(PUSH, Linger(patience), ReconnectInterval(fastReconnect))
	if err := push.Connect(ep); err != nil {
		t.Fatal(err)
	}
	const n = 10
	for i := 0; i < n; i++ {
		mustSend(t, push, fmt.Sprint(i))
	}
	closeAtOnce(t, push)
	closed := make(chan struct{})
	go func() { c.Close(); close(closed) }()
	select {
	case <-closed:
		t.Fatal("Context.Close returned with messages undelivered")
	case <-time.After(100 * time.Millisecond):
	}

	pull := newEnv(t).bound(PULL, ep)
	for i := 0; i < n; i++ {
		if got := mustRecvString(t, pull); got[0] != fmt.Sprint(i) {
			t.Fatalf("got %q, want %d", got, i)
		}
	}
	select {
	case <-closed:
	case <-time.After(patience):
		t.Fatal("Context.Close did not return once the messages were delivered")
	}
}

// TestContextCloseWaitsForSlowPeer: with the default LINGER, Context.Close
// waits while a connected peer reads slowly, and returns once it has all
// the messages. The peer takes one message at a time (RCVHWM 1), and the
// messages are more than the kernel's buffers hold.
func TestContextCloseWaitsForSlowPeer(t *testing.T) {
	checkNoLeak(t)
	const n, size = 40, 1 << 20
	pull := newEnv(t).bound(PULL, "tcp://127.0.0.1:*", RecvHWM(1))
	c := quietContext()
	push, _ := c.NewSocket(PUSH)
	if err := push.Connect(pull.LastEndpoint()); err != nil {
		t.Fatal(err)
	}
	body := make([]byte, size)
	for i := 0; i < n; i++ {
		body[0] = byte(i)
		if err := push.Send(body); err != nil {
			t.Fatal(err)
		}
	}
	closed := make(chan struct{})
	go func() { c.Close(); close(closed) }()
	select {
	case <-closed:
		t.Fatal("Context.Close returned while the peer had not read the messages")
	case <-time.After(200 * time.Millisecond):
	}
	for i := 0; i < n; i++ {
		got := mustRecv(t, pull)
		if len(got) != 1 || len(got[0]) != size || got[0][0] != byte(i) || !bytes.Equal(got[0][1:], body[1:]) {
			t.Fatalf("message %d arrived damaged", i)
		}
	}
	select {
	case <-closed:
	case <-time.After(patience):
		t.Fatal("Context.Close did not return once the peer had read everything")
	}
}

// TestContextBlockyFalse: ZMQ_BLOCKY false gives the context's sockets a
// LINGER of 0 unless they set one, so Context.Close does not wait for a
// missing peer; a socket that sets LINGER keeps it.
func TestContextBlockyFalse(t *testing.T) {
	checkNoLeak(t)
	byDefault := quietContext()
	blocky := byDefault.Blocky()
	byDefault.Close()
	if !blocky {
		t.Fatal("a context is blocky by default, as in libzmq")
	}
	c := quietContext(WithBlocky(false))
	if c.Blocky() {
		t.Fatal("WithBlocky(false): Blocky is true")
	}
	ep := deadTCPEndpoint(t)
	unset, _ := c.NewSocket(PUSH)
	if v, err := unset.Option("LINGER"); err != nil || v != time.Duration(0) {
		t.Fatalf("LINGER of a socket of a non-blocky context: %v, %v; want 0", v, err)
	}
	if err := unset.Connect(ep); err != nil {
		t.Fatal(err)
	}
	mustSend(t, unset, "dropped")
	closeContextWithin(t, c)

	const linger = 200 * time.Millisecond
	c = quietContext(WithBlocky(false))
	set, _ := c.NewSocket(PUSH, Linger(linger))
	if err := set.Connect(ep); err != nil {
		t.Fatal(err)
	}
	mustSend(t, set, "lingers")
	if d := closeContextWithin(t, c); d < linger {
		t.Fatalf("Context.Close returned after %v: the socket's LINGER of %v was not kept", d, linger)
	}
}

// TestCloseWithFullInQueue: a socket whose in-queue is full, so that its
// connection's reader waits for room rather than reads, closes all the
// same, every goroutine of it ended.
func TestCloseWithFullInQueue(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		checkNoLeak(t)
		e := newEnv(t)
		pull := e.bound(PULL, tr.endpoint(), RecvHWM(1))
		push := e.connected(PUSH, []string{pull.LastEndpoint()})
		for i := 0; i < 20; i++ {
			mustSend(t, push, "x")
		}
		eventually(t, func() bool { return queuedIn(pull) >= 1 }, "a message waiting in the PULL")
		time.Sleep(20 * time.Millisecond) // for the rest to reach the PULL's reader
		closeAtOnce(t, pull)
		select {
		case <-pull.Done():
		case <-time.After(patience):
			t.Fatal("the PULL did not finish closing")
		}
	})
}

// TestContextCloseDropsForMissingPeer: with the default LINGER (-1), a
// Context.Close does not wait for a peer that is missing (a Connect whose
// attempts are refused): it returns, and the socket's queued message is
// dropped. libzmq's zmq_ctx_term would wait for ever here; zeroplug does
// not (see Context.Close). The same context with a peer that is there
// still delivers: TestContextCloseWaitsForSlowPeer.
func TestContextCloseDropsForMissingPeer(t *testing.T) {
	checkNoLeak(t)
	c := quietContext()
	push, _ := c.NewSocket(PUSH, ReconnectInterval(fastReconnect)) // LINGER -1
	if push.options().linger >= 0 {
		t.Fatalf("default LINGER is %v, want -1", push.options().linger)
	}
	events := push.Monitor(EventConnectRetried)
	if err := push.Connect(deadTCPEndpoint(t)); err != nil {
		t.Fatal(err)
	}
	mustSend(t, push, "for nobody")
	<-events // the first attempt was refused: the peer is missing
	closeAtOnce(t, push)
	closeContextWithin(t, c)
	select {
	case <-push.Done():
	default:
		t.Fatal("Context.Close returned before the socket finished")
	}
}
