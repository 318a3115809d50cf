package peertest_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug"
	"github.com/zeroplug/zeroplug/internal/peertest"
)

// jsRecvTimeout bounds each receive of a case; nothing healthy comes near it.
const jsRecvTimeout = 20 * time.Second

// pollInterval is how long a send-until-received loop waits for each try: datagrams sent
// before the receiver's pipe is attached are lost, as in libzmq, so the first tries may be.
const pollInterval = 200 * time.Millisecond

// jsClose closes a peer and fails the test if it did not exit cleanly on stdin EOF.
func jsClose(t *testing.T, p *peertest.JSPeer) {
	t.Helper()
	if err := p.Close(timeout); err != nil {
		t.Error(err)
	}
}

// zeroplugSocket opens a socket of its own context, closed (context and all) at the end
// of the test, with a receive timeout so that no Recv can hang.
func zeroplugSocket(t *testing.T, typ zeroplug.Type) *zeroplug.Socket {
	t.Helper()
	ctx := zeroplug.NewContext()
	t.Cleanup(func() { ctx.Close() })
	s, err := ctx.NewSocket(typ, zeroplug.RecvTimeout(jsRecvTimeout), zeroplug.SendTimeout(jsRecvTimeout), zeroplug.Linger(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// multipart is a message with empty frames first, inside and last, and bytes that no
// text protocol would carry.
var multipart = [][]byte{{}, []byte("hello"), {0, '|', ' ', '\n', 0xff}, {}, []byte("end"), {}}

func TestZeromqJSPushToZeroplugPull(t *testing.T) {
	t.Parallel()
	for _, transport := range []string{"tcp", "ipc"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			endpoint := peertest.FreeTCPEndpoint(t)
			if transport == "ipc" {
				endpoint = peertest.IPCEndpoint(t)
			}
			pull := zeroplugSocket(t, zeroplug.PULL)
			if err := pull.Bind(endpoint); err != nil {
				t.Fatal(err)
			}
			push := peertest.StartJSPeer(t, "PUSH", "-o", "linger=1000", "-c", endpoint)
			want := [][][]byte{{[]byte("one")}, multipart, {{}}}
			for _, m := range want {
				if err := push.Send(m...); err != nil {
					t.Fatal(err)
				}
			}
			for i, w := range want {
				got, err := pull.Recv()
				if err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				if !reflect.DeepEqual(got, w) {
					t.Errorf("message %d: zeroplug PULL got %q, want %q", i, got, w)
				}
			}
			jsClose(t, push)
		})
	}
}

func TestZeroplugPushToZeromqJSPull(t *testing.T) {
	t.Parallel()
	for _, bind := range []string{"tcp://127.0.0.1:*", ""} {
		name := "tcp"
		if bind == "" {
			name = "ipc"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if bind == "" {
				bind = peertest.IPCEndpoint(t)
			}
			pull := peertest.StartJSPeer(t, "PULL", "-b", bind)
			endpoint := pull.Endpoint()
			if endpoint == "" || strings.HasSuffix(endpoint, "*") {
				t.Fatalf("PULL bound %q: ready gave %q, want the resolved endpoint", bind, endpoint)
			}
			push := zeroplugSocket(t, zeroplug.PUSH)
			if err := push.Connect(endpoint); err != nil {
				t.Fatal(err)
			}
			want := [][][]byte{multipart, {[]byte("two")}}
			for _, m := range want {
				if err := push.Send(m...); err != nil {
					t.Fatal(err)
				}
			}
			for i, w := range want {
				got, err := pull.Recv(jsRecvTimeout)
				if err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				if !reflect.DeepEqual(got.Frames, w) {
					t.Errorf("message %d: zeromq.js PULL got %q, want %q", i, got.Frames, w)
				}
			}
			if _, err := pull.Recv(10 * time.Millisecond); !errors.Is(err, peertest.ErrNoMessage) {
				t.Errorf("Recv after the last message: %v, want ErrNoMessage", err)
			}
			jsClose(t, pull)
		})
	}
}

