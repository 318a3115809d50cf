package core

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// mustRecvMsg is RecvMsg bounded by the suite's patience.
func mustRecvMsg(t *testing.T, s *Socket) Msg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	m, err := s.RecvMsg(ctx, false)
	if err != nil {
		t.Fatalf("%v RecvMsg: %v", s.Type(), err)
	}
	return m
}

// A SERVER names each CLIENT connection by a non-zero routing id of its
// own, which every message received from it carries, and a reply sent to
// that id reaches that client alone (RFC 41).
func TestServerRoutesRepliesToEachClient(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		srv := e.bound(SERVER, tr.endpoint())
		const n = 3
		clients := make([]*Socket, n)
		for i := range clients {
			clients[i] = e.connected(CLIENT, []string{srv.LastEndpoint()})
			mustSend(t, clients[i], fmt.Sprintf("hello %d", i))
		}
		ids := map[uint32]string{}
		for range n {
			m := mustRecvMsg(t, srv)
			if m.RoutingID == 0 {
				t.Fatalf("message %q has routing id 0", m.Frames)
			}
			if len(m.Frames) != 1 {
				t.Fatalf("SERVER received %d frames, want 1", len(m.Frames))
			}
			if _, dup := ids[m.RoutingID]; dup {
				t.Fatalf("routing id %d given to two clients", m.RoutingID)
			}
			ids[m.RoutingID] = string(m.Frames[0])
		}
		for id, body := range ids {
			if err := srv.SendTo(id, []byte("re: "+body)); err != nil {
				t.Fatalf("SendTo(%d): %v", id, err)
			}
		}
		for i, c := range clients {
			want := fmt.Sprintf("re: hello %d", i)
			if got := mustRecvString(t, c); !equalStrings(got, []string{want}) {
				t.Errorf("client %d got %q, want %q", i, got, want)
			}
			expectNothing(t, c, 0)
		}
	})
}

// A SERVER may connect too: its CLIENTs then bind.
func TestServerConnectingToClients(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		c1 := e.bound(CLIENT, tr.endpoint())
		c2 := e.bound(CLIENT, tr.endpoint())
		srv := e.connected(SERVER, []string{c1.LastEndpoint(), c2.LastEndpoint()})
		mustSend(t, c1, "one")
		mustSend(t, c2, "two")
		for range 2 {
			m := mustRecvMsg(t, srv)
			if err := srv.SendMsg(Msg{RoutingID: m.RoutingID, Frames: [][]byte{append([]byte("re: "), m.Frames[0]...)}}); err != nil {
				t.Fatal(err)
			}
		}
		if got := mustRecvString(t, c1); got[0] != "re: one" {
			t.Errorf("c1 got %q", got)
		}
		if got := mustRecvString(t, c2); got[0] != "re: two" {
			t.Errorf("c2 got %q", got)
		}
	})
}

// An id that names no connection, or none at all, is EHOSTUNREACH, as in
// libzmq; so is the id of a client that has gone.
func TestServerUnknownRoutingID(t *testing.T) {
	e := newEnv(t)
	srv := e.bound(SERVER, "tcp://127.0.0.1:*")
	if err := srv.SendTo(42, []byte("x")); !errors.Is(err, ErrHostUnreachable) {
		t.Errorf("SendTo(unknown) = %v, want ErrHostUnreachable", err)
	}
	if err := srv.Send([]byte("x")); !errors.Is(err, ErrHostUnreachable) {
		t.Errorf("Send without a routing id = %v, want ErrHostUnreachable", err)
	}
	c := e.connected(CLIENT, []string{srv.LastEndpoint()})
	mustSend(t, c, "hi")
	id := mustRecvMsg(t, srv).RoutingID
	c.Close()
	eventually(t, func() bool { return errors.Is(srv.SendTo(id, []byte("x")), ErrHostUnreachable) }, "the gone client's id to be unreachable")
}

// The draft types send single-part messages only: a multipart Send is
// libzmq's EINVAL, and nothing goes out.
func TestDraftTypesRefuseMultipart(t *testing.T) {
	e := newEnv(t)
	for _, typ := range []Type{SERVER, CLIENT, RADIO, SCATTER} {
		s := e.socket(typ)
		if err := s.Send([]byte("a"), []byte("b")); !errors.Is(err, ErrInvalid) {
			t.Errorf("%v multipart Send = %v, want ErrInvalid", typ, err)
		}
		if err := s.SendMsg(Msg{Frames: [][]byte{[]byte("a"), []byte("b")}}); !errors.Is(err, ErrInvalid) {
			t.Errorf("%v multipart SendMsg = %v, want ErrInvalid", typ, err)
		}
	}
	for _, typ := range []Type{DISH, GATHER} {
		if err := e.socket(typ).Send([]byte("a")); !errors.Is(err, ErrNotSupported) {
			t.Errorf("%v Send = %v, want ErrNotSupported", typ, err)
		}
	}
	for _, typ := range []Type{RADIO, SCATTER} {
		if _, err := e.socket(typ).TryRecv(); !errors.Is(err, ErrNotSupported) {
			t.Errorf("%v Recv = %v, want ErrNotSupported", typ, err)
		}
	}
}

