package zap

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/zeroplug/zeroplug/sdk/zmtp"
	"github.com/zeroplug/zeroplug/sdk/zmtp/internal/mechtest"
)

func frames(parts ...string) [][]byte {
	f := make([][]byte, len(parts))
	for i, p := range parts {
		f[i] = []byte(p)
	}
	return f
}

func md(props ...string) zmtp.Metadata {
	var m zmtp.Metadata
	for i := 0; i+1 < len(props); i += 2 {
		m = append(m, zmtp.Property{Name: props[i], Value: []byte(props[i+1])})
	}
	return m
}

// RFC 27, "Example Exchanges": a NULL request as a REP handler receives it,
// and with the delimiter a raw pipe carries.
func TestRequestFrames(t *testing.T) {
	req := Request{
		RequestID: []byte("0001"),
		Domain:    "test",
		Address:   "192.168.55.1",
		Identity:  []byte("BOB"),
		Mechanism: "NULL",
	}
	want := frames("1.0", "0001", "test", "192.168.55.1", "BOB", "NULL")
	if got := req.Frames(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Frames() = %q, want %q", got, want)
	}
	for _, wire := range [][][]byte{want, append(frames(""), want...)} {
		got, err := ParseRequest(wire)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Frames(), want) {
			t.Fatalf("ParseRequest(%q) = %+v", wire, got)
		}
	}
}

// RFC 27, "The PLAIN Mechanism" (two credential frames) and "The CURVE
// Mechanism" (one frame, the 32-byte key).
func TestRequestCredentials(t *testing.T) {
	key := bytes.Repeat([]byte{0xAB}, 32)
	tests := []struct {
		name  string
		req   Request
		count int
	}{
		{"PLAIN", Request{RequestID: []byte("1"), Mechanism: MechanismPlain, Credentials: frames("admin", "secret")}, 8},
		{"CURVE", Request{RequestID: []byte("1"), Mechanism: MechanismCurve, Credentials: [][]byte{key}}, 7},
		{"NULL", Request{RequestID: []byte("1"), Mechanism: MechanismNull}, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.req.Frames()
			if len(f) != tt.count {
				t.Fatalf("%d frames, want %d", len(f), tt.count)
			}
			back, err := ParseRequest(f)
			if err != nil {
				t.Fatal(err)
			}
			if back.Mechanism != tt.req.Mechanism || len(back.Credentials) != len(tt.req.Credentials) {
				t.Fatalf("ParseRequest = %+v", back)
			}
			for i := range back.Credentials {
				if !bytes.Equal(back.Credentials[i], tt.req.Credentials[i]) {
					t.Fatalf("credential %d = %q", i, back.Credentials[i])
				}
			}
		})
	}
}

func TestParseRequestErrors(t *testing.T) {
	tests := []struct {
		name   string
		frames [][]byte
	}{
		{"nothing", nil},
		{"delimiter only", frames("")},
		{"five frames", frames("1.0", "1", "d", "a", "i")},
		{"version 2.0", frames("2.0", "1", "d", "a", "i", "NULL")},
		{"empty mechanism", frames("1.0", "1", "d", "a", "i", "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r, err := ParseRequest(tt.frames); !errors.Is(err, zmtp.ErrProtocol) {
				t.Fatalf("ParseRequest(%q) = %+v, %v; want ErrProtocol", tt.frames, r, err)
			}
		})
	}
}

// RFC 27, "Message Format": the reply's six frames after the delimiter.
func TestReplyFrames(t *testing.T) {
	r := Reply{RequestID: []byte("1"), StatusCode: StatusOK, StatusText: "OK", UserID: "admin", Metadata: md("X-Role", "ops")}
	want := [][]byte{[]byte("1.0"), []byte("1"), []byte("200"), []byte("OK"), []byte("admin"),
		[]byte("\x06X-Role\x00\x00\x00\x03ops")}
	if got := r.Frames(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Frames() = %q, want %q", got, want)
	}
	for _, wire := range [][][]byte{want, append(frames(""), want...)} {
		got, err := ParseReply(wire)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, r) {
			t.Fatalf("ParseReply = %+v, want %+v", got, r)
		}
	}
}

