package core

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
	"unsafe"
)

// TestSendReusedBuffer: the Go habit of filling one buffer for every
// message is safe with Send: 1000 messages sent from one buffer, queued
// before anything reads them, all arrive as they were sent, single-frame
// and multipart alike.
func TestSendReusedBuffer(t *testing.T) {
	const n = 1000 // under SNDHWM + RCVHWM: every message waits in a queue
	eachTransport(t, func(t *testing.T, tr transport) {
		for _, multipart := range []bool{false, true} {
			t.Run(fmt.Sprintf("multipart=%v", multipart), func(t *testing.T) {
				e := newEnv(t)
				pull := e.bound(PULL, tr.endpoint())
				push := e.connected(PUSH, []string{pull.LastEndpoint()})
				mustSend(t, push, "sync")
				mustRecv(t, pull)

				buf := make([]byte, 16)
				for i := 0; i < n; i++ {
					binary.BigEndian.PutUint64(buf, uint64(i))
					binary.BigEndian.PutUint64(buf[8:], uint64(i))
					var err error
					if multipart {
						err = push.Send(buf[:8], buf[8:])
					} else {
						err = push.Send(buf)
					}
					if err != nil {
						t.Fatal(err)
					}
				}
				for i := 0; i < n; i++ {
					got := mustRecv(t, pull)
					want := [][]byte{binary.BigEndian.AppendUint64(nil, uint64(i)), binary.BigEndian.AppendUint64(nil, uint64(i))}
					if !multipart {
						want = [][]byte{bytes.Join(want, nil)}
					}
					if !sameFrames(got, want) {
						t.Fatalf("message %d arrived as %x, want %x", i, got, want)
					}
				}
			})
		}
	})
}

// TestSendStringFrames: SendString's frames, which share one array, arrive
// whole and apart.
func TestSendStringFrames(t *testing.T) {
	e := newEnv(t)
	pull := e.bound(PULL, "inproc://sendstring")
	push := e.connected(PUSH, []string{"inproc://sendstring"})
	if err := push.SendString("a", "", "bc"); err != nil {
		t.Fatal(err)
	}
	got := mustRecv(t, pull)
	if !equalStrings(strs(got), []string{"a", "", "bc"}) {
		t.Fatalf("got %q", got)
	}
	// A receiver appending to a frame must not write into the next one.
	_ = append(got[0], 'X')
	if string(got[2]) != "bc" {
		t.Fatalf("appending to frame 0 changed frame 2 to %q", got[2])
	}
}

// TestSendNoCopyHandsOver: SendNoCopy does not copy: over inproc, where
// messages move by reference, the receiver gets the sender's very arrays;
// Send's copy is a different array.
func TestSendNoCopyHandsOver(t *testing.T) {
	e := newEnv(t)
	pull := e.bound(PULL, "inproc://nocopy")
	push := e.connected(PUSH, []string{"inproc://nocopy"})
	a, b := []byte("first"), []byte("second")

	if err := push.SendNoCopy(a, b); err != nil {
		t.Fatal(err)
	}
	got := mustRecv(t, pull)
	if unsafe.SliceData(got[0]) != unsafe.SliceData(a) || unsafe.SliceData(got[1]) != unsafe.SliceData(b) {
		t.Fatal("SendNoCopy's frames arrived in other arrays: they were copied")
	}

	if err := push.Send(a, b); err != nil {
		t.Fatal(err)
	}
	got = mustRecv(t, pull)
	if unsafe.SliceData(got[0]) == unsafe.SliceData(a) {
		t.Fatal("Send handed over the caller's array")
	}
	if !sameFrames(got, [][]byte{a, b}) {
		t.Fatalf("got %q", got)
	}
	// One backing array: the second frame starts where the first ends.
	if unsafe.Add(unsafe.Pointer(unsafe.SliceData(got[0])), len(a)) != unsafe.Pointer(unsafe.SliceData(got[1])) {
		t.Fatal("Send's frames are not in one array")
	}
}

// TestCopyMsgAllocations: the copy is one allocation for a single frame,
// and for a multipart message one for all the bytes plus the frame list.
func TestCopyMsgAllocations(t *testing.T) {
	one := [][]byte{make([]byte, 1024)}
	three := [][]byte{make([]byte, 10), make([]byte, 1024), nil}
	for _, tc := range []struct {
		name   string
		frames [][]byte
		want   float64
	}{
		{"one frame", one, 1},
		{"three frames", three, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sink msg
			got := testing.AllocsPerRun(100, func() { sink = copyMsg(tc.frames) })
			if got != tc.want {
				t.Fatalf("%v allocations, want %v", got, tc.want)
			}
			if !sameFrames(sink.frames(), tc.frames) {
				t.Fatalf("copy %q differs", sink.frames())
			}
		})
	}
}