// A routing id or a group given to a type that has no use for it is
// refused rather than ignored.
func TestSendMsgAddressForTheWrongType(t *testing.T) {
	e := newEnv(t)
	if err := e.socket(CLIENT).SendMsg(Msg{RoutingID: 7, Frames: [][]byte{nil}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("CLIENT SendMsg with a routing id = %v, want ErrInvalid", err)
	}
	if err := e.socket(SERVER).SendMsg(Msg{Group: "g", Frames: [][]byte{nil}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("SERVER SendMsg with a group = %v, want ErrInvalid", err)
	}
	if err := e.socket(SERVER).SendMsg(Msg{RoutingID: 7}); !errors.Is(err, ErrInvalid) {
		t.Errorf("SendMsg without frames = %v, want ErrInvalid", err)
	}
}

// A multipart message from a peer is dropped, as libzmq's SERVER, CLIENT
// and GATHER drop it; the connection stays up.
func TestDraftTypesDropMultipartFromPeer(t *testing.T) {
	for _, c := range []struct{ local, peer Type }{{SERVER, CLIENT}, {CLIENT, SERVER}, {GATHER, SCATTER}} {
		t.Run(c.local.String(), func(t *testing.T) {
			e := newEnv(t)
			s := e.bound(c.local, "tcp://127.0.0.1:*")
			raw := rawZMTP(t, s.LastEndpoint(), c.peer.String())
			raw.send(t, "part", "of two")
			raw.send(t, "whole")
			if got := mustRecvString(t, s); !equalStrings(got, []string{"whole"}) {
				t.Errorf("received %q, want [whole]", got)
			}
		})
	}
}

// SERVER and CLIENT are safe from many goroutines at once (libzmq's
// thread-safe sockets): every request gets its own reply.
func TestServerClientConcurrentUse(t *testing.T) {
	e := newEnv(t)
	srv := e.bound(SERVER, "tcp://127.0.0.1:*")
	var echo sync.WaitGroup
	ctx, stop := context.WithCancel(context.Background())
	defer func() { stop(); echo.Wait() }()
	for range 3 {
		echo.Go(func() {
			for {
				m, err := srv.RecvMsg(ctx, false)
				if err != nil {
					return
				}
				if err := srv.SendMsg(m); err != nil {
					t.Errorf("echo: %v", err)
					return
				}
			}
		})
	}
	const clients, senders, each = 2, 4, 50
	var wg sync.WaitGroup
	for c := range clients {
		cl := e.connected(CLIENT, []string{srv.LastEndpoint()})
		got := make(chan string, senders*each)
		wg.Go(func() {
			defer close(got)
			for range senders * each {
				f, err := recvWithin(cl, patience)
				if err != nil {
					t.Errorf("client %d: %v", c, err)
					return
				}
				got <- string(f[0])
			}
		})
		for g := range senders {
			wg.Go(func() {
				for i := range each {
					if err := cl.Send(fmt.Appendf(nil, "%d/%d/%d", c, g, i)); err != nil {
						t.Errorf("send: %v", err)
						return
					}
				}
			})
		}
		wg.Go(func() {
			seen := map[string]bool{}
			for s := range got {
				var cc, gg, ii int
				if _, err := fmt.Sscanf(s, "%d/%d/%d", &cc, &gg, &ii); err != nil || cc != c || seen[s] {
					t.Errorf("client %d got %q", c, s)
				}
				seen[s] = true
			}
		})
	}
	wg.Wait()
}

// At a CLIENT's high-water mark a SERVER waits (TrySendMsg: ErrAgain), as
// libzmq's does, rather than drop as a ROUTER does.
func TestServerWaitsAtHighWaterMark(t *testing.T) {
	e := newEnv(t)
	srv := e.bound(SERVER, "inproc://server-hwm", SendHWM(5))
	c := e.connected(CLIENT, []string{"inproc://server-hwm"}, RecvHWM(5))
	mustSend(t, c, "hi")
	id := mustRecvMsg(t, srv).RoutingID
	sent := 0
	for ; sent < 100; sent++ {
		if err := srv.TrySendMsg(Msg{RoutingID: id, Frames: [][]byte{[]byte("x")}}); err != nil {
			if !errors.Is(err, ErrAgain) {
				t.Fatal(err)
			}
			break
		}
	}
	if sent != 10 {
		t.Fatalf("SERVER took %d messages, want SNDHWM + RCVHWM = 10", sent)
	}
	for range 10 {
		mustRecv(t, c)
	}
}
