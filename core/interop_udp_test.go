package core

// udp:// against libzmq 4.3.5 with the draft API (zeromq.js 6.8): RADIO/DISH in
// libzmq's datagram format both ways, and DGRAM's address frames.

import (
	"strings"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/internal/peertest"
)

// jsTry is how long one round of a send-until-heard loop waits: a datagram sent before
// the node peer's socket is bound is lost, as it would be between two libzmq peers.
const jsTry = 200 * time.Millisecond

func TestInteropUDPRadioDish(t *testing.T) {
	t.Run("zeroplug RADIO to libzmq DISH", func(t *testing.T) {
		e := newEnv(t)
		ep := peertest.FreeUDPEndpoint(t)
		d := peertest.StartJSPeer(t, "DISH", "-b", ep, "-j", "weather", "-j", "news")
		rad := e.connected(RADIO, []string{ep})
		send := func(msgs ...string) {
			for _, m := range msgs {
				g, body, _ := strings.Cut(m, "|")
				if err := rad.SendToGroup(g, []byte(body)); err != nil {
					t.Fatal(err)
				}
			}
		}
		deadline := time.Now().Add(jsPatience)
		for {
			send("sport|no", "weather|first")
			m, err := d.Recv(jsTry)
			if err == nil {
				if got := m.Group + "|" + string(m.Frames[0]); got != "weather|first" {
					t.Fatalf("libzmq DISH got %q, want weather|first", got)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("libzmq DISH heard nothing: %v", err)
			}
		}
		send("sport|no", "weatherman|no", "news|", "weather|sun")
		for _, want := range []string{"news|", "weather|sun"} {
			if got := jsRecvBody(t, d); got != want {
				t.Errorf("libzmq DISH got %q, want %q", got, want)
			}
		}
		if err := d.Leave("weather"); err != nil {
			t.Fatal(err)
		}
		send("weather|no", "news|end")
		if got := jsRecvBody(t, d); got != "news|end" {
			t.Errorf("after Leave, libzmq DISH got %q, want news|end", got)
		}
		jsClose(t, d)
	})
	t.Run("libzmq RADIO to zeroplug DISH", func(t *testing.T) {
		e := newEnv(t)
		d := e.bound(DISH, "udp://127.0.0.1:*")
		if err := d.Join("weather"); err != nil {
			t.Fatal(err)
		}
		rad := peertest.StartJSPeer(t, "RADIO", "-c", d.LastEndpoint())
		send := func(msgs ...string) {
			for _, m := range msgs {
				g, body, _ := strings.Cut(m, "|")
				if err := rad.SendToGroup(g, []byte(body)); err != nil {
					t.Fatal(err)
				}
			}
		}
		deadline := time.Now().Add(jsPatience)
		for {
			send("sport|no", "weather|first")
			m, err := recvMsgWithin(d, jsTry)
			if err == nil {
				if got := m.Group + "|" + string(m.Frames[0]); got != "weather|first" {
					t.Fatalf("zeroplug DISH got %q, want weather|first", got)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("zeroplug DISH heard nothing from libzmq's RADIO: %v", err)
			}
		}
		send("sport|no", "weatherman|no", "weather|sun")
		if got := mustRecvGroup(t, d); got != "weather|sun" {
			t.Errorf("zeroplug DISH got %q, want weather|sun", got)
		}
		if err := d.Leave("weather"); err != nil {
			t.Fatal(err)
		}
		if err := d.Join("sport"); err != nil {
			t.Fatal(err)
		}
		send("weather|no", "sport|goal")
		if got := mustRecvGroup(t, d); got != "sport|goal" {
			t.Errorf("after Leave, zeroplug DISH got %q, want sport|goal", got)
		}
		jsClose(t, rad)
	})
}

// DGRAM both ways: libzmq's address frame carries its NUL, zeroplug's does not, and
// each side's reply to the frame it received reaches the other.
func TestInteropUDPDgram(t *testing.T) {
	e := newEnv(t)
	z := e.bound(DGRAM, "udp://127.0.0.1:*")
	zAddr := strings.TrimPrefix(z.LastEndpoint(), "udp://")
	jsEP := peertest.FreeUDPEndpoint(t)
	js := peertest.StartJSPeer(t, "DGRAM", "-b", jsEP)
	jsAddr := strings.TrimPrefix(jsEP, "udp://")

	// zeroplug first: send until the node peer is bound.
	deadline := time.Now().Add(jsPatience)
	var m peertest.JSMessage
	for {
		if err := z.Send([]byte(jsAddr), []byte("ping")); err != nil {
			t.Fatal(err)
		}
		var err error
		if m, err = js.Recv(jsTry); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("libzmq DGRAM heard nothing: %v", err)
		}
	}
	if len(m.Frames) != 2 || string(m.Frames[0]) != zAddr+"\x00" || string(m.Frames[1]) != "ping" {
		t.Fatalf("libzmq DGRAM received %q, want [%q ping]", m.Frames, zAddr+"\x00")
	}
	if err := js.Send(m.Frames[0], []byte("pong")); err != nil {
		t.Fatal(err)
	}
	if got := mustRecv(t, z); len(got) != 2 || string(got[0]) != jsAddr || string(got[1]) != "pong" {
		t.Fatalf("zeroplug DGRAM received %q, want [%s pong]", got, jsAddr)
	}

	// libzmq first, to the address without a NUL; zeroplug replies to the frame it got.
	if err := js.Send([]byte(zAddr), []byte("hello")); err != nil {
		t.Fatal(err)
	}
	got := mustRecv(t, z)
	if len(got) != 2 || string(got[0]) != jsAddr || string(got[1]) != "hello" {
		t.Fatalf("zeroplug DGRAM received %q, want [%s hello]", got, jsAddr)
	}
	if err := z.Send(got[0], []byte("hi")); err != nil {
		t.Fatal(err)
	}
	m, err := js.Recv(jsPatience)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Frames) != 2 || string(m.Frames[0]) != zAddr+"\x00" || string(m.Frames[1]) != "hi" {
		t.Fatalf("libzmq DGRAM received %q, want [%q hi]", m.Frames, zAddr+"\x00")
	}
	jsClose(t, js)
}
