package curve

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"testing"

	"github.com/zeroplug/zeroplug/sdk/zmtp"
	"github.com/zeroplug/zeroplug/sdk/zmtp/internal/mechtest"
	"github.com/zeroplug/zeroplug/sdk/zmtp/zap"
)

// keys are a server's and a client's long-term key pairs, fresh for a test.
type keys struct {
	S, s Key
	C, c Key
}

func newKeys(tb testing.TB) keys {
	tb.Helper()
	var k keys
	var err error
	if k.S, k.s, err = GenerateKeyPair(nil); err != nil {
		tb.Fatal(err)
	}
	if k.C, k.c, err = GenerateKeyPair(nil); err != nil {
		tb.Fatal(err)
	}
	return k
}

// allow is a ZAP handler that lets in the listed client keys only, like
// zmqpeer's with ZMQPEER_ZAP_CURVE_CLIENT.
func allow(clients ...Key) zap.Authenticator {
	return zap.AuthenticatorFunc(func(req zap.Request) (zap.Reply, error) {
		r := zap.Reply{RequestID: req.RequestID, StatusCode: zap.StatusDenied, StatusText: "denied"}
		if req.Mechanism != zap.MechanismCurve || len(req.Credentials) != 1 {
			return r, nil
		}
		for _, c := range clients {
			if bytes.Equal(req.Credentials[0], c[:]) {
				r.StatusCode, r.StatusText, r.UserID = zap.StatusOK, "OK", c.String()
				r.Metadata = zmtp.Metadata{{Name: "X-Key", Value: []byte(c.String())}}
			}
		}
		return r, nil
	})
}

