package core

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/sdk/zmtp"
)

// RFC 29 (PUB/SUB) and libzmq's XPUB/XSUB, one test per rule.

// syncSub publishes probes (topic#0, topic#1, ...) until sub receives one,
// then reads the probes still in flight: afterwards pub honours sub's
// subscription to topic and nothing waits at sub. It is how a test gets
// past the "slow joiner" without sleeping.
func syncSub(t *testing.T, pub, sub *Socket, topic string) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for k := 0; time.Now().Before(deadline); k++ {
		probe := fmt.Sprintf("%s#%d", topic, k)
		if err := pub.SendString(probe); err != nil {
			t.Fatalf("probe: %v", err)
		}
		f, err := recvWithin(sub, 10*time.Millisecond)
		if err != nil {
			continue
		}
		for {
			if !strings.HasPrefix(string(f[0]), topic+"#") {
				t.Fatalf("%v got %q while probing %q", sub.Type(), f, topic)
			}
			if string(f[0]) == probe {
				return
			}
			f = mustRecv(t, sub)
		}
	}
	t.Fatalf("%v never received a probe of %q", sub.Type(), topic)
}

// recvUntil receives messages until one whose first frame is last, and
// returns every first frame, last included.
func recvUntil(t *testing.T, s *Socket, last string) []string {
	t.Helper()
	var got []string
	for {
		f := mustRecvString(t, s)
		got = append(got, f[0])
		if f[0] == last {
			return got
		}
	}
}

// pubSubPair links a publisher and a subscriber of the given types, either
// side binding.
func pubSubPair(t *testing.T, e *env, tr transport, pubType, subType Type, subBinds bool, subOpts ...Option) (pub, sub *Socket) {
	t.Helper()
	if subBinds {
		sub = e.bound(subType, tr.endpoint(), subOpts...)
		pub = e.connected(pubType, []string{sub.LastEndpoint()})
		return pub, sub
	}
	pub = e.bound(pubType, tr.endpoint())
	sub = e.connected(subType, []string{pub.LastEndpoint()}, subOpts...)
	return pub, sub
}

// eachPubSubLayout runs f over every transport with the PUB binding, and
// with the SUB binding.
func eachPubSubLayout(t *testing.T, f func(t *testing.T, tr transport, subBinds bool)) {
	for _, subBinds := range []bool{false, true} {
		name := "pub-binds"
		if subBinds {
			name = "sub-binds"
		}
		t.Run(name, func(t *testing.T) {
			eachTransport(t, func(t *testing.T, tr transport) { f(t, tr, subBinds) })
		})
	}
}

// TestSUBPrefixFiltering: RFC 29 says a SUB receives the messages whose
// first frame starts with one of its subscriptions, and no others.
func TestSUBPrefixFiltering(t *testing.T) {
	eachPubSubLayout(t, func(t *testing.T, tr transport, subBinds bool) {
		e := newEnv(t)
		pub, sub := pubSubPair(t, e, tr, PUB, SUB, subBinds, Subscribe("ab"))
		syncSub(t, pub, sub, "ab")
		for _, m := range []string{"a", "abc", "xab", "b", "ab", "AB", "ab-end"} {
			mustSend(t, pub, m)
		}
		if got := recvUntil(t, sub, "ab-end"); !equalStrings(got, []string{"abc", "ab", "ab-end"}) {
			t.Fatalf("SUB got %q", got)
		}
		// Multipart messages are filtered on their first frame only.
		mustSend(t, pub, "x", "ab")
		mustSend(t, pub, "ab", "x")
		if got := mustRecvString(t, sub); !equalStrings(got, []string{"ab", "x"}) {
			t.Fatalf("SUB got %q", got)
		}
		// The empty subscription matches everything.
		if err := sub.Subscribe(""); err != nil {
			t.Fatal(err)
		}
		syncSub(t, pub, sub, "zz")
	})
}

// TestSUBMultipleSubscriptions: RFC 29 says a SUB may hold several
// subscriptions and receives what matches any of them, once.
func TestSUBMultipleSubscriptions(t *testing.T) {
	eachPubSubLayout(t, func(t *testing.T, tr transport, subBinds bool) {
		e := newEnv(t)
		pub, sub := pubSubPair(t, e, tr, PUB, SUB, subBinds, Subscribe("a"), Subscribe("b"))
		if err := sub.Subscribe("ab"); err != nil { // overlaps "a"
			t.Fatal(err)
		}
		for _, topic := range []string{"a", "b", "ab"} {
			syncSub(t, pub, sub, topic)
		}
		for _, m := range []string{"a1", "c1", "b1", "ab1", "ba1", "a-end"} {
			mustSend(t, pub, m)
		}
		if got := recvUntil(t, sub, "a-end"); !equalStrings(got, []string{"a1", "b1", "ab1", "ba1", "a-end"}) {
			t.Fatalf("SUB got %q", got)
		}
	})
}

