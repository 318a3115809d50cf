package session

import (
	"errors"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/plugins/norm/internal/wire"
)

// TestAutoParityRepairsWithoutNacks: with NORM_NUM_AUTOPARITY parity
// segments sent after every block, a receiver that loses no more than
// that many per block rebuilds them without asking.
func TestAutoParityRepairsWithoutNacks(t *testing.T) {
	const count = 120
	h := newHarness(t, 41)
	sender, _ := h.addSender(Config{NodeID: 1, FixedRate: true, Rate: 500_000, NumParity: 4, NumAutoParity: 2}, 'q', count)
	r := h.addReceiver(2, Config{})
	h.net.drop = func(from, to *simNode, pkt []byte) bool {
		var d wire.Data
		if from != sender || d.Parse(pkt, 8) != nil || d.Flags&wire.FlagRepair != 0 {
			return false
		}
		return d.PayloadID.Symbol == 2 || d.PayloadID.Symbol == 9
	}
	if !h.net.run(10*time.Minute, func() bool { return h.complete('q', count, r) }) {
		t.Fatal("not complete")
	}
	h.checkExactlyOnce(r, 'q', count)
	st, rst := sender.sender.Stats(), r.receiver.Stats()
	fullBlocks := st.DataSent / 16
	if st.AutoParitySent != 2*fullBlocks {
		t.Errorf("%d auto-parity segments for %d full blocks", st.AutoParitySent, fullBlocks)
	}
	if rst.FECRecovered != 2*fullBlocks {
		t.Errorf("%d segments rebuilt, want %d", rst.FECRecovered, 2*fullBlocks)
	}
	// Only the partial last block, which has no parity yet, needs a NACK.
	if st.ParityRepairs != 0 || st.DataRepairs > 2 {
		t.Errorf("repairs on request: %+v", st)
	}
}

// TestNackSuppression: receivers that lose the same segment mostly hear
// one another's NACK (or the repair) during their back-off and keep quiet.
func TestNackSuppression(t *testing.T) {
	const count, receivers = 40, 10
	h := newHarness(t, 42)
	sender, _ := h.addSender(Config{NodeID: 1, FixedRate: true, Rate: 500_000}, 'n', count)
	var rs []*simNode
	for i := range receivers {
		rs = append(rs, h.addReceiver(wireID(10+i), Config{}))
	}
	h.net.drop = func(from, to *simNode, pkt []byte) bool {
		var d wire.Data
		if from != sender || d.Parse(pkt, 8) != nil || d.Flags&wire.FlagRepair != 0 {
			return false
		}
		return d.PayloadID.Block == 1 && d.PayloadID.Symbol < 6 // 6 > 4 parity: explicit
	}
	if !h.net.run(10*time.Minute, func() bool { return h.complete('n', count, rs...) }) {
		t.Fatal("not complete")
	}
	sent, held := 0, 0
	for _, r := range rs {
		h.checkExactlyOnce(r, 'n', count)
		sent += r.receiver.Stats().NacksSent
		held += r.receiver.Stats().NacksHeld
	}
	if sent >= receivers || held == 0 {
		t.Errorf("%d receivers sent %d NACKs, held %d", receivers, sent, held)
	}
	if st := sender.sender.Stats(); st.DataRepairs != 6 {
		t.Errorf("%d segments repaired for 6 lost (aggregation merges the NACKs)", st.DataRepairs)
	}
}

// TestGRTTMeasured: the sender measures the round trip of its probes: 2 x
// 50 ms here, and advertises it in place of the 0.25 s default.
func TestGRTTMeasured(t *testing.T) {
	h := newHarness(t, 43)
	h.net.delay = 50 * time.Millisecond
	sender, _ := h.addSender(Config{NodeID: 1, FixedRate: true, Rate: 100_000}, 'g', 50)
	h.addReceiver(2, Config{})
	h.net.run(20*time.Second, nil)
	if g := sender.sender.GRTT(); g < 95*time.Millisecond || g > 120*time.Millisecond {
		t.Errorf("GRTT %v on a 100 ms round trip", g)
	}
}

