package core

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// libzmq's STREAM socket: raw byte streams, each connection known by a
// routing id.

// recvStream reads [id, data] messages from a STREAM until the data from
// id adds up to n bytes (the kernel may split or join writes).
func recvStream(t *testing.T, s *Socket, id []byte, n int) string {
	t.Helper()
	var b strings.Builder
	for b.Len() < n {
		f := mustRecv(t, s)
		if len(f) != 2 || string(f[0]) != string(id) {
			t.Fatalf("STREAM got %q, want data from % x", f, id)
		}
		b.Write(f[1])
	}
	return b.String()
}

// TestSTREAMRawClient: a raw client's connection is announced as
// [id, ""], its bytes come as [id, data], [id, data] writes to it, and
// [id, ""] from the application closes it.
func TestSTREAMRawClient(t *testing.T) {
	eachStreamTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		s := e.bound(STREAM, tr.endpoint())
		c := rawDial(t, s.LastEndpoint())
		f := mustRecv(t, s)
		if len(f) != 2 || len(f[0]) == 0 || len(f[1]) != 0 {
			t.Fatalf("connect notification %q, want [id, \"\"]", f)
		}
		id := f[0]
		if _, err := c.Write([]byte("hello stream")); err != nil {
			t.Fatal(err)
		}
		if got := recvStream(t, s, id, len("hello stream")); got != "hello stream" {
			t.Fatalf("STREAM got %q", got)
		}
		if err := s.Send(id, []byte("hello client")); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, len("hello client"))
		c.SetReadDeadline(time.Now().Add(patience))
		if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "hello client" {
			t.Fatalf("client read %q, %v", buf, err)
		}
		// Closing from the application's side.
		if err := s.Send(id, []byte{}); err != nil {
			t.Fatal(err)
		}
		if !readUntilClosed(c, patience) {
			t.Fatal("[id, \"\"] did not close the connection")
		}
		if f := mustRecv(t, s); len(f) != 2 || string(f[0]) != string(id) || len(f[1]) != 0 {
			t.Fatalf("disconnect notification %q, want [id, \"\"]", f)
		}
		if err := s.Send(id, []byte("gone")); err == nil {
			t.Fatal("Send to a closed connection's id succeeded")
		}
	})
}

// TestSTREAMClientCloses: a client hanging up is announced as [id, ""];
// several clients have their own ids.
func TestSTREAMClientCloses(t *testing.T) {
	e := newEnv(t)
	s := e.bound(STREAM, "tcp://127.0.0.1:*")
	var ids []string
	var conns []net.Conn
	for i := 0; i < 2; i++ {
		conns = append(conns, rawDial(t, s.LastEndpoint()))
		ids = append(ids, mustRecvString(t, s)[0])
	}
	if ids[0] == ids[1] {
		t.Fatalf("two connections share the id %q", ids[0])
	}
	conns[1].Close()
	if f := mustRecvString(t, s); !equalStrings(f, []string{ids[1], ""}) {
		t.Fatalf("got %q, want the second client's disconnect", f)
	}
	conns[0].Write([]byte("x"))
	if f := mustRecvString(t, s); !equalStrings(f, []string{ids[0], "x"}) {
		t.Fatalf("got %q", f)
	}
}

// TestSTREAMConnects: a STREAM that connects to a raw server gets the
// connection's id in a [id, ""] notification and talks through it.
func TestSTREAMConnects(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	e := newEnv(t)
	s := e.connected(STREAM, []string{"tcp://" + ln.Addr().String()})
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	f := mustRecv(t, s)
	if len(f) != 2 || len(f[1]) != 0 {
		t.Fatalf("connect notification %q", f)
	}
	if err := s.Send(f[0], []byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	c.SetReadDeadline(time.Now().Add(patience))
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("server read %q, %v", buf, err)
	}
	c.Write([]byte("pong"))
	if got := recvStream(t, s, f[0], 4); got != "pong" {
		t.Fatalf("STREAM got %q", got)
	}
}

// TestSTREAMNotifyOff: with ZMQ_STREAM_NOTIFY off, connections come and
// go without [id, ""] messages; data still carries the id.
func TestSTREAMNotifyOff(t *testing.T) {
	e := newEnv(t)
	s := e.bound(STREAM, "tcp://127.0.0.1:*", StreamNotify(false))
	c := rawDial(t, s.LastEndpoint())
	c.Write([]byte("data"))
	f := mustRecv(t, s)
	if len(f) != 2 || len(f[1]) == 0 {
		t.Fatalf("got %q, want data and no notification", f)
	}
	c.Close()
	expectNothing(t, s, 50*time.Millisecond)
}
