package core

import (
	"bytes"
	"fmt"
	"testing"
	"unsafe"
)

func TestBodyClasses(t *testing.T) {
	for _, tc := range []struct {
		n, class int
	}{
		{0, -1}, {1, 0}, {512, 0}, {1024, 0}, {1025, 1}, {16 << 10, 4},
		{64 << 10, 6}, {64<<10 + 1, 7}, {1 << 20, 10}, {1<<20 + 1, -1},
	} {
		t.Run(fmt.Sprint(tc.n), func(t *testing.T) {
			if got := bodyClass(tc.n); got != tc.class {
				t.Fatalf("bodyClass(%d) = %d, want %d", tc.n, got, tc.class)
			}
			b := allocBody(tc.n)
			if len(b) != tc.n {
				t.Fatalf("allocBody(%d) has length %d", tc.n, len(b))
			}
			if tc.class >= 0 && cap(b) != 1<<(tc.class+minBodyShift) {
				t.Fatalf("allocBody(%d) has capacity %d, want its class's %d", tc.n, cap(b), 1<<(tc.class+minBodyShift))
			}
			releaseBody(b)
		})
	}
}

// What a connection delivers can be released and what is kept stays
// intact: a buffer goes back to the pool only when the receiver says so,
// never while another message (queued, or kept by the receiver) uses it.
func TestReleaseKeepsWhatIsKept(t *testing.T) {
	eachStreamTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		pull := e.bound(PULL, tr.endpoint())
		push := e.connected(PUSH, []string{pull.LastEndpoint()})
		sizes := []int{16, 600, 4096, 20000, 70000, 1 << 20}
		const rounds = 40
		go func() {
			for i := 0; i < rounds*len(sizes); i++ {
				push.Send(testBody(sizes[i%len(sizes)], i), testBody(5000, i))
			}
		}()
		var kept []Msg
		var m Msg
		for i := 0; i < rounds*len(sizes); i++ {
			if err := pull.RecvInto(&m); err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
			if len(m.Frames) != 2 || !bytes.Equal(m.Frames[0], testBody(sizes[i%len(sizes)], i)) || !bytes.Equal(m.Frames[1], testBody(5000, i)) {
				t.Fatalf("message %d is not what was sent", i)
			}
			if i%3 == 0 {
				kept = append(kept, Msg{Frames: append([][]byte(nil), m.Frames...)})
				m = Msg{} // its frames are kept: not released
				continue
			}
			m.Release()
			if len(m.Frames) != 0 {
				t.Fatalf("Release left %d frames", len(m.Frames))
			}
		}
		for j, k := range kept {
			i := 3 * j
			if !bytes.Equal(k.Frames[0], testBody(sizes[i%len(sizes)], i)) || !bytes.Equal(k.Frames[1], testBody(5000, i)) {
				t.Fatalf("kept message %d changed after others were released", i)
			}
		}
	})
}

// testBody is n bytes that tell message seed apart from the others.
func testBody(n, seed int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + seed*13 + i>>8)
	}
	return b
}

// Release never pools memory that did not come from a connection: over
// inproc the frames are the sender's own slices.
func TestReleaseLeavesInprocFramesAlone(t *testing.T) {
	e := newEnv(t)
	pull := e.bound(PULL, "inproc://release-inproc")
	push := e.connected(PUSH, []string{"inproc://release-inproc"})
	sent := make([]byte, 4096)
	if err := push.SendNoCopy(sent); err != nil {
		t.Fatal(err)
	}
	var m Msg
	if err := pull.RecvInto(&m); err != nil {
		t.Fatal(err)
	}
	if unsafe.SliceData(m.Frames[0]) != unsafe.SliceData(sent) {
		t.Fatal("inproc did not hand the sender's slice over")
	}
	m.Release()
	for range 100 {
		if b := allocBody(4096); unsafe.SliceData(b) == unsafe.SliceData(sent) {
			t.Fatal("the sender's slice went into the body pool")
		}
	}
}

// RecvInto fills the caller's frame list instead of allocating one.
func TestRecvIntoReusesFrames(t *testing.T) {
	e := newEnv(t)
	pull := e.bound(PULL, "tcp://127.0.0.1:*")
	push := e.connected(PUSH, []string{pull.LastEndpoint()})
	m := Msg{Frames: make([][]byte, 0, 4)}
	list := unsafe.SliceData(m.Frames)
	for i, frames := range [][]string{{"a"}, {"b", "c", "d"}, {"e", "f"}} {
		mustSend(t, push, frames...)
		if err := pull.RecvInto(&m); err != nil {
			t.Fatal(err)
		}
		if !equalStrings(strs(m.Frames), frames) {
			t.Fatalf("message %d: %q, want %q", i, strs(m.Frames), frames)
		}
		if unsafe.SliceData(m.Frames) != list {
			t.Fatalf("message %d: a new frame list", i)
		}
		m.Release()
	}
}
