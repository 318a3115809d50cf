package zmtp

import (
	"encoding/binary"
	"io"
	"math"
	"sync"
)

// Frame flags (RFC 37, section 3.3.1). The other five bits must be zero.
const (
	FlagMore    byte = 0x01
	FlagLong    byte = 0x02
	FlagCommand byte = 0x04
	flagsMask        = FlagMore | FlagLong | FlagCommand
)

const (
	// DefaultReadBuffer is how much the decoder asks the kernel for at a
	// time while frames stream in. libzmq reads 8 KiB; a larger buffer
	// means fewer system calls when many small messages are in flight.
	DefaultReadBuffer = 64 << 10

	// idleBuffer is what a decoder of the default size reads into when it
	// has nothing buffered: a connection that is idle, or has not finished
	// its handshake, holds this much and no more. Only a read that fills
	// it (more is waiting) brings in a DefaultReadBuffer from the pool,
	// which goes back as soon as everything in it is decoded.
	idleBuffer = 2 << 10

	// Bodies up to smallBody bytes are copied into a shared slab, so that a
	// stream of small frames costs one allocation per slab, not per frame.
	// A slab stays alive while any frame carved from it does.
	smallBody = 512
	slabSize  = 32 << 10

	// DirectBody is the size from which a body is read from the stream
	// straight into its own memory: only the bytes that came with its
	// header are copied, never the body through the read buffer.
	DirectBody = 16 << 10

	// A frame larger than this is read into a buffer that grows as the
	// bytes arrive, so that a hostile header claiming 2^62 bytes costs
	// nothing until the bytes are really sent.
	trustedAlloc = 1 << 20
)

// readBuffers are the DefaultReadBuffer-sized buffers of every decoder,
// taken while bytes stream in and given back when all are decoded. The pool
// holds pointers, so that putting one back allocates nothing.
var readBuffers = sync.Pool{New: func() any { b := make([]byte, DefaultReadBuffer); return &b }}

// Decoder reads frames from a byte stream through its own buffer. It is not
// safe for concurrent use: one reader goroutine owns it.
type Decoder struct {
	r        io.Reader
	buf      []byte // what fill reads into: idle, or the pooled buffer
	pos, end int
	slab     []byte

	// With the default size, idle is the small buffer of a decoder with
	// nothing buffered, and pooled the read buffer it holds meanwhile
	// (nil when it holds none). A decoder made with its own size has a
	// fixed buffer and neither.
	idle        []byte
	pooled      *[]byte
	filledIdle  bool // the last read filled the idle buffer: more is waiting
	lastDirect  bool // the last body was read straight into its memory
	fixedBuffer bool

	// MaxSize is the largest frame body accepted; a longer one is
	// ErrTooLarge. Negative means no limit (libzmq's MAXMSGSIZE of -1).
	MaxSize int64

	// Alloc, when set, gives the memory of every body of more than 512
	// bytes: a slice of length n, whose contents the decoder overwrites.
	// A receiver that pools its buffers sets it; nil means make.
	Alloc func(n int) []byte
}

// NewDecoder returns a decoder reading from r, with no size limit. With a
// bufSize that is not positive it holds a buffer of DefaultReadBuffer bytes
// from a pool only while bytes stream in, and a few KB otherwise; with a
// positive bufSize (at least GreetingSize, so that a greeting and a long
// frame header always fit) it has a fixed buffer of that size.
func NewDecoder(r io.Reader, bufSize int) *Decoder {
	if bufSize <= 0 {
		idle := make([]byte, idleBuffer)
		return &Decoder{r: r, buf: idle, idle: idle, MaxSize: -1}
	}
	// fill reads into the free end of the buffer; with a buffer smaller
	// than the bytes it waits for, it would read into an empty slice
	// forever.
	bufSize = max(bufSize, GreetingSize)
	return &Decoder{r: r, buf: make([]byte, bufSize), MaxSize: -1, fixedBuffer: true}
}

// Buffered is the number of bytes read from the stream but not yet decoded.
// A reader that decodes while Buffered is large enough to hold a frame
// header avoids a system call per frame.
func (d *Decoder) Buffered() int { return d.end - d.pos }

// HasFrame reports whether a whole frame is already buffered, so that Next
// will return without reading from the stream.
func (d *Decoder) HasFrame() bool {
	n := d.end - d.pos
	if n < 2 {
		return false
	}
	flags := d.buf[d.pos]
	if flags&FlagLong == 0 {
		return n >= 2+int(d.buf[d.pos+1])
	}
	if n < 9 {
		return false
	}
	size := binary.BigEndian.Uint64(d.buf[d.pos+1:])
	return size <= uint64(n-9)
}

// capacity is the largest buffer fill can provide.
func (d *Decoder) capacity() int {
	if d.fixedBuffer {
		return len(d.buf)
	}
	return DefaultReadBuffer
}

// release gives the pooled buffer back once everything in it is decoded,
// and forgets the slab: an idle decoder holds neither.
func (d *Decoder) release() {
	d.pos, d.end = 0, 0
	d.slab = nil
	if d.pooled != nil {
		readBuffers.Put(d.pooled)
		d.pooled = nil
		d.buf = d.idle
	}
}

// grow moves what is buffered into a pooled read buffer.
func (d *Decoder) grow() {
	d.pooled = readBuffers.Get().(*[]byte)
	big := *d.pooled
	d.end = copy(big, d.buf[d.pos:d.end])
	d.pos = 0
	d.buf = big
}

