package core

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkThroughput is libzmq's local_thr/remote_thr in one process:
// PUSH connects, PULL binds, HWM off, b.N messages of each size, all sent
// from one buffer with Send (which copies it) or SendNoCopy, received with
// Recv, or with RecvInto and Release (what libzmq's perf tools do: the
// allocations per message are the receiver's and the pipe's alone).
func BenchmarkThroughput(b *testing.B) {
	for _, ep := range []string{"inproc://bench-thr", "ipc://@zeroplug-bench-thr", "tcp://127.0.0.1:*"} {
		for _, size := range []int{16, 256, 1024, 16384, 65536} {
			for _, call := range []string{"Send", "SendNoCopy", "Send-RecvInto", "SendNoCopy-RecvInto"} {
				b.Run(fmt.Sprintf("%s/%dB/%s", scheme(ep), size, call), func(b *testing.B) {
					benchThroughput(b, ep, size, strings.HasPrefix(call, "SendNoCopy"), strings.HasSuffix(call, "RecvInto"))
				})
			}
		}
	}
}

func benchThroughput(b *testing.B, ep string, size int, noCopy, release bool) {
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
	payload := make([]byte, size)
	go func() {
		for i := 0; i < b.N; i++ {
			if noCopy {
				push.SendNoCopy(payload)
			} else {
				push.Send(payload)
			}
		}
	}()
	var m Msg
	for i := 0; i < b.N; i++ {
		if release {
			if err := pull.RecvInto(&m); err != nil {
				b.Fatal(err)
			}
			m.Release()
		} else if _, err := pull.Recv(); err != nil {
			b.Fatal(err)
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
			payload := make([]byte, 16)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				req.Send(payload)
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
