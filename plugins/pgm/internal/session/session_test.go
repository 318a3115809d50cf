package session

import (
	"fmt"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/plugins/pgm/internal/wire"
)

// allDelivered reports whether every receiver has n messages from the source tsi.
func allDelivered(receivers []*simNode, tsi wire.TSI, n int) func() bool {
	return func() bool {
		for _, r := range receivers {
			if len(r.got[tsi]) < n {
				return false
			}
		}
		return true
	}
}

// TestDeliveryUnderLoss: one source, three receivers, with 0 %, 10 % and 30 % of every
// packet copy lost (data, SPMs, NAKs, NCFs and repairs alike), 2 % duplicated and all
// reordered by up to 3 ms: every receiver delivers every message once, in order, each
// frame intact, and none is declared lost. Loss is repaired with NAKs (counted).
func TestDeliveryUnderLoss(t *testing.T) {
	for _, loss := range []float64{0, 0.10, 0.30} {
		t.Run(fmt.Sprintf("%.0f%%", loss*100), func(t *testing.T) {
			net := newSimNet(t, 1, loss)
			msgs := testMessages(2, 300, 3000)
			var receivers []*simNode
			for i := range 3 {
				receivers = append(receivers, net.addReceiver(fmt.Sprintf("10.0.0.%d", 2+i), func(c *ReceiverConfig) { c.RateKbit = 1000 }))
			}
			src := net.addSender("10.0.0.1", 40000, msgs, func(c *SenderConfig) { c.RateKbit = 1000 })
			tsi := src.sender.cfg.TSI
			if !net.run(10*time.Minute, allDelivered(receivers, tsi, len(msgs))) {
				for _, r := range receivers {
					t.Logf("%v: %d messages, %+v", r.addr, len(r.got[tsi]), r.recv.Stats())
				}
				t.Fatalf("not every message delivered in 10 simulated minutes")
			}
			for _, r := range receivers {
				sameMessages(t, r.addr.String(), r.got[tsi], msgs)
				st := r.recv.Stats()
				if st.Lost != 0 {
					t.Errorf("%v: %d sequence numbers declared lost", r.addr, st.Lost)
				}
				if loss > 0 && st.NAKs == 0 {
					t.Errorf("%v: no NAK under %.0f%% loss", r.addr, loss*100)
				}
			}
			if st := src.sender.Stats(); loss > 0 && (st.RDATA == 0 || st.NCF == 0) {
				t.Errorf("source under loss sent %d NCF and %d RDATA", st.NCF, st.RDATA)
			}
		})
	}
}

// TestLateJoiner: a receiver that joins after half the messages starts at a whole
// message: it delivers a contiguous tail of the messages, the first one complete, and
// never asks for (or declares lost) anything before where it joined.
func TestLateJoiner(t *testing.T) {
	net := newSimNet(t, 3, 0.10)
	msgs := testMessages(4, 200, 2500)
	early := net.addReceiver("10.0.0.2", func(c *ReceiverConfig) { c.RateKbit = 500 })
	src := net.addSender("10.0.0.1", 40000, msgs, func(c *SenderConfig) { c.RateKbit = 500 })
	tsi := src.sender.cfg.TSI
	net.run(time.Hour, func() bool { return len(early.got[tsi]) >= 100 })
	late := net.addReceiver("10.0.0.3", func(c *ReceiverConfig) { c.RateKbit = 500 })
	if !net.run(10*time.Minute, allDelivered([]*simNode{early}, tsi, len(msgs))) {
		t.Fatal("the early receiver did not get every message")
	}
	net.run(5*time.Second, func() bool { return false }) // repairs of the last ones
	got := late.got[tsi]
	if len(got) == 0 || len(got) >= len(msgs) {
		t.Fatalf("the late joiner delivered %d of %d messages, want a tail", len(got), len(msgs))
	}
	sameMessages(t, "late joiner", got, msgs[len(msgs)-len(got):])
	if st := late.recv.Stats(); st.Lost != 0 {
		t.Errorf("the late joiner declared %d sequence numbers lost", st.Lost)
	}
}

