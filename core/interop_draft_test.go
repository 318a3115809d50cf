package core

// The draft types against libzmq 4.3.5 with the draft API (zeromq.js 6.8, through
// internal/peertest's JSPeer), over tcp, zeroplug binding and connecting.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/internal/peertest"
)

// jsPatience bounds a receive from a node peer: a loaded machine is slower to start
// node than to move messages.
const jsPatience = 20 * time.Second

func jsClose(t *testing.T, p *peertest.JSPeer) {
	t.Helper()
	if err := p.Close(jsPatience); err != nil {
		t.Error(err)
	}
}

// jsRecvBody receives one message from a node peer and returns it as "group|body" (the
// group empty for the types without one).
func jsRecvBody(t *testing.T, p *peertest.JSPeer) string {
	t.Helper()
	m, err := p.Recv(jsPatience)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	if len(m.Frames) != 1 {
		t.Fatalf("%s received %d frames, want 1", p, len(m.Frames))
	}
	return m.Group + "|" + string(m.Frames[0])
}

// A zeroplug SERVER routes its replies to each of several libzmq CLIENTs; libzmq's
// SERVER does the same for several zeroplug CLIENTs, which connect.
func TestInteropServerClient(t *testing.T) {
	t.Run("zeroplug SERVER binds", func(t *testing.T) {
		e := newEnv(t)
		srv := e.bound(SERVER, "tcp://127.0.0.1:*")
		clients := make([]*peertest.JSPeer, 3)
		for i := range clients {
			clients[i] = peertest.StartJSPeer(t, "CLIENT", "-c", srv.LastEndpoint())
			if err := clients[i].Send(fmt.Appendf(nil, "from %d", i)); err != nil {
				t.Fatal(err)
			}
		}
		ids := map[uint32]bool{}
		for range clients {
			m := mustRecvMsg(t, srv)
			if m.RoutingID == 0 || ids[m.RoutingID] {
				t.Fatalf("routing id %d: want a new one, not 0", m.RoutingID)
			}
			ids[m.RoutingID] = true
			if err := srv.SendTo(m.RoutingID, append([]byte("re: "), m.Frames[0]...)); err != nil {
				t.Fatal(err)
			}
		}
		for i, c := range clients {
			if got, want := jsRecvBody(t, c), fmt.Sprintf("|re: from %d", i); got != want {
				t.Errorf("libzmq CLIENT %d got %q, want %q", i, got, want)
			}
			jsClose(t, c)
		}
	})
	t.Run("libzmq SERVER binds", func(t *testing.T) {
		e := newEnv(t)
		srv := peertest.StartJSPeer(t, "SERVER", "-b", "tcp://127.0.0.1:*")
		clients := make([]*Socket, 3)
		for i := range clients {
			clients[i] = e.connected(CLIENT, []string{srv.Endpoint()})
			mustSend(t, clients[i], fmt.Sprintf("from %d", i))
		}
		for range clients {
			m, err := srv.Recv(jsPatience)
			if err != nil {
				t.Fatal(err)
			}
			if m.RoutingID == 0 {
				t.Fatalf("libzmq SERVER received %q without a routing id", m.Frames)
			}
			if err := srv.SendTo(m.RoutingID, append([]byte("re: "), m.Frames[0]...)); err != nil {
				t.Fatal(err)
			}
		}
		for i, c := range clients {
			if got, want := mustRecvString(t, c), fmt.Sprintf("re: from %d", i); !equalStrings(got, []string{want}) {
				t.Errorf("zeroplug CLIENT %d got %q, want %q", i, got, want)
			}
		}
		jsClose(t, srv)
	})
}

