package core

import (
	"errors"
	"testing"
	"time"
)

// The pattern options of options_patterns.go between zeroplug sockets,
// over inproc and tcp (ipc runs the same code as tcp past the driver).

func eachInprocTCP(t *testing.T, f func(t *testing.T, tr transport)) {
	t.Helper()
	for _, name := range []string{"inproc", "tcp"} {
		t.Run(name, func(t *testing.T) { f(t, transport{name: name, t: t}) })
	}
}

// SUBSCRIBE and UNSUBSCRIBE through SetOption act on an open SUB in the
// order given, and ParseOption makes the same options from text.
func TestSubscribeOptionsInOrder(t *testing.T) {
	eachInprocTCP(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		pub := e.bound(PUB, tr.endpoint())
		sub := e.connected(SUB, []string{pub.LastEndpoint()}, Subscribe("A"))
		syncSub(t, pub, sub, "A")
		parsed, err := ParseOption("subscribe", "B")
		if err != nil {
			t.Fatal(err)
		}
		if err := sub.SetOption(parsed, Unsubscribe("A"), Subscribe("C"), Unsubscribe("C")); err != nil {
			t.Fatal(err)
		}
		syncSub(t, pub, sub, "B")
		for _, m := range []string{"A-1", "C-1", "B-1", "B-end"} {
			mustSend(t, pub, m)
		}
		if got := recvUntil(t, sub, "B-end"); !equalStrings(got, []string{"B-1", "B-end"}) {
			t.Fatalf("SUB after SUBSCRIBE B, UNSUBSCRIBE A, SUBSCRIBE C, UNSUBSCRIBE C received %q", got)
		}
	})
}

func TestSubscribeOptionRefusedByOtherTypes(t *testing.T) {
	e := newEnv(t)
	for _, typ := range []Type{PUSH, PUB, XPUB, ROUTER} {
		s := e.socket(typ)
		if err := s.SetOption(Subscribe("A")); !errors.Is(err, ErrNotSupported) {
			t.Errorf("%v SetOption(Subscribe): %v, want ErrNotSupported", typ, err)
		}
		if _, err := e.ctx.NewSocket(typ, Subscribe("A")); !errors.Is(err, ErrNotSupported) {
			t.Errorf("NewSocket(%v, Subscribe): %v, want ErrNotSupported", typ, err)
		}
	}
}

// XPUB_WELCOME_MSG reaches each new subscriber first, whichever side binds.
func TestXPubWelcomeMsg(t *testing.T) {
	eachInprocTCP(t, func(t *testing.T, tr transport) {
		for _, subBinds := range []bool{false, true} {
			e := newEnv(t)
			welcome := XPubWelcomeMsg([]byte("Welcome"))
			var sub *Socket
			if subBinds {
				sub = e.bound(SUB, tr.endpoint(), Subscribe("W"))
				e.connected(XPUB, []string{sub.LastEndpoint()}, welcome)
			} else {
				xpub := e.bound(XPUB, tr.endpoint(), welcome)
				sub = e.connected(SUB, []string{xpub.LastEndpoint()}, Subscribe("W"))
			}
			if got := mustRecvString(t, sub); !equalStrings(got, []string{"Welcome"}) {
				t.Fatalf("subBinds=%v: SUB received %q first, want the welcome", subBinds, got)
			}
		}
	})
}