// TestSUBUnsubscribeIsCounted: RFC 29 says subscriptions are counted: a
// topic subscribed twice needs two unsubscribes, and only the last one
// goes on the wire as a cancellation.
func TestSUBUnsubscribeIsCounted(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		xpub := e.bound(XPUB, tr.endpoint())
		sub := e.connected(SUB, []string{xpub.LastEndpoint()})
		next := func() string { return mustRecvString(t, xpub)[0] }
		// Once the XPUB has heard of s0 the connection is up: later
		// subscriptions go out one by one, in order (those made before
		// go in one batch, in no particular order).
		sub.Subscribe("s0")
		if got := next(); got != "\x01s0" {
			t.Fatalf("XPUB got %q, want \\x01s0", got)
		}

		sub.Subscribe("a")
		sub.Subscribe("a")
		sub.Subscribe("s1") // a marker: what the XPUB saw before it is all there was
		if got := next(); got != "\x01a" {
			t.Fatalf("XPUB got %q, want \\x01a", got)
		}
		if got := next(); got != "\x01s1" {
			t.Fatalf("XPUB got %q, want \\x01s1 (one \\x01a only)", got)
		}
		syncSub(t, xpub, sub, "a")

		sub.Unsubscribe("a")
		sub.Subscribe("s2")
		if got := next(); got != "\x01s2" {
			t.Fatalf("XPUB got %q after one unsubscribe of two, want \\x01s2", got)
		}
		mustSend(t, xpub, "a-still")
		if got := mustRecvString(t, sub); got[0] != "a-still" {
			t.Fatalf("SUB got %q, want a-still: one subscription is left", got)
		}

		sub.Unsubscribe("a")
		if got := next(); got != "\x00a" {
			t.Fatalf("XPUB got %q after the last unsubscribe, want \\x00a", got)
		}
		mustSend(t, xpub, "a-gone")
		mustSend(t, xpub, "s1-end")
		if got := mustRecvString(t, sub); got[0] != "s1-end" {
			t.Fatalf("SUB got %q, want s1-end: a is unsubscribed", got)
		}
		// Unsubscribing what is not subscribed does nothing.
		sub.Unsubscribe("never")
		sub.Subscribe("s3")
		if got := next(); got != "\x01s3" {
			t.Fatalf("XPUB got %q, want \\x01s3", got)
		}
	})
}

// TestPUBDropsAtHWM: RFC 29 says a PUB never blocks: a subscriber at its
// high-water mark misses messages, and the others carry on.
func TestPUBDropsAtHWM(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		pub := e.bound(PUB, tr.endpoint(), SendHWM(10))
		slow := e.connected(SUB, []string{pub.LastEndpoint()}, RecvHWM(10), Subscribe(""))
		syncSub(t, pub, slow, "sync")

		const n = 5000
		body := make([]byte, 1024)
		start := time.Now()
		for i := 0; i < n; i++ {
			if err := pub.TrySend(body); err != nil {
				t.Fatalf("TrySend %d: %v; a PUB never reports ErrAgain", i, err)
			}
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("%d sends took %v: the PUB blocked", n, d)
		}
		// The slow subscriber got some, not all; afterwards it gets
		// new messages again.
		got := 0
		for {
			if _, err := recvWithin(slow, 100*time.Millisecond); err != nil {
				break
			}
			got++
		}
		if got == 0 || got >= n {
			t.Fatalf("slow SUB got %d of %d messages: want some dropped", got, n)
		}
		syncSub(t, pub, slow, "after")
	})
}

