package wire

import (
	"encoding/binary"
	"fmt"
)

// ExtType is a header extension type (RFC 5740 section 4.1.1). Types of 128
// and above are one fixed 32-bit word without a length byte.
type ExtType uint8

// Header extensions libnorm sends.
const (
	ExtFTI        ExtType = 64  // EXT_FTI: FEC object transmission information
	ExtCCFeedback ExtType = 3   // EXT_CC_FEEDBACK: a receiver's NORM-CC report
	ExtCCRate     ExtType = 128 // EXT_RATE: the sender's current rate, on CMD(CC)
	// ExtAppAck is libnorm's application ACK extension (NormSetWatermarkEx).
	ExtAppAck ExtType = 65
)

// checkExtensions verifies that exts is a whole sequence of extensions.
func checkExtensions(exts []byte) error {
	for len(exts) > 0 {
		_, _, rest, err := NextExtension(exts)
		if err != nil {
			return err
		}
		exts = rest
	}
	return nil
}

// NextExtension splits the first header extension off exts, returning its
// type, its whole encoding (type and length bytes included) and the rest.
func NextExtension(exts []byte) (t ExtType, ext, rest []byte, err error) {
	if len(exts) < 4 {
		return 0, nil, nil, fmt.Errorf("%w: %d bytes of header extension", ErrTruncated, len(exts))
	}
	t = ExtType(exts[0])
	n := 4
	if t < 128 {
		n = int(exts[1]) * 4
		if n == 0 {
			return 0, nil, nil, fmt.Errorf("%w: header extension %d of length 0", ErrMalformed, t)
		}
	}
	if n > len(exts) {
		return 0, nil, nil, fmt.Errorf("%w: header extension %d of %d bytes in %d", ErrTruncated, t, n, len(exts))
	}
	return t, exts[:n], exts[n:], nil
}

// FindExtension returns the first extension of type t in exts (as
// NextExtension returns it), or nil. exts must have been checked, as
// every parser here checks a message's extensions.
func FindExtension(exts []byte, t ExtType) []byte {
	for len(exts) > 0 {
		et, ext, rest, err := NextExtension(exts)
		if err != nil {
			return nil
		}
		if et == t {
			return ext
		}
		exts = rest
	}
	return nil
}

// CC feedback flags (RFC 5740 section 4.2.3; LIMIT is libnorm's).
const (
	CCFlagCLR   = 0x01 // the receiver is the current limiting receiver
	CCFlagPLR   = 0x02 // a potential limiting receiver
	CCFlagRTT   = 0x04 // the receiver has measured its RTT
	CCFlagStart = 0x08 // the receiver is in slow start
	CCFlagLeave = 0x10 // the receiver is leaving the group
	CCFlagLimit = 0x20 // libnorm: the rate is limited by the receiver
)

// CCFeedback is EXT_CC_FEEDBACK, a receiver's congestion-control report in
// a NACK or an ACK(CC). libnorm extends the RFC's 16-bit loss with 16 more
// bits in the RFC's reserved word; Loss holds all 32.
type CCFeedback struct {
	Sequence uint16 // the cc_sequence of the CMD(CC) answered
	Flags    uint8
	RTT      uint8  // quantized, QuantizeRTT
	Loss     uint32 // QuantizeLoss32: cc_loss is its high half, cc_loss_ex its low half
	Rate     uint16 // quantized, QuantizeRate
}

const ccFeedbackLen = 12

// ParseCCFeedback decodes an EXT_CC_FEEDBACK extension.
func ParseCCFeedback(ext []byte) (CCFeedback, error) {
	if len(ext) < ccFeedbackLen || ExtType(ext[0]) != ExtCCFeedback {
		return CCFeedback{}, fmt.Errorf("%w: not a %d-byte EXT_CC_FEEDBACK", ErrMalformed, ccFeedbackLen)
	}
	return CCFeedback{
		Sequence: binary.BigEndian.Uint16(ext[2:]),
		Flags:    ext[4],
		RTT:      ext[5],
		Loss:     uint32(binary.BigEndian.Uint16(ext[6:]))<<16 | uint32(binary.BigEndian.Uint16(ext[10:])),
		Rate:     binary.BigEndian.Uint16(ext[8:]),
	}, nil
}

// AppendCCFeedback appends f as an EXT_CC_FEEDBACK extension.
func AppendCCFeedback(b []byte, f CCFeedback) []byte {
	b = append(b, byte(ExtCCFeedback), ccFeedbackLen/4)
	b = binary.BigEndian.AppendUint16(b, f.Sequence)
	b = append(b, f.Flags, f.RTT)
	b = binary.BigEndian.AppendUint16(b, uint16(f.Loss>>16))
	b = binary.BigEndian.AppendUint16(b, f.Rate)
	return binary.BigEndian.AppendUint16(b, uint16(f.Loss))
}

// ParseCCRate decodes an EXT_RATE extension: the sender's quantized rate.
func ParseCCRate(ext []byte) (uint16, error) {
	if len(ext) < 4 || ExtType(ext[0]) != ExtCCRate {
		return 0, fmt.Errorf("%w: not an EXT_RATE", ErrMalformed)
	}
	return binary.BigEndian.Uint16(ext[2:]), nil
}

// AppendCCRate appends an EXT_RATE extension with a quantized rate.
func AppendCCRate(b []byte, rate uint16) []byte {
	b = append(b, byte(ExtCCRate), 0)
	return binary.BigEndian.AppendUint16(b, rate)
}
