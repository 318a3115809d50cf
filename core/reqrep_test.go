package core

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// RFC 28 (REQ/REP) and libzmq's ROUTER, one test per rule.

// TestREQStrictAlternation: RFC 28 says a REQ sends one request and then
// receives one reply; anything else out of turn is an error (EFSM).
func TestREQStrictAlternation(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		rep := e.bound(REP, tr.endpoint())
		req := e.connected(REQ, []string{rep.LastEndpoint()})

		if _, err := req.TryRecv(); !errors.Is(err, ErrState) {
			t.Fatalf("Recv before Send: %v, want ErrState", err)
		}
		mustSend(t, req, "one")
		if err := req.SendString("two"); !errors.Is(err, ErrState) {
			t.Fatalf("second Send: %v, want ErrState", err)
		}
		if got := mustRecvString(t, rep); !equalStrings(got, []string{"one"}) {
			t.Fatalf("REP got %q", got)
		}
		if _, err := rep.TryRecv(); !errors.Is(err, ErrState) {
			t.Fatalf("REP Recv before replying: %v, want ErrState", err)
		}
		mustSend(t, rep, "ONE")
		if err := rep.SendString("again"); !errors.Is(err, ErrState) {
			t.Fatalf("REP second Send: %v, want ErrState", err)
		}
		if got := mustRecvString(t, req); !equalStrings(got, []string{"ONE"}) {
			t.Fatalf("REQ got %q", got)
		}
		if _, err := req.TryRecv(); !errors.Is(err, ErrState) {
			t.Fatalf("second Recv: %v, want ErrState", err)
		}
		// The cycle starts again.
		mustSend(t, req, "three")
		mustRecv(t, rep)
	})
}

// serveName runs a REP that answers every request with its name and the
// request, until the socket closes.
func serveName(wg *sync.WaitGroup, rep *Socket, name string) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			f, err := rep.Recv()
			if err != nil {
				return
			}
			if rep.Send(append([][]byte{[]byte(name)}, f...)...) != nil {
				return
			}
		}
	}()
}

// TestREQRoundRobinsOverREPs: RFC 28 says a REQ sends each request to the
// next peer in turn.
func TestREQRoundRobinsOverREPs(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		var wg sync.WaitGroup
		var eps []string
		for i := 0; i < 3; i++ {
			rep := e.bound(REP, tr.endpoint())
			eps = append(eps, rep.LastEndpoint())
			serveName(&wg, rep, fmt.Sprint("rep", i))
			defer rep.Close()
		}
		req := e.connected(REQ, eps)
		eventually(t, func() bool { return numPipes(req) == 3 }, "REQ to have 3 peers")
		var order []string
		for i := 0; i < 9; i++ {
			mustSend(t, req, fmt.Sprint(i))
			got := mustRecvString(t, req)
			if len(got) != 2 || got[1] != fmt.Sprint(i) {
				t.Fatalf("request %d: reply %q", i, got)
			}
			order = append(order, got[0])
		}
		// Whatever order the peers came in, it repeats: each round of
		// three requests meets every REP once.
		for i := 3; i < len(order); i++ {
			if order[i] != order[i-3] {
				t.Fatalf("requests went to %q: not round-robin", order)
			}
		}
		if order[0] == order[1] || order[1] == order[2] || order[0] == order[2] {
			t.Fatalf("requests went to %q: not round-robin", order)
		}
	})
}

// TestREQDiscardsReplyFromOtherPeer: RFC 28 says a REQ accepts a reply
// only from the peer it sent the request to, and silently discards others.
func TestREQDiscardsReplyFromOtherPeer(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		a := e.bound(ROUTER, tr.endpoint(), RouterMandatory(true))
		b := e.bound(ROUTER, tr.endpoint(), RouterMandatory(true))
		req := e.connected(REQ, []string{a.LastEndpoint(), b.LastEndpoint()}, RoutingID([]byte("client")))
		// Both ROUTERs know the client before anything is sent.
		for _, r := range []*Socket{a, b} {
			eventually(t, func() bool { return routerKnows(r, "client") }, "the ROUTER to know the client")
		}
		mustSend(t, req, "question")
		// Find the ROUTER the request went to; the other is a stranger.
		var asked, stranger *Socket
		eventually(t, func() bool {
			if queuedIn(a) > 0 {
				asked, stranger = a, b
			} else if queuedIn(b) > 0 {
				asked, stranger = b, a
			}
			return asked != nil
		}, "the request to arrive")
		if f := mustRecvString(t, asked); !equalStrings(f, []string{"client", "", "question"}) {
			t.Fatalf("ROUTER got %q", f)
		}
		// The stranger's well-formed reply is at the REQ first.
		mustSend(t, stranger, "client", "", "stranger")
		eventually(t, func() bool { return queuedIn(req) == 1 }, "the stranger's reply to be queued at the REQ")
		mustSend(t, asked, "client", "", "answer")
		if f := mustRecvString(t, req); !equalStrings(f, []string{"answer"}) {
			t.Fatalf("REQ got %q, want the reply of the peer asked", f)
		}
		// Only one round: like libzmq's, a REQ checks the peer, not the
		// request, so a stranger's reply left queued would pass for the
		// answer once a later request goes to that peer. ReqCorrelate is
		// the cure (TestREQCorrelate).
	})
}

