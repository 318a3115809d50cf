package core

import (
	"encoding/binary"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/sdk/zmtp"
)

// Hostile and broken peers on a raw connection to a bound socket: each
// costs its own connection only (closed, with HANDSHAKE_FAILED_* or a
// DISCONNECTED carrying the reason), never a panic, and the socket keeps
// serving a good peer. Then ZMTP 3.1 heartbeats.

// waitAnyEvent reads events until one of the wanted types comes.
func waitAnyEvent(t *testing.T, ch <-chan Event, want ...EventType) Event {
	t.Helper()
	timeout := time.After(patience)
	var seen []string
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("monitor closed waiting for %v; saw %q", want, seen)
			}
			for _, w := range want {
				if ev.Type == w {
					return ev
				}
			}
			seen = append(seen, ev.String())
		case <-timeout:
			t.Fatalf("no %v event; saw %q", want, seen)
		}
	}
}

// greeting is a valid ZMTP 3.1 NULL greeting.
func greeting() []byte {
	g := zmtp.Greeting{Major: 3, Minor: 1, Mechanism: "NULL"}.Marshal()
	return g[:]
}

// readyCommand is a READY command frame announcing socket type typ.
func readyCommand(typ string) []byte {
	var b []byte
	enc := zmtp.NewEncoder(writerFunc(func(p []byte) (int, error) { b = append(b, p...); return len(p), nil }))
	enc.Command(zmtp.CmdReady, zmtp.Metadata{{Name: "Socket-Type", Value: []byte(typ)}}.Append(nil))
	enc.Flush()
	return b
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// longHeader is a data frame header claiming size bytes.
func longHeader(size uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{zmtp.FlagLong}, size)
}

// TestHostilePeers: the bound PULL drops each broken connection and goes
// on serving.
func TestHostilePeers(t *testing.T) {
	failed := []EventType{EventHandshakeFailedProtocol, EventHandshakeFailedNoDetail}
	for _, tc := range []struct {
		name string
		opts []Option
		// act plays the peer; it returns the connection, or nil when it
		// has closed it itself.
		act  func(t *testing.T, ep string) net.Conn
		want []EventType
	}{
		{
			name: "garbage-instead-of-greeting",
			act: func(t *testing.T, ep string) net.Conn {
				c := rawDial(t, ep)
				c.Write([]byte(strings.Repeat("GET / HTTP/1.1\r\n", 5)))
				return c
			},
			want: []EventType{EventHandshakeFailedProtocol},
		},
		{
			name: "short-garbage-then-silence",
			opts: []Option{HandshakeInterval(200 * time.Millisecond)},
			act: func(t *testing.T, ep string) net.Conn {
				c := rawDial(t, ep)
				c.Write([]byte("hello\r\n"))
				return c
			},
			want: failed,
		},
		{
			name: "zmtp-2.0-greeting",
			act: func(t *testing.T, ep string) net.Conn {
				c := rawDial(t, ep)
				// Signature, revision 1, socket type PUSH, an empty
				// identity, then a message: what a libzmq 3.x peer sends.
				b := []byte{0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0x7F, 0x01, 0x08, 0x00, 0x00, 0x00, 50}
				b = append(b, strings.Repeat("m", 50)...)
				c.Write(b)
				return c
			},
			want: []EventType{EventHandshakeFailedProtocol},
		},
		{
			name: "reserved-flag-bits",
			act: func(t *testing.T, ep string) net.Conn {
				r := rawZMTP(t, ep, "PUSH")
				r.conn.Write([]byte{0x10, 1, 'x'})
				return r.conn
			},
			want: []EventType{EventDisconnected},
		},
		{
			name: "command-with-more-flag",
			act: func(t *testing.T, ep string) net.Conn {
				r := rawZMTP(t, ep, "PUSH")
				r.conn.Write([]byte{zmtp.FlagCommand | zmtp.FlagMore, 5, 4, 'P', 'I', 'N', 'G'})
				return r.conn
			},
			want: []EventType{EventDisconnected},
		},
		{
			name: "frame-size-with-top-bit",
			act: func(t *testing.T, ep string) net.Conn {
				r := rawZMTP(t, ep, "PUSH")
				r.conn.Write(longHeader(1 << 63))
				return r.conn
			},
			want: []EventType{EventDisconnected},
		},
		{
			name: "frame-of-2^50-bytes-over-maxmsgsize",
			opts: []Option{MaxMsgSize(1 << 20)},
			act: func(t *testing.T, ep string) net.Conn {
				r := rawZMTP(t, ep, "PUSH")
				r.conn.Write(longHeader(1 << 50))
				return r.conn
			},
			want: []EventType{EventDisconnected},
		},
		{
			name: "wrong-socket-type",
			act: func(t *testing.T, ep string) net.Conn {
				c := rawDial(t, ep)
				c.Write(append(greeting(), readyCommand("PULL")...))
				// The socket says why before it hangs up: an ERROR
				// command after its greeting and READY.
				dec := zmtp.NewDecoder(c, 0)
				c.SetReadDeadline(time.Now().Add(patience))
				if _, err := dec.ReadFull(zmtp.GreetingSize); err != nil {
					t.Fatalf("reading the greeting: %v", err)
				}
				for {
					flags, body, err := dec.Next()
					if err != nil {
						t.Fatalf("no ERROR command before the close: %v", err)
					}
					if flags&zmtp.FlagCommand != 0 && zmtp.IsCommand(body, zmtp.CmdError) {
						break
					}
				}
				return c
			},
			want: []EventType{EventHandshakeFailedProtocol},
		},
		{
			name: "greeting-then-stall",
			opts: []Option{HandshakeInterval(200 * time.Millisecond)},
			act: func(t *testing.T, ep string) net.Conn {
				c := rawDial(t, ep)
				c.Write(greeting())
				return c
			},
			want: []EventType{EventHandshakeFailedNoDetail},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachStreamTransport(t, func(t *testing.T, tr transport) {
				e := newEnv(t)
				pull := e.bound(PULL, tr.endpoint(), tc.opts...)
				mon := pull.Monitor(EventAll)
				good := e.connected(PUSH, []string{pull.LastEndpoint()})
				waitEvent(t, mon, EventHandshakeSucceeded)

				start := time.Now()
				c := tc.act(t, pull.LastEndpoint())
				ev := waitAnyEvent(t, mon, append([]EventType{EventHandshakeSucceeded, EventDisconnected}, failed...)...)
				if ev.Type == EventHandshakeSucceeded && tc.want[0] == EventDisconnected {
					ev = waitAnyEvent(t, mon, EventDisconnected)
				}
				ok := false
				for _, w := range tc.want {
					ok = ok || ev.Type == w
				}
				if !ok || ev.Err == nil {
					t.Fatalf("event %v, want one of %v with the reason", ev, tc.want)
				}
				if !readUntilClosed(c, patience) {
					t.Fatal("the socket did not close the broken connection")
				}
				t.Logf("%v after %v", ev, time.Since(start).Round(time.Millisecond))
				mustSend(t, good, "still serving")
				if got := mustRecvString(t, pull); got[0] != "still serving" {
					t.Fatalf("got %q", got)
				}
			})
		})
	}
}

