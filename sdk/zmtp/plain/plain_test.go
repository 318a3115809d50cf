package plain

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/zeroplug/zeroplug/sdk/zmtp"
	"github.com/zeroplug/zeroplug/sdk/zmtp/internal/mechtest"
	"github.com/zeroplug/zeroplug/sdk/zmtp/zap"
)

// passwords is a ZAP handler that knows one password per user, like
// zmqpeer's with ZMQPEER_ZAP_PASSWORD.
func passwords(users map[string]string) zap.Authenticator {
	return zap.AuthenticatorFunc(func(req zap.Request) (zap.Reply, error) {
		r := zap.Reply{RequestID: req.RequestID, StatusCode: zap.StatusDenied, StatusText: "denied"}
		if req.Mechanism == zap.MechanismPlain && len(req.Credentials) == 2 {
			if pw, ok := users[string(req.Credentials[0])]; ok && pw == string(req.Credentials[1]) {
				r.StatusCode, r.StatusText, r.UserID = zap.StatusOK, "OK", "user:"+string(req.Credentials[0])
				r.Metadata = zmtp.Metadata{{Name: "X-Group", Value: []byte("ops")}}
			}
		}
		return r, nil
	})
}

var admin = passwords(map[string]string{"admin": "secret"})

// RFC 24, "Implementation": C:HELLO S:WELCOME C:INITIATE S:READY, with the
// metadata of each side, and the ZAP reply's user id and metadata on the
// server's side.
func TestHandshake(t *testing.T) {
	tests := []struct {
		name     string
		client   Client
		clientMD zmtp.Metadata
		server   Server
		types    [2]string
	}{
		{"PUSH to PULL", Client{"admin", "secret"}, nil, Server{Auth: admin}, [2]string{"PUSH", "PULL"}},
		{"DEALER with identity to ROUTER", Client{"admin", "secret"},
			zmtp.Metadata{{Name: "Identity", Value: []byte("peer-1")}}, Server{Auth: admin, Domain: "global"}, [2]string{"DEALER", "ROUTER"}},
		{"REQ to REP", Client{"admin", "secret"}, nil, Server{Auth: admin, Address: "10.1.2.3"}, [2]string{"REQ", "REP"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := mechtest.Handshake(t,
				zmtp.Config{Mechanism: tt.client, SocketType: tt.types[0], Metadata: tt.clientMD},
				zmtp.Config{Mechanism: tt.server, SocketType: tt.types[1]})
			if a.Err != nil || b.Err != nil {
				t.Fatalf("client: %v; server: %v", a.Err, b.Err)
			}
			if a.Peer.SocketType != tt.types[1] || b.Peer.SocketType != tt.types[0] {
				t.Fatalf("socket types %q and %q", a.Peer.SocketType, b.Peer.SocketType)
			}
			if id, _ := tt.clientMD.Get("Identity"); !bytes.Equal(b.Peer.Identity, id) {
				t.Fatalf("server sees identity %q", b.Peer.Identity)
			}
			if b.Peer.UserID != "user:admin" || a.Peer.UserID != "" {
				t.Fatalf("user ids %q (client) %q (server)", a.Peer.UserID, b.Peer.UserID)
			}
			if g, _ := b.Peer.Metadata.Get("X-Group"); string(g) != "ops" {
				t.Fatalf("server metadata %q lacks the ZAP reply's", b.Peer.Metadata)
			}
			if a.Peer.Cipher != nil || b.Peer.Cipher != nil {
				t.Fatal("PLAIN has a cipher")
			}
			if !a.Peer.Greeting.AsServer || b.Peer.Greeting.AsServer {
				t.Fatalf("as-server bits: the client sees %v, the server %v", a.Peer.Greeting.AsServer, b.Peer.Greeting.AsServer)
			}
			if got := mechtest.Commands(mechtest.Frames(t, a.Conn.Written())); !equal(got, "HELLO", "INITIATE") {
				t.Fatalf("client sent %q", got)
			}
			if got := mechtest.Commands(mechtest.Frames(t, b.Conn.Written())); !equal(got, "WELCOME", "READY") {
				t.Fatalf("server sent %q", got)
			}
		})
	}
}