// TestSUBResubscribesAfterReconnect: RFC 29 says a SUB sends its
// subscriptions again on every new connection: a PUB restarted on the same
// address serves it without the application subscribing anew.
func TestSUBResubscribesAfterReconnect(t *testing.T) {
	eachStreamTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		pub := e.bound(PUB, tr.endpoint())
		ep := pub.LastEndpoint()
		sub := e.connected(SUB, []string{ep}, Subscribe("a"), Subscribe("b"))
		syncSub(t, pub, sub, "a")
		events := sub.Monitor(EventDisconnected | EventHandshakeSucceeded)

		pub.Close()
		waitEvent(t, events, EventDisconnected)
		pub2 := e.bound(PUB, ep)
		waitEvent(t, events, EventHandshakeSucceeded)
		syncSub(t, pub2, sub, "a")
		syncSub(t, pub2, sub, "b")
		mustSend(t, pub2, "c-no")
		mustSend(t, pub2, "b-end")
		if got := mustRecvString(t, sub); got[0] != "b-end" {
			t.Fatalf("SUB got %q", got)
		}
	})
}

// TestXPUBReceivesSubscriptions: an XPUB hands the application "\x01topic"
// for the first subscription to each topic, across all its subscribers;
// with ZMQ_XPUB_VERBOSE, for every one.
func TestXPUBReceivesSubscriptions(t *testing.T) {
	for _, tc := range []struct {
		verbose bool
		want    int // "\x01a" messages for two subscribers of a
	}{
		{false, 1},
		{true, 2},
	} {
		t.Run(fmt.Sprintf("verbose=%v", tc.verbose), func(t *testing.T) {
			eachTransport(t, func(t *testing.T, tr transport) {
				e := newEnv(t)
				xpub := e.bound(XPUB, tr.endpoint(), XPubVerbose(tc.verbose))
				for i := 0; i < 2; i++ {
					sub := e.connected(SUB, []string{xpub.LastEndpoint()})
					sub.Subscribe("a")
					sub.Subscribe(fmt.Sprint("mark", i))
				}
				// Each connection sends its subscriptions in no particular
				// order: read until everything expected is there, then
				// check that nothing more comes.
				counts := map[string]int{}
				for counts["\x01mark0"] == 0 || counts["\x01mark1"] == 0 || counts["\x01a"] < tc.want {
					counts[mustRecvString(t, xpub)[0]]++
				}
				expectNothing(t, xpub, 50*time.Millisecond)
				if counts["\x01a"] != tc.want {
					t.Fatalf("XPUB got \\x01a %d times, want %d (all: %v)", counts["\x01a"], tc.want, counts)
				}
			})
		})
	}
}

// TestXPUBUnsubscribeWhenLastSubscriberLeaves: an XPUB hands the
// application "\x00topic" when no subscriber wants the topic any more: the
// last one unsubscribed, disconnected or closed.
func TestXPUBUnsubscribeWhenLastSubscriberLeaves(t *testing.T) {
	for _, leave := range []string{"unsubscribe", "disconnect", "close"} {
		t.Run(leave, func(t *testing.T) {
			eachTransport(t, func(t *testing.T, tr transport) {
				e := newEnv(t)
				xpub := e.bound(XPUB, tr.endpoint())
				ep := xpub.LastEndpoint()
				next := func() string { return mustRecvString(t, xpub)[0] }
				var subs []*Socket
				for i := 0; i < 2; i++ {
					own := fmt.Sprint("own", i)
					sub := e.connected(SUB, []string{ep}, Subscribe(own))
					if got := next(); got != "\x01"+own {
						t.Fatalf("XPUB got %q, want \\x01%s", got, own)
					}
					// The connection is up: later subscriptions go out in
					// order, so once the marker is in, so is a.
					sub.Subscribe("a")
					sub.Subscribe(own + "!")
					want := []string{"\x01a", "\x01" + own + "!"}
					if i == 1 {
						want = want[1:] // a is not new
					}
					for _, w := range want {
						if got := next(); got != w {
							t.Fatalf("XPUB got %q, want %q", got, w)
						}
					}
					subs = append(subs, sub)
				}
				topics := func(i int) []string { own := fmt.Sprint("own", i); return []string{own, own + "!"} }
				do := func(i int) {
					s := subs[i]
					switch leave {
					case "unsubscribe":
						s.Unsubscribe("a")
						for _, topic := range topics(i) {
							s.Unsubscribe(topic)
						}
					case "disconnect":
						if err := s.Disconnect(ep); err != nil {
							t.Fatal(err)
						}
					case "close":
						s.Close()
					}
				}
				// The cancellations come in no particular order.
				expect := func(want ...string) {
					t.Helper()
					got := map[string]bool{}
					for len(got) < len(want) {
						got[next()] = true
					}
					for _, w := range want {
						if !got[w] {
							t.Fatalf("XPUB got %v, want %q", got, want)
						}
					}
				}
				// The first leaves: its own topics go, a stays.
				do(0)
				expect("\x00own0", "\x00own0!")
				expectNothing(t, xpub, 50*time.Millisecond)
				// The last subscriber of a leaves.
				do(1)
				expect("\x00a", "\x00own1", "\x00own1!")
			})
		})
	}
}

