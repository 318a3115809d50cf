package zmtp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
)

func TestEncoderWire(t *testing.T) {
	tests := []struct {
		name   string
		encode func(e *Encoder)
		want   []byte
	}{
		// RFC 37, "Framing": "an empty frame has a size of zero".
		{"empty message", func(e *Encoder) { e.Frame(0, nil) }, []byte{0x00, 0x00}},
		// message-more = %x01 short-size message-body
		{"MORE", func(e *Encoder) { e.Frame(FlagMore, []byte("a")) }, []byte{0x01, 0x01, 'a'}},
		// A short frame has a body of 0 to 255 octets ...
		{"255 bytes is short", func(e *Encoder) { e.Frame(0, pattern(255, 0)) }, shortFrame(0, pattern(255, 0))},
		// ... and a longer one a size of eight octets in network order.
		{"256 bytes is long", func(e *Encoder) { e.Frame(0, pattern(256, 0)) }, unhex("02 0000000000000100" + fmt.Sprintf("%x", pattern(256, 0)))},
		{"long MORE", func(e *Encoder) { e.Frame(FlagMore, pattern(300, 0)) }, longFrame(FlagMore, pattern(300, 0))},
		// The encoder chooses the size field itself and sends only
		// defined flags: reserved bits 7-3 MUST be zero.
		{"LONG from the caller ignored", func(e *Encoder) { e.Frame(FlagLong, []byte("ab")) }, []byte{0x00, 0x02, 'a', 'b'}},
		{"reserved bits dropped", func(e *Encoder) { e.Frame(0xF8|FlagMore, []byte("a")) }, []byte{0x01, 0x01, 'a'}},
		// RFC 37, "Worked Example": the DEALER's READY, byte for byte.
		{"worked example READY", func(e *Encoder) {
			e.Command(CmdReady, Metadata{prop("Socket-Type", "DEALER"), prop("Identity", "")}.Append(nil))
		}, unhex("04 29 05 5245414459 0b 536f636b65742d54797065 00000006 4445414c4552 08 4964656e74697479 00000000")},
		// ... and the ROUTER's reply.
		{"worked example reply", func(e *Encoder) {
			e.Command(CmdReady, Metadata{prop("Socket-Type", "ROUTER")}.Append(nil))
		}, unhex("04 1c 05 5245414459 0b 536f636b65742d54797065 00000006 524f55544552")},
		// What libzmq sends, byte for byte.
		{"libzmq READY", func(e *Encoder) {
			e.Command(CmdReady, Metadata{prop("Socket-Type", "DEALER"), prop("Identity", "peer-1")}.Append(nil))
		}, libzmqReadyDealer},
		{"libzmq SUBSCRIBE", func(e *Encoder) { e.Command(CmdSubscribe, []byte("topic")) }, libzmqSubscribe},
		{"libzmq CANCEL", func(e *Encoder) { e.Command(CmdCancel, []byte("topic")) }, libzmqCancel},
		{"libzmq PING", func(e *Encoder) { e.Command(CmdPing, Ping{TTL: 30}.Append(nil)) }, libzmqPing},
		// pong = command-size %d4 "PONG" ping-context
		{"libzmq PONG", func(e *Encoder) { e.Command(CmdPong, []byte("ctx-0123456789ab")) }, libzmqPongCtx},
		{"libzmq ERROR", func(e *Encoder) { e.Command(CmdError, AppendError(nil, "400")) }, libzmqError},
		// command-size = %x06 long-size when name and data pass 255.
		{"long command", func(e *Encoder) { e.Command("X", pattern(300, 0)) }, longFrame(FlagCommand, cat([]byte{1, 'X'}, pattern(300, 0)))},
		{"libzmq REQ envelope", func(e *Encoder) {
			e.Frame(FlagMore, nil)
			e.Frame(0, []byte("ping?"))
		}, libzmqReqMessage},
		{"raw greeting then READY", func(e *Encoder) {
			e.Raw(libzmqGreeting)
			e.Command(CmdReady, Metadata{prop("Socket-Type", "SUB")}.Append(nil))
		}, cat(libzmqGreeting, libzmqReadySub)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			e := NewEncoder(&buf)
			tt.encode(e)
			if e.Len() != len(tt.want) {
				t.Errorf("Len() = %d, want %d", e.Len(), len(tt.want))
			}
			if err := e.Flush(); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), tt.want) {
				t.Errorf("wrote\n% x\nwant\n% x", buf.Bytes(), tt.want)
			}
			if e.Len() != 0 {
				t.Errorf("Len() = %d after Flush", e.Len())
			}
		})
	}
}

