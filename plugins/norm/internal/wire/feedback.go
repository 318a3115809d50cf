package wire

import (
	"encoding/binary"
	"fmt"
)

// receiverFixedLen is the fixed part of NACK and ACK: the common header,
// server_id, instance_id, two bytes (reserved, or ack_type and ack_id) and
// grtt_response.
const receiverFixedLen = HeaderLen + 16

// Nack is a NORM_NACK (RFC 5740 section 4.3.1): a receiver's repair
// requests to one sender.
type Nack struct {
	Header
	ServerID   NodeID // the sender the NACK is for
	InstanceID uint16 // the sender's instance
	// GRTTResponse is the send time of the sender's last CMD(CC) plus the
	// time the receiver held it (zero if none): how the sender measures RTT.
	GRTTResponseSec, GRTTResponseUsec uint32
	// Extensions: libnorm attaches EXT_CC_FEEDBACK.
	Extensions []byte
	// Requests are the encoded repair requests; NextRepairRequest walks them.
	Requests []byte
}

// Parse decodes msg into n; n's slices then point into msg. m is the field
// size for FEC 2 items (8 or 16; ignored for other FEC encodings).
func (n *Nack) Parse(msg []byte, m uint8) error {
	h, exts, err := parseFixed(msg, TypeNack, receiverFixedLen)
	if err != nil {
		return err
	}
	n.Header = h
	n.ServerID = NodeID(binary.BigEndian.Uint32(msg[8:]))
	n.InstanceID = binary.BigEndian.Uint16(msg[12:])
	n.GRTTResponseSec = binary.BigEndian.Uint32(msg[16:])
	n.GRTTResponseUsec = binary.BigEndian.Uint32(msg[20:])
	n.Extensions, n.Requests = exts, msg[h.HeaderLen:]
	return checkRepairRequests(n.Requests, m)
}

// Append appends n as a NORM_NACK.
func (n *Nack) Append(b []byte) ([]byte, error) {
	start := len(b)
	b = appendHeader(b, n.Header, TypeNack)
	b = binary.BigEndian.AppendUint32(b, uint32(n.ServerID))
	b = binary.BigEndian.AppendUint16(b, n.InstanceID)
	b = append(b, 0, 0)
	b = binary.BigEndian.AppendUint32(b, n.GRTTResponseSec)
	b = binary.BigEndian.AppendUint32(b, n.GRTTResponseUsec)
	if err := checkAppendExtensions(n.Extensions, b[start:]); err != nil {
		return b[:start], err
	}
	b = finishHeader(b, start, n.Extensions)
	return append(b, n.Requests...), nil
}

// AckType is the kind of a NORM_ACK.
type AckType uint8

// ACK types; 16 and above are the application's (RFC 5740 section 4.3.2).
const (
	AckCC      AckType = 1  // congestion-control feedback, answering CMD(CC)
	AckFlush   AckType = 2  // a positive acknowledgement, answering CMD(FLUSH)
	AckAppBase AckType = 16 // the first application-defined type
)

// Ack is a NORM_ACK (RFC 5740 section 4.3.2).
type Ack struct {
	Header
	ServerID   NodeID
	InstanceID uint16
	Type       AckType
	ID         uint8 // ack_id: which request of that type this answers
	// GRTTResponse is as in Nack.
	GRTTResponseSec, GRTTResponseUsec uint32
	// Extensions: EXT_CC_FEEDBACK for ACK(CC).
	Extensions []byte
	// Content is, for ACK(FLUSH), one RepairItem (NextRepairItem) naming
	// the flush point; application ACK content otherwise.
	Content []byte
}

// Parse decodes msg into a; a's slices then point into msg. An ACK(FLUSH)
// must carry a whole item (m is the field size for FEC 2).
func (a *Ack) Parse(msg []byte, m uint8) error {
	h, exts, err := parseFixed(msg, TypeAck, receiverFixedLen)
	if err != nil {
		return err
	}
	a.Header = h
	a.ServerID = NodeID(binary.BigEndian.Uint32(msg[8:]))
	a.InstanceID = binary.BigEndian.Uint16(msg[12:])
	a.Type, a.ID = AckType(msg[14]), msg[15]
	a.GRTTResponseSec = binary.BigEndian.Uint32(msg[16:])
	a.GRTTResponseUsec = binary.BigEndian.Uint32(msg[20:])
	a.Extensions, a.Content = exts, msg[h.HeaderLen:]
	if a.Type == AckFlush {
		if _, rest, err := NextRepairItem(a.Content, m); err != nil {
			return err
		} else if len(rest) != 0 {
			return fmt.Errorf("%w: %d bytes after the ACK(FLUSH) item", ErrMalformed, len(rest))
		}
	}
	return nil
}

// Append appends a as a NORM_ACK.
func (a *Ack) Append(b []byte) ([]byte, error) {
	start := len(b)
	b = appendHeader(b, a.Header, TypeAck)
	b = binary.BigEndian.AppendUint32(b, uint32(a.ServerID))
	b = binary.BigEndian.AppendUint16(b, a.InstanceID)
	b = append(b, byte(a.Type), a.ID)
	b = binary.BigEndian.AppendUint32(b, a.GRTTResponseSec)
	b = binary.BigEndian.AppendUint32(b, a.GRTTResponseUsec)
	if err := checkAppendExtensions(a.Extensions, b[start:]); err != nil {
		return b[:start], err
	}
	b = finishHeader(b, start, a.Extensions)
	return append(b, a.Content...), nil
}