// fillBuffer writes messages until the buffer is full and sends them all.
func fillBuffer(t *testing.T, s *Sender, now time.Time) int {
	t.Helper()
	n := 0
	for ; ; n++ {
		err := s.WriteMessage([][]byte{make([]byte, 1000)}, now)
		if errors.Is(err, ErrBufferFull) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	for range 100 {
		s.Advance(now)
		now = now.Add(time.Millisecond)
	}
	return n
}

// TestFlowControlAndPush: a sent block stays buffered for repairs for
// 2 (K+1) GRTT before new data may replace it (ErrBufferFull meanwhile);
// NORM_PUSH replaces it at once.
func TestFlowControlAndPush(t *testing.T) {
	for _, push := range []bool{false, true} {
		cfg := Config{NodeID: 1, FixedRate: true, Rate: 10e6, BufferSize: 4 * 16 * 1400, Push: push}
		s, err := NewSender(cfg, epoch, func([]byte) {})
		if err != nil {
			t.Fatal(err)
		}
		if n := fillBuffer(t, s, epoch); n < 40 {
			t.Fatalf("only %d messages fit", n)
		}
		// fillBuffer sent everything within 100 ms of simulated time, well
		// within the hold of 2 x 5 x 0.25 s.
		if st := s.Stats(); st.DataSent != int(s.written) {
			t.Fatalf("%d of %d segments sent", st.DataSent, s.written)
		}
		now := epoch.Add(110 * time.Millisecond)
		err = s.WriteMessage([][]byte{make([]byte, 1000)}, now)
		if push && err != nil {
			t.Errorf("push: %v", err)
		}
		if !push && !errors.Is(err, ErrBufferFull) {
			t.Errorf("no push: %v, want ErrBufferFull within the flow-control hold", err)
		}
		if err := s.WriteMessage([][]byte{make([]byte, 1000)}, now.Add(10*time.Second)); err != nil {
			t.Errorf("after the hold: %v", err)
		}
	}
}

// TestWriteMessageErrors: a message larger than the buffer, and one of no
// frames, are refused.
func TestWriteMessageErrors(t *testing.T) {
	s, err := NewSender(Config{NodeID: 1, BufferSize: 4 * 16 * 1400}, epoch, func([]byte) {})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WriteMessage([][]byte{make([]byte, 4*16*1400)}, epoch); !errors.Is(err, ErrMessageTooLarge) {
		t.Errorf("huge message: %v", err)
	}
	if err := s.WriteMessage(nil, epoch); err == nil {
		t.Error("empty message accepted")
	}
	if none, err := NewSender(Config{NumParity: -1}, epoch, func([]byte) {}); err != nil || none.cfg.NumParity != 0 {
		t.Errorf("NumParity -1: %v", err)
	}
	for _, cfg := range []Config{
		{SegmentSize: 10}, {BlockSize: 200, NumParity: 100}, {NumParity: 2, NumAutoParity: 3},
		{BufferSize: 1000}, {Rate: -1}, {NumParity: -1, NumAutoParity: 1},
	} {
		if _, err := NewSender(cfg, epoch, func([]byte) {}); !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
}

// TestSquelchForReleasedData: a NACK for data the buffer no longer holds
// gets a CMD(SQUELCH) naming where the buffer now starts, and a receiver
// that hears it skips there and rejoins at a whole message.
func TestSquelchForReleasedData(t *testing.T) {
	var sent [][]byte
	s, err := NewSender(Config{NodeID: 1, FixedRate: true, Rate: 10e6, BufferSize: 4 * 16 * 1400}, epoch,
		func(pkt []byte) { sent = append(sent, append([]byte(nil), pkt...)) })
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewReceiver(Config{NodeID: 2}, func([]byte) {}, func(wire.NodeID, [][]byte) {})
	if err != nil {
		t.Fatal(err)
	}
	now := epoch
	for i := 0; i < 200; i++ {
		for {
			err := s.WriteMessage(testMessage('s', i), now)
			if err == nil {
				break
			}
			if !errors.Is(err, ErrBufferFull) {
				t.Fatal(err)
			}
			now = now.Add(100 * time.Millisecond)
			s.Advance(now)
		}
		s.Advance(now)
	}
	if s.first == 0 {
		t.Fatal("no block released")
	}
	// The receiver heard block 0 only: it is far behind.
	for _, pkt := range sent {
		var d wire.Data
		if d.Parse(pkt, 8) == nil && d.PayloadID.Block == 0 {
			r.HandlePacket(pkt, now)
		}
	}
	items, _ := wire.AppendRepairRequest(nil, wire.FormItems, wire.RepairSegment,
		[]wire.RepairItem{{FECID: wire.FECRS8, PayloadID: wire.PayloadID{Block: 1, Symbol: 0}}}, 8)
	nack, _ := (&wire.Nack{Header: wire.Header{SourceID: 2}, ServerID: 1, InstanceID: s.InstanceID(), Requests: items}).Append(nil)
	sent = sent[:0]
	s.HandlePacket(nack, now)
	s.Advance(now.Add(time.Second))
	var squelch *wire.Cmd
	for _, pkt := range sent {
		var c wire.Cmd
		if c.Parse(pkt, 8) == nil && c.Flavor == wire.CmdSquelch {
			squelch = &c
			r.HandlePacket(pkt, now)
			break
		}
	}
	if squelch == nil {
		t.Fatal("no SQUELCH sent")
	}
	if squelch.PayloadID.Block != s.first {
		t.Errorf("SQUELCH names block %d, the buffer starts at %d", squelch.PayloadID.Block, s.first)
	}
	rm := r.remotes[1]
	if rm == nil || rm.next != uint64(s.first)*16 {
		t.Errorf("receiver did not skip to block %d", s.first)
	}
	if st := s.Stats(); st.Squelches != 1 || st.DataRepairs != 0 {
		t.Errorf("sender %+v", st)
	}
}
