package wire

import (
	"encoding/binary"
	"net/netip"
)

// The address family identifiers of an NLA (RFC 3208 section 8, IANA's AFI numbers).
const (
	afiIPv4 = 1
	afiIPv6 = 2
)

// Packet is one PGM packet. Parse fills it from a datagram and Append encodes it; one
// Packet is meant to be reused for every datagram of a connection, so neither allocates.
// Which fields are meaningful depends on Type:
//
//	SPM          Seq (the SPM's own sequence number), Trail, Lead, SourceNLA (path NLA)
//	ODATA, RDATA Seq, Trail, TSDU
//	NAK, NNAK,   Seq (the requested sequence number; more in Options.NAKList),
//	NCF          SourceNLA (the source's unicast address), GroupNLA (the group)
//	SPMR         none
type Packet struct {
	Header
	Seq       SeqNo
	Trail     SeqNo
	Lead      SeqNo
	SourceNLA netip.Addr
	GroupNLA  netip.Addr
	Options   Options
	// TSDU is the payload of ODATA and RDATA. After Parse it aliases the datagram.
	TSDU []byte
}

// The length of each type-specific header without its NLAs.
const (
	spmFixedLen  = 12 // sqn, trail, lead
	dataFixedLen = 8  // sqn, trail
	nakFixedLen  = 4  // sqn
	nlaFixedLen  = 4  // AFI, reserved
)

// Parse decodes the PGM packet in b, which is one datagram's PGM bytes (the UDP payload
// for epgm, the IP payload for pgm: see IPv4Payload), into p, replacing all of p. It
// checks what OpenPGM checks on receipt: the checksum (see Checksum), the type, each
// length (a TSDU length that differs from the payload is malformed), the NLAs and the
// options (see Options). It fails with ErrUnsupported, after the checksum, for POLL,
// POLR, ACK and parity packets. It never panics, whatever b holds, and keeps no
// reference to b except in p.TSDU.
func (p *Packet) Parse(b []byte) error {
	*p = Packet{}
	if len(b) < HeaderLen {
		return ErrTruncated
	}
	h := &p.Header
	h.SourcePort = binary.BigEndian.Uint16(b)
	h.DestPort = binary.BigEndian.Uint16(b[2:])
	h.Type = Type(b[4])
	h.Flags = b[5]
	h.Checksum = binary.BigEndian.Uint16(b[checksumOffset:])
	copy(h.GSI[:], b[8:14])
	h.TSDULength = binary.BigEndian.Uint16(b[14:])
	switch h.Type {
	case TypeSPM, TypeODATA, TypeRDATA, TypeNAK, TypeNNAK, TypeNCF, TypeSPMR:
	case TypePOLL, TypePOLR, TypeACK:
		if err := verifyChecksum(b, h.Type); err != nil {
			return err
		}
		return ErrUnsupported
	default:
		return ErrMalformed
	}
	if err := verifyChecksum(b, h.Type); err != nil {
		return err
	}
	if h.Flags&(FlagParity|FlagVarPktLen) != 0 {
		return ErrUnsupported
	}
	rest := b[HeaderLen:]
	var err error
	switch h.Type {
	case TypeSPM:
		if len(rest) < spmFixedLen {
			return ErrTruncated
		}
		p.Seq = SeqNo(binary.BigEndian.Uint32(rest))
		p.Trail = SeqNo(binary.BigEndian.Uint32(rest[4:]))
		p.Lead = SeqNo(binary.BigEndian.Uint32(rest[8:]))
		if p.SourceNLA, rest, err = parseNLA(rest[spmFixedLen:]); err != nil {
			return err
		}
	case TypeODATA, TypeRDATA:
		if len(rest) < dataFixedLen {
			return ErrTruncated
		}
		p.Seq = SeqNo(binary.BigEndian.Uint32(rest))
		p.Trail = SeqNo(binary.BigEndian.Uint32(rest[4:]))
		rest = rest[dataFixedLen:]
	case TypeNAK, TypeNNAK, TypeNCF:
		if len(rest) < nakFixedLen {
			return ErrTruncated
		}
		p.Seq = SeqNo(binary.BigEndian.Uint32(rest))
		if p.SourceNLA, rest, err = parseNLA(rest[nakFixedLen:]); err != nil {
			return err
		}
		if p.GroupNLA, rest, err = parseNLA(rest); err != nil {
			return err
		}
	}
	if h.Flags&FlagOptionsPresent != 0 {
		n, err := p.Options.parse(rest)
		if err != nil {
			return err
		}
		rest = rest[n:]
	}
	if h.Type == TypeODATA || h.Type == TypeRDATA {
		if len(rest) != int(h.TSDULength) {
			return ErrMalformed
		}
		p.TSDU = rest
		return nil
	}
	if h.TSDULength != 0 || len(rest) != 0 {
		return ErrMalformed
	}
	return nil
}

