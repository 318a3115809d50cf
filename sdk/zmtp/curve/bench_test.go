package curve

import (
	"fmt"
	"io"
	"testing"

	"github.com/zeroplug/zeroplug/sdk/zmtp"
	"github.com/zeroplug/zeroplug/sdk/zmtp/internal/mechtest"
)

var benchSizes = []int{64, 1024}

// BenchmarkSeal: one frame boxed into a MESSAGE and appended to an encoder
// that flushes every 256 frames, as the engine's writer batches them.
func BenchmarkSeal(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("%dB", n), func(b *testing.B) {
			client, _ := pair(b)
			enc := zmtp.NewEncoder(io.Discard)
			body := pattern(n, 1)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := client.Seal(enc, 0, body); err != nil {
					b.Fatal(err)
				}
				if i++; i%256 == 0 {
					enc.Flush()
				}
			}
		})
	}
}

// BenchmarkOpen: one MESSAGE checked and opened (its nonce reset between
// rounds, since a real peer never repeats one).
func BenchmarkOpen(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("%dB", n), func(b *testing.B) {
			client, server := pair(b)
			flags, frame := sealOne(b, client, 0, pattern(n, 1))
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				server.open.last = 0
				if _, _, err := server.Open(flags, frame); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHandshake: a whole CURVE handshake, client and server, in
// memory.
func BenchmarkHandshake(b *testing.B) {
	k := newVectorKeys(b)
	cl := zmtp.Config{Mechanism: Client{ServerKey: k.S, PublicKey: k.C, SecretKey: k.c}, SocketType: "DEALER"}
	sv := zmtp.Config{Mechanism: Server{SecretKey: k.s}, SocketType: "ROUTER"}
	b.ReportAllocs()
	for b.Loop() {
		x, y := mechtest.Handshake(b, cl, sv)
		if x.Err != nil || y.Err != nil {
			b.Fatal(x.Err, y.Err)
		}
	}
}
