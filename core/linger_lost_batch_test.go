package core

import (
	"net"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/sdk/zmtp"
)

// A connection lost while its writer is in the middle of a batch takes the
// batch with it (libzmq loses what its engine has encoded the same way);
// nothing is left queued, so a Close with LINGER -1 must end, not wait for
// ever for a writer that is gone (the shutdown hang of issue 12 was
// suspected there: a writer returning from a failed write with its pipe
// still marked as being written).
func TestLingerEndsWhenConnectionLostMidBatch(t *testing.T) {
	checkNoLeak(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	e := newEnv(t)
	push := e.socket(PUSH, Linger(-1))
	if err := push.Connect("tcp://" + ln.Addr().String()); err != nil {
		t.Fatal(err)
	}
	// Queued before the connection is up, so that its writer takes them
	// all in one batch: more than the kernel's buffers hold.
	body := make([]byte, 256<<10)
	for range 64 {
		if err := push.Send(body); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	ln.Close() // no reconnection: the peer is gone for good
	conn.SetDeadline(time.Now().Add(patience))
	if _, err := zmtp.Handshake(zmtp.NewEncoder(conn), zmtp.NewDecoder(conn, 0), zmtp.Config{SocketType: "PULL"}); err != nil {
		t.Fatal(err)
	}
	// The writer fills the kernel's buffers and blocks; the peer then
	// closes with bytes unread, which resets the connection.
	time.Sleep(200 * time.Millisecond)
	conn.Close()

	push.Close()
	select {
	case <-push.Done():
	case <-time.After(patience):
		t.Fatal("Close with LINGER -1 still waits, with nothing queued, for a connection that was lost in the middle of a batch")
	}
}