// RFC 26, "Overall Operation": C:HELLO S:WELCOME C:INITIATE S:READY; each
// side then has the other's metadata and a cipher, and the server knows the
// client's long-term key.
func TestHandshake(t *testing.T) {
	k := newKeys(t)
	tests := []struct {
		name     string
		client   Client
		clientMD zmtp.Metadata
		server   Server
		types    [2]string
		user     string
	}{
		{"PUSH to PULL, no ZAP", Client{ServerKey: k.S, PublicKey: k.C, SecretKey: k.c}, nil,
			Server{SecretKey: k.s}, [2]string{"PUSH", "PULL"}, ""},
		{"public key derived from the secret", Client{ServerKey: k.S, SecretKey: k.c}, nil,
			Server{SecretKey: k.s, Auth: allow(k.C)}, [2]string{"REQ", "REP"}, k.C.String()},
		{"DEALER with identity to ROUTER, key allowed", Client{ServerKey: k.S, PublicKey: k.C, SecretKey: k.c},
			zmtp.Metadata{{Name: "Identity", Value: []byte("peer-1")}},
			Server{SecretKey: k.s, Auth: allow(k.C), Domain: "global"}, [2]string{"DEALER", "ROUTER"}, k.C.String()},
		{"large metadata", Client{ServerKey: k.S, SecretKey: k.c},
			zmtp.Metadata{{Name: "X-Blob", Value: bytes.Repeat([]byte("m"), 70000)}},
			Server{SecretKey: k.s}, [2]string{"PAIR", "PAIR"}, ""},
		{"handler says there is no handler", Client{ServerKey: k.S, SecretKey: k.c}, nil,
			Server{SecretKey: k.s, Auth: zap.AuthenticatorFunc(func(zap.Request) (zap.Reply, error) { return zap.Reply{}, zap.ErrNoHandler })},
			[2]string{"PUB", "SUB"}, ""},
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
			for _, p := range tt.clientMD {
				if v, _ := b.Peer.Metadata.Get(p.Name); !bytes.Equal(v, p.Value) {
					t.Fatalf("server lost the client's %s", p.Name)
				}
			}
			if b.Peer.UserID != tt.user {
				t.Fatalf("server's UserID %q, want %q", b.Peer.UserID, tt.user)
			}
			if tt.user != "" {
				if v, _ := b.Peer.Metadata.Get("X-Key"); string(v) != tt.user {
					t.Fatalf("server metadata %q lacks the ZAP reply's", b.Peer.Metadata)
				}
			}
			if got := mechtest.Commands(mechtest.Frames(t, a.Conn.Written())); !equal(got, "HELLO", "INITIATE") {
				t.Fatalf("client sent %q", got)
			}
			if got := mechtest.Commands(mechtest.Frames(t, b.Conn.Written())); !equal(got, "WELCOME", "READY") {
				t.Fatalf("server sent %q", got)
			}
			exchange(t, a.Peer.Cipher, b.Peer.Cipher)
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

// exchange seals frames each way and checks that the other side opens
// them.
func exchange(t *testing.T, client, server zmtp.Cipher) {
	t.Helper()
	if client == nil || server == nil {
		t.Fatal("no cipher after a CURVE handshake")
	}
	for _, dir := range []struct {
		name     string
		from, to zmtp.Cipher
	}{{"client to server", client, server}, {"server to client", server, client}} {
		var wire bytes.Buffer
		enc := zmtp.NewEncoder(&wire)
		frames := []struct {
			flags byte
			body  string
		}{{zmtp.FlagMore, "part 1"}, {0, "part 2"}, {zmtp.FlagCommand, "\x04PING\x00\x00"}}
		for _, f := range frames {
			if err := dir.from.Seal(enc, f.flags, []byte(f.body)); err != nil {
				t.Fatal(err)
			}
		}
		enc.Flush()
		dec := zmtp.NewDecoder(&wire, 0)
		for _, f := range frames {
			flags, body, err := dec.Next()
			if err != nil {
				t.Fatal(err)
			}
			flags, body, err = dir.to.Open(flags, body)
			if err != nil || flags != f.flags || string(body) != f.body {
				t.Fatalf("%s: Open = %#x %q %v, want %#x %q", dir.name, flags, body, err, f.flags, f.body)
			}
		}
	}
}

// The ZAP request of a CURVE server (RFC 27, "The CURVE Mechanism"): one
// credential frame, the client's 32-byte long-term public key; libzmq's
// request id "1", the domain, the address and the socket's routing id.
func TestZAPRequest(t *testing.T) {
	k := newKeys(t)
	var got zap.Request
	auth := zap.AuthenticatorFunc(func(req zap.Request) (zap.Reply, error) {
		got = req
		return zap.Reply{RequestID: req.RequestID, StatusCode: 200}, nil
	})
	a, b := mechtest.Handshake(t,
		zmtp.Config{Mechanism: Client{ServerKey: k.S, SecretKey: k.c}, SocketType: "DEALER"},
		zmtp.Config{Mechanism: Server{SecretKey: k.s, Auth: auth, Domain: "dom", Address: "192.0.2.7", RoutingID: []byte("srv")}, SocketType: "ROUTER"})
	if a.Err != nil || b.Err != nil {
		t.Fatalf("client: %v; server: %v", a.Err, b.Err)
	}
	if string(got.RequestID) != "1" || got.Domain != "dom" || got.Address != "192.0.2.7" || string(got.Identity) != "srv" ||
		got.Mechanism != "CURVE" || len(got.Credentials) != 1 || !bytes.Equal(got.Credentials[0], k.C[:]) {
		t.Fatalf("request %+v", got)
	}
}

// RFC 26: "A server SHALL indicate an authentication failure by sending
// an ERROR command"; libzmq sends the ZAP status code, except for a
// temporary failure (300), which closes silently. A client with the wrong
// server key is not an authentication failure: the server cannot open its
// HELLO and closes without a word (ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC).
func TestRefused(t *testing.T) {
	k := newKeys(t)
	other := newKeys(t)
	tests := []struct {
		name       string
		client     Client
		server     Server
		reason     string // ERROR sent to the client, "" for none
		serverAuth bool   // the server's error matches ErrAuth (else ErrProtocol)
		welcomed   bool   // the server got as far as WELCOME
	}{
		{"client key not allowed", Client{ServerKey: k.S, SecretKey: k.c}, Server{SecretKey: k.s, Auth: allow(other.C)}, "400", true, true},
		{"handler internal error", Client{ServerKey: k.S, SecretKey: k.c}, Server{SecretKey: k.s, Auth: status(500)}, "500", true, true},
		{"temporary failure closes silently", Client{ServerKey: k.S, SecretKey: k.c}, Server{SecretKey: k.s, Auth: status(300)}, "", true, true},
		{"wrong server key", Client{ServerKey: other.S, SecretKey: k.c}, Server{SecretKey: k.s, Auth: allow(k.C)}, "", false, false},
		{"public key that is not the secret's", Client{ServerKey: k.S, PublicKey: other.C, SecretKey: k.c},
			Server{SecretKey: k.s}, "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := mechtest.Handshake(t,
				zmtp.Config{Mechanism: tt.client, SocketType: "PUSH"},
				zmtp.Config{Mechanism: tt.server, SocketType: "PULL"})
			if a.Err == nil || b.Err == nil {
				t.Fatalf("client: %v; server: %v; want both to fail", a.Err, b.Err)
			}
			if tt.serverAuth {
				if !errors.Is(b.Err, zmtp.ErrAuth) {
					t.Fatalf("server error %v, want ErrAuth", b.Err)
				}
			} else if !errors.Is(b.Err, zmtp.ErrProtocol) || errors.Is(b.Err, zmtp.ErrAuth) {
				t.Fatalf("server error %v, want ErrProtocol", b.Err)
			}
			sent := mechtest.Frames(t, b.Conn.Written())
			want := []string(nil)
			if tt.welcomed {
				want = append(want, CmdWelcome)
			}
			if tt.reason != "" {
				want = append(want, zmtp.CmdError)
			}
			if got := mechtest.Commands(sent); !equal(got, want...) {
				t.Fatalf("server sent %q, want %q", got, want)
			}
			if reason, _ := mechtest.ErrorReason(sent); reason != tt.reason {
				t.Fatalf("server sent ERROR %q, want %q", reason, tt.reason)
			}
			if tt.reason != "" {
				var pe *zmtp.PeerError
				if !errors.As(a.Err, &pe) || pe.Reason != tt.reason || !errors.Is(a.Err, zmtp.ErrAuth) {
					t.Fatalf("client error %v, want the server's ERROR %q", a.Err, tt.reason)
				}
			} else if !errors.Is(a.Err, io.EOF) && !errors.Is(a.Err, io.ErrUnexpectedEOF) {
				t.Fatalf("client error %v, want the connection closed", a.Err)
			}
		})
	}
}

