package zmtp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// queuedConn gives a net.Pipe end what a kernel socket has and net.Pipe
// lacks: a send buffer. Handshake sends its whole greeting before it reads
// the peer's, as RFC 37 asks of a peer that does not downgrade; over two
// unbuffered pipe ends both writes would wait for a reader forever.
type queuedConn struct {
	net.Conn
	q     chan []byte
	done  chan struct{}
	close sync.Once
}

func newQueuedConn(c net.Conn) *queuedConn {
	q := &queuedConn{Conn: c, q: make(chan []byte, 64), done: make(chan struct{})}
	go func() {
		defer close(q.done)
		for b := range q.q {
			if _, err := q.Conn.Write(b); err != nil {
				break
			}
		}
		for range q.q {
		}
	}()
	return q
}

func (q *queuedConn) Write(p []byte) (int, error) {
	q.q <- bytes.Clone(p)
	return len(p), nil
}

// Close sends what is queued, if the peer reads it soon, and closes.
func (q *queuedConn) Close() error {
	q.close.Do(func() {
		close(q.q)
		select {
		case <-q.done:
		case <-time.After(time.Second):
		}
		q.Conn.Close()
		<-q.done
	})
	return nil
}

// pipe is a connected pair, bounded by a deadline, closed after the test.
func pipe(t *testing.T) (a, b *queuedConn) {
	ca, cb := net.Pipe()
	deadline := time.Now().Add(10 * time.Second)
	ca.SetDeadline(deadline)
	cb.SetDeadline(deadline)
	a, b = newQueuedConn(ca), newQueuedConn(cb)
	t.Cleanup(func() {
		a.Close()
		b.Close()
	})
	return a, b
}

// end is one side of a handshake and what came of it.
type end struct {
	conn net.Conn
	enc  *Encoder
	dec  *Decoder
	peer *Peer
	err  error
}

// handshakeBoth runs Handshake at both ends of a pipe at once.
func handshakeBoth(t *testing.T, cfgA, cfgB Config) (a, b *end) {
	ca, cb := pipe(t)
	a = &end{conn: ca, enc: NewEncoder(ca), dec: NewDecoder(ca, 0)}
	b = &end{conn: cb, enc: NewEncoder(cb), dec: NewDecoder(cb, 0)}
	done := make(chan struct{})
	go func() {
		b.peer, b.err = Handshake(b.enc, b.dec, cfgB)
		close(done)
	}()
	a.peer, a.err = Handshake(a.enc, a.dec, cfgA)
	<-done
	return a, b
}

