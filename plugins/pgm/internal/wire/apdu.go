package wire

import (
	"encoding/binary"
	"math"
)

// libzmq's framing of messages in PGM (pgm_sender.cpp, pgm_receiver.cpp): each APDU is
// a 16-bit offset followed by a slice of one continuous stream of ZMTP/1.0 frames. A frame
// is [size][flags][body] with size = len(body)+1 when that is below 255, else
// [0xFF][size as 64 bits][flags][body]; flags bit 0 is MORE. The offset is the index,
// after the offset field, of the first byte of the first message (not continuation frame)
// that begins in the APDU, or noMessageStart. Frames, frame headers included, run on across
// APDUs; an APDU is never split across TPDUs.
const (
	apduOffsetLen  = 2
	noMessageStart = 0xFFFF
	v1FlagMore     = 0x01
	v1LargeSize    = 0xFF
	// shrinkAbove is the capacity beyond which the Unpacker lets a message buffer go
	// once its message is delivered, so that one large message does not pin its memory.
	shrinkAbove = 64 << 10
)

// Packer lays messages into APDUs for the sender as libzmq's pgm_sender does, each APDU
// at most maxTSDU bytes (MaxTSDU), so that no APDU ever needs OPT_FRAGMENT. It fills every
// APDU before emitting it; Flush emits the one in progress when the sender has nothing
// more to send. A Packer is not safe for concurrent use.
type Packer struct {
	max       int
	buf       []byte // the APDU in progress: offset field, then stream bytes
	inMessage bool   // the last frame had MORE, so the next frame continues a message
}

// NewPacker returns a Packer for APDUs of at most maxTSDU bytes; maxTSDU must leave room
// for the offset field and at least one byte (ErrTooLarge otherwise, as MaxTSDU says).
func NewPacker(maxTSDU int) (*Packer, error) {
	if maxTSDU < apduOffsetLen+1 || maxTSDU > 0xFFFF {
		return nil, ErrTooLarge
	}
	p := &Packer{max: maxTSDU, buf: make([]byte, 0, maxTSDU)}
	p.buf = binary.BigEndian.AppendUint16(p.buf, noMessageStart)
	return p, nil
}

// AddFrame appends one frame of a message: more is true for every frame but the last.
// Each APDU that fills up is passed to emit, which must copy what it keeps: the slice is
// reused once emit returns.
func (p *Packer) AddFrame(body []byte, more bool, emit func(apdu []byte)) {
	if !p.inMessage && binary.BigEndian.Uint16(p.buf) == noMessageStart {
		binary.BigEndian.PutUint16(p.buf, uint16(len(p.buf)-apduOffsetLen))
	}
	p.inMessage = more
	var hdr [10]byte
	n := 0
	size := uint64(len(body)) + 1
	if size < v1LargeSize {
		hdr[0] = byte(size)
		n = 1
	} else {
		hdr[0] = v1LargeSize
		binary.BigEndian.PutUint64(hdr[1:], size)
		n = 9
	}
	if more {
		hdr[n] = v1FlagMore
	}
	p.write(hdr[:n+1], emit)
	p.write(body, emit)
}

// AddMessage appends the frames of one message (at least one frame).
func (p *Packer) AddMessage(frames [][]byte, emit func(apdu []byte)) {
	for i, f := range frames {
		p.AddFrame(f, i < len(frames)-1, emit)
	}
}

// Pending reports whether an APDU in progress holds stream bytes that Flush would emit.
func (p *Packer) Pending() bool { return len(p.buf) > apduOffsetLen }

// Flush emits the APDU in progress, if it holds any stream bytes.
func (p *Packer) Flush(emit func(apdu []byte)) {
	if p.Pending() {
		p.emit(emit)
	}
}

// write copies b into the stream, emitting each APDU that fills up.
func (p *Packer) write(b []byte, emit func(apdu []byte)) {
	for len(b) > 0 {
		n := copy(p.buf[len(p.buf):p.max], b)
		p.buf = p.buf[:len(p.buf)+n]
		b = b[n:]
		if len(p.buf) == p.max {
			p.emit(emit)
		}
	}
}

func (p *Packer) emit(emit func(apdu []byte)) {
	emit(p.buf)
	p.buf = binary.BigEndian.AppendUint16(p.buf[:0], noMessageStart)
}

// Unpacker turns the APDUs of one source (one TSI), given in sequence order, back into
// whole messages, as libzmq's pgm_receiver and v1_decoder do. It starts unjoined: it
// skips APDUs in which no message begins and joins at the first message start, so a late
// joiner's first message is whole. A decoding error, or a Reset after data loss, discards
// the partial message and unjoins, and the next message start rejoins. An Unpacker is not
// safe for concurrent use.
type Unpacker struct {
	maxMessageSize int64

	joined bool
	// The frame being decoded: its header bytes so far, then its body.
	hdr      [9]byte
	hdrLen   int
	sized    bool   // the size is known; the flags byte comes next unless inBody
	inBody   bool   // the flags byte is read; bodyLeft bytes of body remain
	bodyLeft uint64 // of the frame being decoded
	more     bool   // of the frame being decoded
	// The message being assembled: its frames' bodies end to end, and where each ends.
	body   []byte
	ends   []int
	frames [][]byte // reused to hand the message over
}

