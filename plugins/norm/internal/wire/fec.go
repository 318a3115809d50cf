package wire

import (
	"encoding/binary"
	"fmt"
)

// FECID is a FEC encoding ID: it fixes the layout of the FEC payload ID
// and of EXT_FTI.
type FECID uint8

// The FEC encodings libnorm speaks.
const (
	// FECRS is RFC 5510's fully-specified Reed-Solomon with m = 8 or 16;
	// libnorm uses it, with m = 16, for blocks of more than 255 segments.
	FECRS FECID = 2
	// FECRS8 is RFC 5510's Reed-Solomon over GF(2^8), libnorm's default and
	// what libzmq's norm engine always gets (16 data + 4 parity).
	FECRS8 FECID = 5
	// FECSmallBlock is RFC 5445's small-block systematic code, libnorm's
	// legacy MDP-compatible Reed-Solomon.
	FECSmallBlock FECID = 129
)

// PayloadIDLen returns the length of the FEC payload ID for fec.
func PayloadIDLen(fec FECID) (int, error) {
	switch fec {
	case FECRS, FECRS8:
		return 4, nil
	case FECSmallBlock:
		return 8, nil
	}
	return 0, fmt.Errorf("%w: %d", ErrFEC, fec)
}

// PayloadID is a FEC payload ID: which block of the object a segment
// belongs to and which encoding symbol it is (below the block length: a
// source segment; from it on: parity).
type PayloadID struct {
	// Block is the source block number: 24 bits for FEC 5 and FEC 2 with
	// m = 8, 16 bits for FEC 2 with m = 16, 32 bits for FEC 129.
	Block uint32
	// Symbol is the encoding symbol ID: 8 bits with m = 8, else 16.
	Symbol uint16
	// BlockLen is the source block length, carried by FEC 129 only.
	BlockLen uint16
}

// fieldSize returns m, the Galois field size in bits, that shapes fec's
// payload ID; m is from the object's EXT_FTI and only FEC 2 lets it vary.
func fieldSize(fec FECID, m uint8) (uint8, error) {
	switch fec {
	case FECRS8:
		return 8, nil
	case FECRS:
		if m != 8 && m != 16 {
			return 0, fmt.Errorf("%w: FEC 2 with m = %d", ErrFEC, m)
		}
		return m, nil
	case FECSmallBlock:
		return 0, nil
	}
	return 0, fmt.Errorf("%w: %d", ErrFEC, fec)
}

// ParsePayloadID decodes the FEC payload ID at the start of b. m is the
// object's field size (EXT_FTI's fec_m), needed for FEC 2 only.
func ParsePayloadID(b []byte, fec FECID, m uint8) (PayloadID, int, error) {
	n, err := PayloadIDLen(fec)
	if err != nil {
		return PayloadID{}, 0, err
	}
	if len(b) < n {
		return PayloadID{}, 0, fmt.Errorf("%w: FEC payload ID", ErrTruncated)
	}
	m, err = fieldSize(fec, m)
	if err != nil {
		return PayloadID{}, 0, err
	}
	v := binary.BigEndian.Uint32(b)
	switch m {
	case 8:
		return PayloadID{Block: v >> 8, Symbol: uint16(v & 0xff)}, n, nil
	case 16:
		return PayloadID{Block: v >> 16, Symbol: uint16(v)}, n, nil
	}
	return PayloadID{Block: v, BlockLen: binary.BigEndian.Uint16(b[4:]), Symbol: binary.BigEndian.Uint16(b[6:])}, n, nil
}

// AppendPayloadID appends p as fec's FEC payload ID; it fails if a field
// does not fit its width.
func AppendPayloadID(b []byte, p PayloadID, fec FECID, m uint8) ([]byte, error) {
	m, err := fieldSize(fec, m)
	if err != nil {
		return b, err
	}
	switch m {
	case 8:
		if p.Block > 0xffffff || p.Symbol > 0xff {
			return b, fmt.Errorf("norm: payload ID block %d symbol %d does not fit m = 8", p.Block, p.Symbol)
		}
		return binary.BigEndian.AppendUint32(b, p.Block<<8|uint32(p.Symbol)), nil
	case 16:
		if p.Block > 0xffff {
			return b, fmt.Errorf("norm: payload ID block %d does not fit m = 16", p.Block)
		}
		return binary.BigEndian.AppendUint32(b, p.Block<<16|uint32(p.Symbol)), nil
	}
	b = binary.BigEndian.AppendUint32(b, p.Block)
	b = binary.BigEndian.AppendUint16(b, p.BlockLen)
	return binary.BigEndian.AppendUint16(b, p.Symbol), nil
}

