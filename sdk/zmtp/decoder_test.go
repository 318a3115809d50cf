package zmtp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"testing"
	"testing/iotest"
	"time"
)

func TestDecoderFrames(t *testing.T) {
	tests := []struct {
		name string
		wire []byte
		want []frame
	}{
		// RFC 37, "Framing": "an empty frame has a size of zero".
		{"empty message", shortFrame(0, nil), []frame{{0, nil}}},
		{"short message", shortFrame(0, []byte("abc")), []frame{{0, []byte("abc")}}},
		// message-more = ( %x01 short-size | %x03 long-size ) message-body
		{"short MORE", shortFrame(FlagMore, []byte("a")), []frame{{FlagMore, []byte("a")}}},
		{"short body of 255", shortFrame(0, pattern(255, 1)), []frame{{0, pattern(255, 1)}}},
		{"long body of 256", longFrame(0, pattern(256, 2)), []frame{{FlagLong, pattern(256, 2)}}},
		{"long MORE", longFrame(FlagMore, pattern(300, 3)), []frame{{FlagMore | FlagLong, pattern(300, 3)}}},
		// long-size = 8OCTET; Body is 0 to 2^63-1 octets: a sender MAY
		// use a long size for a short body.
		{"long size for a short body", longFrame(0, []byte("abc")), []frame{{FlagLong, []byte("abc")}}},
		{"long size for an empty body", longFrame(0, nil), []frame{{FlagLong, nil}}},
		// command-size = %x04 short-size | %x06 long-size
		{"short command", libzmqPing, []frame{{FlagCommand, libzmqPing[2:]}}},
		{"long command", longFrame(FlagCommand, pattern(400, 4)), []frame{{FlagCommand | FlagLong, pattern(400, 4)}}},
		{"libzmq READY", libzmqReadyDealer, []frame{{FlagCommand, libzmqReadyDealer[2:]}}},
		{"libzmq REQ envelope", libzmqReqMessage, []frame{{FlagMore, nil}, {0, []byte("ping?")}}},
		{"libzmq DEALER messages", libzmqDealerMessages, []frame{
			{FlagMore, []byte("hello")}, {0, []byte("world")}, {FlagLong, bytes.Repeat([]byte("x"), 300)},
		}},
		// traffic = *(command | message)
		{"commands between messages", cat(libzmqSubscribe, shortFrame(FlagMore, []byte("a")), libzmqPing, shortFrame(0, []byte("b"))),
			[]frame{{FlagCommand, libzmqSubscribe[2:]}, {FlagMore, []byte("a")}, {FlagCommand, libzmqPing[2:]}, {0, []byte("b")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeAll(NewDecoder(bytes.NewReader(tt.wire), 0))
			if err != io.EOF {
				t.Fatalf("stream ended with %v, want io.EOF", err)
			}
			if !equalFrames(got, tt.want) {
				t.Errorf("decoded %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDecoderRejects(t *testing.T) {
	tests := []struct {
		name string
		wire []byte
	}{
		// RFC 37, "Framing": "Bits 7-3 are reserved for future use and
		// MUST be zero."
		{"reserved bit 3", shortFrame(0x08, []byte("a"))},
		{"reserved bit 4", shortFrame(0x10, []byte("a"))},
		{"reserved bit 5", shortFrame(0x20, []byte("a"))},
		{"reserved bit 6", shortFrame(0x40, []byte("a"))},
		{"reserved bit 7", shortFrame(0x80, []byte("a"))},
		{"all bits", shortFrame(0xFF, []byte("a"))},
		{"reserved bit on a long frame", longFrame(0x08, []byte("a"))},
		// "This bit [MORE] SHALL be zero on command frames."
		{"short command with MORE", shortFrame(FlagCommand|FlagMore, []byte("\x04PING\x00\x00"))},
		{"long command with MORE", longFrame(FlagCommand|FlagMore, []byte("\x04PING\x00\x00"))},
		// long-size: "Body is 0 to 2^63-1 octets".
		{"long size with the top bit set", cat(longHeader(0, 1<<63), []byte("a"))},
		{"long size of 2^64-1", cat(longHeader(0, math.MaxUint64), []byte("a"))},
		// A bad frame after good ones.
		{"reserved bit after a good frame", cat(shortFrame(0, []byte("ok")), shortFrame(0x40, nil))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeAll(NewDecoder(bytes.NewReader(tt.wire), 0))
			if !errors.Is(err, ErrProtocol) {
				t.Fatalf("stream ended with %v, want an ErrProtocol", err)
			}
		})
	}
}

// scriptReader serves its chunks, one per Read, then fails: a test that
// must not read past them sees errReadTooFar.
type scriptReader struct {
	chunks [][]byte
	reads  int
}

var errReadTooFar = errors.New("read past the end of the script")

func (r *scriptReader) Read(p []byte) (int, error) {
	if len(r.chunks) == 0 {
		return 0, errReadTooFar
	}
	r.reads++
	n := copy(p, r.chunks[0])
	r.chunks[0] = r.chunks[0][n:]
	if len(r.chunks[0]) == 0 {
		r.chunks = r.chunks[1:]
	}
	return n, nil
}

func TestDecoderMaxSize(t *testing.T) {
	tests := []struct {
		name    string
		maxSize int64
		wire    []byte
		want    error
	}{
		{"no limit", -1, longFrame(0, pattern(70000, 0)), io.EOF},
		// long-size allows up to 2^63-1, more than any memory: without a
		// limit, a size beyond an int is still too large.
		{"no limit, 2^63-1", -1, longHeader(0, math.MaxInt64), ErrTooLarge},
		{"zero limit, empty frame", 0, shortFrame(0, nil), io.EOF},
		{"zero limit, one byte", 0, shortFrame(0, []byte("a")), ErrTooLarge},
		{"short frame at the limit", 10, shortFrame(0, pattern(10, 0)), io.EOF},
		{"short frame one over", 10, shortFrame(0, pattern(11, 0)), ErrTooLarge},
		{"long frame at the limit", 300, longFrame(0, pattern(300, 0)), io.EOF},
		{"long frame one over", 300, longFrame(0, pattern(301, 0)), ErrTooLarge},
		{"long size, short body, one over", 10, longFrame(0, pattern(11, 0)), ErrTooLarge},
		{"command one over", 10, shortFrame(FlagCommand, pattern(11, 0)), ErrTooLarge},
		{"large frame at the limit", 1 << 20, longFrame(0, pattern(1<<20, 0)), io.EOF},
		{"large frame one over", 1 << 20, longFrame(0, pattern(1<<20+1, 0)), ErrTooLarge},
		{"second frame over", 10, cat(shortFrame(FlagMore, pattern(10, 0)), shortFrame(0, pattern(11, 0))), ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecoder(bytes.NewReader(tt.wire), 0)
			d.MaxSize = tt.maxSize
			got, err := decodeAll(d)
			if err != tt.want {
				t.Fatalf("stream ended with %v, want %v", err, tt.want)
			}
			for _, f := range got {
				if tt.maxSize >= 0 && int64(len(f.body)) > tt.maxSize {
					t.Errorf("returned a body of %d bytes over MaxSize %d", len(f.body), tt.maxSize)
				}
			}
		})
	}
}

// The size is checked as soon as the header is in: the decoder neither
// waits for nor buffers a body it is going to refuse.
func TestDecoderMaxSizeBeforeBody(t *testing.T) {
	tests := []struct {
		name    string
		maxSize int64
		header  []byte
	}{
		{"short", 10, []byte{0, 11}},
		{"long", 300, longHeader(0, 301)},
		{"long command", 300, longHeader(FlagCommand, 301)},
		{"hostile 2^62", 1 << 20, longHeader(0, 1<<62)},
		{"hostile 2^63-1", 1 << 20, longHeader(0, math.MaxInt64)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &scriptReader{chunks: [][]byte{tt.header}}
			d := NewDecoder(r, 0)
			d.MaxSize = tt.maxSize
			_, body, err := d.Next()
			if err != ErrTooLarge {
				t.Fatalf("Next() = %d bytes, %v; want ErrTooLarge", len(body), err)
			}
		})
	}
}

func TestDecoderTruncated(t *testing.T) {
	tests := []struct {
		name    string
		bufSize int
		wire    []byte
		want    error
	}{
		// A stream may end between frames ...
		{"empty stream", 0, nil, io.EOF},
		{"end after a frame", 0, shortFrame(0, []byte("a")), io.EOF},
		// ... but not inside one.
		{"flags only", 0, []byte{0}, io.ErrUnexpectedEOF},
		{"short body cut", 0, []byte{0, 5, 'a', 'b'}, io.ErrUnexpectedEOF},
		{"short body missing", 0, []byte{0, 5}, io.ErrUnexpectedEOF},
		{"long size cut", 0, longHeader(0, 300)[:5], io.ErrUnexpectedEOF},
		{"long flags only", 0, []byte{FlagLong}, io.ErrUnexpectedEOF},
		{"long body cut", 0, longFrame(0, pattern(300, 0))[:100], io.ErrUnexpectedEOF},
		{"body larger than the buffer cut", 64, longFrame(0, pattern(1000, 0))[:500], io.ErrUnexpectedEOF},
		{"body larger than the buffer missing", 64, longHeader(0, 1000), io.ErrUnexpectedEOF},
		{"second frame cut", 0, cat(shortFrame(FlagMore, []byte("a")), []byte{0, 2, 'b'}), io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, rd := range readers {
				_, err := decodeAll(NewDecoder(rd.wrap(bytes.NewReader(tt.wire)), tt.bufSize))
				if err != tt.want {
					t.Errorf("%s: stream ended with %v, want %v", rd.name, err, tt.want)
				}
			}
		})
	}
}

// readers deliver a stream in the ways an io.Reader may.
var readers = []struct {
	name string
	wrap func(io.Reader) io.Reader
}{
	{"whole", func(r io.Reader) io.Reader { return r }},
	{"one byte per read", iotest.OneByteReader},
	{"half per read", iotest.HalfReader},
	{"data with EOF", iotest.DataErrReader},
}

// mixedFrames is a stream that exercises every path of the decoder: short
// and long headers, bodies copied into the slab, copied on their own, and
// read straight into their own memory.
func mixedFrames() []frame {
	var fs []frame
	for i, n := range []int{0, 1, 7, 255, 256, smallBody, smallBody + 1, 1000, 16 << 10, 70000, 3, 1 << 20, 0} {
		flags := byte(0)
		switch i % 3 {
		case 1:
			flags = FlagMore
		case 2:
			flags = FlagCommand
		}
		if n > 255 {
			flags |= FlagLong
		}
		fs = append(fs, frame{flags, pattern(n, byte(i))})
	}
	return fs
}

func TestDecoderReaders(t *testing.T) {
	want := mixedFrames()
	wire := encodeAll(t, want)
	for _, rd := range readers {
		for _, bufSize := range []int{1, 64, 100, 4096, 0} {
			t.Run(fmt.Sprintf("%s/buffer %d", rd.name, bufSize), func(t *testing.T) {
				got, err := decodeAll(NewDecoder(rd.wrap(bytes.NewReader(wire)), bufSize))
				if err != io.EOF {
					t.Fatalf("stream ended with %v after %d frames", err, len(got))
				}
				if !equalFrames(got, want) {
					t.Errorf("decoded %v, want %v", got, want)
				}
			})
		}
	}
}

// A buffer smaller than a frame header used to spin forever reading into an
// empty slice; NewDecoder now keeps at least GreetingSize bytes.
func TestDecoderTinyBuffer(t *testing.T) {
	wire := cat(longFrame(0, []byte("long")), shortFrame(0, []byte("short")))
	for _, bufSize := range []int{1, 2, 8, 9} {
		t.Run(fmt.Sprint(bufSize), func(t *testing.T) {
			type result struct {
				fs  []frame
				err error
			}
			done := make(chan result, 1)
			go func() {
				fs, err := decodeAll(NewDecoder(&scriptReader{chunks: [][]byte{wire}}, bufSize))
				done <- result{fs, err}
			}()
			select {
			case r := <-done:
				if r.err != errReadTooFar || len(r.fs) != 2 {
					t.Fatalf("decoded %v, %v", r.fs, r.err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Next hangs with a small buffer")
			}
			if g, err := NewDecoder(bytes.NewReader(libzmqGreeting), bufSize).ReadFull(GreetingSize); err != nil || !bytes.Equal(g, libzmqGreeting) {
				t.Errorf("ReadFull(GreetingSize) = %v", err)
			}
		})
	}
}

func TestDecoderLargerThanBuffer(t *testing.T) {
	// Bodies of one buffer and more: the one that fits exactly, the one
	// that does not, and ones that need many reads into their own memory.
	const bufSize = 256
	tests := []struct {
		name string
		n    int
	}{
		{"header and body fill the buffer", bufSize - 9},
		{"one byte more", bufSize - 8},
		{"buffer size", bufSize},
		{"many buffers", 50 * bufSize},
		{"beyond the trusted allocation", trustedAlloc + bufSize + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Frames before and after check that the decoder keeps its
			// place in the stream.
			want := []frame{{FlagMore, []byte("before")}, {FlagLong, pattern(tt.n, 9)}, {0, []byte("after")}}
			wire := cat(shortFrame(FlagMore, want[0].body), longFrame(0, want[1].body), shortFrame(0, want[2].body))
			got, err := decodeAll(NewDecoder(bytes.NewReader(wire), bufSize))
			if err != io.EOF || !equalFrames(got, want) {
				t.Errorf("decoded %v, %v; want %v", got, err, want)
			}
		})
	}
}

// A peer's header may claim any size up to 2^63-1. The decoder must not
// believe it before the bytes arrive.
func TestDecoderHostileLongHeader(t *testing.T) {
	tests := []struct {
		name string
		sent int // body bytes that really follow the header
	}{
		{"header then EOF", 0},
		{"a little then EOF", 1000},
		{"3 MiB then EOF", 3 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wire := cat(longHeader(0, 1<<50), pattern(tt.sent, 0))
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			d := NewDecoder(bytes.NewReader(wire), 0)
			_, body, err := d.Next()
			runtime.ReadMemStats(&after)
			if err != io.ErrUnexpectedEOF || body != nil {
				t.Fatalf("Next() = %d bytes, %v; want io.ErrUnexpectedEOF", len(body), err)
			}
			// The read buffer, a first MiB, and then memory in proportion
			// to the bytes really sent (the body doubles as it fills).
			limit := uint64(DefaultReadBuffer + trustedAlloc + 4*tt.sent + 1<<20)
			if got := after.TotalAlloc - before.TotalAlloc; got > limit {
				t.Errorf("allocated %d bytes for %d sent, limit %d", got, tt.sent, limit)
			}
		})
	}
}

// Next's contract: "The body belongs to the caller, who may keep it: it
// never aliases the decoder's buffer."
func TestDecoderBodiesDoNotAlias(t *testing.T) {
	want := mixedFrames()
	// Several slab-sized frames in a row, so that some share a slab.
	for i := range 20 {
		want = append(want, frame{FlagMore, pattern(i*7, byte(100+i))})
	}
	want = append(want, frame{0, []byte("end")})
	wire := encodeAll(t, want)
	for _, bufSize := range []int{64, 0} {
		t.Run(fmt.Sprintf("buffer %d", bufSize), func(t *testing.T) {
			d := NewDecoder(iotest.HalfReader(bytes.NewReader(wire)), bufSize)
			var got []frame
			for {
				flags, body, err := d.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				// Decoding this frame refilled and reused the buffer:
				// every body kept so far must be intact ...
				for i, f := range got {
					if !bytes.Equal(f.body, want[i].body) {
						t.Fatalf("body %d changed after decoding frame %d", i, len(got))
					}
				}
				got = append(got, frame{flags, body})
			}
			// ... and mutating or appending to one body must not touch
			// another.
			for i := range got {
				for j := range got[i].body {
					got[i].body[j] ^= 0xFF
				}
				_ = append(got[i].body, 0xEE, 0xEE, 0xEE, 0xEE)
				for j := i + 1; j < len(got); j++ {
					if !bytes.Equal(got[j].body, want[j].body) {
						t.Fatalf("writing to body %d changed body %d", i, j)
					}
				}
			}
		})
	}
}

func TestDecoderHasFrame(t *testing.T) {
	tests := []struct {
		name string
		wire []byte
		want bool
	}{
		{"nothing", nil, false},
		{"flags only", []byte{0}, false},
		{"short header only", []byte{0, 3}, false},
		{"short frame less a byte", []byte{0, 3, 'a', 'b'}, false},
		{"short frame", shortFrame(0, []byte("abc")), true},
		{"empty frame", shortFrame(0, nil), true},
		{"long header cut", longHeader(0, 3)[:8], false},
		{"long frame less a byte", longFrame(0, []byte("abc"))[:11], false},
		{"long frame", longFrame(0, []byte("abc")), true},
		{"long size with the top bit", longHeader(0, 1<<63), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecoder(&scriptReader{chunks: [][]byte{cat([]byte("x"), tt.wire)}}, 0)
			// Buffer the script, then take the leading "x" off it.
			if _, err := d.ReadFull(1); err != nil {
				t.Fatal(err)
			}
			if got := d.Buffered(); got != len(tt.wire) {
				t.Fatalf("Buffered() = %d, want %d", got, len(tt.wire))
			}
			if got := d.HasFrame(); got != tt.want {
				t.Fatalf("HasFrame() = %v, want %v", got, tt.want)
			}
			if tt.want {
				// HasFrame's promise: Next returns without reading.
				if _, _, err := d.Next(); err != nil {
					t.Errorf("Next() after HasFrame: %v", err)
				}
			}
		})
	}
}

func TestDecoderReadFull(t *testing.T) {
	// The greeting is unframed; frames that followed it in the same read
	// stay buffered for Next.
	wire := cat(libzmqGreeting, libzmqReadyReq, libzmqReqMessage)
	d := NewDecoder(bytes.NewReader(wire), 0)
	g, err := d.ReadFull(GreetingSize)
	if err != nil || !bytes.Equal(g, libzmqGreeting) {
		t.Fatalf("ReadFull(GreetingSize) = % x, %v", g, err)
	}
	got, err := decodeAll(d)
	want := []frame{{FlagCommand, libzmqReadyReq[2:]}, {FlagMore, nil}, {0, []byte("ping?")}}
	if err != io.EOF || !equalFrames(got, want) {
		t.Errorf("frames after the greeting: %v, %v; want %v", got, err, want)
	}

	small := NewDecoder(bytes.NewReader(wire), 64)
	if _, err := small.ReadFull(65); err != io.ErrShortBuffer {
		t.Errorf("ReadFull beyond the buffer: %v, want io.ErrShortBuffer", err)
	}
	short := NewDecoder(bytes.NewReader(libzmqGreeting[:20]), 0)
	if _, err := short.ReadFull(GreetingSize); err != io.ErrUnexpectedEOF {
		t.Errorf("ReadFull of a cut greeting: %v, want io.ErrUnexpectedEOF", err)
	}
}

func TestDecoderReadSome(t *testing.T) {
	d := NewDecoder(iotest.HalfReader(bytes.NewReader([]byte("raw stream bytes"))), 0)
	var got, kept [][]byte
	for {
		b, err := d.ReadSome()
		if err == io.EOF {
			break
		}
		if err != nil || len(b) == 0 {
			t.Fatalf("ReadSome() = %q, %v", b, err)
		}
		got = append(got, b)
		kept = append(kept, bytes.Clone(b))
	}
	// The slices are the caller's: later reads did not change them.
	if !slices.EqualFunc(got, kept, bytes.Equal) {
		t.Errorf("ReadSome's slices changed from %q to %q", kept, got)
	}
	if all := bytes.Join(got, nil); string(all) != "raw stream bytes" {
		t.Errorf("ReadSome gave %q", all)
	}
}

// countingReader counts the Read calls that reach the stream.
type countingReader struct {
	r     io.Reader
	reads int
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.reads++
	return c.r.Read(p)
}

// FuzzDecoder decodes arbitrary bytes and checks that
//   - Next never panics and never returns a body longer than MaxSize;
//   - the frames do not depend on the buffer size or on how the stream is
//     cut into reads;
//   - Next does not read when HasFrame said a frame was buffered;
//   - the Encoder's encoding of the frames decodes to the same frames.
func FuzzDecoder(f *testing.F) {
	f.Add(libzmqDealerMessages)
	f.Add(cat(libzmqReadySub, libzmqSubscribe, libzmqPing))
	f.Add(longHeader(0, 1<<50))
	f.Fuzz(func(t *testing.T, data []byte) {
		cr := &countingReader{r: bytes.NewReader(data)}
		d := NewDecoder(cr, 0)
		var want []frame
		var wantErr error
		for {
			buffered := d.HasFrame()
			reads := cr.reads
			flags, body, err := d.Next()
			if buffered && cr.reads != reads {
				t.Fatalf("Next read from the stream after HasFrame() = true")
			}
			if err != nil {
				wantErr = err
				break
			}
			if flags&^flagsMask != 0 || flags&FlagCommand != 0 && flags&FlagMore != 0 {
				t.Fatalf("Next returned flags %#02x", flags)
			}
			if flags&FlagLong == 0 && len(body) > 255 {
				t.Fatalf("short frame of %d bytes", len(body))
			}
			want = append(want, frame{flags, body})
		}
		// ErrTooLarge without a limit: a size that fits in 63 bits but
		// not, with its header, in an int.
		if wantErr != io.EOF && wantErr != io.ErrUnexpectedEOF && wantErr != ErrTooLarge && !errors.Is(wantErr, ErrProtocol) {
			t.Fatalf("unexpected error %v", wantErr)
		}

		// The smallest buffer, one byte per read.
		got, err := decodeAll(NewDecoder(iotest.OneByteReader(bytes.NewReader(data)), 1))
		if !equalFrames(got, want) || !sameError(err, wantErr) {
			t.Fatalf("with 1-byte reads: %v, %v; want %v, %v", got, err, want, wantErr)
		}

		// A size limit cuts the stream at the first frame over it.
		const maxSize = 200
		d = NewDecoder(bytes.NewReader(data), 64)
		d.MaxSize = maxSize
		got, err = decodeAll(d)
		for _, f := range got {
			if len(f.body) > maxSize {
				t.Fatalf("body of %d bytes over MaxSize %d", len(f.body), maxSize)
			}
		}
		if len(got) > len(want) || !equalFrames(got, want[:len(got)]) {
			t.Fatalf("with MaxSize: %v, want a prefix of %v", got, want)
		}
		if err == ErrTooLarge {
			if len(got) < len(want) && len(want[len(got)].body) <= maxSize {
				t.Fatalf("ErrTooLarge for a frame of %d bytes", len(want[len(got)].body))
			}
		} else if len(got) != len(want) || !sameError(err, wantErr) {
			t.Fatalf("with MaxSize: %v, %v; want %v, %v", got, err, want, wantErr)
		}

		// Encode what was decoded: the same frames come back.
		reencoded := make([]frame, len(want))
		for i, f := range want {
			reencoded[i] = frame{f.flags &^ FlagLong, f.body}
		}
		got, err = decodeAll(NewDecoder(bytes.NewReader(encodeAll(t, reencoded)), 0))
		if err != io.EOF {
			t.Fatalf("decoding the re-encoded frames: %v", err)
		}
		for i := range got {
			got[i].flags &^= FlagLong
		}
		if !equalFrames(got, reencoded) {
			t.Fatalf("re-encoded %v, decoded back %v", reencoded, got)
		}
	})
}

// sameError reports whether two decoding errors are of one kind.
func sameError(a, b error) bool {
	if errors.Is(a, ErrProtocol) {
		return errors.Is(b, ErrProtocol)
	}
	return a == b
}

// loopReader serves the same stream of whole frames forever.
type loopReader struct {
	wire []byte
	off  int
}

func (r *loopReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.wire[r.off:])
		n += c
		r.off = (r.off + c) % len(r.wire)
	}
	return n, nil
}

func BenchmarkDecoder(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"16B", 16}, {"1KiB", 1 << 10}} {
		b.Run(size.name, func(b *testing.B) {
			var one []byte
			if size.n > 255 {
				one = longFrame(0, pattern(size.n, 0))
			} else {
				one = shortFrame(0, pattern(size.n, 0))
			}
			wire := bytes.Repeat(one, DefaultReadBuffer/len(one)+1)
			d := NewDecoder(&loopReader{wire: wire}, 0)
			b.SetBytes(int64(size.n))
			b.ReportAllocs()
			for b.Loop() {
				if _, body, err := d.Next(); err != nil || len(body) != size.n {
					b.Fatalf("Next() = %d bytes, %v", len(body), err)
				}
			}
		})
	}
}