// What libzmq's zap_client.cpp refuses (ZAP_MALFORMED_REPLY,
// ZAP_BAD_VERSION, ZAP_INVALID_STATUS_CODE, ZAP_INVALID_METADATA).
func TestParseReplyErrors(t *testing.T) {
	tests := []struct {
		name   string
		frames [][]byte
	}{
		{"five frames", frames("1.0", "1", "200", "OK", "")},
		{"seven frames", frames("1.0", "1", "200", "OK", "", "", "")},
		{"two delimiters", frames("", "", "1.0", "1", "200", "OK", "")},
		{"version 1.1", frames("1.1", "1", "200", "OK", "", "")},
		{"status 201", frames("1.0", "1", "201", "OK", "", "")},
		{"status 100", frames("1.0", "1", "100", "", "", "")},
		{"status 600", frames("1.0", "1", "600", "", "", "")},
		{"status 20", frames("1.0", "1", "20", "", "", "")},
		{"status 2000", frames("1.0", "1", "2000", "", "", "")},
		{"status OK", frames("1.0", "1", "OK!", "", "", "")},
		{"truncated metadata", frames("1.0", "1", "200", "", "", "\x06X-Role\x00\x00")},
		{"metadata name with a space", frames("1.0", "1", "200", "", "", "\x02a b\x00\x00\x00\x00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r, err := ParseReply(tt.frames); !errors.Is(err, zmtp.ErrProtocol) {
				t.Fatalf("ParseReply(%q) = %+v, %v; want ErrProtocol", tt.frames, r, err)
			}
		})
	}
}

func reply(code int) Authenticator {
	return AuthenticatorFunc(func(req Request) (Reply, error) {
		return Reply{RequestID: req.RequestID, StatusCode: code, StatusText: fmt.Sprint("status ", code)}, nil
	})
}

// RFC 27: "200 to indicate success, 300 to indicate a temporary error, 400
// to indicate authentication failure, and 500 to indicate an internal
// error"; libzmq answers the client with ERROR and the code, except for
// 300 (zap_client.cpp, after RFC 26: a temporary failure closes silently).
func TestCheck(t *testing.T) {
	errHandler := errors.New("handler crashed")
	tests := []struct {
		name       string
		auth       Authenticator
		ok         bool
		denied     int // the DeniedError's status, 0 for none
		sendsError bool
		is         error
	}{
		{"200", reply(200), true, 0, false, nil},
		{"300", reply(300), false, 300, false, zmtp.ErrAuth},
		{"400", reply(400), false, 400, true, zmtp.ErrAuth},
		{"500", reply(500), false, 500, true, zmtp.ErrAuth},
		{"invalid status 0", reply(0), false, 0, false, zmtp.ErrProtocol},
		{"invalid status 404", reply(404), false, 0, false, zmtp.ErrProtocol},
		{"nil authenticator", nil, false, 0, false, ErrNoHandler},
		{"no handler", AuthenticatorFunc(func(Request) (Reply, error) { return Reply{}, ErrNoHandler }), false, 0, false, ErrNoHandler},
		{"handler error", AuthenticatorFunc(func(Request) (Reply, error) { return Reply{}, errHandler }), false, 0, false, errHandler},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Check(tt.auth, Request{RequestID: []byte("1"), Mechanism: MechanismPlain})
			if tt.ok {
				if err != nil || r.StatusCode != StatusOK {
					t.Fatalf("Check = %+v, %v", r, err)
				}
				return
			}
			if !errors.Is(err, tt.is) {
				t.Fatalf("Check error %v is not %v", err, tt.is)
			}
			var d *DeniedError
			if errors.As(err, &d) != (tt.denied != 0) {
				t.Fatalf("Check error %v: DeniedError %v, want %v", err, d, tt.denied != 0)
			}
			if d != nil {
				if d.StatusCode != tt.denied || d.SendsError() != tt.sendsError || d.Reason() != fmt.Sprint(tt.denied) {
					t.Fatalf("DeniedError %+v: SendsError %v Reason %q", d, d.SendsError(), d.Reason())
				}
				if errors.Is(err, zmtp.ErrProtocol) {
					t.Fatal("a refusal matches ErrProtocol")
				}
			}
		})
	}
}

