package session

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/plugins/norm/internal/wire"
)

// FuzzReceiver feeds a receiver arbitrary packet sequences (each packet
// prefixed by its 2-byte length, then 1 byte of elapsed milliseconds): it
// must never panic, never deliver a message it was not sent whole, and
// stay within its memory bound.
func FuzzReceiver(f *testing.F) {
	// Seeds: the packets of a short real session, lossless and with loss
	// (short: the fuzzer minimizes every new input, slowly for large ones).
	for _, loss := range []float64{0, 0.2} {
		var corpus []byte
		h := newHarness(f, 31)
		h.net.loss = loss
		s, _ := h.addSender(Config{NodeID: 1, FixedRate: true, Rate: 200_000, BufferSize: 4 * 16 * 1400, SegmentSize: 200, BlockSize: 4, NumParity: 2}, 'z', 4)
		h.addReceiver(2, Config{})
		orig := s.sender.send
		s.sender.send = func(pkt []byte) {
			corpus = binary.BigEndian.AppendUint16(corpus, uint16(len(pkt)))
			corpus = append(corpus, 1)
			corpus = append(corpus, pkt...)
			orig(pkt)
		}
		h.net.run(2*time.Second, nil)
		f.Add(corpus)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		const bufferSize = 64 << 10
		r, err := NewReceiver(Config{NodeID: 2, BufferSize: bufferSize, MaxMessageSize: 1 << 16, Rand: seeded(1)},
			func(pkt []byte) {
				var n wire.Nack
				var a wire.Ack
				if n.Parse(pkt, 8) != nil && a.Parse(pkt, 8) != nil {
					t.Fatalf("receiver sent an unparsable packet % x", pkt)
				}
			},
			func(_ wire.NodeID, frames [][]byte) {
				if len(frames) == 0 {
					t.Fatal("empty message")
				}
			})
		if err != nil {
			t.Fatal(err)
		}
		now := epoch
		for len(in) >= 3 {
			n := int(binary.BigEndian.Uint16(in))
			now = now.Add(time.Duration(in[2]) * time.Millisecond)
			in = in[3:]
			n = min(n, len(in))
			r.HandlePacket(in[:n], now)
			in = in[n:]
			r.Advance(now)
			if held := r.heldBytes(); held > DefaultMaxSenders*(bufferSize*255+3*255*(maxSegmentSize+8)) {
				t.Fatalf("held %d bytes", held)
			}
		}
		r.Advance(now.Add(time.Minute))
	})
}