func status(code int) zap.Authenticator {
	return zap.AuthenticatorFunc(func(req zap.Request) (zap.Reply, error) {
		return zap.Reply{RequestID: req.RequestID, StatusCode: code}, nil
	})
}

// A mechanism without its keys fails before it sends anything.
func TestMissingKeys(t *testing.T) {
	k := newKeys(t)
	tests := []struct {
		name string
		mech zmtp.Mechanism
	}{
		{"client without server key", Client{SecretKey: k.c}},
		{"client without secret key", Client{ServerKey: k.S, PublicKey: k.C}},
		{"server without secret key", Server{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := scripted(t, tt.mech, !tt.mech.AsServer())
			if r.Err == nil || errors.Is(r.Err, io.EOF) {
				t.Fatalf("Handshake error %v", r.Err)
			}
			if len(r.Sent) != 0 {
				t.Fatalf("sent %d frames", len(r.Sent))
			}
		})
	}
}

// scripted runs one mechanism, as a PAIR, against a peer that plays script
// after its greeting.
func scripted(t testing.TB, m zmtp.Mechanism, peerAsServer bool, script ...[]byte) mechtest.Result {
	return mechtest.Scripted(t, m, Name, peerAsServer, script...)
}

var pairMetadata = zmtp.Metadata{{Name: "Socket-Type", Value: []byte("PAIR")}}.Append(nil)

// lowOrder is a Curve25519 point of order 8: any shared secret with it is
// zero.
var lowOrder = Key{0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a,
	0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00}

