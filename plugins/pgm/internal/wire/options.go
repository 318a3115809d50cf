package wire

import "encoding/binary"

// The option types of RFC 3208 section 9 (the low seven bits of an option's first byte;
// the high bit, optEnd, marks the last option).
const (
	optLength        = 0x00
	optFragment      = 0x01
	optNAKList       = 0x02
	optJoin          = 0x03
	optNAKBackoffIvl = 0x04
	optNAKBackoffRng = 0x05
	optRedirect      = 0x07
	optParityPRM     = 0x08
	optParityGrp     = 0x09
	optCurrTGSize    = 0x0A
	optNbrUnreach    = 0x0B
	optPathNLA       = 0x0C
	optSYN           = 0x0D
	optFIN           = 0x0E
	optRST           = 0x0F
	optCR            = 0x10
	optCRQST         = 0x11
	optPGMCCData     = 0x12
	optPGMCCFeedback = 0x13
	optInvalid       = 0x7F

	optEnd = 0x80
)

const (
	// optHeaderLen is an option's type, length and the two reserved/flag bytes that
	// OpenPGM writes before every value (its 3-byte pgm_opt_header plus each option's
	// leading opt_reserved byte).
	optHeaderLen = 4
	// maxOptions is RFC 3208's limit of options in one packet (section 9).
	maxOptions = 16
	// optOPXMask selects the extensibility bits in an option's third byte: what a
	// node that does not know the option does with it (RFC 3208 section 9.1; the bit
	// positions are OpenPGM's PGM_OPX_MASK).
	optOPXMask    = 0x03
	optOPXDiscard = 0x02 // 0x00 ignore and 0x01 invalidate skip the option
	// fragmentOptLen is OPT_FRAGMENT's length as OpenPGM writes and checks it: the
	// 4-byte option header and three 32-bit values (the RFC's text says 12).
	fragmentOptLen = optHeaderLen + 12
)

// MaxNAKList is how many sequence numbers OPT_NAK_LIST carries at most, beside the one
// in the NAK's own header: the option length is one byte (RFC 3208 section 9.3, 62).
const MaxNAKList = (255 - optHeaderLen) / 4

// Parity flags of OPT_PARITY_PRM (RFC 3208 appendix A).
const (
	ParityProactive uint8 = 0x01
	ParityOnDemand  uint8 = 0x02
)

// Fragment is OPT_FRAGMENT: this TPDU is a piece of a larger APDU. libzmq never sends
// it and aborts on receiving it, so Append refuses to encode one; Parse reports it so
// that the receiver drops the packet.
type Fragment struct {
	FirstSeq   SeqNo  // sequence number of the APDU's first fragment
	Offset     uint32 // byte offset of this fragment in the APDU
	APDULength uint32 // length of the whole APDU
}

// ParityPRM is OPT_PARITY_PRM in an SPM: the source offers FEC with this transmission
// group size. libzmq never enables parity; a receiver sees it only from other sources.
type ParityPRM struct {
	Flags  uint8 // ParityProactive, ParityOnDemand
	TGSize uint32
}

// Options holds the options of one packet that OpenPGM sends or acts on. Options that
// this implementation recognises but has no use for (congestion reports, DLR redirects,
// back-off hints) are skipped, as are unknown ones whose extensibility bits allow it.
// The zero value is "no options".
type Options struct {
	HasFragment  bool
	Fragment     Fragment
	HasJoin      bool
	Join         SeqNo // OPT_JOIN: the lowest sequence number a late joiner may NAK
	HasParityPRM bool
	ParityPRM    ParityPRM
	SYN          bool // OPT_SYN: the first packet of the session
	FIN          bool // OPT_FIN: the session ends (OpenPGM sends it on SPMs at close)
	RST          bool // OPT_RST: the session was reset

	nakList [MaxNAKList]SeqNo
	nakLen  uint8
}

// NAKList returns the sequence numbers of OPT_NAK_LIST, those beyond the one in the
// packet's header. The slice aliases o.
func (o *Options) NAKList() []SeqNo { return o.nakList[:o.nakLen] }

// SetNAKList sets OPT_NAK_LIST; an empty list removes it. It returns ErrTooLarge for
// more than MaxNAKList numbers.
func (o *Options) SetNAKList(seqs []SeqNo) error {
	if len(seqs) > MaxNAKList {
		return ErrTooLarge
	}
	o.nakLen = uint8(copy(o.nakList[:], seqs))
	return nil
}

// empty reports whether no option is set, so that the packet carries no option block.
func (o *Options) empty() bool {
	return !o.HasFragment && !o.HasJoin && !o.HasParityPRM && !o.SYN && !o.FIN && !o.RST && o.nakLen == 0
}

// flags returns the header's options field for these options: OPT_NAK_LIST is
// network-significant (OpenPGM sends 0x03 with it).
func (o *Options) flags() uint8 {
	if o.empty() {
		return 0
	}
	if o.nakLen > 0 {
		return FlagOptionsPresent | FlagOptionsNetwork
	}
	return FlagOptionsPresent
}

