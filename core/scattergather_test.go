package core

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// A SCATTER sends round-robin to its GATHERs, as PUSH does (RFC 30).
func TestScatterRoundRobin(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		sc := e.bound(SCATTER, tr.endpoint())
		g1 := e.connected(GATHER, []string{sc.LastEndpoint()})
		g2 := e.connected(GATHER, []string{sc.LastEndpoint()})
		eventually(t, func() bool { return numPipes(sc) == 2 }, "both GATHERs")
		for i := range 4 {
			mustSend(t, sc, fmt.Sprint(i))
		}
		a := []string{mustRecvString(t, g1)[0], mustRecvString(t, g1)[0]}
		b := []string{mustRecvString(t, g2)[0], mustRecvString(t, g2)[0]}
		if !(equalStrings(a, []string{"0", "2"}) && equalStrings(b, []string{"1", "3"}) ||
			equalStrings(a, []string{"1", "3"}) && equalStrings(b, []string{"0", "2"})) {
			t.Errorf("GATHERs got %q and %q, want every other message each", a, b)
		}
		expectNothing(t, g1, 0)
		expectNothing(t, g2, 0)
	})
}

// A GATHER fair-queues its SCATTERs: with messages waiting from both, it
// takes one from each in turn.
func TestGatherFairQueues(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		g := e.bound(GATHER, tr.endpoint())
		s1 := e.connected(SCATTER, []string{g.LastEndpoint()})
		s2 := e.connected(SCATTER, []string{g.LastEndpoint()})
		for i := range 3 {
			mustSend(t, s1, fmt.Sprint("a", i))
			mustSend(t, s2, fmt.Sprint("b", i))
		}
		eventually(t, func() bool { return queuedIn(g) == 6 }, "all six to arrive")
		var prev byte
		for i := range 6 {
			got := mustRecvString(t, g)[0]
			if i > 0 && got[0] == prev {
				t.Errorf("message %d %q from the same SCATTER as the one before", i, got)
			}
			prev = got[0]
		}
	})
}

// The draft types report connections to a monitor as the others do, and
// the handshake refuses a peer outside libzmq's compatibility table: a PUSH
// may not feed a GATHER, nor a CLIENT a GATHER.
func TestDraftMonitorAndCompatibility(t *testing.T) {
	e := newEnv(t)
	g := e.socket(GATHER)
	mon := g.Monitor(EventAll)
	if err := g.Bind("tcp://127.0.0.1:*"); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, mon, EventListening)
	sc := e.connected(SCATTER, []string{g.LastEndpoint()})
	waitEvents(t, mon, EventAccepted, EventHandshakeSucceeded)
	for _, typ := range []Type{PUSH, CLIENT} {
		bad := e.connected(typ, []string{g.LastEndpoint()})
		waitEvent(t, mon, EventHandshakeFailedProtocol)
		bad.Close()
	}
	mustSend(t, sc, "still fine")
	if got := mustRecvString(t, g); got[0] != "still fine" {
		t.Errorf("got %q", got)
	}
	sc.Close()
	waitEvent(t, mon, EventDisconnected)
}

// SCATTER and GATHER are safe from many goroutines at once: every message
// sent is received once.
func TestScatterGatherConcurrentUse(t *testing.T) {
	e := newEnv(t)
	g := e.bound(GATHER, "tcp://127.0.0.1:*")
	sc := e.connected(SCATTER, []string{g.LastEndpoint()})
	const senders, each = 4, 100
	var wg sync.WaitGroup
	for s := range senders {
		wg.Go(func() {
			for i := range each {
				if err := sc.Send(fmt.Appendf(nil, "%d/%d", s, i)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	deadline := time.Now().Add(patience)
	for range 3 {
		wg.Go(func() {
			for {
				mu.Lock()
				n := len(seen)
				mu.Unlock()
				if n >= senders*each {
					return
				}
				if time.Now().After(deadline) {
					t.Errorf("%d messages received, want %d", n, senders*each)
					return
				}
				f, err := recvWithin(g, 20*time.Millisecond)
				if err != nil {
					continue
				}
				mu.Lock()
				if seen[string(f[0])] {
					t.Errorf("%q received twice", f[0])
				}
				seen[string(f[0])] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// The draft types have libzmq's numbers and ZMTP names, which ParseType
// reads in any case, and which the TYPE option reads back; all but DGRAM
// (an address and a datagram) send single-part messages.
func TestDraftTypeNumbersAndNames(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		typ    Type
		num    int
		name   string
		single bool
	}{
		{SERVER, 12, "SERVER", true}, {CLIENT, 13, "CLIENT", true}, {RADIO, 14, "RADIO", true},
		{DISH, 15, "DISH", true}, {GATHER, 16, "GATHER", true}, {SCATTER, 17, "SCATTER", true},
		{DGRAM, 18, "DGRAM", false}, {PEER, 19, "PEER", true}, {CHANNEL, 20, "CHANNEL", true},
	} {
		if int(c.typ) != c.num || c.typ.String() != c.name {
			t.Errorf("%v is %d, want %s %d", c.typ, int(c.typ), c.name, c.num)
		}
		if got, err := ParseType(strings.ToLower(c.name)); err != nil || got != c.typ {
			t.Errorf("ParseType(%q) = %v, %v", strings.ToLower(c.name), got, err)
		}
		if got, _ := e.socket(c.typ).Option("TYPE"); got != c.num {
			t.Errorf("%v's TYPE option reads %v, want %d", c.typ, got, c.num)
		}
		if c.typ.singlePart() != c.single {
			t.Errorf("%v single-part: %v, want %v", c.typ, c.typ.singlePart(), c.single)
		}
	}
	if typ, err := ParseType(""); err == nil {
		t.Errorf("ParseType(\"\") = %v, want an error", typ)
	}
	if got := Type(21).String(); got != "Type(21)" {
		t.Errorf("Type(21) is %q", got)
	}
}