// fill makes at least n bytes available in the buffer (n <= d.capacity()).
func (d *Decoder) fill(n int) error {
	if d.end-d.pos >= n {
		return nil
	}
	if !d.fixedBuffer {
		if d.pos == d.end {
			d.release()
		}
		// A read that filled the idle buffer with small frames says a
		// stream is flowing: it is read on in the big buffer. After a
		// body read straight into its memory the idle buffer stays, so
		// that the next large body is not copied through a big one.
		if d.pooled == nil && (n > len(d.buf) || d.filledIdle && !d.lastDirect) {
			d.grow()
		}
		d.filledIdle = false
	}
	if d.pos > 0 && len(d.buf)-d.pos < n {
		copy(d.buf, d.buf[d.pos:d.end])
		d.end -= d.pos
		d.pos = 0
	}
	for d.end-d.pos < n {
		m, err := d.r.Read(d.buf[d.end:])
		d.end += m
		d.filledIdle = d.pooled == nil && d.end == len(d.buf)
		if err != nil {
			if d.end-d.pos >= n {
				return nil
			}
			if err == io.EOF && d.end-d.pos > 0 {
				return io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

// ReadFull returns the next n raw bytes (n at most the buffer size), for
// the greeting and other unframed parts. The slice is valid until the next
// call on the decoder.
func (d *Decoder) ReadFull(n int) ([]byte, error) {
	if n > d.capacity() {
		return nil, io.ErrShortBuffer
	}
	if err := d.fill(n); err != nil {
		return nil, err
	}
	b := d.buf[d.pos : d.pos+n]
	d.pos += n
	return b, nil
}

// ReadSome returns whatever bytes are buffered, reading from the stream
// first when none are (for raw STREAM sockets). The slice is the caller's.
func (d *Decoder) ReadSome() ([]byte, error) {
	if err := d.fill(1); err != nil {
		return nil, err
	}
	b := make([]byte, d.end-d.pos)
	copy(b, d.buf[d.pos:d.end])
	d.pos = d.end
	return b, nil
}

// Next decodes the next frame. The body belongs to the caller, who may keep
// it: it never aliases the decoder's buffer.
func (d *Decoder) Next() (flags byte, body []byte, err error) {
	if err := d.fill(2); err != nil {
		return 0, nil, err
	}
	flags = d.buf[d.pos]
	if flags&^flagsMask != 0 {
		return 0, nil, protocolErrorf("frame flags %#02x have reserved bits set", flags)
	}
	if flags&FlagCommand != 0 && flags&FlagMore != 0 {
		return 0, nil, protocolErrorf("command frame with the MORE flag")
	}
	header := 2
	var size uint64
	if flags&FlagLong == 0 {
		size = uint64(d.buf[d.pos+1])
	} else {
		header = 9
		if err := d.fill(9); err != nil {
			return 0, nil, err
		}
		size = binary.BigEndian.Uint64(d.buf[d.pos+1:])
		if size > math.MaxInt64 {
			return 0, nil, protocolErrorf("frame size %d has the top bit set", size)
		}
	}
	if d.MaxSize >= 0 && size > uint64(d.MaxSize) {
		return 0, nil, ErrTooLarge
	}
	n := int(size)
	if n > math.MaxInt-header {
		return 0, nil, ErrTooLarge
	}
	if n < DirectBody && header+n <= d.capacity() {
		if err := d.fill(header + n); err != nil {
			return 0, nil, err
		}
		d.pos += header
		body = d.carve(d.buf[d.pos : d.pos+n])
		d.pos += n
		d.lastDirect = false
		return flags, body, nil
	}
	d.pos += header
	d.lastDirect = true
	body, err = d.readLarge(n)
	return flags, body, err
}

// noBytes is every empty body: zero capacity, so nothing can write into it.
var noBytes = []byte{}

// alloc returns memory for a body of n bytes.
func (d *Decoder) alloc(n int) []byte {
	if d.Alloc != nil {
		return d.Alloc(n)
	}
	return make([]byte, n)
}

// carve copies a body out of the read buffer, small ones into the slab.
// A new slab is as large as what is buffered (at most slabSize), so that an
// idle decoder, which forgets its slab, has wasted little of it.
func (d *Decoder) carve(src []byte) []byte {
	n := len(src)
	if n == 0 {
		// Empty, never nil, slab or none: a receiver may compare frames
		// with reflect.DeepEqual, where nil is not []byte{}.
		return noBytes[:0:0]
	}
	if n > smallBody {
		b := d.alloc(n)
		copy(b, src)
		return b
	}
	if len(d.slab) < n {
		d.slab = make([]byte, max(n, min(d.end-d.pos, slabSize)))
	}
	b := d.slab[:n:n]
	d.slab = d.slab[n:]
	copy(b, src)
	return b
}

// readLarge reads a body bigger than the buffer straight into its own
// memory, growing it as bytes arrive when the size is not yet trusted.
func (d *Decoder) readLarge(n int) ([]byte, error) {
	var body []byte
	if n <= trustedAlloc {
		body = d.alloc(n)[:0]
	} else {
		body = make([]byte, 0, trustedAlloc)
	}
	have := copy(body[:min(n, cap(body))], d.buf[d.pos:d.end])
	body = body[:have]
	d.pos += have
	for len(body) < n {
		if len(body) == cap(body) {
			grown := make([]byte, len(body), min(n, 2*cap(body)))
			copy(grown, body)
			body = grown
		}
		// Never past the body: the next header is read into the buffer.
		m, err := d.r.Read(body[len(body):min(n, cap(body))])
		body = body[:len(body)+m]
		if err != nil && len(body) < n {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	return body, nil
}