// parseNLA decodes an NLA (AFI, reserved, address) and returns the bytes after it.
func parseNLA(b []byte) (netip.Addr, []byte, error) {
	if len(b) < nlaFixedLen {
		return netip.Addr{}, nil, ErrTruncated
	}
	switch binary.BigEndian.Uint16(b) {
	case afiIPv4:
		if len(b) < nlaFixedLen+4 {
			return netip.Addr{}, nil, ErrTruncated
		}
		return netip.AddrFrom4([4]byte(b[nlaFixedLen:])), b[nlaFixedLen+4:], nil
	case afiIPv6:
		if len(b) < nlaFixedLen+16 {
			return netip.Addr{}, nil, ErrTruncated
		}
		return netip.AddrFrom16([16]byte(b[nlaFixedLen:])), b[nlaFixedLen+16:], nil
	}
	return netip.Addr{}, nil, ErrMalformed
}

// appendNLA encodes an NLA; an IPv4-mapped IPv6 address goes out as IPv4, as OpenPGM
// only ever compares plain IPv4 NLAs for an IPv4 session.
func appendNLA(dst []byte, a netip.Addr) ([]byte, error) {
	a = a.Unmap()
	switch {
	case a.Is4():
		v := a.As4()
		return append(binary.BigEndian.AppendUint16(dst, afiIPv4), 0, 0, v[0], v[1], v[2], v[3]), nil
	case a.Is6() && a.Zone() == "":
		v := a.As16()
		return append(append(binary.BigEndian.AppendUint16(dst, afiIPv6), 0, 0), v[:]...), nil
	}
	return dst, ErrMalformed
}

// Append encodes p after dst and returns the extended buffer; it allocates only when
// dst lacks the room. It derives the header's options flags and TSDU length from p and
// computes the checksum, so Flags, TSDULength and Checksum in p are ignored. It refuses
// (ErrUnsupported) the types this implementation never sends (POLL, POLR, ACK) and an
// OPT_FRAGMENT; it returns ErrMalformed for a missing NLA or a TSDU on a packet that has
// none, and ErrTooLarge for a TSDU beyond 16 bits. On error dst is returned unchanged.
func (p *Packet) Append(dst []byte) ([]byte, error) {
	start := len(dst)
	out, err := p.append(dst)
	if err != nil {
		return dst[:start], err
	}
	binary.BigEndian.PutUint16(out[start+checksumOffset:], Checksum(out[start:]))
	return out, nil
}

func (p *Packet) append(dst []byte) ([]byte, error) {
	data := p.Type == TypeODATA || p.Type == TypeRDATA
	switch p.Type {
	case TypeSPM, TypeODATA, TypeRDATA, TypeNAK, TypeNNAK, TypeNCF, TypeSPMR:
	default:
		return dst, ErrUnsupported
	}
	if !data && len(p.TSDU) != 0 {
		return dst, ErrMalformed
	}
	if len(p.TSDU) > 0xFFFF {
		return dst, ErrTooLarge
	}
	dst = binary.BigEndian.AppendUint16(dst, p.SourcePort)
	dst = binary.BigEndian.AppendUint16(dst, p.DestPort)
	dst = append(dst, byte(p.Type), p.Options.flags(), 0, 0)
	dst = append(dst, p.GSI[:]...)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(p.TSDU)))
	var err error
	switch p.Type {
	case TypeSPM:
		dst = binary.BigEndian.AppendUint32(dst, uint32(p.Seq))
		dst = binary.BigEndian.AppendUint32(dst, uint32(p.Trail))
		dst = binary.BigEndian.AppendUint32(dst, uint32(p.Lead))
		if dst, err = appendNLA(dst, p.SourceNLA); err != nil {
			return dst, err
		}
	case TypeODATA, TypeRDATA:
		dst = binary.BigEndian.AppendUint32(dst, uint32(p.Seq))
		dst = binary.BigEndian.AppendUint32(dst, uint32(p.Trail))
	case TypeNAK, TypeNNAK, TypeNCF:
		dst = binary.BigEndian.AppendUint32(dst, uint32(p.Seq))
		if dst, err = appendNLA(dst, p.SourceNLA); err != nil {
			return dst, err
		}
		if dst, err = appendNLA(dst, p.GroupNLA); err != nil {
			return dst, err
		}
	}
	if dst, err = p.Options.append(dst); err != nil {
		return dst, err
	}
	return append(dst, p.TSDU...), nil
}
