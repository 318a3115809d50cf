package session

import (
	"container/heap"
	"math/rand/v2"
	"time"
)

// simNet is an in-memory multicast group in simulated time: every packet a
// node sends reaches every other node after a delay, unless the network
// loses it; it may also be duplicated or reordered (by jitter). A sender's
// packets may be made to cross a bottleneck link of limited rate with a
// drop-tail queue, for congestion control.
type simNet struct {
	now   time.Time
	rng   *rand.Rand
	nodes []*simNode
	queue packetHeap
	order uint64 // tie-breaker: packets due at once arrive in send order

	delay  time.Duration // one-way
	jitter time.Duration // extra random delay, which reorders
	loss   float64       // per delivery
	dup    float64

	// The bottleneck: packets from nodes with bottleneck set are serialized
	// at linkRate bytes/s behind a queue of at most linkQueue of waiting.
	linkRate  float64
	linkQueue time.Duration
	linkFree  time.Time
	linkDrops int

	// drop, if set, decides the loss of a delivery instead of loss.
	drop func(from, to *simNode, pkt []byte) bool
}

type simNode struct {
	name       string
	sender     *Sender
	receiver   *Receiver
	offline    bool // hears and sends nothing
	bottleneck bool
	deadline   time.Time
	sentBytes  int
	// before runs ahead of each Advance: a writer feeding a sender.
	before func(now time.Time)
}

type simPacket struct {
	at    time.Time
	order uint64
	from  *simNode
	to    *simNode
	data  []byte
}

type packetHeap []simPacket

func (h packetHeap) Len() int { return len(h) }
func (h packetHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].order < h[j].order
}
func (h packetHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *packetHeap) Push(x any)   { *h = append(*h, x.(simPacket)) }
func (h *packetHeap) Pop() any {
	old := *h
	p := old[len(old)-1]
	*h = old[:len(old)-1]
	return p
}

// epoch is the simulated clock's start.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newSimNet(seed uint64) *simNet {
	return &simNet{now: epoch, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), delay: 10 * time.Millisecond}
}

// sendFunc returns the send callback of node n.
func (s *simNet) sendFunc(n **simNode) func([]byte) {
	return func(pkt []byte) { s.transmit(*n, pkt) }
}

func (s *simNet) transmit(from *simNode, pkt []byte) {
	if from.offline {
		return
	}
	from.sentBytes += len(pkt)
	depart := s.now
	if from.bottleneck && s.linkRate > 0 {
		start := s.linkFree
		if start.Before(s.now) {
			start = s.now
		}
		if start.Sub(s.now) > s.linkQueue {
			s.linkDrops++
			return
		}
		s.linkFree = start.Add(time.Duration(float64(len(pkt)) / s.linkRate * float64(time.Second)))
		depart = s.linkFree
	}
	data := append([]byte(nil), pkt...)
	for _, to := range s.nodes {
		if to == from {
			continue
		}
		copies := 1
		if s.dup > 0 && s.rng.Float64() < s.dup {
			copies = 2
		}
		for range copies {
			if s.drop != nil {
				if s.drop(from, to, data) {
					continue
				}
			} else if s.loss > 0 && s.rng.Float64() < s.loss {
				continue
			}
			at := depart.Add(s.delay)
			if s.jitter > 0 {
				at = at.Add(time.Duration(s.rng.Int64N(int64(s.jitter))))
			}
			s.order++
			heap.Push(&s.queue, simPacket{at: at, order: s.order, from: from, to: to, data: data})
		}
	}
}

func (n *simNode) advance(now time.Time) {
	if n.before != nil {
		n.before(now)
	}
	if n.sender != nil {
		n.deadline = n.sender.Advance(now)
	} else {
		n.deadline = n.receiver.Advance(now)
	}
}

func (n *simNode) handle(pkt []byte, now time.Time) {
	if n.offline {
		return
	}
	if n.sender != nil {
		n.sender.HandlePacket(pkt, now)
	} else {
		n.receiver.HandlePacket(pkt, now)
	}
	n.advance(now)
}

// run advances simulated time until done reports true or until limit,
// and reports whether done did.
func (s *simNet) run(limit time.Duration, done func() bool) bool {
	end := s.now.Add(limit)
	for _, n := range s.nodes {
		n.advance(s.now)
	}
	for {
		if done != nil && done() {
			return true
		}
		next := time.Time{}
		for _, n := range s.nodes {
			next = earliest(next, n.deadline)
		}
		if len(s.queue) > 0 {
			next = earliest(next, s.queue[0].at)
		}
		if next.IsZero() || next.After(end) {
			s.now = end
			return done != nil && done()
		}
		if next.After(s.now) {
			s.now = next
		}
		for len(s.queue) > 0 && !s.queue[0].at.After(s.now) {
			p := heap.Pop(&s.queue).(simPacket)
			p.to.handle(p.data, s.now)
		}
		for _, n := range s.nodes {
			if !n.deadline.IsZero() && !n.deadline.After(s.now) {
				n.advance(s.now)
				if !n.deadline.IsZero() && !n.deadline.After(s.now) {
					// A timer that does not move would spin: nudge it.
					n.deadline = s.now.Add(time.Microsecond)
				}
			}
		}
	}
}
