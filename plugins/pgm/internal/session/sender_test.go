package session

import (
	"net/netip"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/plugins/pgm/internal/wire"
)

// capture records what a Sender or Receiver sends, parsed, with the simulated time.
type capture struct {
	now  time.Time
	pkts []captured
}

type captured struct {
	at  time.Time
	to  netip.Addr
	raw []byte
	p   wire.Packet
}

func (c *capture) send(t testing.TB) func(pkt []byte, to netip.Addr) {
	return func(pkt []byte, to netip.Addr) {
		raw := append([]byte(nil), pkt...)
		k := captured{at: c.now, to: to, raw: raw}
		if err := k.p.Parse(raw); err != nil {
			t.Fatalf("sent a packet that does not parse: %v", err)
		}
		c.pkts = append(c.pkts, k)
	}
}

func (c *capture) count(typ wire.Type) int {
	n := 0
	for _, k := range c.pkts {
		if k.p.Type == typ {
			n++
		}
	}
	return n
}

var (
	testNLA = netip.MustParseAddr("10.0.0.1")
	testTSI = wire.TSI{GSI: wire.GSI{1, 2, 3, 4, 5, 6}, SourcePort: 40000}
)

func newTestSender(t *testing.T, c *capture, tune func(*SenderConfig)) *Sender {
	t.Helper()
	c.now = simStart
	cfg := SenderConfig{TSI: testTSI, DestPort: simPort, SourceNLA: testNLA, Group: simGroup, UDPEncap: true, Send: c.send(t)}
	if tune != nil {
		tune(&cfg)
	}
	s, err := NewSender(cfg, c.now)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// runSender ticks s at every time it asks for, up to end.
func runSender(s *Sender, c *capture, end time.Time) {
	for {
		next := s.Tick(c.now)
		if next.IsZero() || next.After(end) {
			c.now = end
			s.Tick(c.now)
			return
		}
		c.now = next
	}
}

// TestSenderSPMSchedule: three SPMs at start announcing the empty window (trail 0, lead
// 0xFFFFFFFF) with the real source address as NLA; after an ODATA, heartbeats on
// libzmq's schedule (100, 100, 100, 100, 1300 ms, 7, 16, 25, 30 s after each other);
// ambient SPMs every 30 s from the start; three SPMs with OPT_FIN at close, then
// nothing.
func TestSenderSPMSchedule(t *testing.T) {
	var c capture
	s := newTestSender(t, &c, nil)
	if len(c.pkts) != 3 {
		t.Fatalf("%d packets at start, want 3 SPMs", len(c.pkts))
	}
	for i, k := range c.pkts {
		if k.p.Type != wire.TypeSPM || k.p.Seq != wire.SeqNo(i) || k.p.Trail != 0 || k.p.Lead != 0xFFFFFFFF || k.p.SourceNLA != testNLA || k.to != simGroup {
			t.Fatalf("start packet %d: %v seq %d trail %d lead %d NLA %v to %v", i, k.p.Type, k.p.Seq, k.p.Trail, k.p.Lead, k.p.SourceNLA, k.to)
		}
	}
	if err := s.Send([][]byte{[]byte("hello")}, c.now); err != nil {
		t.Fatal(err)
	}
	s.Flush(c.now)
	runSender(s, &c, simStart.Add(100*time.Second))
	var got []time.Duration
	for _, k := range c.pkts[3:] {
		switch k.p.Type {
		case wire.TypeSPM:
			got = append(got, k.at.Sub(simStart))
			if k.p.Trail != 0 || k.p.Lead != 0 {
				t.Errorf("SPM after one ODATA announces trail %d lead %d, want 0 and 0", k.p.Trail, k.p.Lead)
			}
		case wire.TypeODATA:
			if k.p.Seq != 0 || k.p.Trail != 0 || k.p.Flags != 0 {
				t.Errorf("ODATA seq %d trail %d flags %#x, want 0, 0, no options", k.p.Seq, k.p.Trail, k.p.Flags)
			}
		default:
			t.Errorf("unexpected %v", k.p.Type)
		}
	}
	ms := time.Millisecond
	want := []time.Duration{100 * ms, 200 * ms, 300 * ms, 400 * ms, 1700 * ms, 8700 * ms, 24700 * ms,
		30 * time.Second, 49700 * ms, 60 * time.Second, 79700 * ms, 90 * time.Second}
	if len(got) != len(want) {
		t.Fatalf("SPMs at %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("SPMs at %v, want %v", got, want)
		}
	}
	n := len(c.pkts)
	s.Close()
	if len(c.pkts) != n+3 {
		t.Fatalf("%d packets at close, want 3", len(c.pkts)-n)
	}
	for _, k := range c.pkts[n:] {
		if k.p.Type != wire.TypeSPM || !k.p.Options.FIN {
			t.Fatalf("close sent %v (FIN %v), want SPM with OPT_FIN", k.p.Type, k.p.Options.FIN)
		}
	}
	runSender(s, &c, c.now.Add(time.Minute))
	if len(c.pkts) != n+3 {
		t.Fatalf("the closed sender sent %d more packets", len(c.pkts)-n-3)
	}
	if err := s.Send([][]byte{[]byte("late")}, c.now); err != ErrClosed {
		t.Fatalf("Send after Close: %v, want ErrClosed", err)
	}
}

// TestSenderRateLimit: with more to send than RATE allows, the ODATA bytes, counted as
// OpenPGM's token bucket counts them (PGM bytes plus the IP header, and the UDP header
// for epgm), over simulated time stay within RATE x time plus the bucket's one burst,
// and reach it (the limit is a rate, not a stall). Both framings, at 100 kbit/s (a
// bucket of one second) and 10 Mbit/s (one of a millisecond).
func TestSenderRateLimit(t *testing.T) {
	for _, tc := range []struct {
		name     string
		encap    bool
		rateKbit int
	}{{"epgm 100k", true, 100}, {"pgm 100k", false, 100}, {"epgm 10M", true, 10000}} {
		t.Run(tc.name, func(t *testing.T) {
			var c capture
			s := newTestSender(t, &c, func(cfg *SenderConfig) { cfg.UDPEncap, cfg.RateKbit = tc.encap, tc.rateKbit })
			perSec := int64(tc.rateKbit) * 1000 / 8
			burst := perSec
			if perSec/1000 >= DefaultMaxTPDU {
				burst = perSec / 1000
			}
			const span = 20 * time.Second
			end := simStart.Add(span)
			body := make([]byte, 700)
			for c.now.Before(end) {
				for s.Writable() {
					if err := s.Send([][]byte{body}, c.now); err != nil {
						t.Fatal(err)
					}
				}
				c.now = s.Tick(c.now)
			}
			var bytes int64
			overhead := ipOverhead(tc.encap)
			for _, k := range c.pkts {
				if k.p.Type == wire.TypeODATA && !k.at.After(end) {
					bytes += int64(len(k.raw) + overhead)
				}
			}
			limit := perSec*int64(span/time.Second) + burst
			if bytes > limit {
				t.Fatalf("%d ODATA bytes in %v at %d B/s, beyond %d", bytes, span, perSec, limit)
			}
			if floor := perSec * int64(span/time.Second) * 95 / 100; bytes < floor {
				t.Fatalf("%d ODATA bytes in %v at %d B/s, below 95 %% of the rate", bytes, span, perSec)
			}
			if st := s.Stats(); int64(st.ODATABytes) < bytes {
				t.Fatalf("Stats counts %d ODATA bytes, the capture %d", st.ODATABytes, bytes)
			}
		})
	}
}

// nakFor returns a NAK from a receiver for seqs (the first in the header, the rest in
// OPT_NAK_LIST), with the upstream ports, the session's GSI and the given NLAs.
func nakFor(t testing.TB, seqs []wire.SeqNo, srcNLA, grpNLA netip.Addr) []byte {
	p := wire.Packet{
		Header:    wire.Header{SourcePort: simPort, DestPort: testTSI.SourcePort, Type: wire.TypeNAK, GSI: testTSI.GSI},
		Seq:       seqs[0],
		SourceNLA: srcNLA,
		GroupNLA:  grpNLA,
	}
	if err := p.Options.SetNAKList(seqs[1:]); err != nil {
		t.Fatal(err)
	}
	b, err := p.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSenderNAK: a NAK (with an OPT_NAK_LIST) is confirmed by one NCF carrying the same
// sequence numbers and NLAs, and each one in the window is repaired by RDATA with the
// ODATA's payload and the current trail; NAKs with NLAs not the source's or not the
// group, another GSI or port are refused without an answer, as OpenPGM's pgm_on_nak.
func TestSenderNAK(t *testing.T) {
	var c capture
	s := newTestSender(t, &c, func(cfg *SenderConfig) { cfg.RateKbit = 10000 })
	for i := range 10 {
		s.Send([][]byte{make([]byte, 1000+i)}, c.now)
	}
	s.Flush(c.now)
	runSender(s, &c, c.now.Add(time.Second))
	odata := map[wire.SeqNo][]byte{}
	for _, k := range c.pkts {
		if k.p.Type == wire.TypeODATA {
			odata[k.p.Seq] = k.p.TSDU
		}
	}
	n := len(c.pkts)
	other := netip.MustParseAddr("10.0.0.99")
	for _, bad := range [][]byte{
		nakFor(t, []wire.SeqNo{1}, other, simGroup),
		nakFor(t, []wire.SeqNo{1}, testNLA, netip.MustParseAddr("239.1.1.1")),
	} {
		if err := s.HandleDatagram(bad, c.now); err != nil {
			t.Fatal(err)
		}
	}
	// Another session's NAKs, on the same port: another GSI, another TSI port.
	for _, edit := range []func(*wire.Packet){
		func(p *wire.Packet) { p.GSI[0] ^= 0xFF },
		func(p *wire.Packet) { p.DestPort++ },
	} {
		var p wire.Packet
		if err := p.Parse(nakFor(t, []wire.SeqNo{1}, testNLA, simGroup)); err != nil {
			t.Fatal(err)
		}
		edit(&p)
		b, err := p.Append(nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.HandleDatagram(b, c.now); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.pkts) != n {
		t.Fatalf("refused NAKs were answered with %d packets", len(c.pkts)-n)
	}
	if st := s.Stats(); st.Rejected < 2 {
		t.Fatalf("%d NAKs counted as rejected, want 2 at least", st.Rejected)
	}
	if err := s.HandleDatagram(nakFor(t, []wire.SeqNo{2, 4, 7}, testNLA, simGroup), c.now); err != nil {
		t.Fatal(err)
	}
	got := c.pkts[n:]
	if len(got) != 4 || got[0].p.Type != wire.TypeNCF {
		t.Fatalf("NAK answered with %d packets, want NCF and 3 RDATA", len(got))
	}
	ncf := got[0].p
	if ncf.Seq != 2 || len(ncf.Options.NAKList()) != 2 || ncf.SourceNLA != testNLA || ncf.GroupNLA != simGroup || got[0].to != simGroup {
		t.Fatalf("NCF seq %d list %v NLAs %v %v to %v", ncf.Seq, ncf.Options.NAKList(), ncf.SourceNLA, ncf.GroupNLA, got[0].to)
	}
	trail, _ := s.Window()
	for i, want := range []wire.SeqNo{2, 4, 7} {
		r := got[1+i].p
		if r.Type != wire.TypeRDATA || r.Seq != want || r.Trail != trail || string(r.TSDU) != string(odata[want]) {
			t.Fatalf("repair %d: %v seq %d trail %d, want RDATA %d with its ODATA's payload", i, r.Type, r.Seq, r.Trail, want)
		}
	}
}

// TestSenderNAKStorm: a receiver that sends thousands of NAKs for the whole window in
// one second gets one NCF per NAK (as OpenPGM) but each sequence number repaired at most
// once per repair interval: the RDATA it can draw is bounded by the window and the
// time, not by how many NAKs it sends.
func TestSenderNAKStorm(t *testing.T) {
	var c capture
	s := newTestSender(t, &c, func(cfg *SenderConfig) { cfg.RateKbit = 1000 })
	for range 40 {
		s.Send([][]byte{make([]byte, 1400)}, c.now)
	}
	s.Flush(c.now)
	runSender(s, &c, c.now.Add(2*time.Second))
	trail, lead := s.Window()
	var seqs []wire.SeqNo
	for q := trail; !q.After(lead) && len(seqs) < 1+wire.MaxNAKList; q++ {
		seqs = append(seqs, q)
	}
	nak := nakFor(t, seqs, testNLA, simGroup)
	before := s.Stats()
	const naks = 10000
	const storm = time.Second
	start := c.now
	for i := range naks {
		c.now = start.Add(storm * time.Duration(i) / naks)
		s.HandleDatagram(nak, c.now)
		s.Tick(c.now)
	}
	after := s.Stats()
	rdata := after.RDATA - before.RDATA
	bound := uint64(len(seqs)) * uint64(storm/repairInterval+1)
	if rdata > bound {
		t.Fatalf("%d NAKs drew %d RDATA, beyond %d (%d sequence numbers once per %v)", naks, rdata, bound, len(seqs), repairInterval)
	}
	if rdata < uint64(len(seqs)) {
		t.Fatalf("%d NAKs drew %d RDATA, fewer than the %d sequence numbers asked", naks, rdata, len(seqs))
	}
	if ncf := after.NCF - before.NCF; ncf != naks {
		t.Fatalf("%d NCF for %d NAKs, want one each", ncf, naks)
	}
}

// TestSenderSPMR: an SPMR is answered with an SPM, and a flood of them with at most one
// SPM per 100 ms.
func TestSenderSPMR(t *testing.T) {
	var c capture
	s := newTestSender(t, &c, nil)
	spmr := wire.Packet{Header: wire.Header{SourcePort: simPort, DestPort: testTSI.SourcePort, Type: wire.TypeSPMR, GSI: testTSI.GSI}}
	b, err := spmr.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	n := c.count(wire.TypeSPM)
	start := c.now
	for i := range 1000 {
		c.now = start.Add(time.Duration(i) * time.Millisecond)
		s.HandleDatagram(b, c.now)
	}
	if got := c.count(wire.TypeSPM) - n; got < 1 || got > 10 {
		t.Fatalf("1000 SPMRs in 1 s answered with %d SPMs, want 1 to 10", got)
	}
}