// TestREPKeepsEnvelope: RFC 28 says a REP removes the envelope (every frame
// up to and including the empty delimiter) from a request and puts it back
// on the reply, so that the reply finds its way back through any chain of
// ROUTER and DEALER. Here: REQ clients, two ROUTER-DEALER proxies in a row
// (core.Proxy), REP workers; and a DEALER that writes its own envelope.
func TestREPKeepsEnvelope(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		// clients -> ROUTER1 | DEALER1 -> ROUTER2 | DEALER2 -> workers,
		// each "|" a Proxy; ROUTER2 connects to DEALER1.
		router1 := e.bound(ROUTER, tr.endpoint())
		dealer1 := e.bound(DEALER, tr.endpoint())
		router2 := e.connected(ROUTER, []string{dealer1.LastEndpoint()})
		dealer2 := e.bound(DEALER, tr.endpoint())
		var proxies sync.WaitGroup
		for _, pair := range [][2]*Socket{{router1, dealer1}, {router2, dealer2}} {
			proxies.Add(1)
			go func() {
				defer proxies.Done()
				Proxy(pair[0], pair[1], nil)
			}()
		}
		t.Cleanup(func() {
			for _, s := range []*Socket{router1, dealer1, router2, dealer2} {
				s.Close()
			}
			proxies.Wait()
		})
		clientsEP := router1.LastEndpoint()
		workersEP := dealer2.LastEndpoint()

		var workers sync.WaitGroup
		var reps []*Socket
		for i := 0; i < 2; i++ {
			rep := e.connected(REP, []string{workersEP})
			serveName(&workers, rep, fmt.Sprint("w", i))
			reps = append(reps, rep)
		}
		t.Cleanup(func() {
			for _, rep := range reps {
				rep.Close()
			}
			workers.Wait()
		})
		var clients sync.WaitGroup
		errs := make(chan error, 3)
		for c := 0; c < 3; c++ {
			req := e.connected(REQ, []string{clientsEP})
			clients.Add(1)
			go func() {
				defer clients.Done()
				for i := 0; i < 20; i++ {
					body := fmt.Sprintf("c%d-%d", c, i)
					if err := req.SendString(body); err != nil {
						errs <- err
						return
					}
					f, err := recvWithin(req, patience)
					if err != nil {
						errs <- fmt.Errorf("client %d request %d: %w", c, i, err)
						return
					}
					if len(f) != 2 || string(f[1]) != body {
						errs <- fmt.Errorf("client %d sent %q, got %q", c, body, f)
						return
					}
				}
			}()
		}
		clients.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
}

// TestREPRestoresDealerEnvelope: the envelope a DEALER writes by hand (two
// routing frames and the delimiter) comes back on the reply, frame for
// frame.
func TestREPRestoresDealerEnvelope(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		rep := e.bound(REP, tr.endpoint())
		dealer := e.connected(DEALER, []string{rep.LastEndpoint()})
		mustSend(t, dealer, "hop1", "hop2", "", "body", "more")
		if got := mustRecvString(t, rep); !equalStrings(got, []string{"body", "more"}) {
			t.Fatalf("REP got %q, want the body without the envelope", got)
		}
		mustSend(t, rep, "reply")
		if got := mustRecvString(t, dealer); !equalStrings(got, []string{"hop1", "hop2", "", "reply"}) {
			t.Fatalf("DEALER got %q, want the envelope restored", got)
		}
	})
}