// TestZeromqJSServerClient: a SERVER sees each CLIENT's messages with a routing id of its
// own, and a reply sent to that id reaches that client and no other.
func TestZeromqJSServerClient(t *testing.T) {
	t.Parallel()
	server := peertest.StartJSPeer(t, "SERVER", "-b", "tcp://127.0.0.1:*")
	clients := make([]*peertest.JSPeer, 3)
	for i := range clients {
		clients[i] = peertest.StartJSPeer(t, "CLIENT", "-c", server.Endpoint())
		if err := clients[i].Send(fmt.Appendf(nil, "from %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	ids := map[string]uint32{}
	for range clients {
		m, err := server.Recv(jsRecvTimeout)
		if err != nil {
			t.Fatal(err)
		}
		if m.RoutingID == 0 || len(m.Frames) != 1 {
			t.Fatalf("SERVER received %+v, want one frame with a routing id", m)
		}
		ids[string(m.Frames[0])] = m.RoutingID
	}
	seen := map[uint32]bool{}
	for i := range clients {
		id, ok := ids[fmt.Sprintf("from %d", i)]
		if !ok || seen[id] {
			t.Fatalf("SERVER's routing ids %v: want one, distinct, per client", ids)
		}
		seen[id] = true
		if err := server.SendTo(id, fmt.Appendf(nil, "to %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range clients {
		m, err := c.Recv(jsRecvTimeout)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("to %d", i); len(m.Frames) != 1 || string(m.Frames[0]) != want {
			t.Errorf("client %d received %q, want %q", i, m.Frames, want)
		}
	}
	for _, c := range clients {
		jsClose(t, c)
	}
	jsClose(t, server)
}

// sendUntilReceived sends body to group from radio until dish receives a message, and
// returns it. Datagrams sent before the radio's pipe is attached are lost.
func sendUntilReceived(t *testing.T, radio, dish *peertest.JSPeer, group, body string) peertest.JSMessage {
	t.Helper()
	deadline := time.Now().Add(jsRecvTimeout)
	for time.Now().Before(deadline) {
		if err := radio.SendToGroup(group, []byte(body)); err != nil {
			t.Fatal(err)
		}
		m, err := dish.Recv(pollInterval)
		if err == nil {
			return m
		}
		if !errors.Is(err, peertest.ErrNoMessage) {
			t.Fatal(err)
		}
	}
	t.Fatalf("%s received nothing from %s within %v", dish, radio, jsRecvTimeout)
	return peertest.JSMessage{}
}

// receiveUntil receives until a message with body end arrives and returns the messages
// before it as group|body, leaving out those with body skip. A radio's datagrams to one
// dish arrive in the order sent (loopback, one socket each), so what comes before end is
// all that will: no wait for silence stands in for that.
func receiveUntil(t *testing.T, dish *peertest.JSPeer, end, skip string) []string {
	t.Helper()
	var got []string
	for {
		m, err := dish.Recv(jsRecvTimeout)
		if err != nil {
			t.Fatalf("%s, waiting for %q after %q: %v", dish, end, got, err)
		}
		switch body := string(m.Frames[0]); body {
		case end:
			return got
		case skip:
		default:
			got = append(got, m.Group+"|"+body)
		}
	}
}

// sendAll sends each group|body of messages from radio.
func sendAll(t *testing.T, radio *peertest.JSPeer, messages ...string) {
	t.Helper()
	for _, m := range messages {
		group, body, _ := strings.Cut(m, "|")
		if err := radio.SendToGroup(group, []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestZeromqJSRadioDishUDP: over udp (unicast), a DISH receives the groups it has joined,
// with their group, and no other; after Leave, not that group either.
func TestZeromqJSRadioDishUDP(t *testing.T) {
	t.Parallel()
	endpoint := peertest.FreeUDPEndpoint(t)
	dish := peertest.StartJSPeer(t, "DISH", "-b", endpoint, "-j", "weather")
	radio := peertest.StartJSPeer(t, "RADIO", "-c", endpoint)

	// The radio is heard; a group not joined is not.
	if m := sendUntilReceived(t, radio, dish, "weather", "first"); m.Group != "weather" || string(m.Frames[0]) != "first" {
		t.Fatalf("DISH received %+v, want first in weather", m)
	}
	// The repeats of "first" come before "end"; so do the messages sent before it.
	sendAll(t, radio, "sport|no", "weather|sun", "weatherman|no", "weather|", "weather|rain", "weather|end")
	if got, want := receiveUntil(t, dish, "end", "first"), []string{"weather|sun", "weather|", "weather|rain"}; !reflect.DeepEqual(got, want) {
		t.Errorf("DISH joined to weather received %q, want %q", got, want)
	}

	// After Leave weather and Join sport, the other way round.
	if err := dish.Leave("weather"); err != nil {
		t.Fatal(err)
	}
	if err := dish.Join("sport"); err != nil {
		t.Fatal(err)
	}
	sendAll(t, radio, "weather|no", "sport|goal", "weather|no", "sport|end")
	if got, want := receiveUntil(t, dish, "end", ""), []string{"sport|goal"}; !reflect.DeepEqual(got, want) {
		t.Errorf("DISH after leaving weather and joining sport received %q, want %q", got, want)
	}
	jsClose(t, radio)
	jsClose(t, dish)
}

// TestZeromqJSScatterGather: a GATHER receives what a SCATTER sends, in order, one frame
// a message.
func TestZeromqJSScatterGather(t *testing.T) {
	t.Parallel()
	gather := peertest.StartJSPeer(t, "GATHER", "-b", "tcp://127.0.0.1:*")
	scatter := peertest.StartJSPeer(t, "SCATTER", "-o", "linger=1000", "-c", gather.Endpoint())
	want := []string{"a", "", "b c", "d|e"}
	for _, body := range want {
		if err := scatter.Send([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	for i, w := range want {
		m, err := gather.Recv(jsRecvTimeout)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Frames) != 1 || string(m.Frames[0]) != w {
			t.Errorf("message %d: GATHER received %q, want %q", i, m.Frames, w)
		}
	}
	jsClose(t, scatter)
	jsClose(t, gather)
}

// TestZeromqJSDatagram: DGRAM messages are two frames, the peer's address and the body;
// a reply to the address a message came from reaches its sender. libzmq's address frame on
// receipt is "ip:port" with its C string's NUL (udp_engine_t sizes it strlen+1); sent, the
// frame is read up to its length, NUL or not.
func TestZeromqJSDatagram(t *testing.T) {
	t.Parallel()
	a, b := peertest.FreeUDPEndpoint(t), peertest.FreeUDPEndpoint(t)
	left := peertest.StartJSPeer(t, "DGRAM", "-b", a)
	right := peertest.StartJSPeer(t, "DGRAM", "-b", b)
	rightAddr := strings.TrimPrefix(b, "udp://")
	var m peertest.JSMessage
	deadline := time.Now().Add(jsRecvTimeout)
	for {
		if err := left.Send([]byte(rightAddr), []byte("ping")); err != nil {
			t.Fatal(err)
		}
		var err error
		if m, err = right.Recv(pollInterval); err == nil {
			break
		} else if !errors.Is(err, peertest.ErrNoMessage) || time.Now().After(deadline) {
			t.Fatal(err)
		}
	}
	leftAddr := strings.TrimPrefix(a, "udp://") + "\x00"
	if len(m.Frames) != 2 || string(m.Frames[0]) != leftAddr || string(m.Frames[1]) != "ping" {
		t.Fatalf("DGRAM received %q, want [%q ping]", m.Frames, leftAddr)
	}
	if err := right.Send(m.Frames[0], []byte("pong")); err != nil {
		t.Fatal(err)
	}
	reply, err := left.Recv(jsRecvTimeout)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.TrimPrefix(b, "udp://") + "\x00"; len(reply.Frames) != 2 || string(reply.Frames[0]) != want || string(reply.Frames[1]) != "pong" {
		t.Errorf("DGRAM received %q, want [%q pong]", reply.Frames, want)
	}
	jsClose(t, left)
	jsClose(t, right)
}

// TestJSPeerCommandError: a command the socket refuses is an error that says why, and the
// peer goes on.
func TestJSPeerCommandError(t *testing.T) {
	t.Parallel()
	pull := peertest.StartJSPeer(t, "PULL", "-b", "tcp://127.0.0.1:*")
	if err := pull.Join("g"); err == nil || !strings.Contains(err.Error(), "join") {
		t.Errorf("Join on a PULL: %v, want an error naming join", err)
	}
	if err := pull.SetOption("noSuchOption", "1"); err == nil || !strings.Contains(err.Error(), "noSuchOption") {
		t.Errorf("SetOption(noSuchOption): %v, want an error naming it", err)
	}
	if err := pull.SetOption("receiveHighWaterMark", "10"); err != nil {
		t.Errorf("SetOption(receiveHighWaterMark): %v", err)
	}
	jsClose(t, pull)
}
