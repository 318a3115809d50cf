package session

import (
	"bytes"
	"container/heap"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/plugins/pgm/internal/wire"
)

// simNet is an in-memory multicast network on a simulated clock: a packet sent to the
// group reaches every other node, one to an address reaches the node that has it, and
// each copy is independently lost, duplicated and delayed by a random amount (which
// reorders). Its loop advances the clock to the next delivery or timer, so a test of
// minutes of protocol time runs in milliseconds and the same seed gives the same run.
type simNet struct {
	t       testing.TB
	now     time.Time
	rng     *rand.Rand
	group   netip.Addr
	loss    float64 // probability that a copy is dropped
	dup     float64 // probability that a copy is delivered twice
	delay   time.Duration
	reorder float64       // probability that a copy is held back by up to jitter
	jitter  time.Duration // and so overtaken by the ones after it
	// drop, when set, drops the copies it returns true for, on top of loss.
	drop func(pkt []byte, to *simNode) bool

	nodes  []*simNode
	events eventQueue
	serial int
	// lastAt is the latest in-order delivery on each link, which keeps a link's
	// packets in order unless one is held back.
	lastAt map[[2]netip.Addr]time.Time
}

// simNode is one host: a Sender or a Receiver (or a hand-written handler) at an address.
type simNode struct {
	net    *simNet
	addr   netip.Addr
	sender *Sender
	recv   *Receiver
	handle func(pkt []byte, from netip.Addr, now time.Time) // a node of neither kind
	next   time.Time                                        // of its Tick; zero for none

	// For a sender: the messages it still has to send.
	pending [][][]byte
	flushed bool
	// For a receiver: what it delivered, by source.
	got map[wire.TSI][][][]byte
}

type event struct {
	at     time.Time
	serial int
	to     *simNode
	from   netip.Addr
	pkt    []byte
}

type eventQueue []event

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].serial < q[j].serial
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(event)) }
func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

