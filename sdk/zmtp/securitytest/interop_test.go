package securitytest

// Interop of PLAIN and CURVE with Debian's libzmq 4.3.4 through cmd/zmqpeer,
// both ways: sdk/zmtp dials a zmqpeer that binds (`zmqpeer recv PULL bind`),
// and a zmqpeer that connects (`zmqpeer send PUSH connect`) reaches a
// listener running the server side. A case is named after who is what:
//
//	TestCurve/PUSH(sdk,client)->PULL(libzmq,server)/client_key_not_allowed
//
// zmqpeer's own ZAP handler (ZMQPEER_ZAP_PASSWORD, ZMQPEER_ZAP_CURVE_CLIENT)
// judges the clients that reach libzmq; a Go Authenticator those that reach
// sdk/zmtp.

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/internal/peertest"
	"github.com/zeroplug/zeroplug/sdk/zmtp"
	"github.com/zeroplug/zeroplug/sdk/zmtp/curve"
	"github.com/zeroplug/zeroplug/sdk/zmtp/plain"
	"github.com/zeroplug/zeroplug/sdk/zmtp/zap"
)

func TestMain(m *testing.M) { peertest.Main(m) }

// timeout bounds every handshake, read and wait for the peer.
const timeout = 10 * time.Second

// messages go through every working pairing: a plain one, a multipart one
// (MORE inside the box for CURVE), an empty one, and one larger than a
// short frame.
var messages = []string{"hello", "multi|part|message", "", strings.Repeat("0123456789", 500)}

// recConn records what the local side writes, to see which commands it
// sent.
type recConn struct {
	net.Conn
	mu      sync.Mutex
	written bytes.Buffer
}

func (c *recConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.written.Write(p)
	c.mu.Unlock()
	return c.Conn.Write(p)
}

// sentCommands returns the names of the commands written after the
// greeting, and the reason of an ERROR among them.
func (c *recConn) sentCommands(t *testing.T) (names []string, reason string) {
	t.Helper()
	c.mu.Lock()
	w := bytes.Clone(c.written.Bytes())
	c.mu.Unlock()
	if len(w) < zmtp.GreetingSize {
		t.Fatalf("only %d bytes written", len(w))
	}
	d := zmtp.NewDecoder(bytes.NewReader(w[zmtp.GreetingSize:]), 0)
	for {
		flags, body, err := d.Next()
		if err != nil {
			return names, reason
		}
		if flags&zmtp.FlagCommand == 0 {
			continue
		}
		cmd, err := zmtp.ParseCommand(body)
		if err != nil && bytes.HasPrefix(body, []byte(zmtp.LibzmqPlainError)) {
			cmd, err = zmtp.Command{Name: zmtp.CmdError, Body: body[len(zmtp.LibzmqPlainError):]}, nil
		}
		if err != nil {
			t.Fatalf("wrote a malformed command: %v", err)
		}
		names = append(names, cmd.Name)
		if cmd.Name == zmtp.CmdError {
			reason, _ = zmtp.ParseError(cmd.Body)
		}
	}
}

// end is a minimal ZMTP peer on sdk/zmtp: one connection, its codec, the
// handshake's outcome and the mechanism's cipher.
type end struct {
	conn  *recConn
	enc   *zmtp.Encoder
	dec   *zmtp.Decoder
	peer  *zmtp.Peer
	outer []byte   // the outer flags of every frame read in the data phase
	pings int      // PINGs received (and answered)
	pongs []string // contexts of the PONGs received
}

// handshake runs zmtp.Handshake over c.
func handshake(c net.Conn, cfg zmtp.Config) (*end, error) {
	c.SetDeadline(time.Now().Add(timeout))
	rc := &recConn{Conn: c}
	e := &end{conn: rc, enc: zmtp.NewEncoder(rc), dec: zmtp.NewDecoder(rc, 0)}
	var err error
	e.peer, err = zmtp.Handshake(e.enc, e.dec, cfg)
	return e, err
}

