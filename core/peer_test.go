package core

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/zeroplug/zeroplug/internal/peertest"
)

// fixedEndpoint is an endpoint known before anyone binds it, so that a
// peer may connect first: a free tcp port, a socket file, an inproc name.
func fixedEndpoint(t *testing.T, tr transport) string {
	switch tr.name {
	case "tcp":
		return peertest.FreeTCPEndpoint(t)
	case "ipc":
		return peertest.IPCEndpoint(t)
	}
	return tr.endpoint()
}

// mustConnectPeer is ConnectPeer or fails the test.
func mustConnectPeer(t *testing.T, s *Socket, endpoint string) uint32 {
	t.Helper()
	id, err := s.ConnectPeer(endpoint)
	if err != nil {
		t.Fatalf("ConnectPeer(%s): %v", endpoint, err)
	}
	if id == 0 {
		t.Fatalf("ConnectPeer(%s) gave routing id 0", endpoint)
	}
	return id
}

// A PEER that connects has the routing id of its connection from
// ConnectPeer on and may send to it at once; the PEER it reached names the
// connection by an id of its own, on every message, and answers there.
func TestPeerConnectPeerAndReply(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		bound := e.bound(PEER, tr.endpoint())
		connecting := e.socket(PEER)
		id := mustConnectPeer(t, connecting, bound.LastEndpoint())
		if err := connecting.SendTo(id, []byte("hello")); err != nil {
			t.Fatalf("SendTo(%d) right after ConnectPeer: %v", id, err)
		}
		m := mustRecvMsg(t, bound)
		if m.RoutingID == 0 || len(m.Frames) != 1 || string(m.Frames[0]) != "hello" {
			t.Fatalf("bound PEER received %q with routing id %d", m.Frames, m.RoutingID)
		}
		if err := bound.SendTo(m.RoutingID, []byte("re: hello")); err != nil {
			t.Fatal(err)
		}
		r := mustRecvMsg(t, connecting)
		if r.RoutingID != id || string(r.Frames[0]) != "re: hello" {
			t.Errorf("connecting PEER received %q from routing id %d, want \"re: hello\" from %d", r.Frames, r.RoutingID, id)
		}
	})
}

// Messages sent to ConnectPeer's id before anyone listens queue for the
// connection and arrive, in order, once the peer binds (libzmq's pipe
// exists from zmq_connect_peer on).
func TestPeerQueuesUntilConnected(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		ep := fixedEndpoint(t, tr)
		connecting := e.socket(PEER)
		id := mustConnectPeer(t, connecting, ep)
		for i := range 3 {
			if err := connecting.TrySendMsg(Msg{RoutingID: id, Frames: [][]byte{fmt.Appendf(nil, "early %d", i)}}); err != nil {
				t.Fatalf("TrySendMsg %d before the peer is there: %v", i, err)
			}
		}
		bound := e.bound(PEER, ep)
		for i := range 3 {
			if got, want := string(mustRecvMsg(t, bound).Frames[0]), fmt.Sprintf("early %d", i); got != want {
				t.Errorf("received %q, want %q", got, want)
			}
		}
	})
}

// One PEER may bind and connect at once: it names each connection, made
// or accepted, by its own routing id, and a reply reaches that peer alone.
func TestPeerBindsAndConnects(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		hub := e.bound(PEER, tr.endpoint())
		hubEndpoint := hub.LastEndpoint() // before ConnectPeer changes it
		far := e.bound(PEER, tr.endpoint())
		near := e.socket(PEER)
		farID := mustConnectPeer(t, hub, far.LastEndpoint())
		nearID := mustConnectPeer(t, near, hubEndpoint)
		if err := hub.SendTo(farID, []byte("to far")); err != nil {
			t.Fatal(err)
		}
		if err := near.SendTo(nearID, []byte("from near")); err != nil {
			t.Fatal(err)
		}
		fm := mustRecvMsg(t, far)
		if string(fm.Frames[0]) != "to far" {
			t.Fatalf("far received %q", fm.Frames)
		}
		hm := mustRecvMsg(t, hub)
		if string(hm.Frames[0]) != "from near" || hm.RoutingID == farID {
			t.Fatalf("hub received %q from %d (far is %d)", hm.Frames, hm.RoutingID, farID)
		}
		// Each answers by the id its message came with.
		if err := far.SendTo(fm.RoutingID, []byte("far's answer")); err != nil {
			t.Fatal(err)
		}
		if err := hub.SendTo(hm.RoutingID, []byte("hub's answer")); err != nil {
			t.Fatal(err)
		}
		if m := mustRecvMsg(t, hub); m.RoutingID != farID || string(m.Frames[0]) != "far's answer" {
			t.Errorf("hub received %q from %d, want far's answer from %d", m.Frames, m.RoutingID, farID)
		}
		if m := mustRecvMsg(t, near); m.RoutingID != nearID || string(m.Frames[0]) != "hub's answer" {
			t.Errorf("near received %q from %d, want hub's answer from %d", m.Frames, m.RoutingID, nearID)
		}
		expectNothing(t, far, 0)
	})
}