func equal(got []string, want ...string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

// The ZAP request of a PLAIN server (RFC 27, "The PLAIN Mechanism"): two
// credential frames, user name and password; libzmq's request id "1", the
// socket's domain and routing id, the client's address.
func TestZAPRequest(t *testing.T) {
	var got zap.Request
	auth := zap.AuthenticatorFunc(func(req zap.Request) (zap.Reply, error) {
		got = req
		return zap.Reply{RequestID: req.RequestID, StatusCode: 200}, nil
	})
	a, b := mechtest.Handshake(t,
		zmtp.Config{Mechanism: Client{"alice", "pa55"}, SocketType: "DEALER"},
		zmtp.Config{Mechanism: Server{Auth: auth, Domain: "dom", Address: "192.0.2.7", RoutingID: []byte("srv")}, SocketType: "ROUTER"})
	if a.Err != nil || b.Err != nil {
		t.Fatalf("client: %v; server: %v", a.Err, b.Err)
	}
	want := zap.Request{RequestID: []byte("1"), Domain: "dom", Address: "192.0.2.7", Identity: []byte("srv"),
		Mechanism: "PLAIN", Credentials: [][]byte{[]byte("alice"), []byte("pa55")}}
	if g, w := got.Frames(), want.Frames(); len(g) != len(w) {
		t.Fatalf("request %q, want %q", g, w)
	} else {
		for i := range g {
			if !bytes.Equal(g[i], w[i]) {
				t.Fatalf("request %q, want %q", g, w)
			}
		}
	}
}

// RFC 24: the server "accepts or rejects this authentication"; libzmq
// sends ERROR with the ZAP status code, except for a temporary failure
// (300), and refuses everyone when no ZAP handler is there.
func TestRefused(t *testing.T) {
	errHandler := errors.New("handler crashed")
	tests := []struct {
		name       string
		client     Client
		auth       zap.Authenticator
		reason     string // ERROR sent to the client; "" for none
		serverAuth bool   // the server's error matches ErrAuth
	}{
		{"wrong password", Client{"admin", "guess"}, admin, "400", true},
		{"unknown user", Client{"mallory", "secret"}, admin, "400", true},
		{"empty credentials", Client{}, admin, "400", true},
		{"handler internal error", Client{"admin", "secret"}, status(500), "500", true},
		{"temporary failure closes silently", Client{"admin", "secret"}, status(300), "", true},
		{"no handler", Client{"admin", "secret"}, nil, "", false},
		{"handler reports no handler", Client{"admin", "secret"},
			zap.AuthenticatorFunc(func(zap.Request) (zap.Reply, error) { return zap.Reply{}, zap.ErrNoHandler }), "", false},
		{"handler fails", Client{"admin", "secret"},
			zap.AuthenticatorFunc(func(zap.Request) (zap.Reply, error) { return zap.Reply{}, errHandler }), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := mechtest.Handshake(t,
				zmtp.Config{Mechanism: tt.client, SocketType: "PUSH"},
				zmtp.Config{Mechanism: Server{Auth: tt.auth}, SocketType: "PULL"})
			if b.Err == nil || a.Err == nil {
				t.Fatalf("client: %v; server: %v; want both to fail", a.Err, b.Err)
			}
			if errors.Is(b.Err, zmtp.ErrAuth) != tt.serverAuth {
				t.Fatalf("server error %v: ErrAuth %v, want %v", b.Err, errors.Is(b.Err, zmtp.ErrAuth), tt.serverAuth)
			}
			sent := mechtest.Frames(t, b.Conn.Written())
			if cmds := mechtest.Commands(sent); len(cmds) > 1 || len(cmds) == 1 && cmds[0] != zmtp.CmdError {
				t.Fatalf("server sent %q", cmds)
			}
			reason, ok := mechtest.ErrorReason(sent)
			if reason != tt.reason || ok != (tt.reason != "") {
				t.Fatalf("server sent ERROR %q (%v), want %q", reason, ok, tt.reason)
			}
			var pe *zmtp.PeerError
			if tt.reason != "" {
				if !errors.As(a.Err, &pe) || pe.Reason != tt.reason || !errors.Is(a.Err, zmtp.ErrAuth) {
					t.Fatalf("client error %v, want the server's ERROR %q", a.Err, tt.reason)
				}
			} else if !errors.Is(a.Err, io.EOF) && !errors.Is(a.Err, io.ErrUnexpectedEOF) {
				t.Fatalf("client error %v, want the connection closed", a.Err)
			}
			if !tt.serverAuth && tt.auth != nil && !errors.Is(b.Err, zap.ErrNoHandler) && !errors.Is(b.Err, errHandler) {
				t.Fatalf("server error %v does not say why", b.Err)
			}
		})
	}
}

