package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Version is the NORM protocol version of RFC 5740.
const Version = 1

// Type is the message type in the low 4 bits of a message's first byte.
type Type uint8

// Message types (RFC 5740 section 4.1).
const (
	TypeInfo Type = 1
	TypeData Type = 2
	TypeCmd  Type = 3
	TypeNack Type = 4
	TypeAck  Type = 5
	// TypeReport is libnorm's non-RFC debugging report; nothing here sends
	// or parses it.
	TypeReport Type = 6
)

// NodeID is a NormNodeId: a sender's or receiver's 32-bit identity.
type NodeID uint32

// NodeAny is NORM_NODE_ANY: libnorm's "derive it from the host address".
const NodeAny NodeID = 0xffffffff

// HeaderLen is the length of the common header.
const HeaderLen = 8

// Errors that parsers return; each error they return wraps one of these.
var (
	ErrTruncated = errors.New("norm: truncated message")
	ErrMalformed = errors.New("norm: malformed message")
	ErrVersion   = errors.New("norm: not NORM version 1")
	ErrFEC       = errors.New("norm: unknown FEC encoding")
)

// Header is the common message header (RFC 5740 section 4.1).
type Header struct {
	Type Type
	// HeaderLen is hdr_len in bytes: the fixed part of the message and its
	// header extensions. Parsers set it; Append methods compute it.
	HeaderLen int
	// Sequence counts the messages a sender sends, for loss estimation;
	// libnorm's receivers send 0.
	Sequence uint16
	SourceID NodeID
}

// ParseHeader reads the common header of msg and checks that hdr_len
// covers at least minLen bytes and fits in msg.
func ParseHeader(msg []byte) (Header, error) {
	if len(msg) < HeaderLen {
		return Header{}, fmt.Errorf("%w: %d bytes, header needs %d", ErrTruncated, len(msg), HeaderLen)
	}
	if msg[0]>>4 != Version {
		return Header{}, fmt.Errorf("%w: version %d", ErrVersion, msg[0]>>4)
	}
	h := Header{
		Type:      Type(msg[0] & 0x0f),
		HeaderLen: int(msg[1]) * 4,
		Sequence:  binary.BigEndian.Uint16(msg[2:]),
		SourceID:  NodeID(binary.BigEndian.Uint32(msg[4:])),
	}
	if h.HeaderLen < HeaderLen {
		return Header{}, fmt.Errorf("%w: hdr_len %d", ErrMalformed, h.HeaderLen)
	}
	if h.HeaderLen > len(msg) {
		return Header{}, fmt.Errorf("%w: hdr_len %d of a %d-byte message", ErrTruncated, h.HeaderLen, len(msg))
	}
	return h, nil
}

// parseFixed parses the common header and checks that the message is of
// type t with a fixed part of fixedLen bytes inside hdr_len. It returns the
// header and the header extensions (between fixedLen and hdr_len).
func parseFixed(msg []byte, t Type, fixedLen int) (Header, []byte, error) {
	h, err := ParseHeader(msg)
	if err != nil {
		return h, nil, err
	}
	if h.Type != t {
		return h, nil, fmt.Errorf("%w: type %d, want %d", ErrMalformed, h.Type, t)
	}
	if h.HeaderLen < fixedLen {
		return h, nil, fmt.Errorf("%w: hdr_len %d below the %d bytes of type %d", ErrMalformed, h.HeaderLen, fixedLen, t)
	}
	exts := msg[fixedLen:h.HeaderLen]
	if err := checkExtensions(exts); err != nil {
		return h, nil, err
	}
	return h, exts, nil
}

// appendHeader appends the common header with a placeholder hdr_len, which
// finishHeader sets once the fixed part and the extensions are in.
func appendHeader(b []byte, h Header, t Type) []byte {
	b = append(b, Version<<4|byte(t), 0)
	b = binary.BigEndian.AppendUint16(b, h.Sequence)
	return binary.BigEndian.AppendUint32(b, uint32(h.SourceID))
}

// finishHeader appends the extensions and fills in hdr_len of the message
// that starts at b[start:]. Extensions must be whole 32-bit words, as the
// Append* extension helpers make them; hdr_len counts at most 255 words.
func finishHeader(b []byte, start int, exts []byte) []byte {
	b = append(b, exts...)
	n := len(b) - start
	if n%4 != 0 || n/4 > 255 {
		panic(fmt.Sprintf("norm: header of %d bytes is not 1 to 255 words", n))
	}
	b[start+1] = byte(n / 4)
	return b
}
