package wire

import (
	"bytes"
	"fmt"
	"net/netip"
	"testing"

	"github.com/zeroplug/zeroplug/plugins/pgm/internal/pgmtest"
)

// libzmqSession is what checkLibzmqSession learnt from the packets of one libzmq PUB.
type libzmqSession struct {
	tsi      TSI
	apdus    [][]byte // the ODATA TSDUs, in sequence order
	msgs     [][][]byte
	finSPMs  int
	ncf      map[SeqNo]bool // sequence numbers confirmed by an NCF
	repaired map[SeqNo]bool // sequence numbers sent again as RDATA
}

// checkLibzmqSession checks every packet a libzmq PUB on 127.0.0.1 sent to port 5555: each
// parses (raw IP datagrams when raw), re-encodes to the same bytes, checksum included,
// belongs to one TSI, and the ODATA TSDUs, each within libzmq's APDU size, decode in order
// into the messages. NCFs must confirm with the source's and group's NLAs, and RDATA
// repeat the ODATA of its sequence number. NAKs (which a raw capture sees as well) are
// the test's own.
func checkLibzmqSession(t *testing.T, pkts [][]byte, raw bool) libzmqSession {
	t.Helper()
	loopback := netip.MustParseAddr("127.0.0.1")
	maxTSDU, err := MaxTSDU(1500, !raw)
	if err != nil {
		t.Fatal(err)
	}
	group := netip.MustParseAddr("239.192.1.1")
	s := libzmqSession{ncf: map[SeqNo]bool{}, repaired: map[SeqNo]bool{}}
	var p Packet
	u := NewUnpacker(-1)
	nextData, nextSPM := SeqNo(0), SeqNo(0)
	for i, pkt := range pkts {
		if raw {
			payload, src, err := IPv4Payload(pkt)
			if err != nil {
				t.Fatalf("packet %d: IPv4Payload: %v", i, err)
			}
			if src != loopback {
				t.Fatalf("packet %d: IP source %v, want %v", i, src, loopback)
			}
			pkt = payload
		}
		if err := p.Parse(pkt); err != nil {
			t.Fatalf("packet %d (% x): %v", i, pkt, err)
		}
		again, err := p.Append(nil)
		if err != nil {
			t.Fatalf("packet %d: Append: %v", i, err)
		}
		if !bytes.Equal(again, pkt) {
			// OpenPGM leaves the reserved byte of an NCF's OPT_NAK_LIST uninitialised
			// (see TestOpenPGMNCFReservedByte), which Append writes as zero; the rest
			// must be the same.
			var q Packet
			if p.Flags&FlagOptionsPresent == 0 || q.Parse(again) != nil || !equalPackets(&p, &q) {
				t.Fatalf("packet %d re-encodes to % x, want % x", i, again, pkt)
			}
		}
		if i == 0 {
			s.tsi = p.TSI()
		} else if p.TSI() != s.tsi {
			t.Fatalf("packet %d: TSI %v, want %v", i, p.TSI(), s.tsi)
		}
		if p.Type.Upstream() {
			if p.SourcePort != 5555 {
				t.Fatalf("packet %d: upstream %v from port %d, want 5555", i, p.Type, p.SourcePort)
			}
		} else if p.DestPort != 5555 || p.SourcePort == 5555 {
			t.Fatalf("packet %d: ports %d -> %d, want a TSI port -> 5555", i, p.SourcePort, p.DestPort)
		}
		switch p.Type {
		case TypeSPM:
			if p.Seq != nextSPM || p.SourceNLA != loopback {
				t.Fatalf("packet %d: SPM %d with NLA %v, want SPM %d with NLA %v", i, p.Seq, p.SourceNLA, nextSPM, loopback)
			}
			nextSPM++
			if p.Options.FIN {
				s.finSPMs++
			}
		case TypeODATA:
			if p.Seq != nextData || p.Flags != 0 {
				t.Fatalf("packet %d: ODATA %d with flags %#x, want ODATA %d without options", i, p.Seq, p.Flags, nextData)
			}
			nextData++
			if len(p.TSDU) > maxTSDU {
				t.Fatalf("packet %d: TSDU of %d bytes, beyond libzmq's %d", i, len(p.TSDU), maxTSDU)
			}
			s.apdus = append(s.apdus, bytes.Clone(p.TSDU))
			if err := u.Feed(p.TSDU, func(msg [][]byte) { s.msgs = append(s.msgs, cloneMessage(msg)) }); err != nil {
				t.Fatalf("packet %d: Feed: %v", i, err)
			}
		case TypeNCF:
			if p.SourceNLA != loopback || p.GroupNLA != group {
				t.Fatalf("packet %d: NCF with NLAs %v and %v, want %v and %v", i, p.SourceNLA, p.GroupNLA, loopback, group)
			}
			s.ncf[p.Seq] = true
			for _, q := range p.Options.NAKList() {
				s.ncf[q] = true
			}
		case TypeRDATA:
			if !p.Seq.Before(nextData) || !bytes.Equal(p.TSDU, s.apdus[p.Seq]) {
				t.Fatalf("packet %d: RDATA %d (% x) is no ODATA sent before", i, p.Seq, p.TSDU)
			}
			s.repaired[p.Seq] = true
		case TypeNAK:
		default:
			t.Fatalf("packet %d: unexpected %v from a PUB", i, p.Type)
		}
	}
	return s
}

func cloneMessage(msg [][]byte) [][]byte {
	c := make([][]byte, len(msg))
	for i, f := range msg {
		c[i] = bytes.Clone(f)
	}
	return c
}

func equalMessages(a, b [][][]byte) bool {
	return fmt.Sprintf("%q", a) == fmt.Sprintf("%q", b)
}

// TestLibzmqCapture decodes the committed captures of libzmq's epgm and pgm packets and
// checks that the Packer lays the same messages into the very same APDUs.
func TestLibzmqCapture(t *testing.T) {
	for _, tc := range []struct {
		name string
		file string
		raw  bool
	}{{"epgm", epgmCaptureFile, false}, {"pgm", pgmCaptureFile, true}} {
		t.Run(tc.name, func(t *testing.T) {
			s := checkLibzmqSession(t, pgmtest.ReadCapture(t, tc.file), tc.raw)
			want := pgmtest.Messages(3)
			if !equalMessages(s.msgs, want) {
				t.Fatalf("decoded %q, want %q", s.msgs, want)
			}
			if s.tsi.GSI.String() != "b7c6d1bc038a" {
				t.Errorf("GSI %v, want libzmq's unseeded b7c6d1bc038a", s.tsi.GSI)
			}
			if s.finSPMs != 3 {
				t.Errorf("%d SPMs with OPT_FIN, want pgm_close's 3", s.finSPMs)
			}
			maxTSDU, _ := MaxTSDU(1500, !tc.raw)
			packer, err := NewPacker(maxTSDU)
			if err != nil {
				t.Fatal(err)
			}
			var apdus [][]byte
			emit := func(apdu []byte) { apdus = append(apdus, bytes.Clone(apdu)) }
			for _, m := range want {
				packer.AddMessage(m, emit)
			}
			packer.Flush(emit)
			if len(apdus) != len(s.apdus) {
				t.Fatalf("Packer made %d APDUs, libzmq %d", len(apdus), len(s.apdus))
			}
			for i := range apdus {
				if !bytes.Equal(apdus[i], s.apdus[i]) {
					t.Fatalf("APDU %d:\n got % x\nwant % x", i, apdus[i], s.apdus[i])
				}
			}
		})
	}
}