func TestHandshakeNull(t *testing.T) {
	tests := []struct {
		name   string
		a, b   Config
		idA    string // Identity that b must see from a
		extraA string // X-App value that b must see from a
	}{
		{"REQ to REP", Config{SocketType: "REQ"}, Config{SocketType: "REP"}, "", ""},
		{"DEALER with identity to ROUTER", Config{SocketType: "DEALER", Metadata: Metadata{prop("Identity", "peer-1")}},
			Config{SocketType: "ROUTER"}, "peer-1", ""},
		{"ROUTER to ROUTER", Config{SocketType: "ROUTER", Metadata: Metadata{prop("Identity", "r1")}},
			Config{SocketType: "ROUTER", Metadata: Metadata{prop("Identity", "r2")}}, "r1", ""},
		{"DEALER to DEALER", Config{SocketType: "DEALER"}, Config{SocketType: "DEALER"}, "", ""},
		{"PUB to SUB", Config{SocketType: "PUB"}, Config{SocketType: "SUB"}, "", ""},
		{"XPUB to XSUB", Config{SocketType: "XPUB"}, Config{SocketType: "XSUB"}, "", ""},
		{"PUSH to PULL", Config{SocketType: "PUSH"}, Config{SocketType: "PULL"}, "", ""},
		{"PAIR to PAIR", Config{SocketType: "PAIR"}, Config{SocketType: "PAIR"}, "", ""},
		// RFC 37: "Metadata names starting with "X-" SHALL be reserved
		// for application use."
		{"application metadata", Config{Mechanism: Null{}, SocketType: "PUSH", Metadata: Metadata{prop("X-App", "v1"), prop("Resource", "a/b")}},
			Config{SocketType: "PULL"}, "", "v1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := handshakeBoth(t, tt.a, tt.b)
			if a.err != nil || b.err != nil {
				t.Fatalf("Handshake: %v, %v", a.err, b.err)
			}
			null := Greeting{Major: MajorVersion, Minor: MinorVersion, Mechanism: "NULL"}
			for _, c := range []struct {
				who  string
				got  *Peer
				from Config
			}{{"a", a.peer, tt.b}, {"b", b.peer, tt.a}} {
				if c.got.Greeting != null {
					t.Errorf("%s saw greeting %v, want %v", c.who, c.got.Greeting, null)
				}
				if c.got.SocketType != c.from.SocketType {
					t.Errorf("%s saw Socket-Type %q, want %q", c.who, c.got.SocketType, c.from.SocketType)
				}
				if st, _ := c.got.Metadata.Get("socket-type"); string(st) != c.from.SocketType {
					t.Errorf("%s's metadata has Socket-Type %q", c.who, st)
				}
				if c.got.UserID != "" {
					t.Errorf("%s saw user id %q under NULL", c.who, c.got.UserID)
				}
			}
			if string(b.peer.Identity) != tt.idA {
				t.Errorf("b saw Identity %q, want %q", b.peer.Identity, tt.idA)
			}
			if v, _ := b.peer.Metadata.Get("X-App"); string(v) != tt.extraA {
				t.Errorf("b saw X-App %q, want %q", v, tt.extraA)
			}

			// The connection is ready for traffic both ways.
			for _, dir := range []struct {
				name     string
				from, to *end
			}{{"a to b", a, b}, {"b to a", b, a}} {
				dir.from.enc.Frame(FlagMore, []byte(dir.name))
				dir.from.enc.Frame(0, pattern(1000, 1))
				if err := dir.from.enc.Flush(); err != nil {
					t.Fatal(err)
				}
				f1, b1, err1 := dir.to.dec.Next()
				f2, b2, err2 := dir.to.dec.Next()
				if err1 != nil || err2 != nil || f1 != FlagMore || string(b1) != dir.name || f2 != FlagLong || !bytes.Equal(b2, pattern(1000, 1)) {
					t.Errorf("%s: got %#x %q %v, %#x %d bytes %v", dir.name, f1, b1, err1, f2, len(b2), err2)
				}
			}
		})
	}
}

func TestHandshakeIncompatible(t *testing.T) {
	tests := []struct{ a, b string }{
		{"PUSH", "PUSH"},
		{"PUB", "PULL"},
		{"REQ", "REQ"},
		{"SUB", "SUB"},
		{"PAIR", "DEALER"},
		{"ROUTER", "REP"},
		{"PUSH", "NOTATYPE"},
	}
	for _, tt := range tests {
		t.Run(tt.a+" to "+tt.b, func(t *testing.T) {
			a, b := handshakeBoth(t, Config{SocketType: tt.a}, Config{SocketType: tt.b})
			// RFC 37: "When a peer validates the socket type, it SHOULD
			// handle errors by returning an ERROR command, and then
			// disconnecting the peer." Both ends validate.
			for _, e := range []struct {
				who       string
				end       *end
				self, oth string
			}{{"a", a, tt.a, tt.b}, {"b", b, tt.b, tt.a}} {
				if !errors.Is(e.end.err, ErrProtocol) || e.end.peer != nil {
					t.Errorf("%s: Handshake = %v, %v; want an ErrProtocol", e.who, e.end.peer, e.end.err)
				}
				e.end.conn.SetReadDeadline(time.Now().Add(2 * time.Second))
				_, err := (&CommandConn{enc: e.end.enc, dec: e.end.dec}).Recv()
				var pe *PeerError
				if !errors.As(err, &pe) {
					t.Errorf("%s: after the handshake got %v, want the peer's ERROR", e.who, err)
					continue
				}
				if !strings.Contains(pe.Reason, e.oth) || !strings.Contains(pe.Reason, e.self) {
					t.Errorf("%s: ERROR reason %q names neither %s nor %s", e.who, pe.Reason, e.oth, e.self)
				}
			}
		})
	}
}

// otherMechanism is a mechanism that is not NULL; its handshake must never
// run against a NULL peer.
type otherMechanism struct {
	t    *testing.T
	name string
}

func (m otherMechanism) Name() string   { return m.name }
func (m otherMechanism) AsServer() bool { return true }
func (m otherMechanism) Handshake(*CommandConn, Metadata) (*Session, error) {
	m.t.Errorf("the %s handshake ran against a NULL peer", m.name)
	return nil, errors.New("unreachable")
}