// clientSteps builds a client's commands by hand, with the vectors' keys,
// so that a test can spoil one field: hello and initiate return command
// frames.
type clientSteps struct {
	k        *vectorKeys
	cookie   []byte
	snPublic Key
}

func (cs *clientSteps) hello(nonce uint64) []byte {
	return mechtest.CommandFrame(CmdHello, appendHello(nil, &cs.k.cnPublic, cs.k.hello, nonce))
}

// serverHandshake runs a Server with the vectors' keys and randomness
// against a scripted client that sends HELLO, then what build makes from
// the server's WELCOME.
func serverHandshake(t *testing.T, srv Server, hello []byte, build func(cs *clientSteps) [][]byte) mechtest.Result {
	t.Helper()
	k := newVectorKeys(t)
	srv.SecretKey = k.s
	srv.Rand = mechtest.Fixed(vecServerTransientSecret, vecCookieKey, vecCookieNonce, vecWelcomeNonce)
	cs := &clientSteps{k: k, cookie: unhex(t, vecCookie), snPublic: k.snPublic}
	script := [][]byte{hello}
	if hello == nil {
		script[0] = cs.hello(1)
	}
	script = append(script, build(cs)...)
	return scripted(t, srv, false, script...)
}

// initiateBody makes an INITIATE body from the vectors, changed by edit.
func (cs *clientSteps) initiateBody(edit func(in *initiate)) []byte {
	in := &initiate{
		cookie: cs.cookie, nonce: 2, key: cs.k.session,
		public: &cs.k.C, vouchNonce: vecVouchNonce, vouchKey: cs.k.vouch,
		cnPublic: &cs.k.cnPublic, server: &cs.k.S, metadata: pairMetadata,
	}
	if edit != nil {
		edit(in)
	}
	return appendInitiate(nil, in)
}

// initiate is initiateBody's command frame.
func (cs *clientSteps) initiate(edit func(in *initiate)) []byte {
	return mechtest.CommandFrame(CmdInitiate, cs.initiateBody(edit))
}