func status(code int) zap.Authenticator {
	return zap.AuthenticatorFunc(func(req zap.Request) (zap.Reply, error) {
		return zap.Reply{RequestID: req.RequestID, StatusCode: code}, nil
	})
}

// RFC 24: "username = OCTET *VCHAR": a length octet, so at most 255 bytes.
func TestClientCredentialsTooLong(t *testing.T) {
	long := string(bytes.Repeat([]byte("x"), 256))
	for _, cl := range []Client{{Username: long}, {Password: long}} {
		a, _ := mechtest.Handshake(t,
			zmtp.Config{Mechanism: cl, SocketType: "PUSH"},
			zmtp.Config{Mechanism: Server{Auth: admin}, SocketType: "PULL"})
		if a.Err == nil {
			t.Fatal("a 256-byte credential was sent")
		}
	}
	if _, err := AppendHello(nil, string(bytes.Repeat([]byte("u"), 255)), string(bytes.Repeat([]byte("p"), 255))); err != nil {
		t.Fatalf("255-byte credentials: %v", err)
	}
}

// RFC 24: hello = %d5 "HELLO" username password; libzmq's
// plain_server.cpp refuses anything short or left over.
func TestParseHello(t *testing.T) {
	tests := []struct {
		name       string
		body       []byte
		user, pass string
		ok         bool
	}{
		{"user and password", []byte("\x05admin\x06secret"), "admin", "secret", true},
		{"empty both", []byte("\x00\x00"), "", "", true},
		{"empty password", []byte("\x01u\x00"), "u", "", true},
		{"empty body", nil, "", "", false},
		{"no password length", []byte("\x05admin"), "", "", false},
		{"user name runs over", []byte("\x09admin"), "", "", false},
		{"password runs over", []byte("\x05admin\x07secret"), "", "", false},
		{"bytes left over", []byte("\x05admin\x05secret"), "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, p, err := ParseHello(tt.body)
			if !tt.ok {
				if !errors.Is(err, zmtp.ErrProtocol) {
					t.Fatalf("ParseHello = %q %q %v, want ErrProtocol", u, p, err)
				}
				return
			}
			if err != nil || string(u) != tt.user || string(p) != tt.pass {
				t.Fatalf("ParseHello = %q %q %v", u, p, err)
			}
			back, _ := AppendHello(nil, tt.user, tt.pass)
			if !bytes.Equal(back, tt.body) {
				t.Fatalf("AppendHello = % x, want % x", back, tt.body)
			}
		})
	}
}

// scripted runs one mechanism, as a PAIR, against a peer that plays script
// after its greeting.
func scripted(t testing.TB, m zmtp.Mechanism, peerAsServer bool, script ...[]byte) mechtest.Result {
	return mechtest.Scripted(t, m, Name, peerAsServer, script...)
}

func cmd(name string, body string) []byte { return mechtest.CommandFrame(name, []byte(body)) }

var pairReady = zmtp.Metadata{{Name: "Socket-Type", Value: []byte("PAIR")}}.Append(nil)

// RFC 24's grammar, enforced on hostile servers: WELCOME has no body,
// commands come in order, metadata is well formed.
func TestClientRejectsMalformed(t *testing.T) {
	tests := []struct {
		name   string
		script [][]byte
	}{
		{"READY instead of WELCOME", [][]byte{cmd("READY", string(pairReady))}},
		{"WELCOME with a body", [][]byte{cmd("WELCOME", "x")}},
		{"HELLO from the server", [][]byte{cmd("HELLO", "\x00\x00")}},
		{"WELCOME twice", [][]byte{cmd("WELCOME", ""), cmd("WELCOME", "")}},
		{"READY with bad metadata", [][]byte{cmd("WELCOME", ""), cmd("READY", "\x0bSocket-Type\x00\x00\x00\x09PAIR")}},
		{"a message frame", [][]byte{{0x00, 0x01, 'x'}}},
		{"malformed ERROR", [][]byte{cmd("ERROR", "\x09400")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := scripted(t, Client{"admin", "secret"}, true, tt.script...); !errors.Is(r.Err, zmtp.ErrProtocol) {
				t.Fatalf("Handshake error %v, want ErrProtocol", r.Err)
			}
		})
	}
}