// TestREPDropsMessageWithoutDelimiter: RFC 28 says a REP discards a
// request that has no empty delimiter frame.
func TestREPDropsMessageWithoutDelimiter(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		rep := e.bound(REP, tr.endpoint())
		dealer := e.connected(DEALER, []string{rep.LastEndpoint()})
		mustSend(t, dealer, "no", "delimiter")
		mustSend(t, dealer, "bare")
		mustSend(t, dealer, "", "good")
		if got := mustRecvString(t, rep); !equalStrings(got, []string{"good"}) {
			t.Fatalf("REP got %q, want only the well-formed request", got)
		}
		mustSend(t, rep, "ok")
		if got := mustRecvString(t, dealer); !equalStrings(got, []string{"", "ok"}) {
			t.Fatalf("DEALER got %q", got)
		}
	})
}

// TestREQRelaxed: with ZMQ_REQ_RELAXED a REQ may send again without
// waiting for the reply; the reply it then accepts comes from the peer of
// the last request (here, another peer: the first reply is discarded).
func TestREQRelaxed(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		a := e.bound(REP, tr.endpoint())
		b := e.bound(REP, tr.endpoint())
		req := e.connected(REQ, []string{a.LastEndpoint(), b.LastEndpoint()}, ReqRelaxed(true))
		eventually(t, func() bool { return numPipes(req) == 2 }, "REQ to have 2 peers")
		mustSend(t, req, "first")
		mustSend(t, req, "second") // no ErrState
		// Each REP got one request (round-robin); both answer.
		var first, second *Socket
		eventually(t, func() bool { return queuedIn(a)+queuedIn(b) == 2 }, "both requests to arrive")
		for _, r := range []*Socket{a, b} {
			switch got := mustRecvString(t, r); got[0] {
			case "first":
				first = r
			case "second":
				second = r
			default:
				t.Fatalf("REP got %q", got)
			}
		}
		if first == nil || second == nil {
			t.Fatal("requests did not go to both REPs")
		}
		mustSend(t, first, "reply to first")
		eventually(t, func() bool { return queuedIn(req) == 1 }, "the stale reply to arrive")
		mustSend(t, second, "reply to second")
		if got := mustRecvString(t, req); !equalStrings(got, []string{"reply to second"}) {
			t.Fatalf("REQ got %q, want the reply to the last request", got)
		}
	})
}

// TestREQCorrelate: with ZMQ_REQ_CORRELATE (and RELAXED) a REQ tags each
// request with an id and accepts only the reply carrying the last one, even
// from the same peer.
func TestREQCorrelate(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		rep := e.bound(REP, tr.endpoint())
		req := e.connected(REQ, []string{rep.LastEndpoint()}, ReqRelaxed(true), ReqCorrelate(true))
		mustSend(t, req, "first")
		mustSend(t, req, "second")
		for _, want := range []string{"first", "second"} {
			got := mustRecvString(t, rep)
			if !equalStrings(got, []string{want}) {
				t.Fatalf("REP got %q, want %q", got, want)
			}
			mustSend(t, rep, "reply to "+want)
		}
		if got := mustRecvString(t, req); !equalStrings(got, []string{"reply to second"}) {
			t.Fatalf("REQ got %q, want the reply to the last request only", got)
		}
		expectNothing(t, req, 50*time.Millisecond)

		// On the wire the request id is a 4-byte frame before the
		// delimiter, and the REP echoes it.
		router := e.bound(ROUTER, tr.endpoint())
		req2 := e.connected(REQ, []string{router.LastEndpoint()}, ReqCorrelate(true))
		mustSend(t, req2, "x")
		f := mustRecv(t, router)
		if len(f) != 4 || len(f[1]) != 4 || len(f[2]) != 0 || string(f[3]) != "x" {
			t.Fatalf("ROUTER got %q, want [id, request-id, \"\", x]", f)
		}
		// A reply with a wrong request id is dropped; the right one passes.
		wrong := append([]byte(nil), f[1]...)
		wrong[3]++
		if err := router.Send(f[0], wrong, []byte{}, []byte("wrong")); err != nil {
			t.Fatal(err)
		}
		if err := router.Send(f[0], f[1], []byte{}, []byte("right")); err != nil {
			t.Fatal(err)
		}
		if got := mustRecvString(t, req2); !equalStrings(got, []string{"right"}) {
			t.Fatalf("REQ got %q, want the correlated reply", got)
		}
	})
}

// routerPeer is the ROUTER's pipe for routing id id, or nil.
func routerPeer(s *Socket, id string) *pipe {
	r := s.pat.(*router)
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byID[id]
}

