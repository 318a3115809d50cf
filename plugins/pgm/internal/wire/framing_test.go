package wire

import (
	"errors"
	"testing"

	"github.com/zeroplug/zeroplug/plugins/pgm/internal/pgmtest"
)

// TestMaxTSDU: libzmq's APDU size (PGM_MSS) is 1428 B for epgm and 1436 B for pgm at the
// default MULTICAST_MAXTPDU of 1500, as observed on the wire.
func TestMaxTSDU(t *testing.T) {
	for _, tc := range []struct {
		maxTPDU int
		udp     bool
		want    int
	}{{1500, true, 1428}, {1500, false, 1436}, {9000, true, 8928}, {67, false, 3}} {
		if got, err := MaxTSDU(tc.maxTPDU, tc.udp); err != nil || got != tc.want {
			t.Errorf("MaxTSDU(%d, %v) = %d, %v; want %d", tc.maxTPDU, tc.udp, got, err, tc.want)
		}
	}
	for _, maxTPDU := range []int{0, 66, 74, 1 << 17} {
		if _, err := MaxTSDU(maxTPDU, true); !errors.Is(err, ErrTooLarge) {
			t.Errorf("MaxTSDU(%d) = %v, want ErrTooLarge", maxTPDU, err)
		}
	}
}

// TestIPv4Payload takes the raw IP datagrams of the pgm capture apart (header checks are
// in TestLibzmqCapture), and refuses what is no PGM datagram.
func TestIPv4Payload(t *testing.T) {
	pkt := pgmtest.ReadCapture(t, pgmCaptureFile)[0]
	payload, src, err := IPv4Payload(pkt)
	if err != nil || len(payload) != len(pkt)-20 || src.String() != "127.0.0.1" {
		t.Fatalf("IPv4Payload = %d bytes from %v, %v", len(payload), src, err)
	}
	edit := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), pkt...)) }
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"shorter than a header", pkt[:19], ErrTruncated},
		{"IPv6", edit(func(b []byte) []byte { b[0] = 0x65; return b }), ErrMalformed},
		{"header length below 20", edit(func(b []byte) []byte { b[0] = 0x44; return b }), ErrMalformed},
		{"not protocol 113", edit(func(b []byte) []byte { b[9] = 17; return b }), ErrMalformed},
		{"total length beyond the datagram", pkt[:len(pkt)-1], ErrTruncated},
		{"total length below the header", edit(func(b []byte) []byte { b[2], b[3] = 0, 19; return b }), ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := IPv4Payload(tc.b); !errors.Is(err, tc.want) {
				t.Fatalf("IPv4Payload = %v, want %v", err, tc.want)
			}
		})
	}
}
