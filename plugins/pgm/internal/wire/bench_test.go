package wire

import (
	"bytes"
	"testing"

	"github.com/zeroplug/zeroplug/plugins/pgm/internal/pgmtest"
)

// BenchmarkParseODATA parses libzmq's full-size ODATA (1428-byte TSDU) into a reused
// Packet: the checksum dominates.
func BenchmarkParseODATA(b *testing.B) {
	pkt := pgmtest.ReadCapture(b, epgmCaptureFile)[3]
	var p Packet
	b.SetBytes(int64(len(pkt)))
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Parse(pkt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendODATA encodes a full-size ODATA into a reused buffer.
func BenchmarkAppendODATA(b *testing.B) {
	p := samplePacket(TypeODATA)
	p.TSDU = bytes.Repeat([]byte{0x5a}, 1428)
	buf := make([]byte, 0, 2048)
	b.SetBytes(int64(len(p.TSDU)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Append(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPackUnpack64 frames 64-byte messages into APDUs and back.
func BenchmarkPackUnpack64(b *testing.B) {
	packer, err := NewPacker(1428)
	if err != nil {
		b.Fatal(err)
	}
	u := NewUnpacker(-1)
	msg := [][]byte{bytes.Repeat([]byte{1}, 64)}
	delivered := 0
	deliver := func([][]byte) { delivered++ }
	emit := func(apdu []byte) {
		if err := u.Feed(apdu, deliver); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(64)
	b.ReportAllocs()
	for b.Loop() {
		packer.AddMessage(msg, emit)
	}
	packer.Flush(emit)
}
