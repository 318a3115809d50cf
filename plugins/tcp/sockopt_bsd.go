//go:build unix && !linux

package tcp

import (
	"fmt"

	"github.com/zeroplug/zeroplug/sdk"
)

// setSystemOptions refuses what this system cannot do rather than ignore
// it: SO_BINDTODEVICE and TCP_USER_TIMEOUT are Linux's.
func setSystemOptions(_ int, o sdk.Options) error {
	return unsupported(o)
}

func unsupported(o sdk.Options) error {
	switch {
	case o.BindToDevice != "":
		return fmt.Errorf("tcp: BINDTODEVICE: %w on this system", sdk.ErrNotSupported)
	case o.TCPMaxRT > 0:
		return fmt.Errorf("tcp: TCP_MAXRT: %w on this system", sdk.ErrNotSupported)
	}
	return nil
}
