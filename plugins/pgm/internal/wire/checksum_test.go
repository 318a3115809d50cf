package wire

import (
	"encoding/binary"
	"errors"
	"testing"
)

// TestChecksumRFC1071 checks the sum against RFC 1071's worked example (section 3:
// 00 01 f2 03 f4 f5 f6 f7 sums to ddf2), placed after a zeroed checksum field, and the
// odd-length rule (a last byte is the high byte of a zero-padded word).
func TestChecksumRFC1071(t *testing.T) {
	pkt := make([]byte, HeaderLen)
	pkt = append(pkt, 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7)
	if got, want := Checksum(pkt), ^uint16(0xddf2); got != want {
		t.Fatalf("Checksum = %#04x, want %#04x", got, want)
	}
	odd := append(pkt, 0xAB)
	even := append(append([]byte(nil), pkt...), 0xAB, 0x00)
	if Checksum(odd) != Checksum(even) {
		t.Fatalf("odd length %#04x differs from zero-padded %#04x", Checksum(odd), Checksum(even))
	}
}

// TestChecksumIgnoresItsField: the field is taken as zero, so a filled-in packet gives
// back the value in it.
func TestChecksumIgnoresItsField(t *testing.T) {
	pkt := []byte{1, 2, 3, 4, 5, 6, 0xAA, 0xBB, 9, 10, 11, 12, 13, 14, 15, 16, 17}
	c := Checksum(pkt)
	binary.BigEndian.PutUint16(pkt[checksumOffset:], 0)
	if Checksum(pkt) != c {
		t.Fatal("the checksum field changed the checksum")
	}
}

// TestChecksumZeroIsSentAsOnes: RFC 3208 section 8 and OpenPGM's pgm_csum_fold send a
// computed zero as 0xFFFF, since zero means "no checksum".
func TestChecksumZeroIsSentAsOnes(t *testing.T) {
	pkt := make([]byte, HeaderLen)
	binary.BigEndian.PutUint16(pkt[14:], 0xFFFF) // the sum is then 0xFFFF, its complement 0
	if got := Checksum(pkt); got != 0xFFFF {
		t.Fatalf("Checksum = %#04x, want 0xffff", got)
	}
	// And such a packet verifies.
	p := Packet{Header: Header{Type: TypeSPMR, GSI: GSI{0xFF, 0xFF, 0, 0, 0, 0}}}
	b, err := p.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := new(Packet).Parse(b); err != nil {
		t.Fatalf("Parse(% x): %v", b, err)
	}
}

// TestChecksumMissing: OpenPGM accepts a zero checksum (none computed) except on ODATA
// and RDATA, where it is mandatory (packet_parse.c), and rejects any wrong one.
func TestChecksumMissing(t *testing.T) {
	for _, typ := range []Type{TypeSPM, TypeODATA, TypeRDATA, TypeNAK, TypeNNAK, TypeNCF, TypeSPMR} {
		b, err := samplePacket(typ).Append(nil)
		if err != nil {
			t.Fatal(err)
		}
		binary.BigEndian.PutUint16(b[checksumOffset:], 0)
		err = new(Packet).Parse(b)
		if mandatory := typ == TypeODATA || typ == TypeRDATA; mandatory != errors.Is(err, ErrChecksum) {
			t.Errorf("%v without a checksum: Parse = %v", typ, err)
		}
		binary.BigEndian.PutUint16(b[checksumOffset:], 0x1234)
		if err := new(Packet).Parse(b); !errors.Is(err, ErrChecksum) {
			t.Errorf("%v with a wrong checksum: Parse = %v, want ErrChecksum", typ, err)
		}
	}
}

// TestChecksumShortInput: shorter than the header, Checksum still sums what there is
// (without bytes 6 and 7) and does not panic.
func TestChecksumShortInput(t *testing.T) {
	b := []byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xff, 0xff, 0x01}
	for n := range len(b) + 1 {
		want := Checksum(append(append([]byte(nil), b[:min(n, 6)]...), make([]byte, 10)...))
		if n > 8 {
			want = Checksum(append(append([]byte(nil), b[:n]...), make([]byte, 10)...))
		}
		if got := Checksum(b[:n]); got != want {
			t.Errorf("Checksum of %d bytes = %#04x, want %#04x", n, got, want)
		}
	}
}
