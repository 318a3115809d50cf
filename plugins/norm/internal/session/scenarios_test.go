package session

import (
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/plugins/norm/internal/wire"
)

// TestRepairsFromParity: when a block loses no more segments than it has
// parity, the receiver asks for parity, the sender sends parity only, and
// the receiver rebuilds the lost segments with FEC (libnorm's rule,
// normSegment.cpp: erasures <= nparity -> parity request).
func TestRepairsFromParity(t *testing.T) {
	const count = 120
	h := newHarness(t, 7)
	sender, _ := h.addSender(Config{NodeID: 1, FixedRate: true, Rate: 500_000}, 'p', count)
	r := h.addReceiver(2, Config{})
	// Drop the first transmission of source symbols 3 and 11 of every full
	// block: two erasures per block, within the four parity segments.
	dropped := 0
	h.net.drop = func(from, to *simNode, pkt []byte) bool {
		var d wire.Data
		if from != sender || d.Parse(pkt, 8) != nil || d.Flags&wire.FlagRepair != 0 {
			return false
		}
		if s := d.PayloadID.Symbol; s == 3 || s == 11 {
			dropped++
			return true
		}
		return false
	}
	if !h.net.run(10*time.Minute, func() bool { return h.complete('p', count, r) }) {
		t.Fatal("not complete")
	}
	h.checkExactlyOnce(r, 'p', count)
	st, rst := sender.sender.Stats(), r.receiver.Stats()
	t.Logf("dropped %d; sender %+v; receiver %+v", dropped, st, rst)
	// The last block may be partial: its losses (at most 2) need explicit
	// repair, as parity exists only for full blocks.
	if st.DataRepairs > 2 {
		t.Errorf("%d explicit repairs; want parity for every full block", st.DataRepairs)
	}
	if st.ParityRepairs < dropped-2 || rst.FECRecovered < dropped-2 {
		t.Errorf("%d parity repairs and %d segments rebuilt for %d dropped", st.ParityRepairs, rst.FECRecovered, dropped)
	}
}

// TestExplicitRepairsBeyondParity: a block that loses more segments than
// it has parity is repaired with the lost source segments themselves.
func TestExplicitRepairsBeyondParity(t *testing.T) {
	const count = 60
	h := newHarness(t, 8)
	sender, _ := h.addSender(Config{NodeID: 1, FixedRate: true, Rate: 500_000, NumParity: 2}, 'e', count)
	r := h.addReceiver(2, Config{})
	h.net.drop = func(from, to *simNode, pkt []byte) bool {
		var d wire.Data
		if from != sender || d.Parse(pkt, 8) != nil || d.Flags&wire.FlagRepair != 0 {
			return false
		}
		return d.PayloadID.Symbol >= 4 && d.PayloadID.Symbol < 7 // 3 > 2 parity
	}
	if !h.net.run(10*time.Minute, func() bool { return h.complete('e', count, r) }) {
		t.Fatal("not complete")
	}
	h.checkExactlyOnce(r, 'e', count)
	if st := sender.sender.Stats(); st.ParityRepairs != 0 || st.DataRepairs == 0 {
		t.Errorf("repairs %+v, want explicit ones only", st)
	}
}

// TestLateJoiner: a receiver that joins after many messages delivers a
// suffix of whole messages, in order, through the last.
func TestLateJoiner(t *testing.T) {
	const count = 400
	h := newHarness(t, 9)
	h.net.loss = 0.05
	h.addSender(Config{NodeID: 1, FixedRate: true, Rate: 200_000}, 'l', count)
	early := h.addReceiver(2, Config{})
	late := h.addReceiver(3, Config{})
	late.offline = true
	h.net.run(time.Minute, func() bool { return len(h.got[early]['l']) >= count/2 })
	late.offline = false
	if !h.net.run(10*time.Minute, func() bool { return h.complete('l', count, early) && h.lastIs(late, 'l', count-1) }) {
		t.Fatalf("late joiner got %d", len(h.got[late]['l']))
	}
	h.checkExactlyOnce(early, 'l', count)
	got := h.got[late]['l']
	if n := h.checkOrderedSubset(late, 'l'); n == count || n < count/4 {
		t.Errorf("late joiner got %d of %d", n, count)
	}
	for i := 1; i < len(got); i++ {
		if got[i] != got[i-1]+1 {
			t.Errorf("late joiner skipped from %d to %d", got[i-1], got[i])
		}
	}
	if h.corrupt > 0 {
		t.Errorf("%d partial messages", h.corrupt)
	}
	t.Logf("late joiner got %d..%d", got[0], got[len(got)-1])
}