// RFC 26: "The server SHALL validate all fields and SHALL reject and
// disconnect clients who send malformed HELLO [and INITIATE] commands";
// nonces SHALL increase. libzmq sends no ERROR for these, and never asks
// the ZAP handler about them.
func TestServerRejects(t *testing.T) {
	spoilHello := func(i int) []byte {
		k := newVectorKeys(t)
		b := appendHello(nil, &k.cnPublic, k.hello, 1)
		b[i] ^= 0x01
		return mechtest.CommandFrame(CmdHello, b)
	}
	otherKey := newKeys(t)
	tests := []struct {
		name     string
		hello    []byte // nil: a good one
		then     func(cs *clientSteps) [][]byte
		welcomed bool
	}{
		{"HELLO of 199 octets", mechtest.CommandFrame(CmdHello, make([]byte, helloSize-1)), nil, false},
		{"HELLO of 201 octets", mechtest.CommandFrame(CmdHello, make([]byte, helloSize+1)), nil, false},
		{"HELLO version 0.0", spoilHello(0), nil, false},
		{"HELLO version 1.1", spoilHello(1), nil, false},
		{"HELLO with another C'", spoilHello(2 + helloPadding), nil, false},
		{"HELLO with another nonce", spoilHello(2 + helloPadding + KeySize + 7), nil, false},
		{"HELLO box tampered", spoilHello(helloSize - 1), nil, false},
		{"HELLO from a low-order C'", func() []byte {
			b := make([]byte, helloSize)
			b[0] = 1
			copy(b[2+helloPadding:], lowOrder[:])
			return mechtest.CommandFrame(CmdHello, b)
		}(), nil, false},
		{"INITIATE first", mechtest.CommandFrame(CmdInitiate, make([]byte, initiateMinSize)), nil, false},
		{"READY instead of INITIATE", nil, func(cs *clientSteps) [][]byte {
			return [][]byte{mechtest.CommandFrame(zmtp.CmdReady, make([]byte, 40))}
		}, true},
		{"HELLO twice", nil, func(cs *clientSteps) [][]byte { return [][]byte{cs.hello(2)} }, true},
		{"INITIATE of 256 octets", nil, func(cs *clientSteps) [][]byte {
			return [][]byte{mechtest.CommandFrame(CmdInitiate, make([]byte, initiateMinSize-1))}
		}, true},
		{"INITIATE with a forged cookie", nil, func(cs *clientSteps) [][]byte {
			cs.cookie = sealCookie((*[32]byte)(run(32, 0x99)), vecCookieNonce, &cs.k.cnPublic, &cs.k.snSecret)
			return [][]byte{cs.initiate(nil)}
		}, true},
		{"INITIATE cookie tampered", nil, func(cs *clientSteps) [][]byte {
			cs.cookie = bytes.Clone(cs.cookie)
			cs.cookie[50] ^= 1
			return [][]byte{cs.initiate(nil)}
		}, true},
		{"INITIATE nonce not after HELLO's (replay)", nil, func(cs *clientSteps) [][]byte {
			return [][]byte{cs.initiate(func(in *initiate) { in.nonce = 1 })}
		}, true},
		{"INITIATE box under another key", nil, func(cs *clientSteps) [][]byte {
			return [][]byte{cs.initiate(func(in *initiate) { in.key = cs.k.hello })}
		}, true},
		{"INITIATE vouch from another key than C", nil, func(cs *clientSteps) [][]byte {
			return [][]byte{cs.initiate(func(in *initiate) { in.vouchKey = precompute(&cs.snPublic, &otherKey.c) })}
		}, true},
		{"INITIATE vouch for another C'", nil, func(cs *clientSteps) [][]byte {
			return [][]byte{cs.initiate(func(in *initiate) { in.cnPublic = &otherKey.C })}
		}, true},
		{"INITIATE vouch for another server", nil, func(cs *clientSteps) [][]byte {
			return [][]byte{cs.initiate(func(in *initiate) { in.server = &otherKey.S })}
		}, true},
		{"INITIATE from a low-order C", nil, func(cs *clientSteps) [][]byte {
			return [][]byte{cs.initiate(func(in *initiate) { in.public = &lowOrder; in.vouchKey = precompute(&cs.snPublic, &lowOrder) })}
		}, true},
		{"INITIATE with bad metadata", nil, func(cs *clientSteps) [][]byte {
			return [][]byte{cs.initiate(func(in *initiate) { in.metadata = []byte("\x0bSocket-Type\x00\x00\x00\x09PAIR") })}
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			asked := 0
			auth := zap.AuthenticatorFunc(func(req zap.Request) (zap.Reply, error) {
				asked++
				return zap.Reply{RequestID: req.RequestID, StatusCode: 200}, nil
			})
			then := tt.then
			if then == nil {
				then = func(*clientSteps) [][]byte { return nil }
			}
			r := serverHandshake(t, Server{Auth: auth}, tt.hello, then)
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
			if asked != 0 {
				t.Fatal("the handler was asked about a malformed handshake")
			}
		})
	}
	// And the good script passes, so that each case above fails for its
	// own reason.
	r := serverHandshake(t, Server{}, nil, func(cs *clientSteps) [][]byte { return [][]byte{cs.initiate(nil)} })
	if r.Err != nil {
		t.Fatalf("the unspoilt script fails: %v", r.Err)
	}
}

// serverSteps builds a server's commands by hand for a client that uses
// the vectors' randomness.
type serverSteps struct{ k *vectorKeys }

func mustUnhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func (ss *serverSteps) welcome(edit func(key **[32]byte, snPublic *Key, cookie *[]byte)) []byte {
	key, sn, cookie := ss.k.hello, ss.k.snPublic, mustUnhex(vecCookie)
	if edit != nil {
		edit(&key, &sn, &cookie)
	}
	return mechtest.CommandFrame(CmdWelcome, appendWelcome(nil, key, vecWelcomeNonce, &sn, cookie))
}

func (ss *serverSteps) ready(nonce uint64, key *[32]byte, md []byte) []byte {
	if key == nil {
		key = ss.k.session
	}
	return mechtest.CommandFrame(zmtp.CmdReady, appendReady(nil, key, nonce, md))
}

