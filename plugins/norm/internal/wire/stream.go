package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// libzmq's norm engine (norm_engine.cpp, 4.3.4) writes every ZMQ frame into
// its NORM stream as a sync byte, 0x00 if the frame begins a ZMQ message
// and 0xff if it continues one, then the frame in ZMTP/2.0 framing: flags
// (MORE 0x01, LARGE 0x02, COMMAND 0x04), a 1-byte size, or an 8-byte
// big-endian size if LARGE, then the body. After each frame it flushes the
// stream with an end-of-message mark, so every frame begins a NORM message
// and NORM_DATA's payload_msg_start points at its sync byte. A receiver
// joins (or rejoins after loss) at a message start whose sync byte is 0x00.

// Sync bytes.
const (
	SyncMessageStart = 0x00 // the frame begins a ZMQ message
	SyncContinuation = 0xff // the frame continues one
)

// ZMTP/2.0 frame flags as libzmq's v2 encoder sets them.
const (
	frameMore    = 0x01
	frameLarge   = 0x02
	frameCommand = 0x04
)

// ErrStream reports stream content that is not libzmq's framing; the
// decoder has dropped the message it was in and waits for the next start.
var ErrStream = errors.New("norm: malformed ZMQ framing in the stream")

// ErrMessageTooLarge reports a message beyond the decoder's limit; the
// decoder has dropped it and waits for the next start.
var ErrMessageTooLarge = errors.New("norm: message exceeds the maximum size")

// StreamEncoder turns ZMQ frames into what libzmq writes into the stream.
// The zero value is ready; it remembers whether the last frame had MORE.
type StreamEncoder struct{ inMessage bool }

// AppendFrame appends one frame: sync byte, flags, size, body. The result
// must end a NORM message (flush with end-of-message), as libzmq does, so
// that a receiver can start at it.
func (e *StreamEncoder) AppendFrame(b, body []byte, more bool) []byte {
	sync := byte(SyncMessageStart)
	if e.inMessage {
		sync = SyncContinuation
	}
	e.inMessage = more
	flags := byte(0)
	if more {
		flags |= frameMore
	}
	if len(body) > math.MaxUint8 {
		b = append(b, sync, flags|frameLarge)
		b = binary.BigEndian.AppendUint64(b, uint64(len(body)))
	} else {
		b = append(b, sync, flags, byte(len(body)))
	}
	return append(b, body...)
}

// retainedBuffer is the largest message buffer a StreamDecoder keeps for
// the next message.
const retainedBuffer = 64 << 10

// decoder states: what the next byte is.
const (
	stateSync = iota
	stateFlags
	stateSize
	stateBody
)

// StreamDecoder reassembles whole ZMQ messages from a NORM stream, in
// stream order. Before the first message start, and after a Reset (a gap
// the receiver gave up on), it skips to the next segment that begins a ZMQ
// message, so a late joiner and a receiver that lost data deliver only
// whole messages.
type StreamDecoder struct {
	// MaxMessageSize caps the bytes of one message's bodies (libzmq's
	// ZMQ_MAXMSGSIZE; negative for no limit). Memory grows only with the
	// bytes that arrive, never with a size a frame declares.
	MaxMessageSize int64

	synced bool
	state  int
	flags  byte
	size   [8]byte
	sizeN  int // size bytes read
	want   uint64
	body   uint64 // body bytes still to read
	// buf holds the bodies of the message so far; ends[i] is where frame
	// i ends in buf, and frames is reused to hand them out.
	buf    []byte
	ends   []int
	frames [][]byte
}

// Reset drops any partial message and waits for the next message start:
// call it when the stream has a gap that will not be repaired.
func (d *StreamDecoder) Reset() {
	d.synced = false
	d.dropMessage()
}

func (d *StreamDecoder) dropMessage() {
	d.state, d.sizeN, d.body = stateSync, 0, 0
	d.buf, d.ends = d.buf[:0], d.ends[:0]
}

// Synced reports whether the decoder is inside the stream's framing.
func (d *StreamDecoder) Synced() bool { return d.synced }

// Write feeds the data of the next segment in stream order; msgStart is its
// payload_msg_start. deliver gets every message completed, as its frames
// (valid only during the call). An error from deliver stops Write and is
// returned. On malformed framing Write returns an error wrapping ErrStream
// or ErrMessageTooLarge, having dropped the partial message: the decoder
// resynchronizes at a later segment by itself.
func (d *StreamDecoder) Write(data []byte, msgStart uint16, deliver func(frames [][]byte) error) error {
	if !d.synced {
		if msgStart == 0 || int(msgStart) > len(data) || data[msgStart-1] != SyncMessageStart {
			return nil
		}
		data = data[msgStart-1:]
		d.synced = true
		d.dropMessage()
	}
	for len(data) > 0 {
		switch d.state {
		case stateSync:
			sync := data[0]
			data = data[1:]
			inMessage := len(d.ends) > 0
			switch {
			case sync == SyncMessageStart && !inMessage, sync == SyncContinuation && inMessage:
			default:
				return d.fail(fmt.Errorf("%w: sync byte %#x inside a message: %v", ErrStream, sync, inMessage))
			}
			d.state = stateFlags
		case stateFlags:
			d.flags = data[0]
			data = data[1:]
			if d.flags&frameCommand != 0 {
				// libzmq's PUB never sends commands over norm; a SUB has no
				// use for one, so it is not ZMQ data we can deliver.
				return d.fail(fmt.Errorf("%w: command frame", ErrStream))
			}
			d.sizeN, d.want = 0, 1
			if d.flags&frameLarge != 0 {
				d.want = 8
			}
			d.state = stateSize
		case stateSize:
			n := copy(d.size[d.sizeN:d.want], data)
			d.sizeN += n
			data = data[n:]
			if uint64(d.sizeN) < d.want {
				continue
			}
			if d.want == 1 {
				d.body = uint64(d.size[0])
			} else {
				d.body = binary.BigEndian.Uint64(d.size[:])
			}
			// len(d.buf) never exceeds MaxMessageSize, so this cannot wrap.
			if d.MaxMessageSize >= 0 && d.body > uint64(d.MaxMessageSize-int64(len(d.buf))) {
				return d.fail(fmt.Errorf("%w: %d bytes after %d", ErrMessageTooLarge, d.body, len(d.buf)))
			}
			d.state = stateBody
			if d.body == 0 {
				if err := d.endFrame(deliver); err != nil {
					return err
				}
			}
		case stateBody:
			n := uint64(len(data))
			if n > d.body {
				n = d.body
			}
			d.buf = append(d.buf, data[:n]...)
			d.body -= n
			data = data[n:]
			if d.body == 0 {
				if err := d.endFrame(deliver); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// endFrame closes the frame just read and delivers the message it ends.
func (d *StreamDecoder) endFrame(deliver func(frames [][]byte) error) error {
	d.ends = append(d.ends, len(d.buf))
	d.state = stateSync
	if d.flags&frameMore != 0 {
		return nil
	}
	d.frames = d.frames[:0]
	start := 0
	for _, end := range d.ends {
		d.frames = append(d.frames, d.buf[start:end:end])
		start = end
	}
	err := deliver(d.frames)
	clear(d.frames)
	d.buf, d.ends = d.buf[:0], d.ends[:0]
	if cap(d.buf) > retainedBuffer {
		d.buf = nil // a large message's buffer is not kept for the idle time after it
	}
	return err
}

func (d *StreamDecoder) fail(err error) error {
	d.Reset()
	return err
}
