package wire

import "encoding/binary"

// checksumOffset is where the checksum sits in the common header.
const checksumOffset = 6

// Checksum returns the checksum of a PGM packet as OpenPGM computes it (RFC 3208 section
// 8): the Internet checksum (RFC 1071) of the whole PGM packet, header, options and
// payload, with no pseudo-header and with the checksum field taken as zero. An odd final
// byte is summed as the high byte of a word padded with zero. A sum that folds to zero is
// sent as 0xFFFF (OpenPGM's pgm_csum_fold), because zero on the wire means "no checksum".
// Bytes 6 and 7 are the checksum field wherever pkt is long enough to hold them.
func Checksum(pkt []byte) uint16 {
	var sum uint64
	if len(pkt) <= checksumOffset+2 {
		sum = sum16(pkt[:min(len(pkt), checksumOffset)])
	} else {
		sum = sum16(pkt[:checksumOffset]) + sum16(pkt[checksumOffset+2:])
	}
	for sum > 0xFFFF {
		sum = sum&0xFFFF + sum>>16
	}
	c := ^uint16(sum)
	if c == 0 {
		return 0xFFFF
	}
	return c
}

// sum16 adds b as big-endian 16-bit words into a 64-bit accumulator (no overflow for
// any datagram) without folding.
func sum16(b []byte) uint64 {
	var sum uint64
	for len(b) >= 8 {
		v := binary.BigEndian.Uint64(b)
		sum += v>>48 + v>>32&0xFFFF + v>>16&0xFFFF + v&0xFFFF
		b = b[8:]
	}
	for len(b) >= 2 {
		sum += uint64(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		sum += uint64(b[0]) << 8
	}
	return sum
}

// verifyChecksum applies OpenPGM's receive rule (packet_parse.c): a non-zero checksum
// must match; a zero checksum means none was computed, which is accepted for every type
// except ODATA and RDATA, where it is mandatory.
func verifyChecksum(pkt []byte, t Type) error {
	got := binary.BigEndian.Uint16(pkt[checksumOffset:])
	if got == 0 {
		if t == TypeODATA || t == TypeRDATA {
			return ErrChecksum
		}
		return nil
	}
	if Checksum(pkt) != got {
		return ErrChecksum
	}
	return nil
}
