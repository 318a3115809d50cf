package core

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/sdk/zmtp"
)

// TestEngineKeepsOnePendingCommandPerName: the writer's command queue
// holds at most one PONG and one PING, the newest of each, however many
// the reader asks for while the writer is stuck.
func TestEngineKeepsOnePendingCommandPerName(t *testing.T) {
	e := &engine{cmdWake: make(chan struct{}, 1)}
	for i := range 1000 {
		e.send(zmtp.Command{Name: zmtp.CmdPong, Body: []byte(fmt.Sprint(i))})
	}
	e.send(zmtp.Command{Name: zmtp.CmdPing})
	e.send(zmtp.Command{Name: zmtp.CmdPing})
	if len(e.cmds) != 2 {
		t.Fatalf("%d commands pending, want 2 (one PONG, one PING)", len(e.cmds))
	}
	if e.cmds[0].Name != zmtp.CmdPong || string(e.cmds[0].Body) != "999" {
		t.Fatalf("pending PONG %q %q, want the newest, 999", e.cmds[0].Name, e.cmds[0].Body)
	}
}

// TestHostilePingFloodNeverRead: a peer that floods PINGs and reads
// nothing fills the socket's send buffer; the PONGs it asked for meanwhile
// collapse into the newest one instead of piling up in memory. When the
// peer reads at last it gets far fewer PONGs than it sent PINGs, the last
// one answering its last PING, and the connection still works.
func TestHostilePingFloodNeverRead(t *testing.T) {
	e := newEnv(t)
	pull := e.bound(PULL, "tcp://127.0.0.1:*", SendBuffer(4096))
	r := rawZMTP(t, pull.LastEndpoint(), "PUSH")
	if err := r.conn.(*net.TCPConn).SetReadBuffer(4096); err != nil {
		t.Fatal(err)
	}
	const pings = 50000
	r.conn.SetWriteDeadline(time.Now().Add(patience))
	for i := range pings {
		r.enc.Command(zmtp.CmdPing, zmtp.Ping{Context: []byte(fmt.Sprint(i))}.Append(nil))
		if i%1000 == 999 {
			if err := r.enc.Flush(); err != nil {
				t.Fatalf("PING %d: %v (the socket stopped reading?)", i, err)
			}
		}
	}
	if err := r.enc.Flush(); err != nil {
		t.Fatal(err)
	}
	r.send(t, "still works")
	if got := mustRecvString(t, pull); got[0] != "still works" {
		t.Fatalf("received %q", got)
	}
	last := fmt.Sprint(pings - 1)
	pongs := 0
	for {
		flags, body, err := r.next()
		if err != nil {
			t.Fatalf("after %d PONGs: %v", pongs, err)
		}
		if flags&zmtp.FlagCommand == 0 || !zmtp.IsCommand(body, zmtp.CmdPong) {
			continue
		}
		pongs++
		if string(body[1+len(zmtp.CmdPong):]) == last {
			break
		}
	}
	if pongs >= pings {
		t.Fatalf("%d PONGs for %d PINGs: each was queued, none collapsed", pongs, pings)
	}
	t.Logf("%d PINGs answered by %d PONGs", pings, pongs)
}

// TestHeartbeatPingsEveryInterval: PINGs go out every HEARTBEAT_IVL even
// when HEARTBEAT_TIMEOUT is longer (libzmq's schedule), and a peer that
// answers them keeps the connection. Before, the engine waited the whole
// timeout after each PING, so the PINGs came every max(IVL, TIMEOUT).
func TestHeartbeatPingsEveryInterval(t *testing.T) {
	e := newEnv(t)
	const ivl, timeout, window = 40 * time.Millisecond, 2 * time.Second, 800 * time.Millisecond
	pull := e.bound(PULL, "tcp://127.0.0.1:*", HeartbeatInterval(ivl), HeartbeatTimeout(timeout))
	r := rawZMTP(t, pull.LastEndpoint(), "PUSH")
	pings := 0
	for end := time.Now().Add(window); time.Now().Before(end); {
		flags, body, err := r.next() // a PING comes every interval
		if err != nil {
			t.Fatal(err)
		}
		if flags&zmtp.FlagCommand != 0 && zmtp.IsCommand(body, zmtp.CmdPing) {
			pings++
			r.enc.Command(zmtp.CmdPong, nil)
			if err := r.enc.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	// window/ivl is 20; one PING per timeout would be at most 1.
	if pings < 5 {
		t.Fatalf("%d PINGs in %v with HEARTBEAT_IVL %v and TIMEOUT %v: want one every interval", pings, window, ivl, timeout)
	}
	r.send(t, "still up")
	if got := mustRecvString(t, pull); got[0] != "still up" {
		t.Fatalf("received %q", got)
	}
}