func TestHandshakeMechanismMismatch(t *testing.T) {
	// RFC 37: "If the mechanism that the peer received does not exactly
	// match the mechanism it sent, it MUST close the connection."
	for _, mech := range []string{"PLAIN", "CURVE", "NULL2", "NUL"} {
		t.Run(mech, func(t *testing.T) {
			a, b := handshakeBoth(t,
				Config{SocketType: "PUSH"},
				Config{Mechanism: otherMechanism{t, mech}, SocketType: "PULL"})
			if !errors.Is(a.err, ErrProtocol) || !errors.Is(b.err, ErrProtocol) {
				t.Errorf("Handshake = %v, %v; want ErrProtocol on both ends", a.err, b.err)
			}
		})
	}
}

// scriptedPeer plays the bytes of script to the far end of a pipe and
// records what comes back, until the pipe closes.
func scriptedPeer(t *testing.T, script []byte) (local *queuedConn, sent func() []byte) {
	ca, cb := net.Pipe()
	deadline := time.Now().Add(10 * time.Second)
	ca.SetDeadline(deadline)
	cb.SetDeadline(deadline)
	local = newQueuedConn(ca)
	var got bytes.Buffer
	read := make(chan struct{})
	go func() {
		defer close(read)
		io.Copy(&got, cb)
	}()
	go cb.Write(script)
	t.Cleanup(func() {
		local.Close()
		cb.Close()
	})
	return local, func() []byte {
		local.Close()
		<-read
		return got.Bytes()
	}
}

// Over a pipe, a peer that sends garbage or skips READY is refused, and it
// receives no more than the greeting and READY.
func TestHandshakePeerMisbehaves(t *testing.T) {
	tests := []struct {
		name   string
		script []byte
	}{
		{"garbage", []byte("GET / HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\nUser-Agent: curl/8.0\r\n\r\n")},
		{"random bytes", pattern(200, 0x42)},
		// handshake = 1*command, and NULL's is READY.
		{"message frame instead of READY", cat(libzmqGreeting, shortFrame(0, []byte("hello")))},
		{"MORE frame instead of READY", cat(libzmqGreeting, libzmqReqMessage)},
		{"message frame carrying READY", cat(libzmqGreeting, shortFrame(0, readyFrame(prop("Socket-Type", "DEALER"))[2:]))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, sent := scriptedPeer(t, tt.script)
			peer, err := Handshake(NewEncoder(conn), NewDecoder(conn, 0), Config{SocketType: "ROUTER"})
			if !errors.Is(err, ErrProtocol) || peer != nil {
				t.Fatalf("Handshake = %v, %v; want an ErrProtocol", peer, err)
			}
			s := sent()
			if len(s) < GreetingSize {
				t.Fatalf("peer received %d bytes, less than a greeting", len(s))
			}
			if g, err := ParseGreeting(s); err != nil || g.Mechanism != "NULL" {
				t.Errorf("peer received greeting %v, %v", g, err)
			}
		})
	}
}

// handshakeScript runs Handshake against a peer that sends script and then
// closes; it returns what the local end sent.
func handshakeScript(script []byte, cfg Config) (*Peer, *Decoder, []byte, error) {
	c := &fakeConn{r: bytes.NewReader(script)}
	dec := NewDecoder(c, 0)
	p, err := Handshake(NewEncoder(c), dec, cfg)
	return p, dec, c.sent.Bytes(), err
}

// parseSent splits what the local end sent into its greeting and commands.
func parseSent(t *testing.T, sent []byte) (Greeting, []Command) {
	t.Helper()
	g, err := ParseGreeting(sent)
	if err != nil {
		t.Fatalf("sent no greeting: %v", err)
	}
	fs, err := decodeAll(NewDecoder(bytes.NewReader(sent[GreetingSize:]), 0))
	if err != io.EOF {
		t.Fatalf("sent a bad stream: %v", err)
	}
	var cmds []Command
	for _, f := range fs {
		if f.flags&FlagCommand == 0 {
			t.Fatalf("sent a message frame during the handshake")
		}
		c, err := ParseCommand(f.body)
		if err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, c)
	}
	return g, cmds
}

