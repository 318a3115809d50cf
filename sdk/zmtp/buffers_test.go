package zmtp

import (
	"bytes"
	"io"
	"testing"
	"unsafe"
)

// An encoder holds a buffer from the pool from its first frame to the
// Flush that writes it. The decoder of the default size holds a read
// buffer from the pool only while bytes stream in: a decoder waiting for
// its next bytes after all it read is decoded holds the small idle buffer
// alone, whatever came before.

// hookReader serves r and calls check before each Read.
type hookReader struct {
	r     io.Reader
	check func(p []byte)
}

func (h *hookReader) Read(p []byte) (int, error) {
	h.check(p)
	return h.r.Read(p)
}

func TestDecoderIdleHoldsNoReadBuffer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		frames []frame
	}{
		{"small frames", repeatFrames(5000, 16)},
		{"medium frames", repeatFrames(300, 1000)},
		{"large frames", repeatFrames(8, 70000)},
		{"mixed", mixedFrames()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wire := encodeAll(t, tc.frames)
			var d *Decoder
			src := bytes.NewReader(wire)
			grew := false
			d = NewDecoder(&hookReader{r: src, check: func(p []byte) {
				grew = grew || d.pooled != nil
				if src.Len() == 0 && (d.pooled != nil || len(d.buf) != idleBuffer || d.slab != nil) {
					t.Errorf("waiting for more with everything decoded, the decoder holds a %d B buffer (pooled %v) and a %d B slab",
						len(d.buf), d.pooled != nil, len(d.slab))
				}
			}}, 0)
			for i, want := range tc.frames {
				flags, body, err := d.Next()
				if err != nil {
					t.Fatalf("frame %d: %v", i, err)
				}
				if flags != want.flags || !bytes.Equal(body, want.body) {
					t.Fatalf("frame %d: got flags %#x and %d bytes, want %#x and %d", i, flags, len(body), want.flags, len(want.body))
				}
			}
			if _, _, err := d.Next(); err != io.EOF {
				t.Fatalf("after the last frame: %v, want EOF", err)
			}
			if tc.name == "small frames" && !grew {
				t.Errorf("a stream of %d bytes of small frames was read through the %d B idle buffer alone", len(wire), idleBuffer)
			}
		})
	}
}

// A body of DirectBody bytes or more is read from the stream straight into
// the memory Alloc gave it: only the bytes that came in the read of its
// header are copied.
func TestDecoderReadsLargeBodiesDirect(t *testing.T) {
	for _, n := range []int{DirectBody, 64 << 10, 1 << 20} {
		frames := repeatFrames(4, n)
		var bodies [][]byte
		var d *Decoder
		inBody := 0 // bytes read straight into a body
		src := bytes.NewReader(encodeAll(t, frames))
		d = NewDecoder(&hookReader{r: src, check: func(p []byte) {
			for _, b := range bodies {
				start := uintptr(unsafe.Pointer(unsafe.SliceData(b[:1])))
				if at := uintptr(unsafe.Pointer(unsafe.SliceData(p[:1]))); at >= start && at < start+uintptr(cap(b)) {
					inBody += len(p)
					return
				}
			}
			if len(p) > idleBuffer {
				t.Errorf("%d B bodies: a read of %d B into a read buffer", n, len(p))
			}
		}}, 0)
		d.Alloc = func(size int) []byte {
			b := make([]byte, size)
			bodies = append(bodies, b)
			return b
		}
		for i := range frames {
			_, body, err := d.Next()
			if err != nil || !bytes.Equal(body, frames[i].body) {
				t.Fatalf("%d B bodies, frame %d: %v", n, i, err)
			}
		}
		if min := 4 * (n - idleBuffer); inBody < min {
			t.Errorf("%d B bodies: %d B read straight into them, want at least %d", n, inBody, min)
		}
	}
}

func repeatFrames(count, size int) []frame {
	fs := make([]frame, count)
	for i := range fs {
		var flags byte
		if size > 255 {
			flags = FlagLong
		}
		fs[i] = frame{flags, pattern(size, byte(i))}
	}
	return fs
}

func TestEncoderHoldsNoBufferBetweenBatches(t *testing.T) {
	var out bytes.Buffer
	e := NewEncoder(&out)
	if e.pooled != nil || e.buf != nil {
		t.Fatal("a new encoder holds a buffer")
	}
	for _, size := range []int{16, 1000, 70000} {
		e.Frame(0, pattern(size, 1))
		if e.pooled == nil {
			t.Fatalf("%d B frame: no buffer from the pool", size)
		}
		if err := e.Flush(); err != nil {
			t.Fatal(err)
		}
		if e.pooled != nil || e.buf != nil {
			t.Fatalf("after flushing a %d B frame the encoder still holds a buffer", size)
		}
	}
	got, err := decodeAll(NewDecoder(&out, 0))
	if err != io.EOF || len(got) != 3 || !bytes.Equal(got[2].body, pattern(70000, 1)) {
		t.Fatalf("decoded %v, %v", got, err)
	}
}

// An empty body is empty, never nil, whether or not the decoder holds a
// slab: a receiver comparing frames with reflect.DeepEqual sees []byte{}.
func TestDecoderEmptyBodiesAreNotNil(t *testing.T) {
	frames := []frame{{0, nil}, {FlagMore, []byte("x")}, {0, nil}}
	d := NewDecoder(bytes.NewReader(encodeAll(t, frames)), 0)
	for i := range frames {
		_, body, err := d.Next()
		if err != nil {
			t.Fatal(err)
		}
		if body == nil {
			t.Errorf("frame %d: a nil body, want an empty one", i)
		}
	}
}
