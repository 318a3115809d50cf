package wire

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net/netip"
	"testing"

	"github.com/zeroplug/zeroplug/plugins/pgm/internal/pgmtest"
)

var (
	testGSI   = GSI{0xb7, 0xc6, 0xd1, 0xbc, 0x03, 0x8a}
	testNLA   = netip.MustParseAddr("10.77.0.1")
	testGroup = netip.MustParseAddr("239.192.1.1")
)

// samplePacket returns a valid packet of type typ, downstream or upstream as the type is.
func samplePacket(typ Type) *Packet {
	p := &Packet{Header: Header{SourcePort: 0x15b3, DestPort: 5555, Type: typ, GSI: testGSI}}
	if typ.Upstream() {
		p.SourcePort, p.DestPort = p.DestPort, p.SourcePort
	}
	switch typ {
	case TypeSPM:
		p.Seq, p.Trail, p.Lead, p.SourceNLA = 3, 20, 99, testNLA
	case TypeODATA, TypeRDATA:
		p.Seq, p.Trail, p.TSDU = 99, 20, []byte("\x00\x00\x06\x01topic\x06\x00msg-0")
	case TypeNAK, TypeNNAK, TypeNCF:
		p.Seq, p.SourceNLA, p.GroupNLA = 25, testNLA, testGroup
	}
	return p
}

// equalPackets compares what Parse gives back of what Append encoded.
func equalPackets(a, b *Packet) bool {
	ha, hb := a.Header, b.Header
	ha.Flags, hb.Flags, ha.Checksum, hb.Checksum, ha.TSDULength, hb.TSDULength = 0, 0, 0, 0, 0, 0
	return ha == hb && a.Seq == b.Seq && a.Trail == b.Trail && a.Lead == b.Lead &&
		a.SourceNLA == b.SourceNLA && a.GroupNLA == b.GroupNLA && a.Options == b.Options &&
		bytes.Equal(a.TSDU, b.TSDU)
}

func TestPacketRoundTrip(t *testing.T) {
	v6 := netip.MustParseAddr("fe80::1")
	nakList := func(p *Packet) *Packet {
		p.Options.SetNAKList([]SeqNo{26, 27, 0xFFFFFFFF})
		return p
	}
	cases := []struct {
		name string
		p    *Packet
	}{
		{"SPM", samplePacket(TypeSPM)},
		{"SPM IPv6 NLA", func() *Packet { p := samplePacket(TypeSPM); p.SourceNLA = v6; return p }()},
		{"SPM FIN", func() *Packet { p := samplePacket(TypeSPM); p.Options.FIN = true; return p }()},
		{"SPM parity", func() *Packet {
			p := samplePacket(TypeSPM)
			p.Options.HasParityPRM, p.Options.ParityPRM = true, ParityPRM{Flags: ParityOnDemand, TGSize: 16}
			return p
		}()},
		{"ODATA", samplePacket(TypeODATA)},
		{"ODATA empty", func() *Packet { p := samplePacket(TypeODATA); p.TSDU = nil; return p }()},
		{"ODATA SYN", func() *Packet { p := samplePacket(TypeODATA); p.Options.SYN = true; return p }()},
		{"RDATA", samplePacket(TypeRDATA)},
		{"RDATA RST and join", func() *Packet {
			p := samplePacket(TypeRDATA)
			p.Options.RST, p.Options.HasJoin, p.Options.Join = true, true, 7
			return p
		}()},
		{"NAK", samplePacket(TypeNAK)},
		{"NAK list", nakList(samplePacket(TypeNAK))},
		{"NAK full list", func() *Packet {
			p := samplePacket(TypeNAK)
			seqs := make([]SeqNo, MaxNAKList)
			for i := range seqs {
				seqs[i] = SeqNo(26 + i)
			}
			p.Options.SetNAKList(seqs)
			return p
		}()},
		{"NAK IPv6", func() *Packet {
			p := samplePacket(TypeNAK)
			p.SourceNLA, p.GroupNLA = v6, netip.MustParseAddr("ff02::1")
			return p
		}()},
		{"NNAK", samplePacket(TypeNNAK)},
		{"NCF", nakList(samplePacket(TypeNCF))},
		{"SPMR", samplePacket(TypeSPMR)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			prefix := []byte("kept")
			b, err := tc.p.Append(prefix)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b[:4], prefix) {
				t.Fatal("Append overwrote dst")
			}
			var q Packet
			if err := q.Parse(b[4:]); err != nil {
				t.Fatalf("Parse(% x): %v", b[4:], err)
			}
			if !equalPackets(tc.p, &q) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", q, *tc.p)
			}
			if q.TSI() != (TSI{GSI: testGSI, SourcePort: 0x15b3}) {
				t.Fatalf("TSI %v", q.TSI())
			}
		})
	}
}