// RFC 26: "The client SHALL validate all fields and SHALL disconnect from
// servers that send malformed WELCOME commands", and the same of READY.
func TestClientRejects(t *testing.T) {
	k := newVectorKeys(t)
	ss := &serverSteps{k}
	otherKey := newKeys(t)
	tests := []struct {
		name      string
		script    [][]byte
		initiated bool
	}{
		{"READY instead of WELCOME", [][]byte{ss.ready(1, nil, pairMetadata)}, false},
		{"WELCOME of 167 octets", [][]byte{mechtest.CommandFrame(CmdWelcome, make([]byte, welcomeSize-1))}, false},
		{"WELCOME of 169 octets", [][]byte{mechtest.CommandFrame(CmdWelcome, make([]byte, welcomeSize+1))}, false},
		{"WELCOME from another server key", [][]byte{ss.welcome(func(key **[32]byte, _ *Key, _ *[]byte) {
			*key = precompute(&k.cnPublic, &otherKey.s)
		})}, false},
		{"WELCOME tampered", [][]byte{func() []byte {
			b := ss.welcome(nil)
			b[len(b)-1] ^= 1
			return b
		}()}, false},
		{"WELCOME with a low-order S'", [][]byte{ss.welcome(func(_ **[32]byte, sn *Key, _ *[]byte) { *sn = lowOrder })}, false},
		{"WELCOME twice", [][]byte{ss.welcome(nil), ss.welcome(nil)}, true},
		{"READY under another key", [][]byte{ss.welcome(nil), ss.ready(1, k.hello, pairMetadata)}, true},
		{"READY of 29 octets", [][]byte{ss.welcome(nil), mechtest.CommandFrame(zmtp.CmdReady, make([]byte, readyMinSize-1))}, true},
		{"READY tampered", [][]byte{ss.welcome(nil), func() []byte {
			b := ss.ready(1, nil, pairMetadata)
			b[len(b)-3] ^= 1
			return b
		}()}, true},
		{"READY with bad metadata", [][]byte{ss.welcome(nil), ss.ready(1, nil, []byte("\x00"))}, true},
		{"a message frame", [][]byte{{0x00, 0x01, 'x'}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cl := Client{ServerKey: k.S, PublicKey: k.C, SecretKey: k.c, Rand: mechtest.Fixed(vecClientTransientSecret, vecVouchNonce)}
			r := scripted(t, cl, true, tt.script...)
			if !errors.Is(r.Err, zmtp.ErrProtocol) {
				t.Fatalf("Handshake error %v, want ErrProtocol", r.Err)
			}
			want := []string{CmdHello}
			if tt.initiated {
				want = append(want, CmdInitiate)
			}
			if got := mechtest.Commands(r.Sent); !equal(got, want...) {
				t.Fatalf("client sent %q, want %q", got, want)
			}
		})
	}
	cl := Client{ServerKey: k.S, PublicKey: k.C, SecretKey: k.c, Rand: mechtest.Fixed(vecClientTransientSecret, vecVouchNonce)}
	if r := scripted(t, cl, true, ss.welcome(nil), ss.ready(1, nil, pairMetadata)); r.Err != nil {
		t.Fatalf("the unspoilt script fails: %v", r.Err)
	}
}