// RFC 27, "The NULL Mechanism": with a domain, a NULL server asks the
// handler before READY (libzmq's null_mechanism.cpp) and answers ERROR on a
// refusal; without one it asks nothing.
func TestNull(t *testing.T) {
	var asked []Request
	auth := func(code int) Authenticator {
		return AuthenticatorFunc(func(req Request) (Reply, error) {
			asked = append(asked, req)
			return Reply{RequestID: req.RequestID, StatusCode: code, UserID: "u1", Metadata: md("X-Zone", "eu")}, nil
		})
	}
	tests := []struct {
		name    string
		mech    Null
		asks    bool
		ok      bool
		reason  string // the ERROR the server sends, if any
		user    string
		noError bool
	}{
		{"no domain: no question", Null{Auth: auth(400)}, false, true, "", "", false},
		{"domain, allowed", Null{Auth: auth(200), Domain: "global", Address: "10.0.0.1", RoutingID: []byte("srv")}, true, true, "", "u1", false},
		{"domain, denied", Null{Auth: auth(400), Domain: "global"}, true, false, "400", "", false},
		{"domain, internal error", Null{Auth: auth(500), Domain: "global"}, true, false, "500", "", false},
		{"domain, temporary failure", Null{Auth: auth(300), Domain: "global"}, true, false, "", "", true},
		{"domain, no handler", Null{Domain: "global"}, false, true, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			asked = nil
			a, b := mechtest.Handshake(t,
				zmtp.Config{Mechanism: zmtp.Null{}, SocketType: "DEALER"},
				zmtp.Config{Mechanism: tt.mech, SocketType: "ROUTER"})
			if (len(asked) == 1) != tt.asks {
				t.Fatalf("asked %d times, want %v", len(asked), tt.asks)
			}
			if tt.asks {
				r := asked[0]
				if r.Mechanism != "NULL" || r.Domain != tt.mech.Domain || r.Address != tt.mech.Address ||
					string(r.Identity) != string(tt.mech.RoutingID) || len(r.Credentials) != 0 || string(r.RequestID) != "1" {
					t.Fatalf("request %+v", r)
				}
			}
			if tt.ok {
				if a.Err != nil || b.Err != nil {
					t.Fatalf("client %v, server %v", a.Err, b.Err)
				}
				if b.Peer.UserID != tt.user {
					t.Fatalf("UserID %q, want %q", b.Peer.UserID, tt.user)
				}
				if tt.user != "" {
					if z, _ := b.Peer.Metadata.Get("X-Zone"); string(z) != "eu" {
						t.Fatalf("the reply's metadata is not in the session: %q", b.Peer.Metadata)
					}
				}
				return
			}
			if !errors.Is(b.Err, zmtp.ErrAuth) {
				t.Fatalf("server error %v, want ErrAuth", b.Err)
			}
			reason, sent := mechtest.ErrorReason(mechtest.Frames(t, b.Conn.Written()))
			if sent != (tt.reason != "") || reason != tt.reason {
				t.Fatalf("server sent ERROR %q (%v), want %q", reason, sent, tt.reason)
			}
			if cmds := mechtest.Commands(mechtest.Frames(t, b.Conn.Written())); len(cmds) > 0 && cmds[0] == zmtp.CmdReady {
				t.Fatalf("server sent READY before refusing: %q", cmds)
			}
			if tt.reason != "" {
				var pe *zmtp.PeerError
				if !errors.As(a.Err, &pe) || pe.Reason != tt.reason {
					t.Fatalf("client error %v, want the peer's ERROR %q", a.Err, tt.reason)
				}
			}
		})
	}
}

func FuzzParseReply(f *testing.F) {
	f.Add([]byte("1.0\xff1\xff200\xffOK\xffadmin\xff\x06X-Role\x00\x00\x00\x03ops"))
	f.Add([]byte("\xff1.0\xff1\xff400\xffdenied\xff\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fs := bytes.Split(data, []byte{0xFF})
		r, err := ParseReply(fs)
		if err != nil {
			if !errors.Is(err, zmtp.ErrProtocol) {
				t.Fatalf("error %v is not ErrProtocol", err)
			}
			return
		}
		back, err := ParseReply(r.Frames())
		if err != nil || !reflect.DeepEqual(back.Frames(), r.Frames()) {
			t.Fatalf("a parsed reply does not survive Frames: %+v, %v", back, err)
		}
	})
}

func FuzzParseRequest(f *testing.F) {
	f.Add([]byte("1.0\xff1\xffglobal\xff127.0.0.1\xff\xffPLAIN\xffadmin\xffsecret"))
	f.Add([]byte("\xff1.0\xff1\xff\xff::1\xffsrv\xffNULL"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fs := bytes.Split(data, []byte{0xFF})
		r, err := ParseRequest(fs)
		if err != nil {
			if !errors.Is(err, zmtp.ErrProtocol) {
				t.Fatalf("error %v is not ErrProtocol", err)
			}
			return
		}
		back, err := ParseRequest(r.Frames())
		if err != nil || !reflect.DeepEqual(back.Frames(), r.Frames()) {
			t.Fatalf("a parsed request does not survive Frames: %+v, %v", back, err)
		}
	})
}