// XPUB_MANUAL: the XPUB applies nothing itself; Subscribe on it applies to
// the peer of the last subscription received, and a departing peer's
// requests come back as cancellations.
func TestXPubManual(t *testing.T) {
	eachInprocTCP(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		xpub := e.bound(XPUB, tr.endpoint(), XPubManual(true))
		xsub := e.connected(XSUB, []string{xpub.LastEndpoint()})
		if err := xpub.Subscribe("early"); err != nil {
			t.Fatalf("Subscribe before any subscription: %v, want nil (ignored, as libzmq)", err)
		}
		mustSend(t, xsub, "\x01A")
		if got := mustRecvString(t, xpub); !equalStrings(got, []string{"\x01A"}) {
			t.Fatalf("manual XPUB received %q, want the subscription", got)
		}
		if err := xpub.SetOption(Subscribe("B")); err != nil {
			t.Fatal(err)
		}
		for _, m := range []string{"A-1", "early", "B-1", "B-end"} {
			mustSend(t, xpub, m)
		}
		if got := recvUntil(t, xsub, "B-end"); !equalStrings(got, []string{"B-1", "B-end"}) {
			t.Fatalf("XSUB of a manual XPUB that subscribed it to B received %q", got)
		}
		// A second peer's subscription to the same topic is passed on too
		// (manual implies verbose), and Subscribe now serves that peer.
		xsub2 := e.connected(XSUB, []string{xpub.LastEndpoint()})
		mustSend(t, xsub2, "\x01A")
		if got := mustRecvString(t, xpub); !equalStrings(got, []string{"\x01A"}) {
			t.Fatalf("manual XPUB received %q, want the second peer's subscription", got)
		}
		if err := xpub.Subscribe("A"); err != nil {
			t.Fatal(err)
		}
		for _, m := range []string{"A-2", "B-2", "B-end"} {
			mustSend(t, xpub, m)
		}
		if got := recvUntil(t, xsub2, "A-2"); !equalStrings(got, []string{"A-2"}) {
			t.Fatalf("second XSUB received %q", got)
		}
		if got := recvUntil(t, xsub, "B-end"); !equalStrings(got, []string{"B-2", "B-end"}) {
			t.Fatalf("first XSUB received %q after the second was subscribed to A", got)
		}
		xsub.Close()
		if got := mustRecvString(t, xpub); !equalStrings(got, []string{"\x00A"}) {
			t.Fatalf("manual XPUB received %q when its peer left, want the cancellation of its request", got)
		}
	})
}

// PROBE_ROUTER: a DEALER, REQ or ROUTER greets each peer with an empty
// message, which a ROUTER receives under the peer's routing id.
func TestProbeRouter(t *testing.T) {
	eachInprocTCP(t, func(t *testing.T, tr transport) {
		for _, typ := range []Type{DEALER, REQ, ROUTER} {
			e := newEnv(t)
			router := e.bound(ROUTER, tr.endpoint())
			e.connected(typ, []string{router.LastEndpoint()}, RoutingID([]byte("probe")), ProbeRouter(true))
			if got := mustRecvString(t, router); !equalStrings(got, []string{"probe", ""}) {
				t.Fatalf("ROUTER received %q from a probing %v, want [probe, \"\"]", got, typ)
			}
		}
		// The bound side probes too, as libzmq's does on every attach.
		e := newEnv(t)
		dealer := e.bound(DEALER, tr.endpoint(), RoutingID([]byte("bound")), ProbeRouter(true))
		router := e.connected(ROUTER, []string{dealer.LastEndpoint()})
		if got := mustRecvString(t, router); !equalStrings(got, []string{"bound", ""}) {
			t.Fatalf("ROUTER received %q from a bound probing DEALER", got)
		}
	})
}

// CONNECT_ROUTING_ID names the peer of the next Connect, is consumed by
// it, and refuses an id in use.
func TestConnectRoutingID(t *testing.T) {
	eachInprocTCP(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		server := e.bound(ROUTER, tr.endpoint(), RoutingID([]byte("announced")))
		client := e.socket(ROUTER, RoutingID([]byte("client")), RouterMandatory(true), ConnectRoutingID([]byte("server")))
		if err := client.Connect(server.LastEndpoint()); err != nil {
			t.Fatal(err)
		}
		if v, err := client.Option("CONNECT_ROUTING_ID"); err != nil || len(v.([]byte)) != 0 {
			t.Fatalf("CONNECT_ROUTING_ID after Connect: %q, %v; want it consumed", v, err)
		}
		eventually(t, func() bool { return client.Send([]byte("server"), []byte("hello")) == nil },
			"the client ROUTER reaching its peer as server")
		if got := mustRecvString(t, server); !equalStrings(got, []string{"client", "hello"}) {
			t.Fatalf("server received %q", got)
		}
		if err := client.Send([]byte("announced"), []byte("x")); !errors.Is(err, ErrHostUnreachable) {
			t.Fatalf("send to the announced id: %v, want ErrHostUnreachable", err)
		}
		other := e.bound(ROUTER, tr.endpoint())
		if err := client.SetOption(ConnectRoutingID([]byte("server"))); err != nil {
			t.Fatal(err)
		}
		if err := client.Connect(other.LastEndpoint()); !errors.Is(err, ErrInvalid) {
			t.Fatalf("Connect with an id in use: %v, want ErrInvalid", err)
		}
	})
}