// RFC 26, "The INITIATE Command": a client's metadata travels inside the
// box, in clear nowhere: the server's greeting and WELCOME say nothing of
// it, and neither the client's INITIATE nor the server's READY shows it.
func TestMetadataIsBoxed(t *testing.T) {
	k := newKeys(t)
	secret := []byte("X-Secret-Value-123")
	a, b := mechtest.Handshake(t,
		zmtp.Config{Mechanism: Client{ServerKey: k.S, SecretKey: k.c}, SocketType: "DEALER",
			Metadata: zmtp.Metadata{{Name: "X-Secret", Value: secret}}},
		zmtp.Config{Mechanism: Server{SecretKey: k.s}, SocketType: "ROUTER",
			Metadata: zmtp.Metadata{{Name: "X-Secret", Value: secret}}})
	if a.Err != nil || b.Err != nil {
		t.Fatalf("client: %v; server: %v", a.Err, b.Err)
	}
	for _, w := range [][]byte{a.Conn.Written(), b.Conn.Written()} {
		if bytes.Contains(w, secret) || bytes.Contains(w, []byte("DEALER")) || bytes.Contains(w, []byte("ROUTER")) {
			t.Fatal("metadata in clear on the wire")
		}
	}
	if bytes.Contains(a.Conn.Written(), k.C[:]) {
		t.Fatal("the client's long-term key in clear on the wire")
	}
}

// RFC 26: "The client SHALL generate a unique key pair for each
// connection"; the server likewise and a new cookie for each WELCOME.
func TestTransientKeysPerConnection(t *testing.T) {
	k := newKeys(t)
	cl := Client{ServerKey: k.S, SecretKey: k.c}
	sv := Server{SecretKey: k.s}
	var hellos, welcomes [][]byte
	for range 2 {
		a, b := mechtest.Handshake(t, zmtp.Config{Mechanism: cl, SocketType: "PAIR"}, zmtp.Config{Mechanism: sv, SocketType: "PAIR"})
		if a.Err != nil || b.Err != nil {
			t.Fatalf("client: %v; server: %v", a.Err, b.Err)
		}
		hellos = append(hellos, mechtest.Frames(t, a.Conn.Written())[0].Body)
		welcomes = append(welcomes, mechtest.Frames(t, b.Conn.Written())[0].Body)
	}
	cn := func(hello []byte) []byte { return hello[6+2+helloPadding : 6+2+helloPadding+KeySize] }
	if bytes.Equal(cn(hellos[0]), cn(hellos[1])) {
		t.Fatal("two connections with the same client transient key")
	}
	if bytes.Equal(welcomes[0][8:24], welcomes[1][8:24]) || bytes.Equal(welcomes[0], welcomes[1]) {
		t.Fatal("two WELCOMEs with the same nonce")
	}
}

func TestParseKey(t *testing.T) {
	raw := run(32, 7)
	text := Key(raw).String()
	tests := []struct {
		name string
		in   string
		want []byte
		ok   bool
	}{
		{"32 raw bytes", string(raw), raw, true},
		{"40 Z85 characters", text, raw, true},
		{"zmq_curve(7) server public key", vecServerPublic, nil, true},
		{"31 bytes", string(raw[:31]), nil, false},
		{"41 characters", text + "0", nil, false},
		{"39 characters", text[:39], nil, false},
		{"40 characters outside Z85", "~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~", nil, false},
		{"empty", "", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParseKey(tt.in)
			if !tt.ok {
				if !errors.Is(err, ErrKey) {
					t.Fatalf("ParseKey = %s, %v; want ErrKey", k, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.want != nil && !bytes.Equal(k[:], tt.want) {
				t.Fatalf("ParseKey = %x", k[:])
			}
			if len(tt.in) == 40 && k.String() != tt.in {
				t.Fatalf("String() = %s, want %s", k, tt.in)
			}
		})
	}
}

// zmq_curve_keypair: a fresh pair each time, whose public key is the
// secret's.
func TestGenerateKeyPair(t *testing.T) {
	p1, s1, err := GenerateKeyPair(nil)
	if err != nil {
		t.Fatal(err)
	}
	p2, s2, _ := GenerateKeyPair(nil)
	if p1 == p2 || s1 == s2 || p1.IsZero() || s1.IsZero() {
		t.Fatal("GenerateKeyPair repeats itself or returns zeros")
	}
	if PublicFromSecret(s1) != p1 {
		t.Fatal("the public key is not the secret's")
	}
	if len(p1.String()) != 40 {
		t.Fatalf("String() = %q", p1.String())
	}
	if _, _, err := GenerateKeyPair(mechtest.Fixed(run(31, 0))); err == nil {
		t.Fatal("a pair from 31 random bytes")
	}
}
