package session

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/plugins/pgm/internal/wire"
)

func newTestReceiver(t testing.TB, c *capture, tune func(*ReceiverConfig)) (*Receiver, *[][][]byte) {
	t.Helper()
	c.now = simStart
	var got [][][]byte
	cfg := ReceiverConfig{
		DestPort: simPort, Group: simGroup, UDPEncap: true,
		Rand:    rand.New(rand.NewPCG(1, 2)),
		Send:    c.send(t),
		Deliver: func(_ wire.TSI, msg [][]byte) { got = append(got, cloneMessage(msg)) },
	}
	if tune != nil {
		tune(&cfg)
	}
	r, err := NewReceiver(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r, &got
}

// downstream encodes a packet of the test session (or of tsi) to the test port.
func downstream(t testing.TB, tsi wire.TSI, p wire.Packet) []byte {
	p.Header = wire.Header{SourcePort: tsi.SourcePort, DestPort: simPort, Type: p.Type, GSI: tsi.GSI}
	b, err := p.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// typed sets a packet's type, which a composite literal cannot (it is the header's).
func typed(t wire.Type, p wire.Packet) wire.Packet {
	p.Type = t
	return p
}

// apdu is an APDU holding one whole one-frame message.
func apdu(body string) []byte {
	return append([]byte{0, 0, byte(len(body) + 1), 0}, body...)
}

// TestReceiverSPMR: data from a source whose SPM has not arrived makes the receiver ask
// for one after SPMR_EXPIRY, to the group and to the address the data came from; another
// receiver's SPMR on the group suppresses it, and an SPM cancels it.
func TestReceiverSPMR(t *testing.T) {
	from := netip.MustParseAddr("10.0.0.1")
	odata := downstream(t, testTSI, typed(wire.TypeODATA, wire.Packet{Seq: 0, TSDU: apdu("a")}))
	t.Run("sent", func(t *testing.T) {
		var c capture
		r, got := newTestReceiver(t, &c, nil)
		r.HandleDatagram(odata, from, c.now)
		if len(*got) != 1 {
			t.Fatalf("%d messages delivered, want the first at once", len(*got))
		}
		next := r.Tick(c.now)
		if next.Sub(c.now) != SPMRExpiry {
			t.Fatalf("next timer in %v, want SPMR_EXPIRY", next.Sub(c.now))
		}
		c.now = next
		r.Tick(c.now)
		if len(c.pkts) != 2 || c.pkts[0].to != simGroup || c.pkts[1].to != from {
			t.Fatalf("sent %d packets, want an SPMR to the group and one to %v", len(c.pkts), from)
		}
		for _, k := range c.pkts {
			p := k.p
			if p.Type != wire.TypeSPMR || p.SourcePort != simPort || p.DestPort != testTSI.SourcePort || p.GSI != testTSI.GSI {
				t.Fatalf("sent %v %d -> %d GSI %v, want an SPMR to the TSI", p.Type, p.SourcePort, p.DestPort, p.GSI)
			}
		}
	})
	t.Run("suppressed", func(t *testing.T) {
		var c capture
		r, _ := newTestReceiver(t, &c, nil)
		r.HandleDatagram(odata, from, c.now)
		spmr := wire.Packet{Header: wire.Header{SourcePort: simPort, DestPort: testTSI.SourcePort, Type: wire.TypeSPMR, GSI: testTSI.GSI}}
		b, _ := spmr.Append(nil)
		c.now = c.now.Add(10 * time.Millisecond)
		r.HandleDatagram(b, netip.MustParseAddr("10.0.0.7"), c.now)
		c.now = c.now.Add(time.Second)
		r.Tick(c.now)
		if len(c.pkts) != 0 {
			t.Fatalf("sent %d packets after another receiver's SPMR, want none", len(c.pkts))
		}
	})
}

// TestReceiverNCFHoldsNAK: a gap waits a random back-off of at most NAK_BO_IVL; an NCF
// heard during it (another receiver NAKed) holds our NAK for NAK_RDATA_IVL; with no
// RDATA by then, we NAK ourselves, to the source's NLA with the group's NLA, and wait
// NAK_RPT_IVL for the NCF.
func TestReceiverNCFHoldsNAK(t *testing.T) {
	var c capture
	r, got := newTestReceiver(t, &c, nil)
	spm := downstream(t, testTSI, typed(wire.TypeSPM, wire.Packet{Lead: 0xFFFFFFFF, SourceNLA: testNLA}))
	r.HandleDatagram(spm, testNLA, c.now)
	r.HandleDatagram(downstream(t, testTSI, typed(wire.TypeODATA, wire.Packet{Seq: 0, TSDU: apdu("zero")})), testNLA, c.now)
	r.HandleDatagram(downstream(t, testTSI, typed(wire.TypeODATA, wire.Packet{Seq: 2, TSDU: apdu("two")})), testNLA, c.now)
	if len(*got) != 1 {
		t.Fatalf("%d messages, want only the one before the gap", len(*got))
	}
	if d := r.Tick(c.now).Sub(c.now); d <= 0 || d > NAKBackoffInterval {
		t.Fatalf("NAK back-off %v, want within (0, NAK_BO_IVL]", d)
	}
	ncf := downstream(t, testTSI, typed(wire.TypeNCF, wire.Packet{Seq: 1, SourceNLA: testNLA, GroupNLA: simGroup}))
	r.HandleDatagram(ncf, testNLA, c.now)
	c.now = c.now.Add(NAKRDataInterval - time.Millisecond)
	r.Tick(c.now)
	if n := c.count(wire.TypeNAK); n != 0 {
		t.Fatalf("%d NAKs while an NCF holds the loss", n)
	}
	c.now = c.now.Add(time.Millisecond)
	next := r.Tick(c.now)
	c.now = next
	r.Tick(c.now)
	if n := c.count(wire.TypeNAK); n != 1 {
		t.Fatalf("%d NAKs after the hold and a back-off, want 1", n)
	}
	nak := c.pkts[len(c.pkts)-1]
	if nak.to != testNLA || nak.p.Seq != 1 || nak.p.SourceNLA != testNLA || nak.p.GroupNLA != simGroup ||
		nak.p.SourcePort != simPort || nak.p.DestPort != testTSI.SourcePort {
		t.Fatalf("NAK to %v for %d with NLAs %v %v ports %d -> %d", nak.to, nak.p.Seq, nak.p.SourceNLA, nak.p.GroupNLA, nak.p.SourcePort, nak.p.DestPort)
	}
	if d := r.Tick(c.now).Sub(c.now); d != NAKRepeatInterval {
		t.Fatalf("after the NAK the next timer is in %v, want NAK_RPT_IVL", d)
	}
	r.HandleDatagram(downstream(t, testTSI, typed(wire.TypeRDATA, wire.Packet{Seq: 1, TSDU: apdu("one")})), testNLA, c.now)
	if len(*got) != 3 || string((*got)[1][0]) != "one" || string((*got)[2][0]) != "two" {
		t.Fatalf("after the repair: %q", *got)
	}
}

// TestReceiverHostileSender: packets of a hostile sender (sequence numbers jumping all
// over the 32-bit space, SPMs with any lead and trail, NCFs far ahead, data far out of
// the window, ever new TSIs) never make the receiver hold more than MaxSources windows
// of RXW_SQNS TSDUs, nor follow more than MaxSources sources.
func TestReceiverHostileSender(t *testing.T) {
	var c capture
	const maxSources = 8
	r, _ := newTestReceiver(t, &c, func(cfg *ReceiverConfig) { cfg.MaxSources = maxSources })
	rng := rand.New(rand.NewPCG(3, 4))
	tsdu, _ := wire.MaxTSDU(DefaultMaxTPDU, true)
	window := windowSQNs(DefaultRateKbit, DefaultRecoveryIvl, DefaultMaxTPDU)
	bound := maxSources * window * tsdu
	payload := make([]byte, tsdu)
	lead := wire.SeqNo(0)
	for i := range 200000 {
		tsi := testTSI
		tsi.SourcePort = uint16(1 + rng.IntN(20))
		switch rng.IntN(3) {
		case 0:
			lead += wire.SeqNo(rng.IntN(200))
		case 1:
			lead = wire.SeqNo(rng.Uint32())
		}
		seq := lead - wire.SeqNo(rng.IntN(300))
		var p wire.Packet
		switch rng.IntN(5) {
		case 0:
			p = typed(wire.TypeSPM, wire.Packet{Seq: wire.SeqNo(rng.Uint32()), Trail: seq - wire.SeqNo(rng.IntN(1000)), Lead: lead, SourceNLA: testNLA})
		case 1:
			p = typed(wire.TypeNCF, wire.Packet{Seq: seq, SourceNLA: testNLA, GroupNLA: simGroup})
			p.Options.SetNAKList([]wire.SeqNo{lead, lead + 50, lead + 5000})
		default:
			p = typed(wire.TypeODATA, wire.Packet{Seq: seq, Trail: seq - wire.SeqNo(rng.IntN(100)), TSDU: payload[:1+rng.IntN(tsdu)]})
			if rng.IntN(4) == 0 {
				p.Type = wire.TypeRDATA
			}
		}
		if err := r.HandleDatagram(downstream(t, tsi, p), testNLA, c.now); err != nil {
			t.Fatal(err)
		}
		c.now = c.now.Add(time.Duration(rng.IntN(2000)) * time.Microsecond)
		if i%16 == 0 {
			r.Tick(c.now)
		}
		if r.Sources() > maxSources || r.Buffered() > bound {
			t.Fatalf("packet %d: %d sources holding %d bytes, beyond %d and %d", i, r.Sources(), r.Buffered(), maxSources, bound)
		}
		for _, pr := range r.peers {
			if pr.rx.span() > window || len(pr.rx.slots) > 2*window {
				t.Fatalf("packet %d: a window of %d sequence numbers in %d slots, beyond %d", i, pr.rx.span(), len(pr.rx.slots), window)
			}
		}
		c.pkts = c.pkts[:0]
	}
	if st := r.Stats(); st.Dropped == 0 || st.Lost == 0 {
		t.Fatalf("the hostile stream was neither dropped nor lost anywhere: %+v", st)
	}
}

// TestReceiverRefuses: an APDU larger than one TSDU, an empty one, a fragment, data
// behind its own trail and packets for another port are dropped without effect.
func TestReceiverRefuses(t *testing.T) {
	var c capture
	r, got := newTestReceiver(t, &c, nil)
	tsdu, _ := wire.MaxTSDU(DefaultMaxTPDU, true)
	for _, p := range []wire.Packet{
		typed(wire.TypeODATA, wire.Packet{Seq: 0, TSDU: make([]byte, tsdu+1)}),
		typed(wire.TypeODATA, wire.Packet{Seq: 0}),
		typed(wire.TypeODATA, wire.Packet{Seq: 5, Trail: 6, TSDU: apdu("behind")}),
	} {
		if err := r.HandleDatagram(downstream(t, testTSI, p), testNLA, c.now); err != nil {
			t.Fatal(err)
		}
	}
	other := wire.Packet{Header: wire.Header{SourcePort: 1, DestPort: simPort + 1, Type: wire.TypeODATA, GSI: testTSI.GSI}, TSDU: apdu("other port")}
	b, _ := other.Append(nil)
	r.HandleDatagram(b, testNLA, c.now)
	if err := r.HandleDatagram([]byte("not pgm"), testNLA, c.now); err == nil {
		t.Fatal("a datagram that is no PGM packet parsed")
	}
	if len(*got) != 0 || r.Buffered() != 0 {
		t.Fatalf("refused packets delivered %d messages and left %d bytes", len(*got), r.Buffered())
	}
	if st := r.Stats(); st.Dropped != 3 || st.Malformed != 1 {
		t.Fatalf("stats %+v, want 3 dropped and 1 malformed", st)
	}
}

// runReceiver ticks r at every time it asks for, up to end.
func runReceiver(r *Receiver, c *capture, end time.Time) {
	for {
		next := r.Tick(c.now)
		if next.IsZero() || next.After(end) {
			c.now = end
			r.Tick(c.now)
			return
		}
		c.now = next
	}
}

// TestReceiverNCFRetries: a source that never confirms (its NAKs are lost, or it is
// gone) is NAKed NAK_NCF_RETRIES+1 times, NAK_RPT_IVL after a back-off each, and then the
// loss is declared; the message after the gap is delivered, the stream having reset.
func TestReceiverNCFRetries(t *testing.T) {
	var c capture
	r, got := newTestReceiver(t, &c, nil)
	r.HandleDatagram(downstream(t, testTSI, typed(wire.TypeSPM, wire.Packet{Lead: 0xFFFFFFFF, SourceNLA: testNLA})), testNLA, c.now)
	r.HandleDatagram(downstream(t, testTSI, typed(wire.TypeODATA, wire.Packet{Seq: 0, TSDU: apdu("zero")})), testNLA, c.now)
	r.HandleDatagram(downstream(t, testTSI, typed(wire.TypeODATA, wire.Packet{Seq: 2, TSDU: apdu("two")})), testNLA, c.now)
	start := c.now
	runReceiver(r, &c, c.now.Add(time.Minute))
	if n := c.count(wire.TypeNAK); n != NAKNCFRetries+1 {
		t.Fatalf("%d NAKs, want NAK_NCF_RETRIES+1", n)
	}
	last := c.pkts[len(c.pkts)-1].at.Sub(start)
	if min := (NAKNCFRetries + 1) * NAKRepeatInterval; last < min-NAKRepeatInterval || last > min+(NAKNCFRetries+1)*NAKBackoffInterval {
		t.Fatalf("the last NAK after %v, want about %v", last, min)
	}
	if st := r.Stats(); st.Lost != 1 || len(*got) != 2 || string((*got)[1][0]) != "two" {
		t.Fatalf("stats %+v, delivered %q", st, *got)
	}
}

// TestReceiverSequenceJump: a source whose sequence numbers jump far ahead (beyond any
// window) costs what lies between, declared lost at once and never NAKed, and the
// stream goes on at the next message start.
func TestReceiverSequenceJump(t *testing.T) {
	var c capture
	r, got := newTestReceiver(t, &c, nil)
	r.HandleDatagram(downstream(t, testTSI, typed(wire.TypeSPM, wire.Packet{Lead: 0xFFFFFFFF, SourceNLA: testNLA})), testNLA, c.now)
	for i, seq := range []wire.SeqNo{0, 1, 1_000_000, 1_000_001} {
		p := typed(wire.TypeODATA, wire.Packet{Seq: seq, Trail: seq - 1, TSDU: apdu(fmt.Sprint(i))})
		if i < 2 {
			p.Trail = 0
		}
		r.HandleDatagram(downstream(t, testTSI, p), testNLA, c.now)
	}
	runReceiver(r, &c, c.now.Add(time.Minute))
	if len(*got) != 4 || string((*got)[3][0]) != "3" {
		t.Fatalf("delivered %q, want all four", *got)
	}
	st := r.Stats()
	if st.Lost < 1_000_000-1-uint64(r.windowSize) || st.NAKed > uint64(r.windowSize) {
		t.Fatalf("stats %+v: the jump should be lost at once, NAKing at most one window", st)
	}
}