// TestSendLargeCopiesReused: Send's copies of large frames come from the body
// pools and the engine gives them back once written, so that the next copies
// reuse them, and no message is changed by it: each of many 64 KiB messages,
// sent from one reused buffer over tcp and ipc to one PULL and to a PUB's two
// SUBs (whose shared copy is never given back), arrives as it was sent.
func TestSendLargeCopiesReused(t *testing.T) {
	const n, size = 300, 64 << 10
	fill := func(buf []byte, i int) {
		for j := 0; j < len(buf); j += 8 {
			binary.BigEndian.PutUint64(buf[j:], uint64(i)<<32|uint64(j))
		}
	}
	check := func(t *testing.T, who string, got [][]byte, i int) {
		t.Helper()
		want := make([]byte, size)
		fill(want, i)
		if len(got) != 1 || !bytes.Equal(got[0], want) {
			t.Fatalf("%s: message %d changed on the way", who, i)
		}
	}
	eachTransport(t, func(t *testing.T, tr transport) {
		if tr.name == "inproc" {
			return // messages by reference: no engine writes them
		}
		t.Run("push", func(t *testing.T) {
			e := newEnv(t)
			pull := e.bound(PULL, tr.endpoint())
			push := e.connected(PUSH, []string{pull.LastEndpoint()})
			buf := make([]byte, size)
			done := make(chan struct{})
			go func() {
				defer close(done)
				for i := range n {
					fill(buf, i)
					if err := push.Send(buf); err != nil {
						t.Error(err)
						return
					}
				}
			}()
			for i := range n {
				m, err := pull.RecvMsg(t.Context(), false)
				if err != nil {
					t.Fatal(err)
				}
				check(t, "PULL", m.Frames, i)
				m.Release()
			}
			<-done
		})
		t.Run("pub", func(t *testing.T) {
			e := newEnv(t)
			pub := e.bound(PUB, tr.endpoint(), SendHWM(0))
			subs := []*Socket{e.connected(SUB, []string{pub.LastEndpoint()}, Subscribe("")), e.connected(SUB, []string{pub.LastEndpoint()}, Subscribe(""))}
			for _, sub := range subs {
				syncSub(t, pub, sub, "")
			}
			buf := make([]byte, size)
			for i := range n {
				fill(buf, i)
				if err := pub.Send(buf); err != nil {
					t.Fatal(err)
				}
			}
			for _, sub := range subs {
				for i := 0; i < n; {
					got := mustRecv(t, sub)
					if len(got) == 1 && len(got[0]) < size {
						continue // a probe of syncSub's for the other SUB
					}
					check(t, "SUB", got, i)
					i++
				}
			}
		})
	})
	// A copy given back is the next copy's memory. (The race detector's
	// sync.Pool drops a quarter of what it is given at random: one reuse in
	// twenty tries is the test.)
	src := [][]byte{make([]byte, size)}
	reused := false
	for range 20 {
		a := copyMsg(src)
		releaseBody(a.body)
		b := copyMsg(src)
		reused = reused || unsafe.SliceData(a.body) == unsafe.SliceData(b.body)
		if !a.copied || !b.copied {
			t.Fatal("a 64 KiB copy is not from the pools")
		}
	}
	if !reused {
		t.Error("a released copy was never reused")
	}
}

// TestSendCopiesGoBackOnlyOnceDone: Send's copy of a large frame comes
// from the body pools and goes back once written. 200 messages of sizes
// around the pooled ones, sent from one reused buffer to one PULL (which
// releases what it receives) and, fanned out, to three SUBs that keep
// every message, arrive as they were sent: no copy is reused while a
// pipe, a connection or a receiver still holds it.
func TestSendCopiesGoBackOnlyOnceDone(t *testing.T) {
	sizes := []int{600, 4096, 16 << 10, 70000}
	const n = 200
	fill := func(buf []byte, i int) []byte {
		b := buf[:sizes[i%len(sizes)]]
		for j := range b {
			b[j] = byte(i + j>>4)
		}
		return b
	}
	check := func(t *testing.T, who string, got [][]byte) {
		t.Helper()
		buf := make([]byte, 70000)
		for i, f := range got {
			if !bytes.Equal(f, fill(buf, i)) {
				t.Fatalf("%s: message %d is not what was sent", who, i)
			}
		}
	}
	eachTransport(t, func(t *testing.T, tr transport) {
		t.Run("PUSH", func(t *testing.T) {
			e := newEnv(t)
			pull := e.bound(PULL, tr.endpoint())
			push := e.connected(PUSH, []string{pull.LastEndpoint()})
			buf := make([]byte, 70000)
			var got [][]byte
			var m Msg
			for i := range n {
				if err := push.Send(fill(buf, i)); err != nil {
					t.Fatal(err)
				}
				if i%2 == 1 { // half waits in the pipe, half is taken at once
					for range 2 {
						if err := pull.RecvInto(&m); err != nil {
							t.Fatal(err)
						}
						got = append(got, bytes.Clone(m.Frames[0]))
						m.Release()
					}
				}
			}
			check(t, "PULL", got)
		})
		t.Run("PUB", func(t *testing.T) {
			e := newEnv(t)
			pubs := e.bound(PUB, tr.endpoint(), SendHWM(0))
			var subs []*Socket
			for range 3 {
				sub := e.connected(SUB, []string{pubs.LastEndpoint()}, RecvHWM(0), Subscribe(""))
				subs = append(subs, sub)
			}
			eventually(t, func() bool {
				x := pubs.pat.(*pub)
				x.mu.Lock()
				defer x.mu.Unlock()
				ready := 0
				for _, p := range x.pipes {
					if p.subs.match(nil) {
						ready++
					}
				}
				return ready == len(subs)
			}, "the SUBs' subscriptions")
			buf := make([]byte, 70000)
			for i := range n {
				if err := pubs.Send(fill(buf, i)); err != nil {
					t.Fatal(err)
				}
			}
			for k, sub := range subs {
				var got [][]byte
				for range n {
					got = append(got, mustRecv(t, sub)[0])
				}
				check(t, fmt.Sprint("SUB ", k), got)
			}
		})
	})
}
