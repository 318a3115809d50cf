package wire

import "errors"

// The errors every parser wraps, so that a caller can count drops by cause.
var (
	// ErrTruncated: the input ends before the structure its fields announce.
	ErrTruncated = errors.New("pgm: truncated packet")
	// ErrMalformed: a field holds a value RFC 3208 or libzmq's framing rules out.
	ErrMalformed = errors.New("pgm: malformed packet")
	// ErrChecksum: the checksum is wrong, or missing where it is mandatory.
	ErrChecksum = errors.New("pgm: bad checksum")
	// ErrUnsupported: a well-formed packet that this implementation does not take part
	// in (POLL, POLR, PGMCC ACK, parity, an option whose OPX bits say discard).
	ErrUnsupported = errors.New("pgm: unsupported packet")
	// ErrTooLarge: an encoder was asked for more than the wire allows, or a decoded
	// message exceeds the receiver's limit.
	ErrTooLarge = errors.New("pgm: too large")
)