// NewUnpacker returns an Unpacker that refuses messages whose frames' bodies add up to
// more than maxMessageSize bytes, or that have more than maxMessageSize+1 frames, so that
// what a peer can make it hold is bounded. A negative maxMessageSize means no limit, as
// ZMQ_MAXMSGSIZE -1 (the memory held then grows with the message, as libzmq's does; it
// is never reserved ahead from a size the peer announces). libzmq applies its limit to
// each frame; a limit on the whole message is what bounds memory.
func NewUnpacker(maxMessageSize int64) *Unpacker {
	return &Unpacker{maxMessageSize: maxMessageSize}
}

// Joined reports whether the Unpacker has found a message start since it was made or
// reset.
func (u *Unpacker) Joined() bool { return u.joined }

// Reset discards the partial message and unjoins; call it when the source's stream has a
// gap that repair will not fill (OpenPGM's PGM_IO_STATUS_RESET).
func (u *Unpacker) Reset() {
	u.joined = false
	u.resetFrame()
	u.resetMessage()
}

func (u *Unpacker) resetFrame() {
	u.hdrLen, u.sized, u.inBody, u.bodyLeft, u.more = 0, false, false, 0, false
}

func (u *Unpacker) resetMessage() {
	if cap(u.body) > shrinkAbove {
		u.body = nil
	}
	u.body, u.ends = u.body[:0], u.ends[:0]
}

// Feed decodes the next APDU of the source and calls deliver with each message that it
// completes, as its frames' bodies. The frames alias the Unpacker's buffer and are valid
// only until deliver returns. An error (ErrTruncated for an APDU without its offset,
// ErrMalformed for an offset beyond the APDU or a frame of size 0, ErrTooLarge for a
// message beyond the limit) resets the Unpacker as Reset does; the messages delivered
// before it are whole.
func (u *Unpacker) Feed(apdu []byte, deliver func(msg [][]byte)) error {
	if len(apdu) < apduOffsetLen {
		u.Reset()
		return ErrTruncated
	}
	offset := int(binary.BigEndian.Uint16(apdu))
	data := apdu[apduOffsetLen:]
	if offset != noMessageStart && offset > len(data) {
		u.Reset()
		return ErrMalformed
	}
	if !u.joined {
		if offset == noMessageStart {
			return nil
		}
		u.joined = true
		data = data[offset:]
	}
	if err := u.decode(data, deliver); err != nil {
		u.Reset()
		return err
	}
	return nil
}

// decode runs the frame state machine over data.
func (u *Unpacker) decode(data []byte, deliver func(msg [][]byte)) error {
	for len(data) > 0 {
		switch {
		case u.inBody:
			n := min(uint64(len(data)), u.bodyLeft)
			u.body = append(u.body, data[:n]...)
			data = data[n:]
			u.bodyLeft -= n
		case u.sized:
			u.more = data[0]&v1FlagMore != 0
			u.inBody = true
			data = data[1:]
		default:
			u.hdr[u.hdrLen] = data[0]
			u.hdrLen++
			data = data[1:]
			var size uint64
			switch {
			case u.hdr[0] != v1LargeSize:
				size = uint64(u.hdr[0])
			case u.hdrLen < len(u.hdr):
				continue
			default:
				size = binary.BigEndian.Uint64(u.hdr[1:])
			}
			if err := u.startFrame(size); err != nil {
				return err
			}
		}
		if u.inBody && u.bodyLeft == 0 {
			u.endFrame(deliver)
		}
	}
	return nil
}

// startFrame checks a frame's size field (which counts the flags byte) against the limit.
func (u *Unpacker) startFrame(size uint64) error {
	if size == 0 {
		return ErrMalformed // v1_decoder: EPROTO
	}
	bodyLen := size - 1
	if bodyLen > math.MaxInt-uint64(len(u.body)) {
		return ErrTooLarge
	}
	if m := u.maxMessageSize; m >= 0 {
		if uint64(len(u.body))+bodyLen > uint64(m) || int64(len(u.ends)) > m {
			return ErrTooLarge
		}
	}
	u.sized, u.bodyLeft = true, bodyLen
	return nil
}

// endFrame records a complete frame and delivers the message when it was the last.
func (u *Unpacker) endFrame(deliver func(msg [][]byte)) {
	u.ends = append(u.ends, len(u.body))
	more := u.more
	u.resetFrame()
	if more {
		return
	}
	u.frames = u.frames[:0]
	start := 0
	for _, end := range u.ends {
		u.frames = append(u.frames, u.body[start:end:end])
		start = end
	}
	deliver(u.frames)
	clear(u.frames)
	u.resetMessage()
}