// TestTwoPublishers: two sources on one group, told apart by TSI (the same GSI, as two
// libzmq processes have, and different ports): each receiver delivers each source's
// messages in that source's order.
func TestTwoPublishers(t *testing.T) {
	net := newSimNet(t, 5, 0.10)
	msgsA, msgsB := testMessages(6, 150, 2000), testMessages(7, 120, 2000)
	fast := func(c *ReceiverConfig) { c.RateKbit = 1000 }
	receivers := []*simNode{net.addReceiver("10.0.0.2", fast), net.addReceiver("10.0.0.3", fast)}
	a := net.addSender("10.0.0.1", 40000, msgsA, func(c *SenderConfig) { c.RateKbit = 1000 })
	b := net.addSender("10.0.0.9", 40001, msgsB, func(c *SenderConfig) { c.RateKbit = 1000 })
	ta, tb := a.sender.cfg.TSI, b.sender.cfg.TSI
	done := func() bool {
		return allDelivered(receivers, ta, len(msgsA))() && allDelivered(receivers, tb, len(msgsB))()
	}
	if !net.run(10*time.Minute, done) {
		t.Fatal("not every message of both sources delivered")
	}
	for _, r := range receivers {
		sameMessages(t, r.addr.String()+" from A", r.got[ta], msgsA)
		sameMessages(t, r.addr.String()+" from B", r.got[tb], msgsB)
		if n := r.recv.Sources(); n != 2 {
			t.Errorf("%v follows %d sources, want 2", r.addr, n)
		}
	}
}

// TestPublisherRestart: a source that closes and comes back under a new TSI (as a new
// libzmq process does: same GSI, new random port), and one that crashes and comes back
// under the same TSI with its sequence numbers from 0 again. The receiver delivers both
// sessions whole and in order, and forgets the closed one.
func TestPublisherRestart(t *testing.T) {
	t.Run("new TSI after close", func(t *testing.T) {
		net := newSimNet(t, 8, 0.10)
		first, second := testMessages(9, 60, 1500), testMessages(10, 60, 1500)
		r := net.addReceiver("10.0.0.2", nil)
		src := net.addSender("10.0.0.1", 40000, first, nil)
		t1 := src.sender.cfg.TSI
		if !net.run(10*time.Minute, allDelivered([]*simNode{r}, t1, len(first))) {
			t.Fatal("first session not delivered")
		}
		src.sender.Close()
		net.run(time.Second, func() bool { return false })
		if n := r.recv.Sources(); n != 0 {
			t.Errorf("%d sources followed after the FIN, want 0", n)
		}
		net.remove(src)
		again := net.addSender("10.0.0.1", 40002, second, nil)
		t2 := again.sender.cfg.TSI
		if !net.run(10*time.Minute, allDelivered([]*simNode{r}, t2, len(second))) {
			t.Fatal("second session not delivered")
		}
		sameMessages(t, "first session", r.got[t1], first)
		sameMessages(t, "second session", r.got[t2], second)
	})
	t.Run("same TSI after a crash", func(t *testing.T) {
		net := newSimNet(t, 11, 0.10)
		// Bodies of a whole TSDU or more: over 80 packets (the default window)
		// before the crash, so that the new session's sequence numbers are
		// unmistakably behind.
		first, second := testMessages(12, 100, 4000), testMessages(13, 40, 1500)
		r := net.addReceiver("10.0.0.2", nil)
		src := net.addSender("10.0.0.1", 40000, first, nil)
		tsi := src.sender.cfg.TSI
		if !net.run(time.Hour, allDelivered([]*simNode{r}, tsi, len(first))) {
			t.Fatal("first session not delivered")
		}
		if _, lead := src.sender.Window(); lead < 100 {
			t.Fatalf("the first session sent only %d packets", lead+1)
		}
		net.remove(src) // no FIN
		net.addSender("10.0.0.1", 40000, second, nil)
		if !net.run(time.Hour, allDelivered([]*simNode{r}, tsi, len(first)+len(second))) {
			t.Fatalf("after the restart: %d messages, %+v", len(r.got[tsi]), r.recv.Stats())
		}
		sameMessages(t, "both sessions", r.got[tsi], append(append([][][]byte{}, first...), second...))
		if st := r.recv.Stats(); st.Restarts != 1 {
			t.Errorf("%d restarts seen, want 1", st.Restarts)
		}
	})
}