// frame appends one frame, through the cipher when there is one.
func (e *end) frame(flags byte, body []byte) error {
	if e.peer.Cipher == nil {
		e.enc.Frame(flags, body)
		return nil
	}
	return e.peer.Cipher.Seal(e.enc, flags, body)
}

// send sends one message whose parts are separated by '|', as zmqpeer
// prints them.
func (e *end) send(msg string) error {
	parts := strings.Split(msg, "|")
	for i, p := range parts {
		var flags byte
		if i < len(parts)-1 {
			flags = zmtp.FlagMore
		}
		if err := e.frame(flags, []byte(p)); err != nil {
			return err
		}
	}
	return e.enc.Flush()
}

// command sends one command, boxed when the mechanism encrypts.
func (e *end) command(name string, body []byte) error {
	if e.peer.Cipher == nil {
		e.enc.Command(name, body)
	} else if err := e.peer.Cipher.Seal(e.enc, zmtp.FlagCommand, zmtp.AppendCommand(nil, name, body)); err != nil {
		return err
	}
	return e.enc.Flush()
}

// next reads and opens one frame.
func (e *end) next() (byte, []byte, error) {
	flags, body, err := e.dec.Next()
	if err != nil || e.peer.Cipher == nil {
		return flags, body, err
	}
	e.outer = append(e.outer, flags)
	return e.peer.Cipher.Open(flags, body)
}

// recv returns the next message, parts joined by '|'. On the way it
// answers PINGs with PONGs (RFC 37, section 3.4.5) and notes PONGs.
func (e *end) recv() (string, error) {
	var parts []string
	for {
		flags, body, err := e.next()
		if err != nil {
			return "", err
		}
		if flags&zmtp.FlagCommand != 0 {
			if err := e.onCommand(body); err != nil {
				return "", err
			}
			continue
		}
		parts = append(parts, string(body))
		if flags&zmtp.FlagMore == 0 {
			return strings.Join(parts, "|"), nil
		}
	}
}

func (e *end) onCommand(frame []byte) error {
	cmd, err := zmtp.ParseCommand(frame)
	if err != nil {
		return err
	}
	switch cmd.Name {
	case zmtp.CmdPing:
		p, err := zmtp.ParsePing(cmd.Body)
		if err != nil {
			return err
		}
		e.pings++
		return e.command(zmtp.CmdPong, p.Context)
	case zmtp.CmdPong:
		e.pongs = append(e.pongs, string(cmd.Body))
	}
	return nil
}