func TestHandshakeWithLibzmq(t *testing.T) {
	tests := []struct {
		name       string
		script     []byte
		local      string
		wantType   string
		wantID     string
		wantFrames []frame // what stays in the decoder after the handshake
	}{
		{"DEALER with routing id", cat(libzmqGreetingDealer, libzmqReadyDealer, libzmqDealerMessages), "ROUTER", "DEALER", "peer-1",
			[]frame{{FlagMore, []byte("hello")}, {0, []byte("world")}, {FlagLong, bytes.Repeat([]byte("x"), 300)}}},
		{"REQ", cat(libzmqGreeting, libzmqReadyReq, libzmqReqMessage), "REP", "REQ", "",
			[]frame{{FlagMore, nil}, {0, []byte("ping?")}}},
		{"SUB", cat(libzmqGreeting, libzmqReadySub, libzmqSubscribe, libzmqPing, libzmqCancel), "XPUB", "SUB", "",
			[]frame{{FlagCommand, libzmqSubscribe[2:]}, {FlagCommand, libzmqPing[2:]}, {FlagCommand, libzmqCancel[2:]}}},
		// RFC 37: "The case (upper or lower) of names SHALL NOT be
		// significant."
		{"lower-case property names", cat(libzmqGreeting, readyFrame(prop("socket-type", "PULL"), prop("IDENTITY", "x"))), "PUSH", "PULL", "x", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, dec, sent, err := handshakeScript(tt.script, Config{SocketType: tt.local})
			if err != nil {
				t.Fatalf("Handshake: %v", err)
			}
			if p.SocketType != tt.wantType || string(p.Identity) != tt.wantID {
				t.Errorf("peer is %s %q, want %s %q", p.SocketType, p.Identity, tt.wantType, tt.wantID)
			}
			// The decoder keeps what followed READY for the data phase.
			got, err := decodeAll(dec)
			if err != io.EOF || !equalFrames(got, tt.wantFrames) {
				t.Errorf("after the handshake: %v, %v; want %v", got, err, tt.wantFrames)
			}
			// We sent a full greeting, then READY with our Socket-Type.
			g, cmds := parseSent(t, sent)
			if g != (Greeting{Major: 3, Minor: 1, Mechanism: "NULL"}) {
				t.Errorf("sent greeting %v", g)
			}
			if len(cmds) != 1 || cmds[0].Name != CmdReady {
				t.Fatalf("sent %v, want one READY", cmds)
			}
			m, err := ParseMetadata(cmds[0].Body)
			if st, _ := m.Get("Socket-Type"); err != nil || string(st) != tt.local {
				t.Errorf("sent READY with Socket-Type %q, %v", st, err)
			}
		})
	}
}

func TestHandshakeRejects(t *testing.T) {
	withGreeting := func(i int, v byte) []byte {
		g := bytes.Clone(libzmqGreeting)
		g[i] = v
		return g
	}
	pullReady := readyFrame(prop("Socket-Type", "PULL"))
	tests := []struct {
		name      string
		script    []byte
		want      error // matched with errors.Is
		sentReady bool  // whether READY went out before the failure
		sentError bool  // whether an ERROR followed it
	}{
		{"peer closes at once", nil, io.EOF, false, false},
		{"greeting cut", libzmqGreeting[:30], io.ErrUnexpectedEOF, false, false},
		{"ZMTP 2.0 peer", withGreeting(10, 1), ErrProtocol, false, false},
		{"ZMTP 1.0 peer", cat([]byte{6, 0}, []byte("ident"), pattern(80, 0)), ErrProtocol, false, false},
		{"mechanism mismatch", rawGreeting(3, 1, "PLAIN", 1), ErrProtocol, false, false},
		{"no READY", libzmqGreeting, io.EOF, true, false},
		{"READY cut", cat(libzmqGreeting, pullReady[:10]), io.ErrUnexpectedEOF, true, false},
		{"message instead of READY", cat(libzmqGreeting, shortFrame(0, []byte("hi"))), ErrProtocol, true, false},
		{"PING instead of READY", cat(libzmqGreeting, libzmqPing), ErrProtocol, true, false},
		// Each of these would pass as READY but for one thing: the
		// COMMAND flag, the command's name.
		{"message frame carrying READY", cat(libzmqGreeting, shortFrame(0, pullReady[2:])), ErrProtocol, true, false},
		{"metadata under another name", cat(libzmqGreeting, shortFrame(FlagCommand, cat([]byte("\x08INITIATE"), pullReady[8:]))), ErrProtocol, true, false},
		{"lower-case READY", cat(libzmqGreeting, shortFrame(FlagCommand, cat([]byte("\x05ready"), pullReady[8:]))), ErrProtocol, true, false},
		{"reserved flag on READY", cat(libzmqGreeting, []byte{0x44}, pullReady[1:]), ErrProtocol, true, false},
		{"READY with MORE", cat(libzmqGreeting, []byte{0x05}, pullReady[1:]), ErrProtocol, true, false},
		{"zero-length command name", cat(libzmqGreeting, shortFrame(FlagCommand, []byte("\x00READY"))), ErrProtocol, true, false},
		{"bad metadata", cat(libzmqGreeting, shortFrame(FlagCommand, []byte("\x05READY\x00\x00\x00\x00\x00"))), ErrProtocol, true, false},
		{"truncated metadata", cat(libzmqGreeting, shortFrame(FlagCommand, []byte("\x05READY\x0bSocket-Type\x00\x00\x00\x09PULL"))), ErrProtocol, true, false},
		{"no Socket-Type", cat(libzmqGreeting, readyFrame(prop("Identity", "x"))), ErrProtocol, true, false},
		{"malformed ERROR", cat(libzmqGreeting, shortFrame(FlagCommand, []byte("\x05ERROR\x09400"))), ErrProtocol, true, false},
		// RFC 37: "The peer SHALL treat an incoming ERROR command as
		// fatal"; libzmq sends one when its ZAP handler says no.
		{"libzmq ZAP denial", cat(libzmqGreeting, libzmqError), ErrAuth, true, false},
		{"incompatible Socket-Type", cat(libzmqGreeting, readyFrame(prop("Socket-Type", "PUSH"))), ErrProtocol, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _, sent, err := handshakeScript(tt.script, Config{SocketType: "PUSH"})
			if !errors.Is(err, tt.want) || p != nil {
				t.Fatalf("Handshake = %v, %v; want %v", p, err, tt.want)
			}
			// RFC 37: the local end sends its full greeting first.
			_, cmds := parseSent(t, sent)
			var names []string
			for _, c := range cmds {
				names = append(names, c.Name)
			}
			want := []string(nil)
			if tt.sentReady {
				want = append(want, CmdReady)
			}
			if tt.sentError {
				want = append(want, CmdError)
			}
			if fmt.Sprint(names) != fmt.Sprint(want) {
				t.Errorf("sent %v, want %v", names, want)
			}
		})
	}
}