// The same of hostile clients: a server that meets a malformed command
// closes without WELCOME or READY (libzmq sends no ERROR for these), and
// never asks the handler about a malformed HELLO.
func TestServerRejectsMalformed(t *testing.T) {
	tests := []struct {
		name     string
		script   [][]byte
		welcomed bool
	}{
		{"INITIATE first", [][]byte{cmd("INITIATE", string(pairReady))}, false},
		{"HELLO with bytes left over", [][]byte{cmd("HELLO", "\x05admin\x06secretX")}, false},
		{"HELLO without a password", [][]byte{cmd("HELLO", "\x05admin")}, false},
		{"READY instead of INITIATE", [][]byte{cmd("HELLO", "\x05admin\x06secret"), cmd("READY", string(pairReady))}, true},
		{"INITIATE with bad metadata", [][]byte{cmd("HELLO", "\x05admin\x06secret"), cmd("INITIATE", "\x00")}, true},
		{"HELLO twice", [][]byte{cmd("HELLO", "\x05admin\x06secret"), cmd("HELLO", "\x05admin\x06secret")}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			asked := 0
			auth := zap.AuthenticatorFunc(func(req zap.Request) (zap.Reply, error) {
				asked++
				return admin.Authenticate(req)
			})
			r := scripted(t, Server{Auth: auth}, false, tt.script...)
			if !errors.Is(r.Err, zmtp.ErrProtocol) {
				t.Fatalf("Handshake error %v, want ErrProtocol", r.Err)
			}
			want := []string(nil)
			if tt.welcomed {
				want = []string{CmdWelcome}
			}
			if got := mechtest.Commands(r.Sent); !equal(got, want...) {
				t.Fatalf("server sent %q, want %q", got, want)
			}
			if (asked == 1) != tt.welcomed {
				t.Fatalf("handler asked %d times", asked)
			}
		})
	}
}

// libzmq 4.3.4's PLAIN server refusing with status 400, captured over
// loopback TCP: "^RROR" is its misspelt ERROR (zmtp.LibzmqPlainError).
var libzmqPlainError400 = []byte("\x04\x09^RROR\x03400")

// A refusal goes out byte for byte as libzmq's PLAIN server sends it, so
// that libzmq's PLAIN clients see the authentication failure they expect.
func TestServerErrorIsLibzmqs(t *testing.T) {
	a, b := mechtest.Handshake(t,
		zmtp.Config{Mechanism: Client{"admin", "guess"}, SocketType: "PUSH"},
		zmtp.Config{Mechanism: Server{Auth: admin}, SocketType: "PULL"})
	if !errors.Is(a.Err, zmtp.ErrAuth) || !errors.Is(b.Err, zmtp.ErrAuth) {
		t.Fatalf("client: %v; server: %v", a.Err, b.Err)
	}
	w := b.Conn.Written()
	if got := w[zmtp.GreetingSize:]; !bytes.Equal(got, libzmqPlainError400) {
		t.Fatalf("server sent % x, want libzmq's % x", got, libzmqPlainError400)
	}
}

// A client takes the ERROR of a server in either form: libzmq's, and the
// well-formed one of RFC 37 that other implementations send.
func TestClientReadsBothErrors(t *testing.T) {
	for name, wire := range map[string][]byte{
		"libzmq's ^RROR":    libzmqPlainError400,
		"RFC 37's ERROR":    cmd(zmtp.CmdError, "\x03400"),
		"after WELCOME":     bytes.Join([][]byte{cmd(CmdWelcome, ""), libzmqPlainError400}, nil),
		"RFC after WELCOME": bytes.Join([][]byte{cmd(CmdWelcome, ""), cmd(zmtp.CmdError, "\x03400")}, nil),
	} {
		t.Run(name, func(t *testing.T) {
			r := scripted(t, Client{"admin", "secret"}, true, wire)
			var pe *zmtp.PeerError
			if !errors.As(r.Err, &pe) || pe.Reason != "400" || !errors.Is(r.Err, zmtp.ErrAuth) {
				t.Fatalf("Handshake error %v, want the server's ERROR 400", r.Err)
			}
		})
	}
}