// TestUnrecoverableLoss: every repair of one ODATA is dropped, so the receiver's NAKs
// run out (NAK_DATA_RETRIES after NCFs) and the loss is declared; the stream resets and
// joins again at the next message that starts in a packet. The messages that touched
// the lost packet are missing, every other one is delivered whole and in order.
func TestUnrecoverableLoss(t *testing.T) {
	net := newSimNet(t, 14, 0)
	net.dup, net.reorder = 0, 0
	msgs := testMessages(15, 40, 3000)
	r := net.addReceiver("10.0.0.2", nil)
	const victim = 10
	net.drop = func(pkt []byte, to *simNode) bool {
		var p wire.Packet
		return to == r && p.Parse(pkt) == nil && (p.Type == wire.TypeODATA || p.Type == wire.TypeRDATA) && p.Seq == victim
	}
	src := net.addSender("10.0.0.1", 40000, msgs, nil)
	tsi := src.sender.cfg.TSI
	net.run(time.Hour, func() bool { return r.recv.Stats().Lost > 0 && src.sender.Idle() })
	net.run(10*time.Second, func() bool { return false })
	st := r.recv.Stats()
	if st.Lost != 1 {
		t.Fatalf("%d sequence numbers lost, want 1 (%+v)", st.Lost, st)
	}
	if st.NAKed < NAKDataRetries {
		t.Errorf("the loss was NAKed %d times, want at least NAK_DATA_RETRIES", st.NAKed)
	}
	got := r.got[tsi]
	if len(got) == 0 || len(got) >= len(msgs) {
		t.Fatalf("%d of %d messages delivered", len(got), len(msgs))
	}
	inOrderSubset(t, got, msgs)
}

// inOrderSubset fails t unless got is some of want, whole and in want's order.
func inOrderSubset(t *testing.T, got, want [][][]byte) {
	t.Helper()
	i := 0
	for _, m := range got {
		for i < len(want) && string(want[i][1]) != string(m[1]) {
			i++
		}
		if i == len(want) {
			t.Fatalf("message %q out of order or unknown", m[1])
		}
		sameMessages(t, "message "+string(m[1]), [][][]byte{m}, want[i:i+1])
	}
}

// TestNAKOutsideWindow: a NAK for a sequence number the window no longer holds is
// answered as OpenPGM answers it, with an NCF and no RDATA; the receiver then learns from
// the source's trail that it is gone, declares it lost without waiting out its retries,
// and delivers the rest.
func TestNAKOutsideWindow(t *testing.T) {
	net := newSimNet(t, 16, 0)
	net.dup, net.reorder = 0, 0
	msgs := testMessages(17, 100, 1400)
	// A window of 8 packets (RECOVERY_IVL 1 s at 100 kbit/s), and the receiver's NAKs
	// held up for 2 s, long after the packet left it.
	r := net.addReceiver("10.0.0.2", func(c *ReceiverConfig) { c.RecoveryIvl = time.Second })
	var src *simNode
	var heldNAKs []event
	net.drop = func(pkt []byte, to *simNode) bool {
		var p wire.Packet
		if p.Parse(pkt) != nil {
			return false
		}
		if to == r && p.Type == wire.TypeODATA && p.Seq == 5 {
			return true
		}
		if to == src && p.Type == wire.TypeNAK && net.now.Before(simStart.Add(3*time.Second)) {
			heldNAKs = append(heldNAKs, event{at: net.now, pkt: pkt})
			return true
		}
		return false
	}
	src = net.addSender("10.0.0.1", 40000, msgs, func(c *SenderConfig) { c.RecoveryIvl = time.Second })
	tsi := src.sender.cfg.TSI
	net.run(3*time.Second, func() bool { return false })
	if len(heldNAKs) == 0 {
		t.Fatal("the receiver sent no NAK")
	}
	before := src.sender.Stats()
	src.sender.HandleDatagram(heldNAKs[0].pkt, net.now)
	after := src.sender.Stats()
	if after.NCF != before.NCF+1 || after.RDATA != before.RDATA || after.NAKedOutsideWindow != before.NAKedOutsideWindow+1 {
		t.Fatalf("NAK outside the window: %+v -> %+v, want one NCF and no RDATA", before, after)
	}
	net.run(time.Minute, func() bool { return src.sender.Idle() && r.recv.Stats().Lost > 0 })
	net.run(5*time.Second, func() bool { return false })
	st := r.recv.Stats()
	if st.Lost != 1 || st.NAKed >= NAKDataRetries {
		t.Fatalf("receiver: %+v, want the one loss declared from the trail", st)
	}
	// One packet holds parts of a few messages at most.
	if got := r.got[tsi]; len(got) < len(msgs)-6 {
		t.Fatalf("%d of %d messages delivered", len(got), len(msgs))
	}
	inOrderSubset(t, r.got[tsi], msgs)
}