// An id that names no connection, no id at all, and the id of a
// connection that Disconnect ended are EHOSTUNREACH, as in libzmq.
func TestPeerUnknownRoutingID(t *testing.T) {
	e := newEnv(t)
	bound := e.bound(PEER, "tcp://127.0.0.1:*")
	p := e.socket(PEER)
	if err := p.SendTo(42, []byte("x")); !errors.Is(err, ErrHostUnreachable) {
		t.Errorf("SendTo(unknown) = %v, want ErrHostUnreachable", err)
	}
	if err := p.Send([]byte("x")); !errors.Is(err, ErrHostUnreachable) {
		t.Errorf("Send without a routing id = %v, want ErrHostUnreachable", err)
	}
	id := mustConnectPeer(t, p, bound.LastEndpoint())
	if err := p.Disconnect(bound.LastEndpoint()); err != nil {
		t.Fatal(err)
	}
	if err := p.SendTo(id, []byte("x")); !errors.Is(err, ErrHostUnreachable) {
		t.Errorf("SendTo(disconnected id) = %v, want ErrHostUnreachable", err)
	}
}

// A connection's id outlives a reconnect: the pipe it names is the
// Connect's, not the connection's, as in libzmq.
func TestPeerRoutingIDSurvivesReconnect(t *testing.T) {
	e := newEnv(t)
	ep := peertest.FreeTCPEndpoint(t)
	first := e.bound(PEER, ep)
	p := e.socket(PEER)
	mon := p.Monitor(EventDisconnected)
	id := mustConnectPeer(t, p, ep)
	mustSendTo(t, p, id, "one")
	if got := mustRecvMsg(t, first); string(got.Frames[0]) != "one" {
		t.Fatalf("first received %q", got.Frames)
	}
	first.Close()
	// What is sent before p sees the loss may go down the dead connection,
	// as with libzmq; sent after, it waits for the next one.
	waitEvent(t, mon, EventDisconnected)
	second := e.bound(PEER, ep)
	mustSendTo(t, p, id, "two")
	if got := mustRecvMsg(t, second); string(got.Frames[0]) != "two" {
		t.Errorf("second received %q, want two", got.Frames)
	}
}

func mustSendTo(t *testing.T, s *Socket, id uint32, body string) {
	t.Helper()
	if err := s.SendTo(id, []byte(body)); err != nil {
		t.Fatalf("SendTo(%d, %q): %v", id, body, err)
	}
}

// ConnectPeer is for PEER sockets only (libzmq's ENOTSUP), and not with
// IMMEDIATE (libzmq's EFAULT: here ErrInvalid); a bad endpoint fails as
// Connect fails.
func TestConnectPeerErrors(t *testing.T) {
	e := newEnv(t)
	for _, typ := range []Type{SERVER, CLIENT, CHANNEL, DEALER} {
		if _, err := e.socket(typ).ConnectPeer("tcp://127.0.0.1:5555"); !errors.Is(err, ErrNotSupported) {
			t.Errorf("%v ConnectPeer = %v, want ErrNotSupported", typ, err)
		}
	}
	if _, err := e.socket(PEER, Immediate(true)).ConnectPeer("tcp://127.0.0.1:5555"); !errors.Is(err, ErrInvalid) {
		t.Errorf("ConnectPeer with IMMEDIATE = %v, want ErrInvalid", err)
	}
	if id, err := e.socket(PEER).ConnectPeer("nonsense"); err == nil {
		t.Errorf("ConnectPeer(nonsense) = %d, nil; want an error", id)
	}
	closed := e.socket(PEER)
	closed.Close()
	if _, err := closed.ConnectPeer("tcp://127.0.0.1:5555"); !errors.Is(err, ErrClosed) {
		t.Errorf("ConnectPeer on a closed socket = %v, want ErrClosed", err)
	}
}