// TestHostileHugeFrameHeader: a peer that announces a frame of 2^50 bytes
// and sends a few costs no more than the bytes it really sends; the socket
// serves a good peer meanwhile, and reports the connection's loss, with
// the reason, when the liar hangs up.
func TestHostileHugeFrameHeader(t *testing.T) {
	eachStreamTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		pull := e.bound(PULL, tr.endpoint())
		mon := pull.Monitor(EventHandshakeSucceeded | EventDisconnected)
		good := e.connected(PUSH, []string{pull.LastEndpoint()})
		waitEvent(t, mon, EventHandshakeSucceeded)
		r := rawZMTP(t, pull.LastEndpoint(), "PUSH")
		waitEvent(t, mon, EventHandshakeSucceeded)
		r.conn.Write(append(longHeader(1<<50), strings.Repeat("x", 1000)...))
		for i := 0; i < 10; i++ {
			mustSend(t, good, "meanwhile")
			mustRecv(t, pull)
		}
		r.conn.Close()
		if ev := waitEvent(t, mon, EventDisconnected); ev.Err == nil {
			t.Fatalf("DISCONNECTED %v: want the reason (a frame cut short)", ev)
		}
		mustSend(t, good, "after")
		mustRecv(t, pull)
	})
}

// TestHostileWrongSocketType: RFC 37 says peers whose socket types do not
// match fail the handshake: a PUSH connecting to a PUSH, both zeroplug,
// sees HANDSHAKE_FAILED_PROTOCOL on both sides and never a message through.
func TestHostileWrongSocketType(t *testing.T) {
	eachStreamTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		a := e.bound(PUSH, tr.endpoint())
		amon := a.Monitor(EventAll)
		b := e.socket(PUSH)
		bmon := b.Monitor(EventAll)
		if err := b.Connect(a.LastEndpoint()); err != nil {
			t.Fatal(err)
		}
		for _, mon := range []<-chan Event{amon, bmon} {
			ev := waitAnyEvent(t, mon, EventHandshakeFailedProtocol, EventHandshakeSucceeded)
			if ev.Type != EventHandshakeFailedProtocol || !strings.Contains(ev.Err.Error(), "PUSH") {
				t.Fatalf("event %v, want HANDSHAKE_FAILED_PROTOCOL naming the types", ev)
			}
		}
	})
}

// TestHeartbeatIdleConnectionSurvives: with ZMQ_HEARTBEAT_IVL on both
// sides, PINGs and PONGs keep an idle connection up.
func TestHeartbeatIdleConnectionSurvives(t *testing.T) {
	eachStreamTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		hb := HeartbeatInterval(50 * time.Millisecond)
		pull := e.bound(PULL, tr.endpoint(), hb)
		mon := pull.Monitor(EventDisconnected | EventHandshakeSucceeded)
		push := e.connected(PUSH, []string{pull.LastEndpoint()}, hb)
		waitEvent(t, mon, EventHandshakeSucceeded)
		// Ten intervals of silence but for the heartbeats.
		select {
		case ev := <-mon:
			t.Fatalf("idle connection lost: %v (%v)", ev, ev.Err)
		case <-time.After(500 * time.Millisecond):
		}
		mustSend(t, push, "still up")
		mustRecv(t, pull)
	})
}