// routerKnows reports whether a ROUTER has a peer with routing id id.
func routerKnows(s *Socket, id string) bool { return routerPeer(s, id) != nil }

// TestROUTERGeneratesRoutingID: a peer that sets no routing id gets one
// from the ROUTER, as libzmq makes it: five bytes, the first zero.
func TestROUTERGeneratesRoutingID(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		router := e.bound(ROUTER, tr.endpoint())
		var ids [][]byte
		for i := 0; i < 2; i++ {
			d := e.connected(DEALER, []string{router.LastEndpoint()})
			mustSend(t, d, "hello")
			f := mustRecv(t, router)
			if len(f) != 2 || string(f[1]) != "hello" {
				t.Fatalf("ROUTER got %q", f)
			}
			if len(f[0]) != 5 || f[0][0] != 0 {
				t.Fatalf("generated routing id % x: want 5 bytes starting with 0", f[0])
			}
			ids = append(ids, f[0])
			if err := router.Send(f[0], []byte("back")); err != nil {
				t.Fatal(err)
			}
			if got := mustRecvString(t, d); !equalStrings(got, []string{"back"}) {
				t.Fatalf("DEALER got %q", got)
			}
		}
		if bytes.Equal(ids[0], ids[1]) {
			t.Fatalf("two peers got the same routing id % x", ids[0])
		}
	})
}

// TestROUTERHonoursRoutingID: a peer's ZMQ_ROUTING_ID is the id its
// messages carry at the ROUTER, and the one the ROUTER sends to.
func TestROUTERHonoursRoutingID(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		router := e.bound(ROUTER, tr.endpoint())
		d := e.connected(DEALER, []string{router.LastEndpoint()}, RoutingID([]byte("alice")))
		mustSend(t, d, "hi")
		if got := mustRecvString(t, router); !equalStrings(got, []string{"alice", "hi"}) {
			t.Fatalf("ROUTER got %q", got)
		}
		mustSend(t, router, "alice", "hello alice")
		if got := mustRecvString(t, d); !equalStrings(got, []string{"hello alice"}) {
			t.Fatalf("DEALER got %q", got)
		}
		// The ROUTER that connects learns the binder's id too.
		named := e.bound(DEALER, tr.endpoint(), RoutingID([]byte("bob")))
		r2 := e.connected(ROUTER, []string{named.LastEndpoint()}, RouterMandatory(true))
		eventually(t, func() bool { return routerKnows(r2, "bob") }, "the ROUTER to know bob")
		mustSend(t, r2, "bob", "hello bob")
		if got := mustRecvString(t, named); !equalStrings(got, []string{"hello bob"}) {
			t.Fatalf("bound DEALER got %q", got)
		}
	})
}

// TestROUTERMandatory: with ZMQ_ROUTER_MANDATORY a message to an unknown
// routing id is ErrHostUnreachable; without it, it is dropped silently.
func TestROUTERMandatory(t *testing.T) {
	for _, tc := range []struct {
		name      string
		mandatory bool
		want      error
	}{
		{"mandatory", true, ErrHostUnreachable},
		{"default", false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachTransport(t, func(t *testing.T, tr transport) {
				e := newEnv(t)
				router := e.bound(ROUTER, tr.endpoint(), RouterMandatory(tc.mandatory))
				d := e.connected(DEALER, []string{router.LastEndpoint()}, RoutingID([]byte("known")))
				mustSend(t, d, "hi")
				mustRecv(t, router)
				if err := router.SendString("unknown", "lost"); !errors.Is(err, tc.want) && err != tc.want {
					t.Fatalf("Send to an unknown id: %v, want %v", err, tc.want)
				}
				mustSend(t, router, "known", "found")
				if got := mustRecvString(t, d); !equalStrings(got, []string{"found"}) {
					t.Fatalf("DEALER got %q", got)
				}
			})
		})
	}
}