// TestXSUBSendsSubscriptions: an XSUB subscribes and unsubscribes by
// sending "\x01topic" and "\x00topic" as messages; the publisher filters
// for it, and any other message goes upstream as it is.
func TestXSUBSendsSubscriptions(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		xpub := e.bound(XPUB, tr.endpoint())
		xsub := e.connected(XSUB, []string{xpub.LastEndpoint()})
		mustSend(t, xsub, "\x01a")
		if got := mustRecvString(t, xpub); !equalStrings(got, []string{"\x01a"}) {
			t.Fatalf("XPUB got %q, want the subscription", got)
		}
		syncSub(t, xpub, xsub, "a")
		mustSend(t, xpub, "b-no")
		mustSend(t, xpub, "a-yes")
		if got := mustRecvString(t, xsub); got[0] != "a-yes" {
			t.Fatalf("XSUB got %q", got)
		}
		mustSend(t, xsub, "upstream", "data")
		if got := mustRecvString(t, xpub); !equalStrings(got, []string{"upstream", "data"}) {
			t.Fatalf("XPUB got %q, want the XSUB's message as sent", got)
		}
		mustSend(t, xsub, "\x00a")
		if got := mustRecvString(t, xpub); !equalStrings(got, []string{"\x00a"}) {
			t.Fatalf("XPUB got %q, want the cancellation", got)
		}
		mustSend(t, xsub, "\x01c")
		mustRecv(t, xpub)
		mustSend(t, xpub, "a-no")
		mustSend(t, xpub, "c-end")
		if got := mustRecvString(t, xsub); got[0] != "c-end" {
			t.Fatalf("XSUB got %q, want c-end: a is cancelled", got)
		}
	})
}

// TestXPUBXSUBProxy: the forwarder of RFC 29's figures: publishers connect
// to an XSUB, subscribers to an XPUB, core.Proxy between them carries the
// subscriptions up and the messages down.
func TestXPUBXSUBProxy(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		front := e.bound(XSUB, tr.endpoint())
		back := e.bound(XPUB, tr.endpoint())
		done := make(chan error, 1)
		go func() { done <- Proxy(front, back, nil) }()
		t.Cleanup(func() {
			front.Close()
			back.Close()
			if err := <-done; !errors.Is(err, ErrClosed) {
				t.Errorf("Proxy returned %v, want ErrClosed", err)
			}
		})
		var pubs []*Socket
		for i := 0; i < 2; i++ {
			pubs = append(pubs, e.connected(PUB, []string{front.LastEndpoint()}))
		}
		topics := []string{"x", "y"}
		var subs []*Socket
		for _, topic := range topics {
			subs = append(subs, e.connected(SUB, []string{back.LastEndpoint()}, Subscribe(topic)))
		}
		// Each subscriber hears from each publisher, and only its topic.
		heard := map[string]bool{}
		deadline := time.Now().Add(patience)
		for len(heard) < 4 {
			if time.Now().After(deadline) {
				t.Fatalf("heard only %v", heard)
			}
			for p, pub := range pubs {
				for _, topic := range topics {
					pub.SendString(fmt.Sprintf("%s-pub%d", topic, p))
				}
			}
			for i, sub := range subs {
				for {
					f, err := recvWithin(sub, 5*time.Millisecond)
					if err != nil {
						break
					}
					if !strings.HasPrefix(string(f[0]), topics[i]) {
						t.Fatalf("SUB of %q got %q", topics[i], f)
					}
					heard[string(f[0])] = true
				}
			}
		}
	})
}

// rawHandshake completes a NULL handshake by hand on c, announcing ZMTP
// 3.minor and socket type typ, and returns a decoder past the peer's READY.
func rawHandshake(t *testing.T, c net.Conn, minor byte, typ string) *zmtp.Decoder {
	t.Helper()
	g := zmtp.Greeting{Major: 3, Minor: minor, Mechanism: "NULL"}.Marshal()
	c.Write(append(g[:], readyCommand(typ)...))
	c.SetReadDeadline(time.Now().Add(patience))
	defer c.SetReadDeadline(time.Time{})
	dec := zmtp.NewDecoder(c, 0)
	if _, err := dec.ReadFull(zmtp.GreetingSize); err != nil {
		t.Fatalf("peer's greeting: %v", err)
	}
	if flags, body, err := dec.Next(); err != nil || flags&zmtp.FlagCommand == 0 || !zmtp.IsCommand(body, zmtp.CmdReady) {
		t.Fatalf("peer's READY: %#x %q %v", flags, body, err)
	}
	return dec
}

