package core

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkUDPDgramRoundTrip: one DGRAM sends a datagram to another, which
// sends it back, over loopback: the latency of the udp engine both ways.
func BenchmarkUDPDgramRoundTrip(b *testing.B) {
	ctx := NewContext()
	defer ctx.Close()
	echo, _ := ctx.NewSocket(DGRAM, Linger(0))
	ask, _ := ctx.NewSocket(DGRAM, Linger(0))
	if err := echo.Bind("udp://127.0.0.1:*"); err != nil {
		b.Fatal(err)
	}
	if err := ask.Bind("udp://127.0.0.1:*"); err != nil {
		b.Fatal(err)
	}
	go func() {
		for {
			m, err := echo.Recv()
			if err != nil {
				return
			}
			echo.Send(m...)
		}
	}()
	to := []byte(echo.LastEndpoint()[len("udp://"):])
	payload := make([]byte, 64)
	b.ResetTimer()
	for range b.N {
		// Loopback rarely loses a datagram; if it does, ask again.
		for {
			ask.Send(to, payload)
			c, cancel := context.WithTimeout(context.Background(), time.Second)
			_, err := ask.RecvContext(c)
			cancel()
			if err == nil {
				break
			}
		}
	}
	b.StopTimer()
	echo.Close()
	ask.Close()
}

// BenchmarkUDPRadioDish: a RADIO sends to a DISH over loopback udp as fast as
// it can; UDP may drop what the receiver cannot keep up with, so the
// benchmark reports the share received beside the time per message sent.
func BenchmarkUDPRadioDish(b *testing.B) {
	for _, size := range []int{16, 1024} {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			ctx := NewContext()
			defer ctx.Close()
			d, _ := ctx.NewSocket(DISH, RecvHWM(0), Linger(0), RecvBuffer(4<<20))
			if err := d.Bind("udp://127.0.0.1:*"); err != nil {
				b.Fatal(err)
			}
			d.Join("g")
			r, _ := ctx.NewSocket(RADIO, SendHWM(0), Linger(0))
			r.Connect(d.LastEndpoint())
			got := make(chan int)
			go func() {
				n := 0
				for {
					c, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
					_, err := d.RecvContext(c)
					cancel()
					if err != nil {
						got <- n
						return
					}
					n++
				}
			}()
			payload := make([]byte, size)
			b.ResetTimer()
			for range b.N {
				r.SendToGroup("g", payload)
			}
			b.StopTimer()
			b.ReportMetric(float64(<-got)/float64(b.N), "received/op")
			r.Close()
			d.Close()
		})
	}
}
