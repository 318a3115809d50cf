package wire

import (
	"bytes"
	"fmt"
	"net/netip"
	"testing"
)

// libzmqSession is what checkLibzmqSession learnt from the packets of one libzmq PUB.
type libzmqSession struct {
	tsi     TSI
	apdus   [][]byte // the ODATA TSDUs, in sequence order
	msgs    [][][]byte
	finSPMs int
}

// checkLibzmqSession checks every packet a libzmq PUB on 127.0.0.1 sent to port 5555: each
// parses (raw IP datagrams when raw), re-encodes to the same bytes, checksum included,
// belongs to one TSI, and the ODATA TSDUs, each within libzmq's APDU size, decode in order
// into the messages.
func checkLibzmqSession(t *testing.T, pkts [][]byte, raw bool) libzmqSession {
	t.Helper()
	loopback := netip.MustParseAddr("127.0.0.1")
	maxTSDU, err := MaxTSDU(1500, !raw)
	if err != nil {
		t.Fatal(err)
	}
	var s libzmqSession
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
		if err != nil || !bytes.Equal(again, pkt) {
			t.Fatalf("packet %d re-encodes to % x (%v), want % x", i, again, err, pkt)
		}
		if i == 0 {
			s.tsi = p.TSI()
		} else if p.TSI() != s.tsi {
			t.Fatalf("packet %d: TSI %v, want %v", i, p.TSI(), s.tsi)
		}
		if p.DestPort != 5555 || p.SourcePort == 5555 {
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
		default:
			t.Fatalf("packet %d: unexpected %v from a PUB on a lossless link", i, p.Type)
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
			s := checkLibzmqSession(t, readCapture(t, tc.file), tc.raw)
			want := captureMessages(3)
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