// TestSubscriptionsOnTheWire: RFC 37 (section 3.4.6) says a ZMTP 3.1 peer
// subscribes with SUBSCRIBE and CANCEL commands, a 3.0 peer with the
// "\x01topic" and "\x00topic" messages of RFC 29; a PUB takes both, and a
// SUB speaks to each publisher in its own way.
func TestSubscriptionsOnTheWire(t *testing.T) {
	for _, minor := range []byte{0, 1} {
		t.Run(fmt.Sprintf("zmtp-3.%d", minor), func(t *testing.T) {
			eachStreamTransport(t, func(t *testing.T, tr transport) {
				e := newEnv(t)
				// A raw subscriber to a zeroplug PUB.
				pub := e.bound(PUB, tr.endpoint())
				c := rawDial(t, pub.LastEndpoint())
				dec := rawHandshake(t, c, minor, "SUB")
				enc := zmtp.NewEncoder(c)
				if minor == 0 {
					enc.Frame(0, []byte("\x01a"))
				} else {
					enc.Command(zmtp.CmdSubscribe, []byte("a"))
				}
				enc.Flush()
				// Publish until the subscription has arrived (a read
				// timing out means not yet).
				deadline := time.Now().Add(patience)
				for {
					if time.Now().After(deadline) {
						t.Fatal("the PUB never sent the subscribed topic")
					}
					pub.SendString("b-no")
					pub.SendString("a-yes")
					c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
					_, body, err := dec.Next()
					var ne net.Error
					if errors.As(err, &ne) && ne.Timeout() {
						continue
					}
					if err != nil {
						t.Fatalf("raw SUB: %v", err)
					}
					if string(body) == "b-no" {
						t.Fatal("PUB sent an unsubscribed topic")
					}
					if string(body) == "a-yes" {
						break
					}
				}

				// A zeroplug SUB to a raw publisher.
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				defer ln.Close()
				sub := e.connected(SUB, []string{"tcp://" + ln.Addr().String()}, Subscribe("topic"))
				pc, err := ln.Accept()
				if err != nil {
					t.Fatal(err)
				}
				defer pc.Close()
				pdec := rawHandshake(t, pc, minor, "PUB")
				pc.SetReadDeadline(time.Now().Add(patience))
				flags, body, err := pdec.Next()
				if err != nil {
					t.Fatal(err)
				}
				if minor == 0 && (flags != 0 || string(body) != "\x01topic") {
					t.Fatalf("SUB sent %#x %q to a 3.0 PUB, want the message \\x01topic", flags, body)
				}
				if minor == 1 && (flags&zmtp.FlagCommand == 0 || string(body) != "\x09SUBSCRIBEtopic") {
					t.Fatalf("SUB sent %#x %q to a 3.1 PUB, want a SUBSCRIBE command", flags, body)
				}
				sub.Unsubscribe("topic")
				flags, body, err = pdec.Next()
				if err != nil {
					t.Fatal(err)
				}
				if minor == 0 && (flags != 0 || string(body) != "\x00topic") {
					t.Fatalf("SUB sent %#x %q to a 3.0 PUB, want the message \\x00topic", flags, body)
				}
				if minor == 1 && (flags&zmtp.FlagCommand == 0 || string(body) != "\x06CANCELtopic") {
					t.Fatalf("SUB sent %#x %q to a 3.1 PUB, want a CANCEL command", flags, body)
				}
			})
		})
	}
}

// TestXPUBVerboser: with ZMQ_XPUB_VERBOSER an XPUB passes every
// unsubscription too, not only the last for each topic.
func TestXPUBVerboser(t *testing.T) {
	e := newEnv(t)
	xpub := e.bound(XPUB, "inproc://verboser", XPubVerboser(true))
	var subs []*Socket
	for i := 0; i < 2; i++ {
		sub := e.connected(SUB, []string{"inproc://verboser"}, Subscribe("a"))
		subs = append(subs, sub)
		if got := mustRecvString(t, xpub)[0]; got != "\x01a" {
			t.Fatalf("got %q", got)
		}
	}
	for _, sub := range subs {
		sub.Unsubscribe("a")
		if got := mustRecvString(t, xpub)[0]; got != "\x00a" {
			t.Fatalf("got %q, want every \\x00a", got)
		}
	}
}

