package core

import (
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/zeroplug/zeroplug/internal/peertest"
	"github.com/zeroplug/zeroplug/sdk/zmtp/curve"
	"github.com/zeroplug/zeroplug/sdk/zmtp/zap"
)

// securePair binds a PULL with the server options and connects a PUSH
// with the client options, both in ctx, and returns them with the PULL's
// monitor.
func securePair(t *testing.T, ctx *Context, server, client []Option) (*Socket, *Socket, <-chan Event) {
	t.Helper()
	pull, err := ctx.NewSocket(PULL, append([]Option{RecvTimeout(5 * time.Second)}, server...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pull.Close() })
	events := pull.Monitor(EventHandshakeSucceeded | EventHandshakeFailedAuth | EventHandshakeFailedProtocol | EventHandshakeFailedNoDetail)
	if err := pull.Bind("tcp://127.0.0.1:*"); err != nil {
		t.Fatal(err)
	}
	push, err := ctx.NewSocket(PUSH, append([]Option{Linger(0)}, client...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { push.Close() })
	if err := push.Connect(pull.LastEndpoint()); err != nil {
		t.Fatal(err)
	}
	return pull, push, events
}

func nextEvent(t *testing.T, events <-chan Event) Event {
	t.Helper()
	select {
	case e := <-events:
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no monitor event within 5 s")
	}
	return Event{}
}

func TestCurveBetweenZeroplugSockets(t *testing.T) {
	serverPub, serverSec, _ := curve.GenerateKeyPair(nil)
	clientPub, clientSec, _ := curve.GenerateKeyPair(nil)
	otherPub, _, _ := curve.GenerateKeyPair(nil)
	tests := []struct {
		name   string
		policy *zap.Policy
		client []Option
		want   EventType
	}{
		{"server key known, no ZAP", nil, []Option{CurveServerKey(serverPub.String())}, EventHandshakeSucceeded},
		{"client key allowed", &zap.Policy{CurveKeys: [][32]byte{clientPub}},
			[]Option{CurveServerKey(serverPub.String()), CurveSecretKey(clientSec.String())}, EventHandshakeSucceeded},
		{"client key not allowed (RFC 27: 400)", &zap.Policy{CurveKeys: [][32]byte{otherPub}},
			[]Option{CurveServerKey(serverPub.String()), CurveSecretKey(clientSec.String())}, EventHandshakeFailedAuth},
		// libzmq's behaviour: the HELLO box does not open, a protocol error.
		{"wrong server key", nil, []Option{CurveServerKey(otherPub.String())}, EventHandshakeFailedProtocol},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []ContextOption
			if tt.policy != nil {
				opts = append(opts, WithAuthenticator(tt.policy))
			}
			ctx := NewContext(append(opts, quietLogger())...)
			defer ctx.Close()
			pull, push, events := securePair(t, ctx, []Option{CurveServer(true), CurveSecretKey(serverSec.String())}, tt.client)
			if e := nextEvent(t, events); e.Type != tt.want {
				t.Fatalf("event %v, want %v", e, tt.want)
			}
			if tt.want != EventHandshakeSucceeded {
				return
			}
			push.Send([]byte("secret"), []byte{}, []byte("two"))
			m, err := pull.RecvMsg(t.Context(), false)
			if err != nil || len(m.Frames) != 3 || string(m.Frames[0]) != "secret" {
				t.Fatalf("got %q, %v", m.Frames, err)
			}
			if tt.policy != nil {
				if id, _ := m.Property("User-Id"); id != clientPub.String() {
					t.Errorf("User-Id %q, want the client's key %s", id, clientPub)
				}
			}
		})
	}
}

func TestPlainWithAuthenticator(t *testing.T) {
	policy := &zap.Policy{Users: map[string]string{"admin": "secret"}}
	tests := []struct {
		name, user, password string
		want                 EventType
	}{
		{"right password", "admin", "secret", EventHandshakeSucceeded},
		{"wrong password (RFC 27: 400)", "admin", "guess", EventHandshakeFailedAuth},
		{"unknown user", "mallory", "secret", EventHandshakeFailedAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := NewContext(WithAuthenticator(policy), quietLogger())
			defer ctx.Close()
			pull, push, events := securePair(t, ctx, []Option{PlainServer(true)},
				[]Option{PlainUsername(tt.user), PlainPassword(tt.password)})
			if e := nextEvent(t, events); e.Type != tt.want {
				t.Fatalf("event %v, want %v", e, tt.want)
			}
			if tt.want != EventHandshakeSucceeded {
				return
			}
			push.SendString("hello")
			m, err := pull.RecvMsg(t.Context(), false)
			if err != nil {
				t.Fatal(err)
			}
			if id, _ := m.Property("User-Id"); id != "admin" {
				t.Errorf("User-Id %q, want admin", id)
			}
			if addr, _ := m.Property("Peer-Address"); addr != "127.0.0.1" {
				t.Errorf("Peer-Address %q, want 127.0.0.1", addr)
			}
		})
	}
}

