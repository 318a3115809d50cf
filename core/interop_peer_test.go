package core

// PEER and CHANNEL against libzmq 4.3.5 (zeromq.js 6.8, through internal/peertest's
// JSPeer). zeromq.js has no class for either; jspeer.js opens them by libzmq's numbers
// through its generic Socket, which reads and sets routing ids for SERVER only. So a
// libzmq CHANNEL is tested both ways, and a libzmq PEER as the receiving side only: what
// libzmq's PEER sends, its routing ids and zmq_connect_peer are checked against
// libzmq's source (src/peer.cpp, server.cpp) rather than run.

import (
	"fmt"
	"testing"

	"github.com/zeroplug/zeroplug/internal/peertest"
)

// A zeroplug PEER's ConnectPeer reaches a libzmq PEER: the handshake agrees on the
// types, and what is sent to the id at once, before the connection is up, arrives in
// order as single-part messages.
func TestInteropPeerToLibzmqPeer(t *testing.T) {
	e := newEnv(t)
	lib := peertest.StartJSPeer(t, "PEER", "-b", "tcp://127.0.0.1:*")
	p := e.socket(PEER)
	id := mustConnectPeer(t, p, lib.Endpoint())
	for i := range 3 {
		mustSendTo(t, p, id, fmt.Sprintf("to libzmq %d", i))
	}
	for i := range 3 {
		if got, want := jsRecvBody(t, lib), fmt.Sprintf("|to libzmq %d", i); got != want {
			t.Errorf("libzmq PEER got %q, want %q", got, want)
		}
	}
	jsClose(t, lib)
}

// libzmq's handshake refuses a zeroplug PEER for its SERVER, and a zeroplug CLIENT for
// its PEER; zeroplug's monitor sees both refused.
func TestInteropPeerHandshakeWithLibzmq(t *testing.T) {
	for _, c := range []struct{ lib, ours Type }{{SERVER, PEER}, {PEER, CLIENT}, {PEER, SERVER}} {
		t.Run(fmt.Sprintf("%v to libzmq %v", c.ours, c.lib), func(t *testing.T) {
			e := newEnv(t)
			lib := peertest.StartJSPeer(t, c.lib.String(), "-b", "tcp://127.0.0.1:*")
			s := e.socket(c.ours)
			mon := s.Monitor(EventHandshakeFailedProtocol | EventHandshakeSucceeded)
			if err := s.Connect(lib.Endpoint()); err != nil {
				t.Fatal(err)
			}
			if ev := waitAnyEvent(t, mon, EventHandshakeFailedProtocol, EventHandshakeSucceeded); ev.Type != EventHandshakeFailedProtocol {
				t.Errorf("%v with libzmq's %v: %v, want the handshake refused", c.ours, c.lib, ev)
			}
			jsClose(t, lib)
		})
	}
}

// A zeroplug CHANNEL and a libzmq CHANNEL talk both ways, each binding in turn.
func TestInteropChannel(t *testing.T) {
	check := func(t *testing.T, ours *Socket, lib *peertest.JSPeer) {
		t.Helper()
		for i := range 3 {
			if err := lib.Send(fmt.Appendf(nil, "from libzmq %d", i)); err != nil {
				t.Fatal(err)
			}
			mustSend(t, ours, fmt.Sprintf("from zeroplug %d", i))
		}
		for i := range 3 {
			if got, want := mustRecvString(t, ours), fmt.Sprintf("from libzmq %d", i); !equalStrings(got, []string{want}) {
				t.Errorf("zeroplug CHANNEL got %q, want %q", got, want)
			}
			if got, want := jsRecvBody(t, lib), fmt.Sprintf("|from zeroplug %d", i); got != want {
				t.Errorf("libzmq CHANNEL got %q, want %q", got, want)
			}
		}
		jsClose(t, lib)
	}
	t.Run("zeroplug binds", func(t *testing.T) {
		e := newEnv(t)
		ours := e.bound(CHANNEL, "tcp://127.0.0.1:*")
		check(t, ours, peertest.StartJSPeer(t, "CHANNEL", "-c", ours.LastEndpoint()))
	})
	t.Run("libzmq binds", func(t *testing.T) {
		e := newEnv(t)
		lib := peertest.StartJSPeer(t, "CHANNEL", "-b", "tcp://127.0.0.1:*")
		check(t, e.connected(CHANNEL, []string{lib.Endpoint()}), lib)
	})
}

// libzmq's CHANNEL takes one peer: a second zeroplug CHANNEL's messages never reach it
// while the first is connected. And its handshake refuses a zeroplug PAIR.
func TestInteropChannelOnePeerAndHandshake(t *testing.T) {
	e := newEnv(t)
	lib := peertest.StartJSPeer(t, "CHANNEL", "-b", "tcp://127.0.0.1:*")
	first := e.connected(CHANNEL, []string{lib.Endpoint()})
	mustSend(t, first, "first")
	if got := jsRecvBody(t, lib); got != "|first" {
		t.Fatalf("libzmq CHANNEL got %q", got)
	}
	second := e.connected(CHANNEL, []string{lib.Endpoint()})
	mustSend(t, second, "second")
	mustSend(t, first, "first again")
	if got := jsRecvBody(t, lib); got != "|first again" {
		t.Errorf("libzmq CHANNEL got %q, want the first peer's", got)
	}
	if m, err := lib.Recv(100 * fastReconnect); err == nil {
		t.Errorf("libzmq CHANNEL got %q from a second peer", m.Frames)
	}
	pair := e.socket(PAIR)
	mon := pair.Monitor(EventHandshakeFailedProtocol | EventHandshakeSucceeded)
	if err := pair.Connect(lib.Endpoint()); err != nil {
		t.Fatal(err)
	}
	if ev := waitAnyEvent(t, mon, EventHandshakeFailedProtocol, EventHandshakeSucceeded); ev.Type != EventHandshakeFailedProtocol {
		t.Errorf("PAIR with libzmq's CHANNEL: %v, want the handshake refused", ev)
	}
	jsClose(t, lib)
}