func TestHandshakePeerError(t *testing.T) {
	_, _, _, err := handshakeScript(cat(libzmqGreeting, libzmqError), Config{SocketType: "DEALER"})
	var pe *PeerError
	if !errors.As(err, &pe) || pe.Reason != "400" {
		t.Fatalf("Handshake = %v, want a *PeerError with reason 400", err)
	}
	if !strings.Contains(err.Error(), "400") {
		t.Errorf("error %q does not show the reason", err)
	}
}

// FuzzHandshake plays arbitrary bytes as the peer. Handshake must return,
// soon, either an error or a Peer whose socket type may talk to ours, and
// must have sent a well-formed greeting and READY whatever it received.
func FuzzHandshake(f *testing.F) {
	f.Add(uint8(3), cat(libzmqGreetingDealer, libzmqReadyDealer, libzmqDealerMessages)) // ROUTER
	f.Add(uint8(1), cat(libzmqGreeting, libzmqReadyReq, libzmqReqMessage))              // REP
	f.Add(uint8(2), cat(libzmqGreeting, libzmqError))                                   // DEALER
	f.Fuzz(func(t *testing.T, local uint8, data []byte) {
		cfg := Config{SocketType: socketTypes[int(local)%len(socketTypes)]}
		type result struct {
			p    *Peer
			sent []byte
			err  error
		}
		done := make(chan result, 1)
		go func() {
			p, _, sent, err := handshakeScript(data, cfg)
			done <- result{p, sent, err}
		}()
		var r result
		select {
		case r = <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("Handshake still running after 5 s on % x", data)
		}
		if (r.p == nil) == (r.err == nil) {
			t.Fatalf("Handshake = %v, %v", r.p, r.err)
		}
		_, cmds := parseSent(t, r.sent)
		if len(cmds) > 2 {
			t.Fatalf("sent %d commands", len(cmds))
		}
		if r.err != nil {
			return
		}
		if !Compatible(cfg.SocketType, r.p.SocketType) {
			t.Fatalf("accepted a %s peer for a %s socket", r.p.SocketType, cfg.SocketType)
		}
		if r.p.Greeting.Mechanism != "NULL" || r.p.Greeting.Major < 3 {
			t.Fatalf("accepted greeting %v", r.p.Greeting)
		}
		if id, _ := r.p.Metadata.Get("Identity"); !bytes.Equal(id, r.p.Identity) {
			t.Fatalf("Identity %q, metadata says %q", r.p.Identity, id)
		}
		if len(cmds) != 1 || cmds[0].Name != CmdReady {
			t.Fatalf("sent %v after a good handshake", cmds)
		}
	})
}
