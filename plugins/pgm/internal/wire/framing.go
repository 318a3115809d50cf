package wire

import (
	"encoding/binary"
	"net/netip"
)

// ProtocolNumber is PGM's IP protocol number: pgm:// sends PGM packets as the payload of
// raw IP datagrams of this protocol (CAP_NET_RAW). epgm:// sends the same bytes as a UDP
// payload, with no header of its own (OpenPGM's pgm_parse_udp_encap).
const ProtocolNumber = 113

const (
	ipv4HeaderLen = 20
	udpHeaderLen  = 8
	// dataOverhead is what OpenPGM reserves in every TPDU for the PGM headers of a
	// fragmented ODATA, whether or not it fragments: common header 16, data header 8,
	// OPT_LENGTH 4, OPT_FRAGMENT's 3-byte header and 13-byte value (socket.c,
	// max_tsdu_fragment). libzmq sizes its APDUs to exactly that (PGM_MSS).
	dataOverhead = HeaderLen + dataFixedLen + optHeaderLen + 3 + 13
)

// MaxTSDU returns the largest TSDU of one TPDU, which is libzmq's APDU size, for a
// maximum TPDU of maxTPDU bytes (ZMQ_MULTICAST_MAXTPDU, default 1500): 1428 for epgm
// (udpEncap) and 1436 for pgm at 1500, as OpenPGM computes it. It returns ErrTooLarge
// when maxTPDU leaves no room for an APDU's offset and one byte, or would not fit a
// 16-bit TSDU length.
func MaxTSDU(maxTPDU int, udpEncap bool) (int, error) {
	n := maxTPDU - ipv4HeaderLen - dataOverhead
	if udpEncap {
		n -= udpHeaderLen
	}
	if n < apduOffsetLen+1 || n > 0xFFFF {
		return 0, ErrTooLarge
	}
	return n, nil
}

// IPv4Payload returns the PGM bytes of a raw IPv4 datagram as a raw socket of protocol
// 113 delivers it on Linux (header included, total length in network order), and the
// datagram's source address, which a receiver uses for its unicast SPMR. It checks the
// version, header length, total length and protocol; the kernel has already verified
// the header checksum and reassembled fragments.
func IPv4Payload(b []byte) ([]byte, netip.Addr, error) {
	if len(b) < ipv4HeaderLen {
		return nil, netip.Addr{}, ErrTruncated
	}
	if b[0]>>4 != 4 {
		return nil, netip.Addr{}, ErrMalformed
	}
	ihl := int(b[0]&0x0F) * 4
	total := int(binary.BigEndian.Uint16(b[2:]))
	if ihl < ipv4HeaderLen || total < ihl || b[9] != ProtocolNumber {
		return nil, netip.Addr{}, ErrMalformed
	}
	if total > len(b) {
		return nil, netip.Addr{}, ErrTruncated
	}
	return b[ihl:total], netip.AddrFrom4([4]byte(b[12:16])), nil
}