// encoderSizes are the sizes around each boundary of the encoder: short
// and long frames, copied and referenced bodies.
var encoderSizes = []int{0, 1, 255, 256, referenceBody - 1, referenceBody, referenceBody + 1, 1 << 20}

func TestEncoderRoundTrip(t *testing.T) {
	flagSets := []struct {
		name  string
		flags byte
	}{{"message", 0}, {"MORE", FlagMore}, {"command", FlagCommand}}
	for _, n := range encoderSizes {
		for _, fl := range flagSets {
			t.Run(fmt.Sprintf("%d/%s", n, fl.name), func(t *testing.T) {
				want := []frame{{fl.flags, pattern(n, byte(n))}}
				if n > 255 {
					want[0].flags |= FlagLong
				}
				got, err := decodeAll(NewDecoder(bytes.NewReader(encodeAll(t, want)), 0))
				if err != io.EOF || !equalFrames(got, want) {
					t.Errorf("decoded %v, %v; want %v", got, err, want)
				}
			})
		}
	}
}

// A batch mixes messages, their MORE frames and commands between them;
// one Flush sends them all, in order.
func TestEncoderMixedBatch(t *testing.T) {
	var want []frame
	for i, n := range encoderSizes {
		for j, flags := range []byte{FlagMore, FlagCommand, FlagMore, 0} {
			size := n
			if j%2 == 1 {
				size = 5 // small commands between the parts of a message
			}
			if size > 255 {
				flags |= FlagLong
			}
			want = append(want, frame{flags, pattern(size, byte(4*i+j))})
		}
	}
	for _, flushEach := range []bool{false, true} {
		t.Run(fmt.Sprintf("flush each frame %v", flushEach), func(t *testing.T) {
			var buf bytes.Buffer
			e := NewEncoder(&buf)
			for _, f := range want {
				e.Frame(f.flags, f.body)
				if flushEach {
					if err := e.Flush(); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := e.Flush(); err != nil {
				t.Fatal(err)
			}
			got, err := decodeAll(NewDecoder(bytes.NewReader(buf.Bytes()), 0))
			if err != io.EOF || !equalFrames(got, want) {
				t.Errorf("decoded %v, %v; want %v", got, err, want)
			}
		})
	}
}

// plainWriter hides every method but Write, so that net.Buffers writes one
// segment at a time; it counts the calls.
type plainWriter struct {
	w      io.Writer
	writes int
}

func (p *plainWriter) Write(b []byte) (int, error) {
	p.writes++
	return p.w.Write(b)
}

// referencedBatch is a batch whose large bodies the encoder references
// rather than copies: encode appends it, want is what must arrive, and
// scribble overwrites the caller's bodies, as it may after Flush.
func referencedBatch() (encode func(*Encoder), want []frame, scribble func()) {
	large := pattern(1<<20, 1)
	medium := pattern(referenceBody, 2)
	cmdBody := pattern(referenceBody+100, 3)
	encode = func(e *Encoder) {
		e.Frame(FlagMore, []byte("head"))
		e.Frame(FlagMore, medium)
		e.Frame(FlagMore, large)
		e.Frame(0, []byte("tail"))
		e.Command(CmdPing, Ping{TTL: 1}.Append(nil))
		e.Command("BLOB", cmdBody)
		e.Frame(0, large) // the same body twice in one batch
		e.Frame(0, nil)
	}
	want = []frame{
		{FlagMore, []byte("head")},
		{FlagMore | FlagLong, bytes.Clone(medium)},
		{FlagMore | FlagLong, bytes.Clone(large)},
		{0, []byte("tail")},
		{FlagCommand, cat([]byte{4}, []byte(CmdPing), []byte{0, 1})},
		{FlagCommand | FlagLong, cat([]byte{4}, []byte("BLOB"), cmdBody)},
		{FlagLong, bytes.Clone(large)},
		{0, nil},
	}
	scribble = func() {
		for _, b := range [][]byte{large, medium, cmdBody} {
			for i := range b {
				b[i] = 0xAA
			}
		}
	}
	return encode, want, scribble
}

// Bodies of referenceBody bytes and more go out by reference, between the
// buffered headers. Whether the writer does writev (a *net.TCPConn) or not,
// the bytes on the wire are the frames in order.
func TestEncoderFlushReferenced(t *testing.T) {
	t.Run("plain writer", func(t *testing.T) {
		encode, want, scribble := referencedBatch()
		var buf bytes.Buffer
		w := &plainWriter{w: &buf}
		e := NewEncoder(w)
		encode(e)
		size := e.Len()
		if err := e.Flush(); err != nil {
			t.Fatal(err)
		}
		scribble()
		if buf.Len() != size {
			t.Errorf("wrote %d bytes, Len() said %d", buf.Len(), size)
		}
		if w.writes < 2 {
			t.Errorf("%d writes: the large bodies were copied, not referenced", w.writes)
		}
		got, err := decodeAll(NewDecoder(bytes.NewReader(buf.Bytes()), 0))
		if err != io.EOF || !equalFrames(got, want) {
			t.Errorf("decoded %v, %v; want %v", got, err, want)
		}
	})

	t.Run("writev", func(t *testing.T) {
		encode, want, scribble := referencedBatch()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Skip("no loopback TCP:", err)
		}
		defer ln.Close()
		type result struct {
			fs  []frame
			err error
		}
		done := make(chan result, 1)
		go func() {
			c, err := ln.Accept()
			if err != nil {
				done <- result{nil, err}
				return
			}
			defer c.Close()
			fs, err := decodeAll(NewDecoder(c, 0))
			done <- result{fs, err}
		}()
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		e := NewEncoder(c) // a *net.TCPConn: net.Buffers uses writev
		encode(e)
		if err := e.Flush(); err != nil {
			t.Fatal(err)
		}
		scribble()
		c.Close()
		r := <-done
		if r.err != io.EOF || !equalFrames(r.fs, want) {
			t.Errorf("decoded %v, %v; want %v", r.fs, r.err, want)
		}
	})
}

// failWriter fails every write.
type failWriter struct{ writes int }

var errWrite = errors.New("write failed")

func (f *failWriter) Write([]byte) (int, error) {
	f.writes++
	return 0, errWrite
}

func TestEncoderFlush(t *testing.T) {
	t.Run("nothing to flush", func(t *testing.T) {
		w := &failWriter{}
		if err := NewEncoder(w).Flush(); err != nil || w.writes != 0 {
			t.Errorf("Flush() = %v after %d writes; want nil, 0", err, w.writes)
		}
	})
	for _, n := range []int{10, referenceBody} {
		t.Run(fmt.Sprintf("error with a %d-byte body", n), func(t *testing.T) {
			w := &failWriter{}
			e := NewEncoder(w)
			e.Frame(0, pattern(n, 0))
			if err := e.Flush(); err != errWrite {
				t.Fatalf("Flush() = %v, want %v", err, errWrite)
			}
			// The batch is dropped: the connection is broken anyway,
			// and nothing of it is sent twice.
			if e.Len() != 0 {
				t.Errorf("Len() = %d after a failed Flush", e.Len())
			}
		})
	}
	t.Run("usable after a burst", func(t *testing.T) {
		// A burst larger than the usual buffer, then a small batch.
		var buf bytes.Buffer
		e := NewEncoder(&buf)
		var want []frame
		for i := range 100 {
			want = append(want, frame{FlagMore | FlagLong, pattern(referenceBody-1, byte(i))})
		}
		for _, f := range want {
			e.Frame(f.flags, f.body)
		}
		if err := e.Flush(); err != nil {
			t.Fatal(err)
		}
		want = append(want, frame{0, []byte("after")})
		e.Frame(0, []byte("after"))
		if err := e.Flush(); err != nil {
			t.Fatal(err)
		}
		got, err := decodeAll(NewDecoder(bytes.NewReader(buf.Bytes()), 0))
		if err != io.EOF || !equalFrames(got, want) {
			t.Errorf("decoded %v, %v", got, err)
		}
	})
}

func BenchmarkEncoder(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"16B", 16}, {"1KiB", 1 << 10}} {
		b.Run(size.name, func(b *testing.B) {
			body := pattern(size.n, 0)
			e := NewEncoder(io.Discard)
			b.SetBytes(int64(size.n))
			b.ReportAllocs()
			for b.Loop() {
				e.Frame(0, body)
				// Flush in batches of 8 KiB, as libzmq's engine does.
				if e.Len() >= 8<<10 {
					if err := e.Flush(); err != nil {
						b.Fatal(err)
					}
				}
			}
			if err := e.Flush(); err != nil {
				b.Fatal(err)
			}
		})
	}
}