// TestROUTERDuplicateRoutingID: a second peer announcing a routing id that
// is in use is ignored (libzmq's default); with ZMQ_ROUTER_HANDOVER it
// takes the id over.
func TestROUTERDuplicateRoutingID(t *testing.T) {
	for _, handover := range []bool{false, true} {
		t.Run(fmt.Sprintf("handover=%v", handover), func(t *testing.T) {
			eachTransport(t, func(t *testing.T, tr transport) {
				e := newEnv(t)
				router := e.bound(ROUTER, tr.endpoint(), RouterHandover(handover))
				// The first peer does not reconnect: after a handover it
				// would come back and take its id over again.
				first := e.connected(DEALER, []string{router.LastEndpoint()}, RoutingID([]byte("dup")), ReconnectInterval(-1))
				firstEvents := first.Monitor(EventDisconnected)
				mustSend(t, first, "from first")
				if got := mustRecvString(t, router); !equalStrings(got, []string{"dup", "from first"}) {
					t.Fatalf("ROUTER got %q", got)
				}
				firstPipe := routerPeer(router, "dup")
				second := e.connected(DEALER, []string{router.LastEndpoint()}, RoutingID([]byte("dup")))
				if handover {
					eventually(t, func() bool {
						p := routerPeer(router, "dup")
						return p != nil && p != firstPipe
					}, "the second peer to take the id over")
				} else {
					eventually(t, func() bool { return numPipes(router) == 2 }, "the second peer to connect")
				}

				if !handover {
					// What the ignored peer sends is dropped, even when it
					// is queued before the first peer's message.
					mustSend(t, second, "from second")
					eventually(t, func() bool { return readable(router) }, "the second peer's message to arrive")
					mustSend(t, first, "first again")
					if got := mustRecvString(t, router); !equalStrings(got, []string{"dup", "first again"}) {
						t.Fatalf("ROUTER got %q, want the first peer's only", got)
					}
					mustSend(t, router, "dup", "to dup")
					if got := mustRecvString(t, first); !equalStrings(got, []string{"to dup"}) {
						t.Fatalf("first peer got %q", got)
					}
					expectNothing(t, second, 50*time.Millisecond)
					return
				}
				mustSend(t, router, "dup", "to dup")
				if got := mustRecvString(t, second); !equalStrings(got, []string{"to dup"}) {
					t.Fatalf("second peer got %q, want the message after handover", got)
				}
				if tr.stream() {
					// As libzmq terminates the old peer's pipe, its
					// connection is closed.
					waitEvent(t, firstEvents, EventDisconnected)
				}
				mustSend(t, second, "from second")
				if got := mustRecvString(t, router); !equalStrings(got, []string{"dup", "from second"}) {
					t.Fatalf("ROUTER got %q", got)
				}
				expectNothing(t, first, 50*time.Millisecond)
			})
		})
	}
}

// TestROUTERAtHWM: at a peer's high-water mark a ROUTER drops what it
// sends (RFC 28); with ZMQ_ROUTER_MANDATORY it blocks instead, which
// TrySend reports as ErrAgain, and SNDTIMEO bounds.
func TestROUTERAtHWM(t *testing.T) {
	for _, mandatory := range []bool{false, true} {
		t.Run(fmt.Sprintf("mandatory=%v", mandatory), func(t *testing.T) {
			e := newEnv(t)
			router := e.bound(ROUTER, "inproc://router-hwm", RouterMandatory(mandatory), SendHWM(5))
			d := e.connected(DEALER, []string{"inproc://router-hwm"}, RoutingID([]byte("slow")), RecvHWM(5))
			sent := 0
			for ; sent < 100; sent++ {
				if err := router.TrySend([]byte("slow"), []byte("x")); err != nil {
					if !mandatory || !errors.Is(err, ErrAgain) {
						t.Fatalf("TrySend %d: %v", sent, err)
					}
					break
				}
			}
			if !mandatory {
				if sent != 100 {
					t.Fatalf("sent %d", sent)
				}
				got := 0
				for {
					if _, err := d.TryRecv(); err != nil {
						break
					}
					got++
				}
				if got != 10 {
					t.Fatalf("DEALER got %d of 100, want SNDHWM + RCVHWM = 10, the rest dropped", got)
				}
				return
			}
			if sent != 10 {
				t.Fatalf("mandatory ROUTER took %d messages, want 10", sent)
			}
			router.SetOption(SendTimeout(30 * time.Millisecond))
			if err := router.SendString("slow", "x"); !errors.Is(err, ErrAgain) {
				t.Fatalf("Send at the mark: %v, want ErrAgain after SNDTIMEO", err)
			}
			for i := 0; i < 10; i++ {
				mustRecv(t, d)
			}
			// Reading on gives the room back (see TestInprocRoomComesBack
			// for room that is not given back until then).
			if _, err := d.TryRecv(); !errors.Is(err, ErrAgain) {
				t.Fatalf("TryRecv: %v", err)
			}
			mustSend(t, router, "slow", "again")
		})
	}
}
