//go:build !linux

package sdk

import (
	"fmt"
	"net"
	"os"
)

// serve refuses: the descriptor hand-off needs Linux.
func serve(Driver, string, string) int {
	fmt.Fprintln(os.Stderr, "zeroplug transport plugins run on Linux only")
	return 1
}

// StreamPair returns the two ends of a connected unix stream socketpair
// (see the Linux documentation); elsewhere it is ErrNotSupported.
func StreamPair() (remote, local net.Conn, err error) {
	return nil, nil, ErrNotSupported
}
