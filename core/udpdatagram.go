package core

import (
	"errors"
	"fmt"
)

// maxDatagram is libzmq's MAX_UDP_MSG: the largest datagram its udp
// engine sends or reads (it reads into a buffer of this size, so a longer
// datagram would reach a libzmq DISH cut short). zeroplug sends nothing
// longer and reads into one buffer of this size per endpoint.
const maxDatagram = 8192

// errDatagramTooLong says a message does not fit in one datagram.
var errDatagramTooLong = fmt.Errorf("%w: a message longer than a udp datagram (%d bytes)", ErrInvalid, maxDatagram)

// appendGroupDatagram appends a RADIO's message as libzmq's udp_engine
// writes it: one byte of group length, the group, then the body.
func appendGroupDatagram(dst []byte, group, body []byte) ([]byte, error) {
	if len(group) > MaxGroupLength {
		return dst, fmt.Errorf("%w: a group of %d bytes", ErrInvalid, len(group))
	}
	if 1+len(group)+len(body) > maxDatagram {
		return dst, errDatagramTooLong
	}
	dst = append(dst, byte(len(group)))
	dst = append(dst, group...)
	return append(dst, body...), nil
}

// errShortDatagram is a datagram whose group length runs past its end.
var errShortDatagram = errors.New("a datagram shorter than its group length")

// parseGroupDatagram splits a datagram into its group and body, slices of
// d. An empty datagram, or one whose group length byte says more than it
// holds, is malformed; libzmq's udp_engine drops both (the first it reads
// as a group length of garbage).
func parseGroupDatagram(d []byte) (group, body []byte, err error) {
	if len(d) == 0 || int(d[0]) > len(d)-1 {
		return nil, nil, errShortDatagram
	}
	n := 1 + int(d[0])
	return d[1:n], d[n:], nil
}