var (
	simGroup = netip.MustParseAddr("239.192.1.1")
	simStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

const simPort = 5555

func newSimNet(t testing.TB, seed uint64, loss float64) *simNet {
	return &simNet{
		t: t, now: simStart, rng: rand.New(rand.NewPCG(seed, seed^0x5eed)), group: simGroup,
		loss: loss, dup: 0.02, delay: time.Millisecond, reorder: 0.05, jitter: 3 * time.Millisecond,
		lastAt: map[[2]netip.Addr]time.Time{},
	}
}

// transmit sends pkt from the node at from to to (the group or an address).
func (n *simNet) transmit(from netip.Addr, pkt []byte, to netip.Addr) {
	for _, node := range n.nodes {
		if node.addr == from || (to != n.group && node.addr != to) {
			continue
		}
		if n.rng.Float64() < n.loss || (n.drop != nil && n.drop(pkt, node)) {
			continue
		}
		copies := 1
		if n.rng.Float64() < n.dup {
			copies = 2
		}
		for range copies {
			n.serial++
			link := [2]netip.Addr{from, node.addr}
			at := later(n.now.Add(n.delay), n.lastAt[link])
			if n.rng.Float64() < n.reorder {
				at = at.Add(time.Duration(n.rng.Int64N(int64(n.jitter) + 1)))
			} else {
				n.lastAt[link] = at
			}
			heap.Push(&n.events, event{at: at, serial: n.serial, to: node, from: from, pkt: bytes.Clone(pkt)})
		}
	}
}

// addSender adds a source at addr with the given TSI port and configuration changes.
func (n *simNet) addSender(addr string, port uint16, msgs [][][]byte, tune func(*SenderConfig)) *simNode {
	node := &simNode{net: n, addr: netip.MustParseAddr(addr), pending: msgs}
	cfg := SenderConfig{
		TSI:       wire.TSI{GSI: wire.GSI{0xb7, 0xc6, 0xd1, 0xbc, 0x03, 0x8a}, SourcePort: port},
		DestPort:  simPort,
		SourceNLA: node.addr,
		Group:     n.group,
		UDPEncap:  true,
		Send:      func(pkt []byte, to netip.Addr) { n.transmit(node.addr, pkt, to) },
	}
	if tune != nil {
		tune(&cfg)
	}
	s, err := NewSender(cfg, n.now)
	if err != nil {
		n.t.Fatal(err)
	}
	node.sender = s
	n.nodes = append(n.nodes, node)
	node.tick()
	return node
}

// addReceiver adds a receiver at addr.
func (n *simNet) addReceiver(addr string, tune func(*ReceiverConfig)) *simNode {
	node := &simNode{net: n, addr: netip.MustParseAddr(addr), got: map[wire.TSI][][][]byte{}}
	cfg := ReceiverConfig{
		DestPort: simPort,
		Group:    n.group,
		UDPEncap: true,
		Rand:     rand.New(rand.NewPCG(n.rng.Uint64(), 1)),
		Send:     func(pkt []byte, to netip.Addr) { n.transmit(node.addr, pkt, to) },
		Deliver: func(src wire.TSI, msg [][]byte) {
			node.got[src] = append(node.got[src], cloneMessage(msg))
		},
	}
	if tune != nil {
		tune(&cfg)
	}
	r, err := NewReceiver(cfg)
	if err != nil {
		n.t.Fatal(err)
	}
	node.recv = r
	n.nodes = append(n.nodes, node)
	return node
}

// remove takes a node off the network (a crash: it sends nothing more).
func (n *simNet) remove(node *simNode) {
	for i, x := range n.nodes {
		if x == node {
			n.nodes = append(n.nodes[:i], n.nodes[i+1:]...)
			return
		}
	}
}

// tick feeds a sender its pending messages while it takes them, then runs its timers.
func (node *simNode) tick() {
	now := node.net.now
	switch {
	case node.sender != nil:
		s := node.sender
		for len(node.pending) > 0 && s.Writable() {
			if err := s.Send(node.pending[0], now); err != nil {
				node.net.t.Fatal(err)
			}
			node.pending = node.pending[1:]
		}
		if len(node.pending) == 0 && !node.flushed {
			s.Flush(now)
			node.flushed = true
		}
		node.next = s.Tick(now)
	case node.recv != nil:
		node.next = node.recv.Tick(now)
	}
}

func (node *simNode) deliver(e event) {
	now := node.net.now
	var err error
	switch {
	case node.sender != nil:
		err = node.sender.HandleDatagram(e.pkt, now)
	case node.recv != nil:
		err = node.recv.HandleDatagram(e.pkt, e.from, now)
	default:
		node.handle(e.pkt, e.from, now)
	}
	if err != nil {
		node.net.t.Fatalf("%v: a packet of the simulation did not parse: %v", node.addr, err)
	}
	node.tick()
}

// run advances the simulation until done returns true (checked after every step) or
// the clock passes limit; it reports whether done did.
func (n *simNet) run(limit time.Duration, done func() bool) bool {
	end := n.now.Add(limit)
	for !done() {
		var next time.Time
		var due *simNode
		for _, node := range n.nodes {
			if !node.next.IsZero() && (next.IsZero() || node.next.Before(next)) {
				next, due = node.next, node
			}
		}
		if len(n.events) > 0 && (next.IsZero() || !n.events[0].at.After(next)) {
			e := heap.Pop(&n.events).(event)
			if e.at.After(end) {
				n.now = end
				return false
			}
			n.now = later(n.now, e.at)
			if n.has(e.to) {
				e.to.deliver(e)
			}
			continue
		}
		if next.IsZero() || next.After(end) {
			n.now = end
			return false
		}
		n.now = later(n.now, next)
		due.tick()
	}
	return true
}

func (n *simNet) has(node *simNode) bool {
	for _, x := range n.nodes {
		if x == node {
			return true
		}
	}
	return false
}

func cloneMessage(msg [][]byte) [][]byte {
	c := make([][]byte, len(msg))
	for i, f := range msg {
		c[i] = bytes.Clone(f)
	}
	return c
}

// testMessages returns n multipart messages, each of a topic frame, its index and a body
// of random length up to maxBody (several APDUs when beyond one TSDU).
func testMessages(seed uint64, n, maxBody int) [][][]byte {
	rng := rand.New(rand.NewPCG(seed, 7))
	msgs := make([][][]byte, n)
	for i := range msgs {
		body := make([]byte, rng.IntN(maxBody+1))
		for j := range body {
			body[j] = byte(rng.Uint32())
		}
		msgs[i] = [][]byte{[]byte("topic"), []byte(fmt.Sprint(i)), body}
	}
	return msgs
}

// sameMessages fails t unless got is want, message by message and frame by frame.
func sameMessages(t testing.TB, who string, got, want [][][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d messages, want %d", who, len(got), len(want))
	}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("%s: message %d has %d frames, want %d", who, i, len(got[i]), len(want[i]))
		}
		for j := range want[i] {
			if !bytes.Equal(got[i][j], want[i][j]) {
				t.Fatalf("%s: message %d frame %d differs (%d bytes, want %d)", who, i, j, len(got[i][j]), len(want[i][j]))
			}
		}
	}
}
