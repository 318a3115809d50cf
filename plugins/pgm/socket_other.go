//go:build !linux

package pgm

import (
	"fmt"
	"net/netip"

	"github.com/zeroplug/zeroplug/sdk"
)

// Plugins are served on Linux only (sdk.Serve); elsewhere the package builds and
// refuses.
type mcastConn struct{}

type socketSettings struct{ hops, sendBuffer, recvBuffer int }

func openConn(address, bool, socketSettings) (*mcastConn, error) {
	return nil, fmt.Errorf("%w: pgm on this system", sdk.ErrNotSupported)
}

func (*mcastConn) read([]byte) ([]byte, netip.Addr, error) {
	return nil, netip.Addr{}, sdk.ErrNotSupported
}
func (*mcastConn) send([]byte, netip.Addr) error { return sdk.ErrNotSupported }
func (*mcastConn) close()                        {}

func checkRaw() error { return fmt.Errorf("%w: pgm on this system", sdk.ErrNotSupported) }
