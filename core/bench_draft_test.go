package core

import (
	"fmt"
	"testing"
)

// BenchmarkDraftThroughput is BenchmarkThroughput for the draft types over
// tcp: a SCATTER to a GATHER, a CLIENT to a SERVER, and a RADIO to a DISH
// that joined the group (the group frame goes with every message).
func BenchmarkDraftThroughput(b *testing.B) {
	for _, pair := range [][2]Type{{SCATTER, GATHER}, {CLIENT, SERVER}, {RADIO, DISH}} {
		for _, size := range []int{16, 1024} {
			b.Run(fmt.Sprintf("%v-%v/%dB", pair[0], pair[1], size), func(b *testing.B) {
				benchDraftThroughput(b, pair[0], pair[1], size)
			})
		}
	}
}

func benchDraftThroughput(b *testing.B, sender, receiver Type, size int) {
	ctx := NewContext()
	defer ctx.Close()
	in, _ := ctx.NewSocket(receiver, RecvHWM(0))
	if err := in.Bind("tcp://127.0.0.1:*"); err != nil {
		b.Fatal(err)
	}
	out, _ := ctx.NewSocket(sender, SendHWM(0))
	if receiver == DISH {
		in.Join("g")
	}
	out.Connect(in.LastEndpoint())
	payload := make([]byte, size)
	send := func() error { return out.Send(payload) }
	if sender == RADIO {
		// A RADIO drops what it sends before the join arrives.
		for !radioKnows(out, "g", 1) {
			out.SendToGroup("g", payload)
		}
		send = func() error { return out.SendToGroup("g", payload) }
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	go func() {
		for i := 0; i < b.N; i++ {
			if send() != nil {
				return
			}
		}
	}()
	for i := 0; i < b.N; i++ {
		if _, err := in.Recv(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkServerClientLatency is one round trip: a CLIENT's request and
// the SERVER's reply to its routing id, over tcp.
func BenchmarkServerClientLatency(b *testing.B) {
	ctx := NewContext()
	defer ctx.Close()
	srv, _ := ctx.NewSocket(SERVER)
	srv.Bind("tcp://127.0.0.1:*")
	cl, _ := ctx.NewSocket(CLIENT)
	cl.Connect(srv.LastEndpoint())
	go func() {
		for {
			m, err := srv.RecvMsg(b.Context(), false)
			if err != nil {
				return
			}
			srv.SendTo(m.RoutingID, m.Frames[0])
		}
	}()
	msg := []byte("ping")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cl.Send(msg)
		if _, err := cl.Recv(); err != nil {
			b.Fatal(err)
		}
	}
}