// TestXPUBNoDrop: with ZMQ_XPUB_NODROP an XPUB at a subscriber's
// high-water mark blocks (TrySend: ErrAgain) instead of dropping.
func TestXPUBNoDrop(t *testing.T) {
	e := newEnv(t)
	xpub := e.bound(XPUB, "inproc://nodrop", XPubNoDrop(true), SendHWM(5))
	sub := e.connected(SUB, []string{"inproc://nodrop"}, Subscribe(""), RecvHWM(5))
	mustRecv(t, xpub) // the subscription
	sent := 0
	for ; sent < 100; sent++ {
		if err := xpub.TrySend([]byte("x")); err != nil {
			if !errors.Is(err, ErrAgain) {
				t.Fatal(err)
			}
			break
		}
	}
	if sent != 10 {
		t.Fatalf("XPUB_NODROP took %d messages, want SNDHWM + RCVHWM = 10", sent)
	}
	for i := 0; i < 10; i++ {
		mustRecv(t, sub)
	}
	// Reading on gives the room back (see TestInprocRoomComesBack).
	if _, err := sub.TryRecv(); !errors.Is(err, ErrAgain) {
		t.Fatalf("TryRecv: %v", err)
	}
	if err := xpub.TrySend([]byte("room again")); err != nil {
		t.Fatal(err)
	}
}

// TestInprocRoomComesBack: RFC 29 and 30's high-water marks count the
// messages waiting, not those the receiver has read: once a receiver has
// read what was queued, the sender has room again, as in libzmq (whose
// reader gives credit back every half mark). A PUB then delivers, and a
// PUSH sends, without the receiver having to call Recv first.
func TestInprocRoomComesBack(t *testing.T) {
	t.Run("PUSH", func(t *testing.T) {
		e := newEnv(t)
		pull := e.bound(PULL, "inproc://room-push", RecvHWM(5))
		push := e.connected(PUSH, []string{"inproc://room-push"}, SendHWM(5))
		if n := fillCount(t, push, 100); n != 10 {
			t.Fatalf("took %d, want 10", n)
		}
		for i := 0; i < 10; i++ {
			mustRecv(t, pull)
		}
		if err := push.TrySend([]byte("after")); err != nil {
			t.Fatalf("TrySend once the PULL has read everything: %v, want room", err)
		}
	})
	t.Run("PUB", func(t *testing.T) {
		e := newEnv(t)
		pub := e.bound(PUB, "inproc://room-pub", SendHWM(5))
		sub := e.connected(SUB, []string{"inproc://room-pub"}, Subscribe(""), RecvHWM(5))
		for i := 0; i < 10; i++ {
			mustSend(t, pub, fmt.Sprint(i))
		}
		for i := 0; i < 10; i++ {
			if got := mustRecvString(t, sub)[0]; got != fmt.Sprint(i) {
				t.Fatalf("got %q, want %d", got, i)
			}
		}
		mustSend(t, pub, "after")
		if f, err := recvWithin(sub, time.Second); err != nil || string(f[0]) != "after" {
			t.Fatalf("SUB got %q, %v: the PUB dropped a message sent once the SUB had read everything", f, err)
		}
	})
}

// TestSUBBoundOnInprocSubscribesConnectingPUB: a SUB bound on inproc tells a PUB that connects later
// what it wants (the connect hook runs on both sides of a link).
func TestSUBBoundOnInprocSubscribesConnectingPUB(t *testing.T) {
	ctx := NewContext()
	defer ctx.Close()
	sub, _ := ctx.NewSocket(SUB, RecvTimeout(5*time.Second), Subscribe("a"))
	if err := sub.Bind("inproc://sub-binds"); err != nil {
		t.Fatal(err)
	}
	pub, _ := ctx.NewSocket(PUB)
	if err := pub.Connect("inproc://sub-binds"); err != nil {
		t.Fatal(err)
	}
	pub.SendString("b-skip")
	pub.SendString("a-keep")
	f, err := sub.Recv()
	if err != nil || string(f[0]) != "a-keep" {
		t.Fatalf("got %q, %v", f, err)
	}
}
