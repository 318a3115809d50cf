package wire

import (
	"encoding/binary"
	"fmt"
)

// Object flags of NORM_DATA and NORM_INFO (RFC 5740 section 4.2.1; SYN is
// libnorm's).
const (
	FlagRepair     = 0x01 // a retransmission
	FlagExplicit   = 0x02 // an explicit (not parity) repair
	FlagInfo       = 0x04 // the object has NORM_INFO
	FlagUnreliable = 0x08
	FlagFile       = 0x10
	FlagStream     = 0x20 // the object is a stream
	FlagSyn        = 0x40 // libnorm: receivers may sync on this message
)

// SenderHeader is the part every sender message (INFO, DATA, CMD) has after
// the common header: the sender's instance and its timing advertisement.
type SenderHeader struct {
	Header
	// InstanceID is random per sender start; a new one means a new sender.
	InstanceID uint16
	GRTT       uint8 // quantized group RTT, QuantizeRTT
	Backoff    uint8 // the back-off factor, 4 bits (libnorm: 4)
	GroupSize  uint8 // quantized group size, 4 bits, QuantizeGroupSize
}

// senderFixedLen is the common header plus the sender fields.
const senderFixedLen = HeaderLen + 4

func (s *SenderHeader) parse(msg []byte) {
	s.InstanceID = binary.BigEndian.Uint16(msg[8:])
	s.GRTT = msg[10]
	s.Backoff, s.GroupSize = msg[11]>>4, msg[11]&0x0f
}

func (s *SenderHeader) append(b []byte, t Type) []byte {
	b = appendHeader(b, s.Header, t)
	b = binary.BigEndian.AppendUint16(b, s.InstanceID)
	return append(b, s.GRTT, s.Backoff<<4|s.GroupSize&0x0f)
}

// ObjectHeader is what NORM_DATA and NORM_INFO share: which object they
// carry and how it is coded.
type ObjectHeader struct {
	SenderHeader
	Flags    uint8
	FECID    FECID
	ObjectID uint16 // the object transport ID: a 16-bit serial number
}

// objectFixedLen is where an INFO's extensions, or a DATA's payload ID, start.
const objectFixedLen = senderFixedLen + 4

func (o *ObjectHeader) parse(msg []byte) {
	o.SenderHeader.parse(msg)
	o.Flags, o.FECID = msg[12], FECID(msg[13])
	o.ObjectID = binary.BigEndian.Uint16(msg[14:])
}

func (o *ObjectHeader) append(b []byte, t Type) []byte {
	b = o.SenderHeader.append(b, t)
	b = append(b, o.Flags, byte(o.FECID))
	return binary.BigEndian.AppendUint16(b, o.ObjectID)
}

// Data is a NORM_DATA message: one segment (source or parity) of an object.
type Data struct {
	ObjectHeader
	PayloadID PayloadID
	// Extensions are the header extensions, encoded (libnorm: EXT_FTI).
	Extensions []byte
	// Payload is the segment. For a stream object it starts with the
	// stream payload header (ParseStreamPayload); a parity segment is
	// coded over payloads zero-padded to segment_size + 8.
	Payload []byte
}

// Parse decodes msg into d; d's slices then point into msg. m is the
// object's field size for FEC 2 (EXT_FTI's fec_m: 8 or 16), ignored
// otherwise; if the message carries EXT_FTI its fec_m is used instead.
func (d *Data) Parse(msg []byte, m uint8) error {
	h, err := ParseHeader(msg)
	if err != nil {
		return err
	}
	if h.Type != TypeData || h.HeaderLen < objectFixedLen {
		return fmt.Errorf("%w: not a NORM_DATA header (type %d, hdr_len %d)", ErrMalformed, h.Type, h.HeaderLen)
	}
	d.Header = h
	d.ObjectHeader.parse(msg)
	n, err := PayloadIDLen(d.FECID)
	if err != nil {
		return err
	}
	if h.HeaderLen < objectFixedLen+n {
		return fmt.Errorf("%w: hdr_len %d leaves no room for the FEC payload ID", ErrMalformed, h.HeaderLen)
	}
	d.Extensions = msg[objectFixedLen+n : h.HeaderLen]
	if err := checkExtensions(d.Extensions); err != nil {
		return err
	}
	if d.FECID == FECRS {
		if ext := FindExtension(d.Extensions, ExtFTI); ext != nil {
			fti, err := ParseFTI(ext, FECRS)
			if err != nil {
				return err
			}
			m = fti.FieldSize
		}
	}
	if d.PayloadID, _, err = ParsePayloadID(msg[objectFixedLen:], d.FECID, m); err != nil {
		return err
	}
	d.Payload = msg[h.HeaderLen:]
	return nil
}