// A PEER sends and receives single-part messages only: a multipart Send
// is EINVAL, and a multipart message from a peer is dropped, as libzmq's
// SERVER code (which PEER is) drops it; the connection stays up.
func TestPeerSinglePart(t *testing.T) {
	e := newEnv(t)
	bound := e.bound(PEER, "tcp://127.0.0.1:*")
	p := e.socket(PEER)
	id := mustConnectPeer(t, p, bound.LastEndpoint())
	if err := p.SendMsg(Msg{RoutingID: id, Frames: [][]byte{[]byte("a"), []byte("b")}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("multipart SendMsg = %v, want ErrInvalid", err)
	}
	raw := rawZMTP(t, bound.LastEndpoint(), "PEER")
	raw.send(t, "part", "of two")
	raw.send(t, "whole")
	if got := mustRecvString(t, bound); !equalStrings(got, []string{"whole"}) {
		t.Errorf("received %q, want [whole]", got)
	}
}

// The handshake lets a PEER talk to PEERs only, as libzmq's
// check_socket_type: a SERVER, CLIENT or CHANNEL is refused.
func TestPeerHandshakeCompatibility(t *testing.T) {
	e := newEnv(t)
	p := e.socket(PEER)
	mon := p.Monitor(EventHandshakeSucceeded | EventHandshakeFailedProtocol)
	if err := p.Bind("tcp://127.0.0.1:*"); err != nil {
		t.Fatal(err)
	}
	for _, typ := range []Type{SERVER, CLIENT, CHANNEL, PAIR} {
		bad := e.connected(typ, []string{p.LastEndpoint()})
		waitEvent(t, mon, EventHandshakeFailedProtocol)
		bad.Close()
	}
	good := e.socket(PEER)
	id := mustConnectPeer(t, good, p.LastEndpoint())
	waitEvent(t, mon, EventHandshakeSucceeded)
	mustSendTo(t, good, id, "a peer")
	if got := mustRecvString(t, p); got[0] != "a peer" {
		t.Errorf("received %q", got)
	}
}

// PEER is safe from many goroutines at once: concurrent ConnectPeer calls
// get distinct ids, and every message sent to each arrives once.
func TestPeerConcurrentUse(t *testing.T) {
	e := newEnv(t)
	bound := e.bound(PEER, "tcp://127.0.0.1:*")
	p := e.socket(PEER)
	const conns, each = 4, 50
	var wg sync.WaitGroup
	ids := make([]uint32, conns)
	for c := range conns {
		wg.Go(func() {
			id, err := p.ConnectPeer(bound.LastEndpoint())
			if err != nil {
				t.Errorf("ConnectPeer: %v", err)
				return
			}
			ids[c] = id
			for i := range each {
				if err := p.SendTo(id, fmt.Appendf(nil, "%d/%d", c, i)); err != nil {
					t.Errorf("SendTo: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	seen := map[uint32]bool{}
	for _, id := range ids {
		if id == 0 || seen[id] {
			t.Fatalf("ConnectPeer ids %v: want distinct and non-zero", ids)
		}
		seen[id] = true
	}
	// Each of bound's connections brings one sender's messages, in order.
	from := map[uint32]int{} // bound's id for a connection -> sender
	next := map[int]int{}
	for range conns * each {
		m := mustRecvMsg(t, bound)
		var c, i int
		if _, err := fmt.Sscanf(string(m.Frames[0]), "%d/%d", &c, &i); err != nil {
			t.Fatalf("received %q", m.Frames[0])
		}
		if prev, ok := from[m.RoutingID]; ok && prev != c {
			t.Fatalf("connection %d carried messages of senders %d and %d", m.RoutingID, prev, c)
		}
		from[m.RoutingID] = c
		if i != next[c] {
			t.Fatalf("sender %d: message %d, want %d", c, i, next[c])
		}
		next[c]++
	}
	if len(from) != conns {
		t.Errorf("messages came on %d connections, want %d", len(from), conns)
	}
}
