package zmtp

import (
	"encoding/binary"
	"io"
	"math"
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
	// time. libzmq reads 8 KiB; a larger buffer means fewer system calls
	// when many small messages are in flight.
	DefaultReadBuffer = 64 << 10

	// Bodies up to smallBody bytes are copied into a shared slab, so that a
	// stream of small frames costs one allocation per slab, not per frame.
	// A slab stays alive while any frame carved from it does.
	smallBody = 512
	slabSize  = 32 << 10

	// A frame larger than this is read into a buffer that grows as the
	// bytes arrive, so that a hostile header claiming 2^62 bytes costs
	// nothing until the bytes are really sent.
	trustedAlloc = 1 << 20
)

// Decoder reads frames from a byte stream through its own buffer. It is not
// safe for concurrent use: one reader goroutine owns it.
type Decoder struct {
	r        io.Reader
	buf      []byte
	pos, end int
	slab     []byte

	// MaxSize is the largest frame body accepted; a longer one is
	// ErrTooLarge. Negative means no limit (libzmq's MAXMSGSIZE of -1).
	MaxSize int64
}

// NewDecoder returns a decoder reading from r with a buffer of bufSize bytes
// (DefaultReadBuffer when bufSize is not positive, and at least
// GreetingSize, so that a greeting and a long frame header always fit), with
// no size limit.
func NewDecoder(r io.Reader, bufSize int) *Decoder {
	if bufSize <= 0 {
		bufSize = DefaultReadBuffer
	}
	// fill reads into the free end of the buffer; with a buffer smaller
	// than the bytes it waits for, it would read into an empty slice
	// forever.
	bufSize = max(bufSize, GreetingSize)
	return &Decoder{r: r, buf: make([]byte, bufSize), MaxSize: -1}
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

// fill makes at least n bytes available in the buffer (n <= len(d.buf)).
func (d *Decoder) fill(n int) error {
	if d.end-d.pos >= n {
		return nil
	}
	if d.pos > 0 && len(d.buf)-d.pos < n {
		copy(d.buf, d.buf[d.pos:d.end])
		d.end -= d.pos
		d.pos = 0
	}
	for d.end-d.pos < n {
		m, err := d.r.Read(d.buf[d.end:])
		d.end += m
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
	if n > len(d.buf) {
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
	if header+n <= len(d.buf) {
		if err := d.fill(header + n); err != nil {
			return 0, nil, err
		}
		d.pos += header
		body = d.carve(d.buf[d.pos : d.pos+n])
		d.pos += n
		return flags, body, nil
	}
	d.pos += header
	body, err = d.readLarge(n)
	return flags, body, err
}

// carve copies a body out of the read buffer, small ones into the slab.
func (d *Decoder) carve(src []byte) []byte {
	n := len(src)
	if n > smallBody {
		b := make([]byte, n)
		copy(b, src)
		return b
	}
	if len(d.slab) < n {
		d.slab = make([]byte, slabSize)
	}
	b := d.slab[:n:n]
	d.slab = d.slab[n:]
	copy(b, src)
	return b
}

// readLarge reads a body bigger than the buffer straight into its own
// memory, growing it as bytes arrive when the size is not yet trusted.
func (d *Decoder) readLarge(n int) ([]byte, error) {
	body := make([]byte, 0, min(n, trustedAlloc))
	have := copy(body[:cap(body)], d.buf[d.pos:d.end])
	body = body[:have]
	d.pos += have
	for len(body) < n {
		if len(body) == cap(body) {
			grown := make([]byte, len(body), min(n, 2*cap(body)))
			copy(grown, body)
			body = grown
		}
		m, err := d.r.Read(body[len(body):cap(body)])
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