// TestHeartbeatTimeoutDropsSilentPeer: a peer that sends nothing at all
// after a PING, not even the PONG, is dropped after ZMQ_HEARTBEAT_TIMEOUT.
// The PINGs carry ZMQ_HEARTBEAT_TTL in tenths of a second.
func TestHeartbeatTimeoutDropsSilentPeer(t *testing.T) {
	eachStreamTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		pull := e.bound(PULL, tr.endpoint(), HeartbeatInterval(50*time.Millisecond),
			HeartbeatTimeout(150*time.Millisecond), HeartbeatTTL(time.Second))
		mon := pull.Monitor(EventDisconnected | EventHandshakeSucceeded)
		r := rawZMTP(t, pull.LastEndpoint(), "PUSH")
		waitEvent(t, mon, EventHandshakeSucceeded)
		start := time.Now()
		// Read, never write.
		pings := make(chan zmtp.Ping, 100)
		go func() {
			defer close(pings)
			for {
				flags, body, err := r.dec.Next()
				if err != nil {
					return
				}
				if flags&zmtp.FlagCommand != 0 && zmtp.IsCommand(body, zmtp.CmdPing) {
					p, _ := zmtp.ParsePing(body[1+len(zmtp.CmdPing):])
					pings <- p
				}
			}
		}()
		ev := waitEvent(t, mon, EventDisconnected)
		if d := time.Since(start); ev.Err == nil || d < 150*time.Millisecond {
			t.Fatalf("DISCONNECTED %v after %v: want a heartbeat timeout after at least 150ms", ev, d)
		}
		n := 0
		for p := range pings { // closed when the socket hangs up
			if p.TTL != 10 {
				t.Fatalf("PING with TTL %d, want 10 (1 s)", p.TTL)
			}
			n++
		}
		if n == 0 {
			t.Fatal("no PING before the timeout")
		}
	})
}

// TestHeartbeatPingAnsweredWithPong: RFC 37 says a PING is answered with a
// PONG carrying the PING's context, whatever the socket's own heartbeat
// settings; a PING's TTL asks the socket to drop the connection when the
// peer then falls silent for that long.
func TestHeartbeatPingAnsweredWithPong(t *testing.T) {
	eachStreamTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		pull := e.bound(PULL, tr.endpoint())
		mon := pull.Monitor(EventDisconnected)
		r := rawZMTP(t, pull.LastEndpoint(), "PUSH")
		for _, ctx := range []string{"", "ctx-123", strings.Repeat("c", 16)} {
			r.enc.Command(zmtp.CmdPing, zmtp.Ping{Context: []byte(ctx)}.Append(nil))
			if err := r.enc.Flush(); err != nil {
				t.Fatal(err)
			}
			flags, body, err := r.next()
			if err != nil {
				t.Fatalf("waiting for PONG: %v", err)
			}
			if flags&zmtp.FlagCommand == 0 || !zmtp.IsCommand(body, zmtp.CmdPong) {
				t.Fatalf("got flags %#x body %q, want PONG", flags, body)
			}
			if got := string(body[1+len(zmtp.CmdPong):]); got != ctx {
				t.Fatalf("PONG context %q, want %q", got, ctx)
			}
		}
		// TTL 2: silence for 200 ms ends the connection.
		start := time.Now()
		r.enc.Command(zmtp.CmdPing, zmtp.Ping{TTL: 2}.Append(nil))
		r.enc.Flush()
		ev := waitEvent(t, mon, EventDisconnected)
		if d := time.Since(start); ev.Err == nil || d < 200*time.Millisecond {
			t.Fatalf("DISCONNECTED %v after %v: want the TTL's timeout after 200ms", ev, d)
		}
		if !readUntilClosed(r.conn, patience) {
			t.Fatal("connection not closed")
		}
		if !errors.Is(ev.Err, errHeartbeat) {
			t.Fatalf("DISCONNECTED with %v, want a heartbeat timeout", ev.Err)
		}
	})
}

// TestGarbageSignatureDroppedAtOnce: ten bytes that are not a ZMTP
// signature end the connection at once (HANDSHAKE_FAILED_PROTOCOL), not
// after HANDSHAKE_IVL's 30 seconds, although the peer keeps it open.
func TestGarbageSignatureDroppedAtOnce(t *testing.T) {
	ctx := NewContext(quietLogger())
	defer ctx.Close()
	pull, _ := ctx.NewSocket(PULL)
	events := pull.Monitor(EventHandshakeFailedProtocol)
	pull.Bind("tcp://127.0.0.1:*")
	conn := rawDial(t, pull.LastEndpoint())
	defer conn.Close()
	conn.Write([]byte("GET / HTTP"))
	select {
	case <-events:
	case <-time.After(5 * time.Second):
		t.Fatal("a peer sending a bad signature was not dropped within 5 s")
	}
}