// FTI is the FEC object transmission information of EXT_FTI: how an
// object is cut into segments and blocks. libnorm puts it on every
// NORM_DATA and NORM_INFO.
type FTI struct {
	// ObjectSize is the object's length in bytes (48 bits). For a stream,
	// libnorm sends its buffer size rounded to whole blocks.
	ObjectSize  uint64
	SegmentSize uint16
	MaxBlockLen uint16 // source segments per block (8 bits for FEC 5)
	NumParity   uint16 // parity segments per block (8 bits for FEC 5)
	// FieldSize (fec_m) and GroupSize (G) are FEC 2 only.
	FieldSize, GroupSize uint8
	// InstanceID is FEC 129's fec_instance_id.
	InstanceID uint16
}

const maxObjectSize = 1<<48 - 1

// ParseFTI decodes an EXT_FTI extension for FEC encoding fec.
func ParseFTI(ext []byte, fec FECID) (FTI, error) {
	want := 16
	if fec == FECRS8 {
		want = 12
	}
	if _, err := PayloadIDLen(fec); err != nil {
		return FTI{}, err
	}
	if len(ext) != want || ExtType(ext[0]) != ExtFTI {
		return FTI{}, fmt.Errorf("%w: EXT_FTI of %d bytes for FEC %d, want %d", ErrMalformed, len(ext), fec, want)
	}
	f := FTI{ObjectSize: uint64(binary.BigEndian.Uint16(ext[2:]))<<32 | uint64(binary.BigEndian.Uint32(ext[4:]))}
	switch fec {
	case FECRS8:
		f.SegmentSize = binary.BigEndian.Uint16(ext[8:])
		f.MaxBlockLen, f.NumParity = uint16(ext[10]), uint16(ext[11])
		f.FieldSize = 8
	case FECRS:
		f.FieldSize, f.GroupSize = ext[8], ext[9]
		f.SegmentSize = binary.BigEndian.Uint16(ext[10:])
		f.MaxBlockLen, f.NumParity = binary.BigEndian.Uint16(ext[12:]), binary.BigEndian.Uint16(ext[14:])
	case FECSmallBlock:
		f.InstanceID = binary.BigEndian.Uint16(ext[8:])
		f.SegmentSize = binary.BigEndian.Uint16(ext[10:])
		f.MaxBlockLen, f.NumParity = binary.BigEndian.Uint16(ext[12:]), binary.BigEndian.Uint16(ext[14:])
	}
	return f, nil
}

// AppendFTI appends f as the EXT_FTI of FEC encoding fec.
func AppendFTI(b []byte, f FTI, fec FECID) ([]byte, error) {
	if f.ObjectSize > maxObjectSize {
		return b, fmt.Errorf("norm: object size %d beyond 48 bits", f.ObjectSize)
	}
	words := byte(4)
	if fec == FECRS8 {
		if f.MaxBlockLen > 0xff || f.NumParity > 0xff {
			return b, fmt.Errorf("norm: FEC 5 block of %d + %d segments beyond 8 bits", f.MaxBlockLen, f.NumParity)
		}
		words = 3
	} else if _, err := PayloadIDLen(fec); err != nil {
		return b, err
	}
	b = append(b, byte(ExtFTI), words)
	b = binary.BigEndian.AppendUint16(b, uint16(f.ObjectSize>>32))
	b = binary.BigEndian.AppendUint32(b, uint32(f.ObjectSize))
	switch fec {
	case FECRS8:
		b = binary.BigEndian.AppendUint16(b, f.SegmentSize)
		return append(b, byte(f.MaxBlockLen), byte(f.NumParity)), nil
	case FECRS:
		b = append(b, f.FieldSize, f.GroupSize)
	default:
		b = binary.BigEndian.AppendUint16(b, f.InstanceID)
	}
	b = binary.BigEndian.AppendUint16(b, f.SegmentSize)
	b = binary.BigEndian.AppendUint16(b, f.MaxBlockLen)
	return binary.BigEndian.AppendUint16(b, f.NumParity), nil
}