// TestNAKListAsLibzmqSendsIt: the options of a libzmq receiver's list NAK in the research
// notes, "00 04 00 0c | 82 08 00 00 | 00 00 00 1a" with header options 0x03, are what
// Append writes for an OPT_NAK_LIST of {26}, and they parse back.
func TestNAKListAsLibzmqSendsIt(t *testing.T) {
	p := samplePacket(TypeNAK)
	p.Options.SetNAKList([]SeqNo{26})
	b, err := p.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	if b[5] != 0x03 {
		t.Errorf("header options %#02x, want 0x03", b[5])
	}
	want, _ := hex.DecodeString("0004000c820800000000001a")
	if opts := b[len(b)-12:]; !bytes.Equal(opts, want) {
		t.Fatalf("options % x, want % x", opts, want)
	}
	var q Packet
	if err := q.Parse(b); err != nil {
		t.Fatal(err)
	}
	if l := q.Options.NAKList(); len(l) != 1 || l[0] != 26 || q.Seq != 25 {
		t.Fatalf("NAK %d with list %v, want 25 with [26]", q.Seq, l)
	}
}

// rechecksum fixes the checksum of a hand-edited packet.
func rechecksum(b []byte) []byte {
	binary.BigEndian.PutUint16(b[checksumOffset:], Checksum(b))
	return b
}

// withOptions returns an ODATA whose option block is opts (the checksum fixed).
func withOptions(opts ...byte) []byte {
	b, _ := samplePacket(TypeODATA).Append(nil)
	b[5] |= FlagOptionsPresent
	b = append(b[:HeaderLen+dataFixedLen], append(opts, b[HeaderLen+dataFixedLen:]...)...)
	return rechecksum(b)
}

// TestOptionRules names the rules of RFC 3208 section 9 that Parse enforces.
func TestOptionRules(t *testing.T) {
	for _, tc := range []struct {
		name string
		pkt  []byte
		want error // nil: parses
	}{
		{"OPT_FIN alone", withOptions(0, 4, 0, 8, 0x8e, 4, 0, 0), nil},
		{"OPT_LENGTH alone flagged last", withOptions(0x80, 4, 0, 4), nil},
		{"does not begin with OPT_LENGTH", withOptions(0x8e, 4, 0, 0), ErrMalformed},
		{"OPT_LENGTH of the wrong size", withOptions(0, 5, 0, 9, 0, 0x8e, 4, 0, 0), ErrMalformed},
		{"total below OPT_LENGTH", withOptions(0, 4, 0, 3), ErrMalformed},
		{"total beyond the packet", withOptions(0, 4, 0xff, 0xff, 0x8e, 4, 0, 0), ErrTruncated},
		{"option shorter than its header", withOptions(0, 4, 0, 8, 0x8e, 3, 0, 0), ErrMalformed},
		{"option beyond the total", withOptions(0, 4, 0, 8, 0x8e, 8, 0, 0), ErrMalformed},
		{"no option flagged last", withOptions(0, 4, 0, 8, 0x0e, 4, 0, 0), ErrMalformed},
		{"last option ends before the total", withOptions(0, 4, 0, 12, 0x8e, 4, 0, 0, 0, 0, 0, 0), ErrMalformed},
		{"second OPT_LENGTH", withOptions(0, 4, 0, 8, 0x80, 4, 0, 0), ErrMalformed},
		{"unknown option, OPX ignore", withOptions(0, 4, 0, 12, 0x60, 4, 0x00, 0, 0x8e, 4, 0, 0), nil},
		{"unknown option, OPX invalidate", withOptions(0, 4, 0, 12, 0x60, 4, 0x01, 0, 0x8e, 4, 0, 0), nil},
		{"unknown option, OPX discard", withOptions(0, 4, 0, 12, 0x60, 4, 0x02, 0, 0x8e, 4, 0, 0), ErrUnsupported},
		{"unknown option, OPX reserved (skipped as OpenPGM does)", withOptions(0, 4, 0, 12, 0x60, 4, 0x03, 0, 0x8e, 4, 0, 0), nil},
		{"known option skipped (OPT_NAK_BO_IVL)", withOptions(0, 4, 0, 16, 0x84, 12, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2), nil},
		{"NAK list not of whole numbers", withOptions(0, 4, 0, 10, 0x82, 6, 0, 0, 0, 0), ErrMalformed},
		{"empty NAK list", withOptions(0, 4, 0, 8, 0x82, 4, 0, 0), ErrMalformed},
		{"OPT_FRAGMENT of the RFC's length 12", withOptions(0, 4, 0, 16, 0x81, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1), ErrMalformed},
		{"OPT_FRAGMENT offset past the APDU", withOptions(0, 4, 0, 20, 0x81, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 9), ErrMalformed},
		{"OPT_PARITY_PRM too short", withOptions(0, 4, 0, 8, 0x88, 4, 0, 0), ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := new(Packet).Parse(tc.pkt)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("Parse(% x) = %v, want %v", tc.pkt, err, tc.want)
			}
		})
	}
	t.Run("more than 16 options", func(t *testing.T) {
		opts := []byte{0, 4, 0, 4 + 17*4}
		for i := range 17 {
			typ := byte(0x0d)
			if i == 16 {
				typ |= optEnd
			}
			opts = append(opts, typ, 4, 0, 0)
		}
		if err := new(Packet).Parse(withOptions(opts...)); !errors.Is(err, ErrMalformed) {
			t.Fatalf("Parse = %v, want ErrMalformed", err)
		}
	})
}