// Groups filtered both ways: a libzmq DISH's joins and leaves (JOIN and LEAVE commands)
// make a zeroplug RADIO send it only its groups; a zeroplug DISH's make a libzmq RADIO do
// the same, and a zeroplug DISH takes libzmq's group frames.
func TestInteropRadioDish(t *testing.T) {
	t.Run("zeroplug RADIO binds", func(t *testing.T) {
		e := newEnv(t)
		rad := e.bound(RADIO, "tcp://127.0.0.1:*")
		d := peertest.StartJSPeer(t, "DISH", "-c", rad.LastEndpoint(), "-j", "weather", "-j", "news")
		eventually(t, func() bool { return radioKnows(rad, "weather", 1) && radioKnows(rad, "news", 1) }, "libzmq's JOINs")
		for _, m := range []string{"sport|no", "weather|sun", "weatherman|no", "news|", "|no"} {
			g, body, _ := strings.Cut(m, "|")
			if err := rad.SendToGroup(g, []byte(body)); err != nil {
				t.Fatal(err)
			}
		}
		for _, want := range []string{"weather|sun", "news|"} {
			if got := jsRecvBody(t, d); got != want {
				t.Errorf("libzmq DISH got %q, want %q", got, want)
			}
		}
		if err := d.Leave("weather"); err != nil {
			t.Fatal(err)
		}
		eventually(t, func() bool { return radioKnows(rad, "weather", 0) }, "libzmq's LEAVE")
		rad.SendToGroup("weather", []byte("no"))
		rad.SendToGroup("news", []byte("end"))
		if got := jsRecvBody(t, d); got != "news|end" {
			t.Errorf("after Leave, libzmq DISH got %q, want news|end", got)
		}
		jsClose(t, d)
	})
	t.Run("libzmq RADIO binds", func(t *testing.T) {
		e := newEnv(t)
		rad := peertest.StartJSPeer(t, "RADIO", "-b", "tcp://127.0.0.1:*")
		d := e.connected(DISH, []string{rad.Endpoint()})
		d.Join("weather")
		// libzmq's RADIO drops what it sends before the JOIN arrives: send until heard.
		deadline := time.Now().Add(jsPatience)
		for {
			if err := rad.SendToGroup("weather", []byte("first")); err != nil {
				t.Fatal(err)
			}
			if _, err := recvWithin(d, 100*time.Millisecond); err == nil {
				break
			} else if time.Now().After(deadline) {
				t.Fatalf("nothing from libzmq's RADIO: %v", err)
			}
		}
		sendJS := func(msgs ...string) {
			for _, m := range msgs {
				g, body, _ := strings.Cut(m, "|")
				if err := rad.SendToGroup(g, []byte(body)); err != nil {
					t.Fatal(err)
				}
			}
		}
		until := func(end string) []string {
			var got []string
			for {
				s := mustRecvGroup(t, d)
				if s == end {
					return got
				}
				if s != "weather|first" {
					got = append(got, s)
				}
			}
		}
		sendJS("sport|no", "weather|sun", "weatherman|no", "weather|end")
		if got := until("weather|end"); !equalStrings(got, []string{"weather|sun"}) {
			t.Errorf("zeroplug DISH got %q, want [weather|sun]", got)
		}
		d.Leave("weather")
		d.Join("sport")
		// The LEAVE and JOIN are on their way: send rounds, one at a time, until
		// the new group is heard; libzmq's RADIO has had the LEAVE by then.
		// Until then the DISH skips weather and the RADIO drops sport: a round
		// may bring nothing.
		deadline = time.Now().Add(jsPatience)
		for {
			sendJS("weather|late", "sport|goal")
			m, err := d.RecvMsg(shortContext(t, 100*time.Millisecond), false)
			if err == nil && m.Group+"|"+string(m.Frames[0]) == "sport|goal" {
				break
			}
			if err == nil {
				t.Fatalf("zeroplug DISH got %q in %q", m.Frames, m.Group)
			}
			if time.Now().After(deadline) {
				t.Fatalf("nothing of sport from libzmq's RADIO: %v", err)
			}
		}
		// The DISH would skip a message of a group it left; that libzmq's RADIO
		// heard the LEAVE shows in what reaches the DISH's queue at all.
		sendJS("weather|no", "sport|end")
		if got := nextQueued(t, d); got != "sport|end" {
			t.Errorf("after Leave, libzmq's RADIO sent the zeroplug DISH %q, want sport|end", got)
		}
		jsClose(t, rad)
	})
}

// A zeroplug SCATTER deals round-robin to libzmq GATHERs; a zeroplug GATHER fair-queues
// libzmq SCATTERs.
func TestInteropScatterGather(t *testing.T) {
	t.Run("round-robin", func(t *testing.T) {
		e := newEnv(t)
		sc := e.bound(SCATTER, "tcp://127.0.0.1:*")
		g1 := peertest.StartJSPeer(t, "GATHER", "-c", sc.LastEndpoint())
		g2 := peertest.StartJSPeer(t, "GATHER", "-c", sc.LastEndpoint())
		eventually(t, func() bool { return numPipes(sc) == 2 }, "both libzmq GATHERs")
		for i := range 4 {
			mustSend(t, sc, fmt.Sprint(i))
		}
		a := []string{jsRecvBody(t, g1), jsRecvBody(t, g1)}
		b := []string{jsRecvBody(t, g2), jsRecvBody(t, g2)}
		if !(equalStrings(a, []string{"|0", "|2"}) && equalStrings(b, []string{"|1", "|3"}) ||
			equalStrings(a, []string{"|1", "|3"}) && equalStrings(b, []string{"|0", "|2"})) {
			t.Errorf("libzmq GATHERs got %q and %q, want every other message each", a, b)
		}
		jsClose(t, g1)
		jsClose(t, g2)
	})
	t.Run("fair-queued", func(t *testing.T) {
		e := newEnv(t)
		g := e.bound(GATHER, "tcp://127.0.0.1:*")
		s1 := peertest.StartJSPeer(t, "SCATTER", "-o", "linger=1000", "-c", g.LastEndpoint())
		s2 := peertest.StartJSPeer(t, "SCATTER", "-o", "linger=1000", "-c", g.LastEndpoint())
		for i := range 3 {
			s1.Send(fmt.Appendf(nil, "a%d", i))
			s2.Send(fmt.Appendf(nil, "b%d", i))
		}
		eventually(t, func() bool { return queuedIn(g) == 6 }, "all six to arrive")
		var prev byte
		for i := range 6 {
			got := mustRecvString(t, g)[0]
			if i > 0 && got[0] == prev {
				t.Errorf("message %d %q from the same SCATTER as the one before", i, got)
			}
			prev = got[0]
		}
		jsClose(t, s1)
		jsClose(t, s2)
	})
}

// shortContext is a context that ends after d, or with the test.
func shortContext(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// nextQueued takes the next message to reach a DISH's queue, as "group|body", before
// the DISH's own filter sees it.
func nextQueued(t *testing.T, d *Socket) string {
	t.Helper()
	var got string
	eventually(t, func() bool {
		d.recvMu.Lock()
		defer d.recvMu.Unlock()
		m, _, ok := d.fq.next()
		if ok {
			got = string(m.parts[0]) + "|" + string(m.parts[1])
		}
		return ok
	}, "a message in the DISH's queue")
	return got
}
