package core

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// A CHANNEL talks to one CHANNEL, both ways, in order.
func TestChannelBothWays(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		a := e.bound(CHANNEL, tr.endpoint())
		b := e.connected(CHANNEL, []string{a.LastEndpoint()})
		for i := range 3 {
			mustSend(t, b, fmt.Sprintf("b%d", i))
			mustSend(t, a, fmt.Sprintf("a%d", i))
		}
		for i := range 3 {
			if got := mustRecvString(t, a); !equalStrings(got, []string{fmt.Sprintf("b%d", i)}) {
				t.Errorf("a received %q", got)
			}
			if got := mustRecvString(t, b); !equalStrings(got, []string{fmt.Sprintf("a%d", i)}) {
				t.Errorf("b received %q", got)
			}
		}
	})
}

// A CHANNEL has one peer at a time: a second connection is refused while
// the first lasts, as a PAIR refuses it, and nothing it sends arrives.
func TestChannelRefusesASecondPeer(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		a := e.bound(CHANNEL, tr.endpoint())
		first := e.connected(CHANNEL, []string{a.LastEndpoint()})
		mustSend(t, first, "first")
		if got := mustRecvString(t, a); got[0] != "first" {
			t.Fatalf("received %q", got)
		}
		second := e.connected(CHANNEL, []string{a.LastEndpoint()})
		if err := second.TrySend([]byte("second")); err != nil && !errors.Is(err, ErrAgain) {
			t.Fatalf("second TrySend: %v", err)
		}
		mustSend(t, first, "first again")
		if got := mustRecvString(t, a); got[0] != "first again" {
			t.Errorf("received %q, want first again", got)
		}
		expectNothing(t, a, 50*time.Millisecond)
		mustSend(t, a, "to first")
		if got := mustRecvString(t, first); got[0] != "to first" {
			t.Errorf("first received %q", got)
		}
		expectNothing(t, second, 0)
	})
}

// A CHANNEL sends single-part messages only (EINVAL, nothing sent), and
// drops a multipart message from a peer, as libzmq's channel drops it.
func TestChannelSinglePart(t *testing.T) {
	e := newEnv(t)
	c := e.bound(CHANNEL, "tcp://127.0.0.1:*")
	if err := c.Send([]byte("a"), []byte("b")); !errors.Is(err, ErrInvalid) {
		t.Errorf("multipart Send = %v, want ErrInvalid", err)
	}
	if err := c.SendMsg(Msg{Frames: [][]byte{[]byte("a"), []byte("b")}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("multipart SendMsg = %v, want ErrInvalid", err)
	}
	if err := c.SendMsg(Msg{RoutingID: 1, Frames: [][]byte{[]byte("a")}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("SendMsg with a routing id = %v, want ErrInvalid", err)
	}
	raw := rawZMTP(t, c.LastEndpoint(), "CHANNEL")
	raw.send(t, "part", "of two")
	raw.send(t, "whole")
	if got := mustRecvString(t, c); !equalStrings(got, []string{"whole"}) {
		t.Errorf("received %q, want [whole]", got)
	}
}

// Over inproc no handshake checks types, so a PAIR may link to a CHANNEL;
// its multipart messages are dropped there too.
func TestChannelDropsMultipartOverInproc(t *testing.T) {
	e := newEnv(t)
	c := e.bound(CHANNEL, "inproc://channel-multipart")
	p := e.connected(PAIR, []string{"inproc://channel-multipart"})
	mustSend(t, p, "part", "of two")
	mustSend(t, p, "whole")
	if got := mustRecvString(t, c); !equalStrings(got, []string{"whole"}) {
		t.Errorf("received %q, want [whole]", got)
	}
}

// The handshake lets a CHANNEL talk to CHANNELs only (libzmq's
// check_socket_type): a PAIR or PEER is refused.
func TestChannelHandshakeCompatibility(t *testing.T) {
	e := newEnv(t)
	c := e.socket(CHANNEL)
	mon := c.Monitor(EventHandshakeSucceeded | EventHandshakeFailedProtocol)
	if err := c.Bind("tcp://127.0.0.1:*"); err != nil {
		t.Fatal(err)
	}
	for _, typ := range []Type{PAIR, PEER} {
		bad := e.connected(typ, []string{c.LastEndpoint()})
		ev := waitEvent(t, mon, EventHandshakeFailedProtocol)
		if !strings.Contains(ev.Err.Error(), typ.String()) {
			t.Errorf("%v refused with %v", typ, ev.Err)
		}
		bad.Close()
	}
	good := e.connected(CHANNEL, []string{c.LastEndpoint()})
	waitEvent(t, mon, EventHandshakeSucceeded)
	mustSend(t, good, "a channel")
	if got := mustRecvString(t, c); got[0] != "a channel" {
		t.Errorf("received %q", got)
	}
}

// CHANNEL is safe from many goroutines at once, sending and receiving on
// both sides: every message arrives once.
func TestChannelConcurrentUse(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		a := e.bound(CHANNEL, tr.endpoint())
		b := e.connected(CHANNEL, []string{a.LastEndpoint()})
		const senders, each = 4, 50
		var wg sync.WaitGroup
		for _, side := range []struct {
			name     string
			from, to *Socket
		}{{"a", a, b}, {"b", b, a}} {
			for g := range senders {
				wg.Go(func() {
					for i := range each {
						if err := side.from.Send(fmt.Appendf(nil, "%s/%d/%d", side.name, g, i)); err != nil {
							t.Errorf("send: %v", err)
							return
						}
					}
				})
			}
			var mu sync.Mutex
			seen := map[string]bool{}
			deadline := time.Now().Add(patience)
			for range 2 {
				wg.Go(func() {
					for {
						mu.Lock()
						n := len(seen)
						mu.Unlock()
						if n == senders*each {
							return
						}
						if time.Now().After(deadline) {
							t.Errorf("%s's peer received %d messages, want %d", side.name, n, senders*each)
							return
						}
						f, err := recvWithin(side.to, 20*time.Millisecond)
						if err != nil {
							continue
						}
						mu.Lock()
						if !strings.HasPrefix(string(f[0]), side.name+"/") || seen[string(f[0])] {
							t.Errorf("received %q", f[0])
						}
						seen[string(f[0])] = true
						mu.Unlock()
					}
				})
			}
		}
		wg.Wait()
	})
}