// Append appends d as a NORM_DATA message. m is the field size for FEC 2.
func (d *Data) Append(b []byte, m uint8) ([]byte, error) {
	start := len(b)
	b = d.ObjectHeader.append(b, TypeData)
	b, err := AppendPayloadID(b, d.PayloadID, d.FECID, m)
	if err != nil {
		return b[:start], err
	}
	if err := checkAppendExtensions(d.Extensions, b[start:]); err != nil {
		return b[:start], err
	}
	b = finishHeader(b, start, d.Extensions)
	return append(b, d.Payload...), nil
}

// Info is a NORM_INFO message: the out-of-band info of an object.
type Info struct {
	ObjectHeader
	Extensions []byte
	Payload    []byte // the info content
}

// Parse decodes msg into i; i's slices then point into msg.
func (i *Info) Parse(msg []byte) error {
	h, exts, err := parseFixed(msg, TypeInfo, objectFixedLen)
	if err != nil {
		return err
	}
	i.Header = h
	i.ObjectHeader.parse(msg)
	i.Extensions, i.Payload = exts, msg[h.HeaderLen:]
	return nil
}

// Append appends i as a NORM_INFO message.
func (i *Info) Append(b []byte) ([]byte, error) {
	start := len(b)
	b = i.ObjectHeader.append(b, TypeInfo)
	if err := checkAppendExtensions(i.Extensions, b[start:]); err != nil {
		return b[:start], err
	}
	b = finishHeader(b, start, i.Extensions)
	return append(b, i.Payload...), nil
}

// checkAppendExtensions refuses extensions that would not make a valid
// header after fixed: not whole extensions, or hdr_len beyond 255 words.
func checkAppendExtensions(exts, fixed []byte) error {
	if err := checkExtensions(exts); err != nil {
		return err
	}
	if n := len(fixed) + len(exts); n/4 > 255 || n%4 != 0 {
		return fmt.Errorf("norm: header of %d bytes does not fit hdr_len", n)
	}
	return nil
}

// StreamPayloadHeaderLen is the length of the stream payload header that
// starts every NORM_DATA payload of a stream object.
const StreamPayloadHeaderLen = 8

// StreamPayload is the payload of a stream object's NORM_DATA (libnorm's
// layout of RFC 5740's NORM_OBJECT_STREAM).
type StreamPayload struct {
	// MsgStart is 0 if no application message starts in this segment, else
	// the index plus one of the first byte of the first one that does
	// (libnorm's payload_msg_start; libzmq ends a message at every frame).
	MsgStart uint16
	// Offset is the stream offset of Data[0], wrapping at 32 bits.
	Offset uint32
	// Data is the stream content; empty for a stream control segment
	// (payload_len 0, e.g. the end of the stream).
	Data []byte
}

// ParseStreamPayload decodes a stream object's NORM_DATA payload. Bytes
// after payload_len (zero padding of a repaired segment) are ignored.
func ParseStreamPayload(payload []byte) (StreamPayload, error) {
	if len(payload) < StreamPayloadHeaderLen {
		return StreamPayload{}, fmt.Errorf("%w: stream payload of %d bytes", ErrTruncated, len(payload))
	}
	n := int(binary.BigEndian.Uint16(payload))
	p := StreamPayload{
		MsgStart: binary.BigEndian.Uint16(payload[2:]),
		Offset:   binary.BigEndian.Uint32(payload[4:]),
	}
	if n > len(payload)-StreamPayloadHeaderLen {
		return StreamPayload{}, fmt.Errorf("%w: payload_len %d in %d bytes", ErrTruncated, n, len(payload)-StreamPayloadHeaderLen)
	}
	if int(p.MsgStart) > n {
		return StreamPayload{}, fmt.Errorf("%w: payload_msg_start %d past payload_len %d", ErrMalformed, p.MsgStart, n)
	}
	p.Data = payload[StreamPayloadHeaderLen : StreamPayloadHeaderLen+n]
	return p, nil
}

// AppendStreamPayload appends p as a stream payload.
func AppendStreamPayload(b []byte, p StreamPayload) ([]byte, error) {
	if len(p.Data) > 0xffff || int(p.MsgStart) > len(p.Data) {
		return b, fmt.Errorf("norm: stream payload of %d bytes with msg_start %d", len(p.Data), p.MsgStart)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(p.Data)))
	b = binary.BigEndian.AppendUint16(b, p.MsgStart)
	b = binary.BigEndian.AppendUint32(b, p.Offset)
	return append(b, p.Data...), nil
}
