package session

import (
	"net/netip"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/plugins/pgm/internal/wire"
)

// BenchmarkSession measures the CPU cost of the state machines alone: a Sender packing
// messages into ODATA and a Receiver delivering them, no loss, the rate not limiting
// (RATE 10 Gbit/s, the clock advanced a millisecond per message), 64 B and 1 KiB bodies.
func BenchmarkSession(b *testing.B) {
	for _, size := range []int{64, 1024} {
		b.Run(map[int]string{64: "64B", 1024: "1KiB"}[size], func(b *testing.B) {
			now := simStart
			var r *Receiver
			delivered := 0
			var err error
			r, err = NewReceiver(ReceiverConfig{DestPort: simPort, Group: simGroup, UDPEncap: true, RateKbit: 10_000_000,
				Send: func([]byte, netip.Addr) {}, Deliver: func(wire.TSI, [][]byte) { delivered++ }})
			if err != nil {
				b.Fatal(err)
			}
			s, err := NewSender(SenderConfig{TSI: testTSI, DestPort: simPort, SourceNLA: testNLA, Group: simGroup, UDPEncap: true,
				RateKbit: 10_000_000, Send: func(pkt []byte, _ netip.Addr) { r.HandleDatagram(pkt, testNLA, now) }}, now)
			if err != nil {
				b.Fatal(err)
			}
			msg := [][]byte{[]byte("topic"), make([]byte, size)}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				now = now.Add(time.Microsecond)
				if err := s.Send(msg, now); err != nil {
					b.Fatal(err)
				}
			}
			s.Flush(now)
			if delivered < b.N-1 {
				b.Fatalf("%d of %d delivered", delivered, b.N)
			}
		})
	}
}