// TestTwoSenders: receivers follow two senders on one group, each stream
// complete and in order.
func TestTwoSenders(t *testing.T) {
	const count = 200
	h := newHarness(t, 10)
	h.net.loss = 0.10
	h.addSender(Config{NodeID: 1}, 'x', count)
	h.addSender(Config{NodeID: 2}, 'y', count)
	r1, r2 := h.addReceiver(11, Config{}), h.addReceiver(12, Config{})
	done := func() bool { return h.complete('x', count, r1, r2) && h.complete('y', count, r1, r2) }
	if !h.net.run(30*time.Minute, done) {
		t.Fatal("not complete")
	}
	for _, r := range []*simNode{r1, r2} {
		h.checkExactlyOnce(r, 'x', count)
		h.checkExactlyOnce(r, 'y', count)
		if r.receiver.Senders() != 2 {
			t.Errorf("%s follows %d senders", r.name, r.receiver.Senders())
		}
	}
}

// TestSenderRestart: a sender that restarts (same node ID, new instance
// ID) is followed from its new stream's start.
func TestSenderRestart(t *testing.T) {
	const count = 100
	h := newHarness(t, 11)
	h.net.loss = 0.10
	first, _ := h.addSender(Config{NodeID: 1, FixedRate: true, Rate: 300_000, Rand: seeded(1)}, 'r', count)
	r := h.addReceiver(2, Config{})
	if !h.net.run(10*time.Minute, func() bool { return h.complete('r', count, r) }) {
		t.Fatal("first instance not delivered")
	}
	h.net.nodes = h.net.nodes[1:] // the first instance is gone
	second, _ := h.addSender(Config{NodeID: 1, FixedRate: true, Rate: 300_000, Rand: seeded(2)}, 's', count)
	if first.sender.InstanceID() == second.sender.InstanceID() {
		t.Fatal("same instance ID")
	}
	if !h.net.run(10*time.Minute, func() bool { return h.complete('s', count, r) }) {
		t.Fatal("second instance not delivered")
	}
	h.checkExactlyOnce(r, 'r', count)
	h.checkExactlyOnce(r, 's', count)
	if st := r.receiver.Stats(); st.SenderRestarts != 1 {
		t.Errorf("%d restarts seen", st.SenderRestarts)
	}
}

// TestReceiverFallsBehind: a receiver cut off while the sender moves more
// than its buffer on loses the middle, not the order: it delivers what it
// had, skips what is gone (SQUELCH or its own buffer bound) and rejoins at
// a whole message; the sender never blocks on it.
func TestReceiverFallsBehind(t *testing.T) {
	const count = 600
	h := newHarness(t, 12)
	cfg := Config{NodeID: 1, FixedRate: true, Rate: 400_000, BufferSize: 6 * 16 * 1400}
	sender, written := h.addSender(cfg, 'f', count)
	good := h.addReceiver(2, Config{BufferSize: cfg.BufferSize})
	slow := h.addReceiver(3, Config{BufferSize: cfg.BufferSize})
	h.net.run(time.Minute, func() bool { return len(h.got[slow]['f']) >= 50 })
	slow.offline = true
	h.net.run(time.Minute, func() bool { return *written >= 400 })
	slow.offline = false
	if !h.net.run(10*time.Minute, func() bool { return h.complete('f', count, good, slow) || h.lastIs(slow, 'f', count-1) }) {
		t.Fatalf("slow receiver stuck at %d", len(h.got[slow]['f']))
	}
	h.checkExactlyOnce(good, 'f', count)
	n := h.checkOrderedSubset(slow, 'f')
	if n >= count || n < 100 {
		t.Errorf("slow receiver got %d of %d", n, count)
	}
	if st := slow.receiver.Stats(); st.Gaps == 0 {
		t.Errorf("no gap recorded: %+v", st)
	}
	if h.corrupt > 0 {
		t.Errorf("%d partial messages", h.corrupt)
	}
	t.Logf("slow receiver got %d; sender %+v; slow %+v", n, sender.sender.Stats(), slow.receiver.Stats())
}

// lastIs reports whether the last message r got tagged tag is i.
func (h *harness) lastIs(r *simNode, tag byte, i int) bool {
	got := h.got[r][tag]
	return len(got) > 0 && got[len(got)-1] == i
}

// TestNoParity: a sender that advertises no parity (what the research
// prototype did to skip FEC) is repaired with explicit segments only.
func TestNoParity(t *testing.T) {
	const count = 150
	h := newHarness(t, 13)
	h.net.loss = 0.10
	sender, _ := h.addSender(Config{NodeID: 1, FixedRate: true, Rate: 300_000, NumParity: -1}, 'o', count)
	r := h.addReceiver(2, Config{})
	if !h.net.run(10*time.Minute, func() bool { return h.complete('o', count, r) }) {
		t.Fatal("not complete")
	}
	h.checkExactlyOnce(r, 'o', count)
	if st := sender.sender.Stats(); st.ParityRepairs != 0 || st.DataRepairs == 0 {
		t.Errorf("repairs %+v, want explicit ones only", st)
	}
}