// TestZAPHandlerOverInproc is libzmq's model (RFC 27): a REP bound to
// inproc://zeromq.zap.01 in the same context decides, as pyzmq's and czmq's
// authenticators do.
func TestZAPHandlerOverInproc(t *testing.T) {
	ctx := NewContext(quietLogger())
	defer ctx.Close()
	handler, _ := ctx.NewSocket(REP)
	if err := handler.Bind(zap.HandlerEndpoint); err != nil {
		t.Fatal(err)
	}
	done := make(chan []string, 4)
	go func() {
		for {
			frames, err := handler.Recv()
			if err != nil {
				return
			}
			req, err := zap.ParseRequest(frames)
			if err != nil {
				t.Error(err)
				return
			}
			ok := req.Mechanism == "PLAIN" && string(req.Credentials[1]) == "pw"
			done <- []string{req.Domain, req.Mechanism, string(req.Credentials[0])}
			reply := zap.Reply{RequestID: req.RequestID, StatusCode: 400, StatusText: "no"}
			if ok {
				reply = zap.Reply{RequestID: req.RequestID, StatusCode: 200, StatusText: "OK", UserID: "u-" + string(req.Credentials[0])}
			}
			handler.Send(reply.Frames()...)
		}
	}()
	pull, push, events := securePair(t, ctx, []Option{PlainServer(true), ZAPDomain("global")},
		[]Option{PlainUsername("bob"), PlainPassword("pw")})
	if e := nextEvent(t, events); e.Type != EventHandshakeSucceeded {
		t.Fatalf("event %v", e)
	}
	if got := <-done; got[0] != "global" || got[1] != "PLAIN" || got[2] != "bob" {
		t.Errorf("ZAP request %q", got)
	}
	push.SendString("x")
	m, err := pull.RecvMsg(t.Context(), false)
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := m.Property("User-Id"); id != "u-bob" {
		t.Errorf("User-Id %q", id)
	}
	handler.Close()
}

// TestHandshakeStallDropped: a peer that stops mid-handshake costs one
// connection for HANDSHAKE_IVL, then is dropped (issue: "stalls
// mid-handshake is dropped after the handshake timeout").
func TestCurveHandshakeStallDropped(t *testing.T) {
	_, serverSec, _ := curve.GenerateKeyPair(nil)
	ctx := NewContext(quietLogger())
	defer ctx.Close()
	pull, _ := ctx.NewSocket(PULL, CurveServer(true), CurveSecretKey(serverSec.String()), HandshakeInterval(200*time.Millisecond))
	defer pull.Close()
	events := pull.Monitor(EventAll)
	pull.Bind("tcp://127.0.0.1:*")
	conn := rawDial(t, pull.LastEndpoint())
	defer conn.Close()
	g := [64]byte{0xFF, 9: 0x7F, 10: 3, 11: 1}
	copy(g[12:], "CURVE")
	conn.Write(g[:]) // a greeting, then nothing
	deadline := time.After(5 * time.Second)
	for {
		select {
		case e := <-events:
			if e.Type&(EventHandshakeFailedNoDetail|EventHandshakeFailedProtocol) != 0 {
				return
			}
		case <-deadline:
			t.Fatal("the stalled peer was not dropped")
		}
	}
}

