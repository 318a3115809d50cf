package zmtp

import (
	"encoding/binary"
	"io"
	"net"
	"sync"
)

// A body of at least referenceBody bytes is not copied into the encoder's
// buffer: it goes to the kernel by reference, in the same writev as the
// headers around it (net.Buffers). Smaller ones are cheaper to copy.
const referenceBody = 16 << 10

// maxBuffer is the largest buffer that goes back to the pool after a
// flush; a larger one (a burst of medium frames) is left to the collector.
const maxBuffer = 1 << 20

// writeBuffers are the encoders' buffers, held from the first frame to the
// flush that writes it: an encoder with nothing to write holds none. The
// pool holds pointers, so that putting one back allocates nothing.
var writeBuffers = sync.Pool{New: func() any { b := make([]byte, 0, DefaultReadBuffer); return &b }}

// Encoder batches frames for one write. It is not safe for concurrent use:
// one writer goroutine owns it.
type Encoder struct {
	w      io.Writer
	buf    []byte
	pooled *[]byte     // where buf came from, nil while it holds none
	mark   int         // start of the part of buf not yet in vecs
	vecs   net.Buffers // buffer segments and referenced bodies, in order
	size   int
}

// NewEncoder returns an encoder that writes to w.
func NewEncoder(w io.Writer) *Encoder { return &Encoder{w: w} }

// take brings in a buffer from the pool before the first frame of a batch.
func (e *Encoder) take() {
	if e.pooled == nil {
		e.pooled = writeBuffers.Get().(*[]byte)
		e.buf = (*e.pooled)[:0]
	}
}

// Len is the number of bytes waiting for Flush.
func (e *Encoder) Len() int { return e.size }

// Frame appends one frame. flags may carry FlagMore and FlagCommand; the
// encoder sets FlagLong itself. A large body is referenced, not copied, so
// the caller must not change it before Flush.
func (e *Encoder) Frame(flags byte, body []byte) {
	e.header(flags, len(body))
	e.body(body)
}

// Command appends a command frame: the name's length and name, then body
// (RFC 37, section 3.3.2).
func (e *Encoder) Command(name string, body []byte) {
	e.header(FlagCommand, 1+len(name)+len(body))
	e.buf = append(e.buf, byte(len(name)))
	e.buf = append(e.buf, name...)
	e.size += 1 + len(name)
	e.body(body)
}

func (e *Encoder) header(flags byte, n int) {
	e.take()
	flags &= FlagMore | FlagCommand
	if n > 255 {
		e.buf = append(e.buf, flags|FlagLong, 0, 0, 0, 0, 0, 0, 0, 0)
		binary.BigEndian.PutUint64(e.buf[len(e.buf)-8:], uint64(n))
		e.size += 9
		return
	}
	e.buf = append(e.buf, flags, byte(n))
	e.size += 2
}

func (e *Encoder) body(b []byte) {
	e.size += len(b)
	if len(b) < referenceBody {
		e.buf = append(e.buf, b...)
		return
	}
	if e.mark < len(e.buf) {
		e.vecs = append(e.vecs, e.buf[e.mark:])
	}
	e.vecs = append(e.vecs, b)
	e.mark = len(e.buf)
}

// Raw appends bytes as they are, outside any frame (the greeting, or a raw
// STREAM socket's data).
func (e *Encoder) Raw(b []byte) {
	e.take()
	e.size += len(b)
	e.buf = append(e.buf, b...)
}

// Flush writes everything appended since the last Flush, in one system call
// where the connection allows it.
func (e *Encoder) Flush() error {
	if e.size == 0 {
		e.giveBack()
		return nil
	}
	var err error
	if len(e.vecs) == 0 {
		_, err = e.w.Write(e.buf)
	} else {
		if e.mark < len(e.buf) {
			e.vecs = append(e.vecs, e.buf[e.mark:])
		}
		v := e.vecs
		_, err = v.WriteTo(e.w)
		clear(e.vecs)
		e.vecs = e.vecs[:0]
	}
	e.giveBack()
	e.mark = 0
	e.size = 0
	return err
}

// giveBack returns the buffer: a connection with nothing more to write
// holds none. One that grew past what a writer batches at once is dropped.
func (e *Encoder) giveBack() {
	if e.pooled != nil {
		if cap(e.buf) <= maxBuffer {
			*e.pooled = e.buf[:0]
			writeBuffers.Put(e.pooled)
		}
		e.pooled = nil
	}
	e.buf = nil
}