// append encodes the option block: OPT_LENGTH first (RFC 3208 section 9.1 requires it),
// then each option, the last one flagged with optEnd. It writes nothing when no option
// is set. OPT_FRAGMENT is refused (see Fragment).
func (o *Options) append(dst []byte) ([]byte, error) {
	if o.empty() {
		return dst, nil
	}
	if o.HasFragment {
		return dst, ErrUnsupported
	}
	start := len(dst)
	dst = append(dst, optLength, optHeaderLen, 0, 0) // total length patched below
	last := -1
	begin := func(typ byte, length int) {
		last = len(dst)
		dst = append(dst, typ, byte(length), 0, 0)
	}
	if o.nakLen > 0 {
		begin(optNAKList, optHeaderLen+4*int(o.nakLen))
		for _, s := range o.NAKList() {
			dst = binary.BigEndian.AppendUint32(dst, uint32(s))
		}
	}
	if o.HasJoin {
		begin(optJoin, optHeaderLen+4)
		dst = binary.BigEndian.AppendUint32(dst, uint32(o.Join))
	}
	if o.HasParityPRM {
		begin(optParityPRM, optHeaderLen+4)
		dst[len(dst)-1] = o.ParityPRM.Flags & (ParityProactive | ParityOnDemand)
		dst = binary.BigEndian.AppendUint32(dst, o.ParityPRM.TGSize)
	}
	if o.SYN {
		begin(optSYN, optHeaderLen)
	}
	if o.FIN {
		begin(optFIN, optHeaderLen)
	}
	if o.RST {
		begin(optRST, optHeaderLen)
	}
	dst[last] |= optEnd
	binary.BigEndian.PutUint16(dst[start+2:], uint16(len(dst)-start))
	return dst, nil
}

// parse decodes the option block at the start of b (RFC 3208 section 9) and returns its
// length. Rules: it begins with OPT_LENGTH, whose total covers every option and fits in
// b; each option is at least its header long and ends inside the total; the one flagged
// last ends exactly at the total; at most 16 options. An option this implementation does
// not know is skipped when its extensibility bits say ignore or invalidate (we are an end
// host: invalidating matters to network elements that forward), and discards the packet
// (ErrUnsupported) when they say so.
func (o *Options) parse(b []byte) (int, error) {
	if len(b) < optHeaderLen {
		return 0, ErrTruncated
	}
	if b[0]&^optEnd != optLength || b[1] != optHeaderLen {
		return 0, ErrMalformed
	}
	total := int(binary.BigEndian.Uint16(b[2:]))
	if total < optHeaderLen {
		return 0, ErrMalformed
	}
	if total > len(b) {
		return 0, ErrTruncated
	}
	if b[0]&optEnd != 0 {
		// OPT_LENGTH alone, flagged last: a valid, empty block.
		if total != optHeaderLen {
			return 0, ErrMalformed
		}
		return total, nil
	}
	i, count := optHeaderLen, 0
	for {
		if i+optHeaderLen > total {
			return 0, ErrMalformed
		}
		typ, n, last := b[i]&^optEnd, int(b[i+1]), b[i]&optEnd != 0
		if n < optHeaderLen || i+n > total {
			return 0, ErrMalformed
		}
		if count++; count > maxOptions {
			return 0, ErrMalformed
		}
		if err := o.parseOne(typ, b[i:i+n]); err != nil {
			return 0, err
		}
		i += n
		if last {
			break
		}
	}
	if i != total {
		return 0, ErrMalformed
	}
	return total, nil
}

// parseOne decodes one option, opt being its bytes from the type on.
func (o *Options) parseOne(typ byte, opt []byte) error {
	value := opt[optHeaderLen:]
	switch typ {
	case optLength:
		return ErrMalformed // only first
	case optFragment:
		if len(opt) != fragmentOptLen {
			return ErrMalformed
		}
		o.HasFragment = true
		o.Fragment = Fragment{
			FirstSeq:   SeqNo(binary.BigEndian.Uint32(value)),
			Offset:     binary.BigEndian.Uint32(value[4:]),
			APDULength: binary.BigEndian.Uint32(value[8:]),
		}
		if o.Fragment.APDULength == 0 || o.Fragment.Offset >= o.Fragment.APDULength {
			return ErrMalformed
		}
	case optNAKList:
		if len(value) == 0 || len(value)%4 != 0 {
			return ErrMalformed
		}
		o.nakLen = 0
		for ; len(value) > 0; value = value[4:] {
			o.nakList[o.nakLen] = SeqNo(binary.BigEndian.Uint32(value))
			o.nakLen++
		}
	case optJoin:
		if len(value) != 4 {
			return ErrMalformed
		}
		o.HasJoin, o.Join = true, SeqNo(binary.BigEndian.Uint32(value))
	case optParityPRM:
		if len(value) != 4 {
			return ErrMalformed
		}
		o.HasParityPRM = true
		o.ParityPRM = ParityPRM{Flags: opt[3] & (ParityProactive | ParityOnDemand), TGSize: binary.BigEndian.Uint32(value)}
	case optSYN:
		o.SYN = true
	case optFIN:
		o.FIN = true
	case optRST:
		o.RST = true
	case optNAKBackoffIvl, optNAKBackoffRng, optRedirect, optParityGrp, optCurrTGSize,
		optNbrUnreach, optPathNLA, optCR, optCRQST, optPGMCCData, optPGMCCFeedback, optInvalid:
		// Known, and nothing libzmq's configuration acts on: skipped.
	default:
		// 00 ignore and 01 invalidate skip the option, 10 discards the packet. 11 is
		// reserved by the RFC; OpenPGM's switch has no case for it and carries on, and
		// so do we.
		if opt[2]&optOPXMask == optOPXDiscard {
			return ErrUnsupported
		}
	}
	return nil
}
