package core

import (
	"fmt"
	"testing"
)

// BenchmarkThroughput is libzmq's local_thr/remote_thr in one process:
// PUSH connects, PULL binds, HWM off, b.N messages of each size.
func BenchmarkThroughput(b *testing.B) {
	for _, ep := range []string{"inproc://bench-thr", "ipc://@zeroplug-bench-thr", "tcp://127.0.0.1:*"} {
		for _, size := range []int{16, 256, 1024, 65536} {
			b.Run(fmt.Sprintf("%s/%dB", scheme(ep), size), func(b *testing.B) {
				ctx := NewContext()
				defer ctx.Close()
				pull, _ := ctx.NewSocket(PULL, RecvHWM(0))
				if err := pull.Bind(ep); err != nil {
					b.Fatal(err)
				}
				push, _ := ctx.NewSocket(PUSH, SendHWM(0))
				push.Connect(pull.LastEndpoint())
				b.SetBytes(int64(size))
				b.ReportAllocs()
				b.ResetTimer()
				go func() {
					for i := 0; i < b.N; i++ {
						push.Send(make([]byte, size))
					}
				}()
				for i := 0; i < b.N; i++ {
					if _, err := pull.Recv(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkLatency(b *testing.B) {
	for _, ep := range []string{"inproc://bench-lat", "ipc://@zeroplug-bench-lat", "tcp://127.0.0.1:*"} {
		b.Run(scheme(ep), func(b *testing.B) {
			ctx := NewContext()
			defer ctx.Close()
			rep, _ := ctx.NewSocket(REP)
			rep.Bind(ep)
			req, _ := ctx.NewSocket(REQ)
			req.Connect(rep.LastEndpoint())
			go func() {
				for {
					f, err := rep.Recv()
					if err != nil {
						return
					}
					rep.Send(f...)
				}
			}()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				req.Send(make([]byte, 16))
				if _, err := req.Recv(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func scheme(ep string) string {
	for i := range ep {
		if ep[i] == ':' {
			return ep[:i]
		}
	}
	return ep
}