// closedByPeer reports whether err is the peer closing the connection.
func closedByPeer(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// dial connects to a zmqpeer that binds endpoint, waiting for it to bind.
func dial(t *testing.T, endpoint string) net.Conn {
	t.Helper()
	addr := strings.TrimPrefix(endpoint, "tcp://")
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, timeout)
		if err == nil {
			t.Cleanup(func() { c.Close() })
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("zmqpeer never listened on %s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// listen returns a listener for a connecting zmqpeer and its endpoint.
func listen(t *testing.T) (*net.TCPListener, string) {
	t.Helper()
	l, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, "tcp://" + l.Addr().String()
}

func accept(t *testing.T, l *net.TCPListener) net.Conn {
	t.Helper()
	l.SetDeadline(time.Now().Add(timeout))
	c, err := l.Accept()
	if err != nil {
		t.Fatalf("zmqpeer never connected: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// toLibzmq is a case where sdk/zmtp is the client and PUSHes to a zmqpeer
// that binds a PULL socket as the server.
type toLibzmq struct {
	name string
	env  []string       // zmqpeer's security settings
	mech zmtp.Mechanism // the client
	// How the handshake ends: ok, refused by an ERROR with this reason,
	// or closed by the peer without a word.
	refused string
	closed  bool
}

func (c toLibzmq) run(t *testing.T) {
	endpoint := peertest.FreeTCPEndpoint(t)
	p := peertest.StartEnv(t, c.env, peertest.Zmqpeer(t), "recv", "PULL", "bind", endpoint, "4")
	e, err := handshake(dial(t, endpoint), zmtp.Config{Mechanism: c.mech, SocketType: "PUSH"})
	switch {
	case c.refused != "":
		var pe *zmtp.PeerError
		if !errors.As(err, &pe) || pe.Reason != c.refused || !errors.Is(err, zmtp.ErrAuth) {
			t.Fatalf("Handshake error %v, want libzmq's ERROR %q", err, c.refused)
		}
		return
	case c.closed:
		if !closedByPeer(err) || errors.Is(err, zmtp.ErrAuth) {
			t.Fatalf("Handshake error %v, want libzmq to close the connection", err)
		}
		return
	case err != nil:
		t.Fatalf("Handshake: %v", err)
	}
	if e.peer.SocketType != "PULL" {
		t.Fatalf("peer socket type %q", e.peer.SocketType)
	}
	for _, m := range messages {
		if err := e.send(m); err != nil {
			t.Fatal(err)
		}
	}
	got, err := p.Lines(len(messages), timeout)
	if err != nil {
		t.Fatal(err)
	}
	for i := range messages {
		if got[i] != messages[i] {
			t.Fatalf("libzmq received %.40q, want %.40q", got[i], messages[i])
		}
	}
}

// fromLibzmq is a case where a zmqpeer connects as the client and PUSHes to
// sdk/zmtp's server side.
type fromLibzmq struct {
	name string
	env  []string       // zmqpeer's security settings
	mech zmtp.Mechanism // the server
	user string         // the UserID the server must report
	// How the handshake ends: ok, refused with an ERROR of this reason
	// (the server's error matching ErrAuth), or failed as a protocol
	// error without a word to the client.
	refused  string
	protocol bool
}

func (c fromLibzmq) run(t *testing.T) {
	l, endpoint := listen(t)
	p := peertest.StartEnv(t, c.env, peertest.Zmqpeer(t), "send", "PUSH", "connect", endpoint)
	for _, m := range messages {
		if err := p.Send(m); err != nil {
			t.Fatal(err)
		}
	}
	e, err := handshake(accept(t, l), zmtp.Config{Mechanism: c.mech, SocketType: "PULL"})
	switch {
	case c.refused != "":
		if !errors.Is(err, zmtp.ErrAuth) {
			t.Fatalf("Handshake error %v, want ErrAuth", err)
		}
		if _, reason := e.conn.sentCommands(t); reason != c.refused {
			t.Fatalf("sent ERROR %q, want %q", reason, c.refused)
		}
		return
	case c.protocol:
		if !errors.Is(err, zmtp.ErrProtocol) {
			t.Fatalf("Handshake error %v, want ErrProtocol", err)
		}
		if names, _ := e.conn.sentCommands(t); len(names) != 0 {
			t.Fatalf("sent %q to a client it could not understand", names)
		}
		return
	case err != nil:
		t.Fatalf("Handshake: %v", err)
	}
	if e.peer.SocketType != "PUSH" || e.peer.UserID != c.user {
		t.Fatalf("peer socket type %q, user id %q; want PUSH, %q", e.peer.SocketType, e.peer.UserID, c.user)
	}
	for _, want := range messages {
		got, err := e.recv()
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("received %.40q, want %.40q", got, want)
		}
	}
	// libzmq 4.3 sends MESSAGE as a frame without flags; its own flags
	// are in the box.
	for _, f := range e.outer {
		if f&^zmtp.FlagLong != 0 {
			t.Fatalf("libzmq sent a MESSAGE frame with flags %#x", f)
		}
	}
	p.CloseStdin()
}

// keys is a long-term key pair.
type keys struct{ public, secret curve.Key }

func newKeys(t *testing.T) keys {
	pub, sec, err := curve.GenerateKeyPair(nil)
	if err != nil {
		t.Fatal(err)
	}
	return keys{pub, sec}
}

// allow lets in the listed CURVE client keys, like zmqpeer's ZAP handler
// with ZMQPEER_ZAP_CURVE_CLIENT.
func allow(clients ...curve.Key) zap.Authenticator {
	return zap.AuthenticatorFunc(func(req zap.Request) (zap.Reply, error) {
		r := zap.Reply{RequestID: req.RequestID, StatusCode: zap.StatusDenied}
		for _, c := range clients {
			if len(req.Credentials) == 1 && bytes.Equal(req.Credentials[0], c[:]) {
				r.StatusCode, r.UserID = zap.StatusOK, "curve:"+c.String()
			}
		}
		return r, nil
	})
}

// password lets in one PLAIN user with one password, like zmqpeer's ZAP
// handler with ZMQPEER_ZAP_PASSWORD.
func password(user, pw string) zap.Authenticator {
	return zap.AuthenticatorFunc(func(req zap.Request) (zap.Reply, error) {
		r := zap.Reply{RequestID: req.RequestID, StatusCode: zap.StatusDenied}
		if len(req.Credentials) == 2 && string(req.Credentials[0]) == user && string(req.Credentials[1]) == pw {
			r.StatusCode, r.UserID = zap.StatusOK, "plain:"+user
		}
		return r, nil
	})
}

// TestCurve: CurveZMQ (RFC 26) between sdk/zmtp and libzmq, each as client
// and as server; accepted with and without ZAP, refused with ERROR 400
// when the ZAP handler does not know the client's key, closed in silence
// when the client has the wrong server key.
func TestCurve(t *testing.T) {
	server, client, other := newKeys(t), newKeys(t), newKeys(t)
	t.Run("PUSH(sdk,client)->PULL(libzmq,server)", func(t *testing.T) {
		secret := "ZMQPEER_CURVE_SECRETKEY=" + server.secret.String()
		zapFor := func(k curve.Key) []string {
			return []string{secret, "ZMQPEER_ZAP_PASSWORD=unused", "ZMQPEER_ZAP_CURVE_CLIENT=" + k.String()}
		}
		good := curve.Client{ServerKey: server.public, PublicKey: client.public, SecretKey: client.secret}
		for _, c := range []toLibzmq{
			{name: "no ZAP handler", env: []string{secret}, mech: good},
			{name: "client key allowed", env: zapFor(client.public), mech: good},
			{name: "client key not allowed", env: zapFor(other.public), mech: good, refused: "400"},
			{name: "wrong server key", env: zapFor(client.public),
				mech: curve.Client{ServerKey: other.public, SecretKey: client.secret}, closed: true},
		} {
			t.Run(c.name, c.run)
		}
	})
	t.Run("PUSH(libzmq,client)->PULL(sdk,server)", func(t *testing.T) {
		env := func(serverKey curve.Key) []string {
			return []string{"ZMQPEER_CURVE_SERVERKEY=" + serverKey.String(), "ZMQPEER_CURVE_CLIENT_SECRETKEY=" + client.secret.String()}
		}
		for _, c := range []fromLibzmq{
			{name: "no ZAP handler", env: env(server.public), mech: curve.Server{SecretKey: server.secret}},
			{name: "client key allowed", env: env(server.public),
				mech: curve.Server{SecretKey: server.secret, Auth: allow(client.public)}, user: "curve:" + client.public.String()},
			{name: "client key not allowed", env: env(server.public),
				mech: curve.Server{SecretKey: server.secret, Auth: allow(other.public)}, refused: "400"},
			{name: "wrong server key", env: env(other.public),
				mech: curve.Server{SecretKey: server.secret, Auth: allow(client.public)}, protocol: true},
		} {
			t.Run(c.name, c.run)
		}
	})
}

// TestPlain: ZMTP-PLAIN (RFC 24) between sdk/zmtp and libzmq, each as
// client and as server; a wrong password refused with ERROR 400; and
// libzmq 4.3.4's PLAIN server, without a ZAP handler, closing on every
// client, which plain.Server without an Authenticator copies.
func TestPlain(t *testing.T) {
	t.Run("PUSH(sdk,client)->PULL(libzmq,server)", func(t *testing.T) {
		zapEnv := []string{"ZMQPEER_PLAIN_SERVER=1", "ZMQPEER_ZAP_PASSWORD=secret"}
		for _, c := range []toLibzmq{
			{name: "password right", env: zapEnv, mech: plain.Client{Username: "admin", Password: "secret"}},
			{name: "password wrong", env: zapEnv, mech: plain.Client{Username: "admin", Password: "guess"}, refused: "400"},
			{name: "no ZAP handler", env: []string{"ZMQPEER_PLAIN_SERVER=1"},
				mech: plain.Client{Username: "admin", Password: "secret"}, closed: true},
		} {
			t.Run(c.name, c.run)
		}
	})
	t.Run("PUSH(libzmq,client)->PULL(sdk,server)", func(t *testing.T) {
		env := func(pw string) []string { return []string{"ZMQPEER_PLAIN_USER=admin", "ZMQPEER_PLAIN_PASSWORD=" + pw} }
		for _, c := range []fromLibzmq{
			{name: "password right", env: env("secret"), mech: plain.Server{Auth: password("admin", "secret")}, user: "plain:admin"},
			{name: "password wrong", env: env("guess"), mech: plain.Server{Auth: password("admin", "secret")}, refused: "400"},
		} {
			t.Run(c.name, c.run)
		}
	})
}

// TestCurveCommandsInBoxes: ZMTP 3.1 commands travel in MESSAGE boxes with
// libzmq's COMMAND flag (0x02) both ways. libzmq's heartbeat PINGs reach
// sdk/zmtp and its PONGs are accepted; a PING that sdk/zmtp seals comes
// back as a PONG with its context.
func TestCurveCommandsInBoxes(t *testing.T) {
	server, client := newKeys(t), newKeys(t)
	endpoint := peertest.FreeTCPEndpoint(t)
	env := []string{"ZMQPEER_CURVE_SECRETKEY=" + server.secret.String(),
		"ZMQPEER_HEARTBEAT_IVL=20", "ZMQPEER_HEARTBEAT_TIMEOUT=5000", "ZMQPEER_HEARTBEAT_TTL=5000"}
	p := peertest.StartEnv(t, env, peertest.Zmqpeer(t), "recv", "PULL", "bind", endpoint, "1")
	e, err := handshake(dial(t, endpoint), zmtp.Config{
		Mechanism:  curve.Client{ServerKey: server.public, SecretKey: client.secret},
		SocketType: "PUSH",
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.command(zmtp.CmdPing, zmtp.Ping{TTL: 50, Context: []byte("sdk-ctx")}.Append(nil)); err != nil {
		t.Fatal(err)
	}
	for len(e.pongs) == 0 || e.pings < 3 {
		flags, body, err := e.next()
		if err != nil {
			t.Fatalf("after %d PINGs and %d PONGs: %v", e.pings, len(e.pongs), err)
		}
		if flags&zmtp.FlagCommand == 0 {
			t.Fatalf("a PULL sent a message: %q", body)
		}
		if err := e.onCommand(body); err != nil {
			t.Fatal(err)
		}
	}
	if e.pongs[0] != "sdk-ctx" {
		t.Fatalf("PONG context %q, want %q", e.pongs[0], "sdk-ctx")
	}
	for _, f := range e.outer {
		if f&^zmtp.FlagLong != 0 {
			t.Fatalf("libzmq sent a MESSAGE frame with flags %#x", f)
		}
	}
	// After all that, messages still get through.
	if err := e.send("after|heartbeats"); err != nil {
		t.Fatal(err)
	}
	if line, err := p.Line(timeout); err != nil || line != "after|heartbeats" {
		t.Fatalf("libzmq received %q, %v", line, err)
	}
}

// monitorScript is a pyzmq PUSH client (libzmq 4.3.4 underneath) that
// connects with PLAIN or CURVE credentials and prints the first handshake
// event of its monitor as "event=NAME value=N": how libzmq itself judged
// the server's answer.
const monitorScript = `
import sys, zmq
from zmq.utils.monitor import recv_monitor_message
mech, endpoint, a, b = sys.argv[1:5]
ctx = zmq.Context()
s = ctx.socket(zmq.PUSH)
s.linger = 0
if mech == "PLAIN":
    s.plain_username, s.plain_password = a.encode(), b.encode()
else:
    s.curve_serverkey = a.encode()
    s.curve_secretkey = b.encode()
    s.curve_publickey = zmq.curve_public(b.encode())
m = s.get_monitor_socket()
s.connect(endpoint)
names = {zmq.EVENT_HANDSHAKE_FAILED_AUTH: "auth", zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL: "protocol",
         zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL: "no_detail", zmq.EVENT_HANDSHAKE_SUCCEEDED: "ok"}
while True:
    e = recv_monitor_message(m)
    if e["event"] in names:
        print("event=%s value=%d" % (names[e["event"]], e["value"]), flush=True)
        break
m.close()
s.close()
ctx.term()
`

// TestLibzmqClientSeesRefusal: a libzmq client that sdk/zmtp refuses
// reports what a refusal by libzmq would make it report,
// HANDSHAKE_FAILED_AUTH with the ZAP status code; one let in reports
// HANDSHAKE_SUCCEEDED. For PLAIN this needs libzmq's misspelt ERROR
// (zmtp.LibzmqPlainError): a well-formed one is a protocol error to it.
func TestLibzmqClientSeesRefusal(t *testing.T) {
	server, client := newKeys(t), newKeys(t)
	tests := []struct {
		name  string
		mech  zmtp.Mechanism
		args  []string
		event string
	}{
		{"PLAIN password wrong", plain.Server{Auth: password("admin", "secret")}, []string{"PLAIN", "admin", "guess"}, "event=auth value=400"},
		{"PLAIN handler failing", plain.Server{Auth: zap.AuthenticatorFunc(func(r zap.Request) (zap.Reply, error) {
			return zap.Reply{RequestID: r.RequestID, StatusCode: 500}, nil
		})}, []string{"PLAIN", "admin", "secret"}, "event=auth value=500"},
		{"PLAIN password right", plain.Server{Auth: password("admin", "secret")}, []string{"PLAIN", "admin", "secret"}, "event=ok value=0"},
		{"CURVE client key not allowed", curve.Server{SecretKey: server.secret, Auth: allow()},
			[]string{"CURVE", server.public.String(), client.secret.String()}, "event=auth value=400"},
		{"CURVE client key allowed", curve.Server{SecretKey: server.secret, Auth: allow(client.public)},
			[]string{"CURVE", server.public.String(), client.secret.String()}, "event=ok value=0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, endpoint := listen(t)
			args := append([]string{"-c", monitorScript, tt.args[0], endpoint}, tt.args[1:]...)
			p := peertest.Start(t, peertest.Python(t), args...)
			_, err := handshake(accept(t, l), zmtp.Config{Mechanism: tt.mech, SocketType: "PULL"})
			if (err == nil) != strings.HasPrefix(tt.event, "event=ok") {
				t.Fatalf("Handshake: %v", err)
			}
			line, lerr := p.Line(timeout)
			if lerr != nil {
				t.Fatal(lerr)
			}
			if line != tt.event {
				t.Fatalf("libzmq reported %q, want %q", line, tt.event)
			}
		})
	}
}