// TestFragmentRecognised: OPT_FRAGMENT, which libzmq never sends and OpenPGM writes with
// length 16, is reported so that the receiver drops the packet, and Append refuses it.
func TestFragmentRecognised(t *testing.T) {
	pkt := withOptions(0, 4, 0, 20, 0x81, 16, 0, 0, 0, 0, 0, 9, 0, 0, 5, 0xa0, 0, 0, 0x10, 0)
	var p Packet
	if err := p.Parse(pkt); err != nil {
		t.Fatal(err)
	}
	if want := (Fragment{FirstSeq: 9, Offset: 1440, APDULength: 4096}); !p.Options.HasFragment || p.Options.Fragment != want {
		t.Fatalf("fragment %v %+v, want %+v", p.Options.HasFragment, p.Options.Fragment, want)
	}
	if _, err := p.Append(nil); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("Append of a fragment = %v, want ErrUnsupported", err)
	}
}

// TestParseRejects names the other rules Parse enforces.
func TestParseRejects(t *testing.T) {
	edit := func(typ Type, f func(b []byte) []byte) []byte {
		b, _ := samplePacket(typ).Append(nil)
		return rechecksum(f(b))
	}
	for _, tc := range []struct {
		name string
		pkt  []byte
		want error
	}{
		{"shorter than the header", make([]byte, HeaderLen-1), ErrTruncated},
		{"unknown type", edit(TypeSPMR, func(b []byte) []byte { b[4] = 0x03; return b }), ErrMalformed},
		{"version bits set", edit(TypeSPMR, func(b []byte) []byte { b[4] |= 0x40; return b }), ErrMalformed},
		{"POLL", edit(TypeSPMR, func(b []byte) []byte { b[4] = byte(TypePOLL); return b }), ErrUnsupported},
		{"POLR", edit(TypeSPMR, func(b []byte) []byte { b[4] = byte(TypePOLR); return b }), ErrUnsupported},
		{"PGMCC ACK", edit(TypeSPMR, func(b []byte) []byte { b[4] = byte(TypeACK); return b }), ErrUnsupported},
		{"parity packet", edit(TypeODATA, func(b []byte) []byte { b[5] |= FlagParity; return b }), ErrUnsupported},
		{"TSDU length short of the payload", edit(TypeODATA, func(b []byte) []byte { b[15]--; return b }), ErrMalformed},
		{"TSDU length beyond the payload", edit(TypeODATA, func(b []byte) []byte { b[15]++; return b }), ErrMalformed},
		{"TSDU length on an SPM", edit(TypeSPM, func(b []byte) []byte { b[15] = 1; return b }), ErrMalformed},
		{"bytes after an SPMR", edit(TypeSPMR, func(b []byte) []byte { return append(b, 0) }), ErrMalformed},
		{"SPM NLA of unknown family", edit(TypeSPM, func(b []byte) []byte { b[29] = 3; return b }), ErrMalformed},
		{"SPM IPv6 NLA cut short", edit(TypeSPM, func(b []byte) []byte { b[29] = afiIPv6; return b }), ErrTruncated},
		{"NAK group NLA of unknown family", edit(TypeNAK, func(b []byte) []byte { b[29] = 9; return b }), ErrMalformed},
		{"options flag without options", edit(TypeSPMR, func(b []byte) []byte { b[5] = FlagOptionsPresent; return b }), ErrTruncated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := new(Packet).Parse(tc.pkt); !errors.Is(err, tc.want) {
				t.Fatalf("Parse(% x) = %v, want %v", tc.pkt, err, tc.want)
			}
		})
	}
}