// TestInteropSecurityLibzmq: zeroplug and libzmq 4.3.4 both ways, CURVE and
// PLAIN, with wrong keys and passwords refused on both sides.
func TestInteropSecurityLibzmq(t *testing.T) {
	zmqpeer := peertest.Zmqpeer(t)
	// A context of its own, whose log does not show the refusals asked for.
	quiet := NewContext(quietLogger())
	defer quiet.Close()
	serverPub, serverSec, _ := curve.GenerateKeyPair(nil)
	otherPub, _, _ := curve.GenerateKeyPair(nil)

	// libzmq server, zeroplug client.
	server := func(t *testing.T, env []string, n string) (*peertest.Proc, string) {
		ep := peertest.FreeTCPEndpoint(t)
		p := peertest.StartEnv(t, env, zmqpeer, "recv", "PULL", "bind", ep, n)
		return p, ep
	}
	t.Run("CURVE/libzmq server", func(t *testing.T) {
		p, ep := server(t, []string{"ZMQPEER_CURVE_SECRETKEY=" + serverSec.String()}, "1")
		push, _ := quiet.NewSocket(PUSH, CurveServerKey(serverPub.String()), Linger(5*time.Second))
		defer push.Close()
		push.Connect(ep)
		push.SendString("a", "", "c")
		if line, err := p.Line(10 * time.Second); err != nil || line != "a||c" {
			t.Fatalf("libzmq got %q, %v", line, err)
		}
	})
	t.Run("CURVE/libzmq server, wrong server key", func(t *testing.T) {
		_, ep := server(t, []string{"ZMQPEER_CURVE_SECRETKEY=" + serverSec.String()}, "1")
		push, _ := quiet.NewSocket(PUSH, CurveServerKey(otherPub.String()), Linger(0))
		defer push.Close()
		events := push.Monitor(EventHandshakeSucceeded | EventDisconnected | EventHandshakeFailedAuth | EventHandshakeFailedProtocol | EventHandshakeFailedNoDetail)
		push.Connect(ep)
		if e := nextEvent(t, events); e.Type == EventHandshakeSucceeded {
			t.Fatalf("handshake succeeded with the wrong server key")
		}
	})
	t.Run("CURVE/zeroplug server", func(t *testing.T) {
		pull, _ := quiet.NewSocket(PULL, CurveServer(true), CurveSecretKey(serverSec.String()), RecvTimeout(10*time.Second))
		defer pull.Close()
		pull.Bind("tcp://127.0.0.1:*")
		p := peertest.StartEnv(t, []string{"ZMQPEER_CURVE_SERVERKEY=" + serverPub.String()}, zmqpeer, "send", "PUSH", "connect", pull.LastEndpoint())
		p.Send("x|y")
		p.CloseStdin()
		f, err := pull.Recv()
		if err != nil || len(f) != 2 || string(f[1]) != "y" {
			t.Fatalf("got %q, %v", f, err)
		}
	})
	t.Run("CURVE/zeroplug server refuses a libzmq client not allowed", func(t *testing.T) {
		ctx := NewContext(WithAuthenticator(&zap.Policy{CurveKeys: [][32]byte{otherPub}}), quietLogger())
		defer ctx.Close()
		pull, _ := ctx.NewSocket(PULL, CurveServer(true), CurveSecretKey(serverSec.String()))
		defer pull.Close()
		events := pull.Monitor(EventHandshakeFailedAuth | EventHandshakeSucceeded)
		pull.Bind("tcp://127.0.0.1:*")
		p := peertest.StartEnv(t, []string{"ZMQPEER_CURVE_SERVERKEY=" + serverPub.String()}, zmqpeer, "send", "PUSH", "connect", pull.LastEndpoint())
		defer p.Kill()
		if e := nextEvent(t, events); e.Type != EventHandshakeFailedAuth {
			t.Fatalf("event %v, want HANDSHAKE_FAILED_AUTH", e)
		}
	})
	t.Run("PLAIN/libzmq server", func(t *testing.T) {
		p, ep := server(t, []string{"ZMQPEER_PLAIN_SERVER=1", "ZMQPEER_ZAP_PASSWORD=pw"}, "1")
		push, _ := quiet.NewSocket(PUSH, PlainUsername("u"), PlainPassword("pw"), Linger(5*time.Second))
		defer push.Close()
		push.Connect(ep)
		push.SendString("plain")
		if line, err := p.Line(10 * time.Second); err != nil || line != "plain" {
			t.Fatalf("libzmq got %q, %v", line, err)
		}
	})
	t.Run("PLAIN/libzmq server, wrong password", func(t *testing.T) {
		_, ep := server(t, []string{"ZMQPEER_PLAIN_SERVER=1", "ZMQPEER_ZAP_PASSWORD=pw"}, "1")
		push, _ := quiet.NewSocket(PUSH, PlainUsername("u"), PlainPassword("nope"), Linger(0))
		defer push.Close()
		events := push.Monitor(EventHandshakeFailedAuth | EventHandshakeSucceeded)
		push.Connect(ep)
		e := nextEvent(t, events)
		if e.Type != EventHandshakeFailedAuth || !strings.Contains(e.Err.Error(), "400") {
			t.Fatalf("event %v, want HANDSHAKE_FAILED_AUTH with 400", e)
		}
	})
	t.Run("PLAIN/zeroplug server", func(t *testing.T) {
		for _, pw := range []string{"pw", "wrong"} {
			ctx := NewContext(WithAuthenticator(&zap.Policy{Users: map[string]string{"u": "pw"}}), quietLogger())
			pull, _ := ctx.NewSocket(PULL, PlainServer(true), RecvTimeout(10*time.Second))
			events := pull.Monitor(EventHandshakeFailedAuth | EventHandshakeSucceeded)
			pull.Bind("tcp://127.0.0.1:*")
			p := peertest.StartEnv(t, []string{"ZMQPEER_PLAIN_USER=u", "ZMQPEER_PLAIN_PASSWORD=" + pw}, zmqpeer, "send", "PUSH", "connect", pull.LastEndpoint())
			want := EventHandshakeSucceeded
			if pw != "pw" {
				want = EventHandshakeFailedAuth
			}
			if e := nextEvent(t, events); e.Type != want {
				t.Errorf("password %q: event %v, want %v", pw, e, want)
			}
			if want == EventHandshakeSucceeded {
				p.Send("ok")
				if f, err := pull.Recv(); err != nil || string(f[0]) != "ok" {
					t.Errorf("got %q, %v", f, err)
				}
			}
			p.Kill()
			ctx.Close()
		}
	})
}

// quietLogger keeps the expected refusals of these tests out of the output.
func quietLogger() ContextOption { return WithLogger(hclog.NewNullLogger()) }