// ROUTER_NOTIFY: [routing id, ""] on a peer's connect and on its
// disconnect, over connections (libzmq does not notify for inproc).
func TestRouterNotify(t *testing.T) {
	eachStreamTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		router := e.bound(ROUTER, tr.endpoint(), RouterNotify(NotifyConnect|NotifyDisconnect))
		dealer := e.connected(DEALER, []string{router.LastEndpoint()}, RoutingID([]byte("d1")))
		if got := mustRecvString(t, router); !equalStrings(got, []string{"d1", ""}) {
			t.Fatalf("ROUTER received %q on connect, want [d1, \"\"]", got)
		}
		mustSend(t, dealer, "work")
		if got := mustRecvString(t, router); !equalStrings(got, []string{"d1", "work"}) {
			t.Fatalf("ROUTER received %q", got)
		}
		dealer.Close()
		if got := mustRecvString(t, router); !equalStrings(got, []string{"d1", ""}) {
			t.Fatalf("ROUTER received %q on disconnect, want [d1, \"\"]", got)
		}
	})
	opt, err := ParseOption("ROUTER_NOTIFY", "4")
	if err != nil {
		t.Fatal(err)
	}
	if err := newEnv(t).socket(ROUTER).SetOption(opt); !errors.Is(err, ErrInvalid) {
		t.Fatalf("ROUTER_NOTIFY=4: %v, want ErrInvalid", err)
	}
}

// INVERT_MATCHING: an XPUB sends to the peers that do not match, and a SUB
// keeps what does not match.
func TestInvertMatching(t *testing.T) {
	eachInprocTCP(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		xpub := e.bound(XPUB, tr.endpoint(), InvertMatching(true))
		sub := e.connected(SUB, []string{xpub.LastEndpoint()}, InvertMatching(true), Subscribe("A"))
		if got := mustRecvString(t, xpub); !equalStrings(got, []string{"\x01A"}) {
			t.Fatalf("XPUB received %q, want the subscription", got)
		}
		for _, m := range []string{"A-1", "B-1", "A-2", "C-end"} {
			mustSend(t, xpub, m)
		}
		if got := recvUntil(t, sub, "C-end"); !equalStrings(got, []string{"B-1", "C-end"}) {
			t.Fatalf("inverted SUB of A received %q", got)
		}
		// Only the SUB inverted: a plain XPUB sends it what matches, which
		// it then drops.
		plain := e.bound(XPUB, tr.endpoint())
		sub2 := e.connected(SUB, []string{plain.LastEndpoint()}, InvertMatching(true), Subscribe("A"), Subscribe("Z"))
		for range 2 {
			mustRecv(t, plain)
		}
		for _, m := range []string{"A-1", "Z-end"} {
			mustSend(t, plain, m)
		}
		expectNothing(t, sub2, 50*time.Millisecond)
	})
}

// A refused SUBSCRIBE leaves the other options of the call unapplied.
func TestSubscribeOptionRefusedAppliesNothing(t *testing.T) {
	s := newEnv(t).socket(PUSH)
	if err := s.SetOption(SendHWM(7), Subscribe("A")); !errors.Is(err, ErrNotSupported) {
		t.Fatalf("SetOption: %v, want ErrNotSupported", err)
	}
	if v, _ := s.Option("SNDHWM"); v != 1000 {
		t.Fatalf("SNDHWM after a refused SetOption: %v, want 1000", v)
	}
}

// CONNECT_ROUTING_ID on a STREAM: the connection it makes is known by the
// chosen id, from the connect notification on.
func TestConnectRoutingIDStream(t *testing.T) {
	e := newEnv(t)
	server := e.bound(STREAM, "tcp://127.0.0.1:*")
	client := e.connected(STREAM, nil, ConnectRoutingID([]byte("raw1")))
	if err := client.Connect(server.LastEndpoint()); err != nil {
		t.Fatal(err)
	}
	if got := mustRecvString(t, client); !equalStrings(got, []string{"raw1", ""}) {
		t.Fatalf("STREAM connect notification %q, want [raw1, \"\"]", got)
	}
	mustSend(t, client, "raw1", "bytes")
	id := mustRecv(t, server)[0] // the server's notification
	if got := mustRecvString(t, server); !equalStrings(got, []string{string(id), "bytes"}) {
		t.Fatalf("STREAM server received %q", got)
	}
}