// TestParseEveryTruncation: every proper prefix of every captured libzmq packet, and of
// every packet type, fails to parse; none panics.
func TestParseEveryTruncation(t *testing.T) {
	pkts := pgmtest.ReadCapture(t, epgmCaptureFile)
	for _, typ := range []Type{TypeSPM, TypeODATA, TypeRDATA, TypeNAK, TypeNNAK, TypeNCF} {
		p := samplePacket(typ)
		p.Options.SetNAKList([]SeqNo{1, 2})
		b, _ := p.Append(nil)
		pkts = append(pkts, b)
	}
	for _, pkt := range pkts {
		for n := range len(pkt) {
			// The checksum would catch most cuts; fix it so the length checks are reached.
			cut := append([]byte(nil), pkt[:n]...)
			if n >= HeaderLen {
				rechecksum(cut)
			}
			if err := new(Packet).Parse(cut); err == nil {
				t.Fatalf("Parse of %d of %d bytes (% x) succeeded", n, len(pkt), cut)
			}
		}
	}
}

func TestAppendRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    *Packet
		want error
	}{
		{"POLL", &Packet{Header: Header{Type: TypePOLL}}, ErrUnsupported},
		{"SPM without NLA", func() *Packet { p := samplePacket(TypeSPM); p.SourceNLA = netip.Addr{}; return p }(), ErrMalformed},
		{"NAK without group", func() *Packet { p := samplePacket(TypeNAK); p.GroupNLA = netip.Addr{}; return p }(), ErrMalformed},
		{"NAK with zoned NLA", func() *Packet {
			p := samplePacket(TypeNAK)
			p.SourceNLA = netip.MustParseAddr("fe80::1%lo")
			return p
		}(), ErrMalformed},
		{"SPM with payload", func() *Packet { p := samplePacket(TypeSPM); p.TSDU = []byte{1}; return p }(), ErrMalformed},
		{"TSDU beyond 16 bits", func() *Packet { p := samplePacket(TypeODATA); p.TSDU = make([]byte, 1<<16); return p }(), ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst := []byte("kept")
			b, err := tc.p.Append(dst)
			if !errors.Is(err, tc.want) || string(b) != "kept" {
				t.Fatalf("Append = %q, %v; want %q, %v", b, err, "kept", tc.want)
			}
		})
	}
	var o Options
	if err := o.SetNAKList(make([]SeqNo, MaxNAKList+1)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("SetNAKList of %d = %v, want ErrTooLarge", MaxNAKList+1, err)
	}
}

// TestNoAllocations: parsing into a reused Packet and appending into a buffer with room
// allocate nothing, so the receiver and sender loops do not feed the garbage collector.
func TestNoAllocations(t *testing.T) {
	p := samplePacket(TypeNAK)
	p.Options.SetNAKList([]SeqNo{26, 27})
	nak, _ := p.Append(nil)
	odata := pgmtest.ReadCapture(t, epgmCaptureFile)[3]
	buf := make([]byte, 0, 2048)
	var q Packet
	allocs := testing.AllocsPerRun(100, func() {
		if q.Parse(nak) != nil || q.Parse(odata) != nil {
			t.Fatal("Parse failed")
		}
		if _, err := q.Append(buf[:0]); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per parse and append, want 0", allocs)
	}
}

func TestTypeAndTSIStrings(t *testing.T) {
	if TypeNCF.String() != "NCF" || Type(0x3).String() != "type(0x3)" {
		t.Errorf("Type strings %q %q", TypeNCF, Type(0x3))
	}
	tsi := TSI{GSI: testGSI, SourcePort: 5555}
	if got := tsi.String(); got != "183.198.209.188.3.138.5555" {
		t.Errorf("TSI %q", got)
	}
}

// TestOpenPGMNCFReservedByte: an NCF that OpenPGM 5.3 sent in answer to a NAK with
// OPT_NAK_LIST {1}, as captured by TestInteropLibzmqPublisher. The third byte of its
// OPT_NAK_LIST (0xda) is uninitialised memory; read as extensibility bits it would say
// "discard", so Parse, as OpenPGM, consults those bits only for options it does not know.
func TestOpenPGMNCFReservedByte(t *testing.T) {
	pkt, _ := hex.DecodeString("9c3b15b30a03eb20b7c6d1bc038a000000000000000100007f00000100010000efc00101" +
		"0004000c8208da0000000001")
	var p Packet
	if err := p.Parse(pkt); err != nil {
		t.Fatal(err)
	}
	if p.Type != TypeNCF || p.Seq != 0 || p.SourceNLA.String() != "127.0.0.1" || p.GroupNLA.String() != "239.192.1.1" ||
		len(p.Options.NAKList()) != 1 || p.Options.NAKList()[0] != 1 {
		t.Fatalf("parsed %+v", p)
	}
}
