package tcp

import (
	"os"

	"golang.org/x/sys/unix"

	"github.com/zeroplug/zeroplug/sdk"
)

// setSystemOptions sets the options only Linux has: SO_BINDTODEVICE
// (ZMQ_BINDTODEVICE) and TCP_USER_TIMEOUT (ZMQ_TCP_MAXRT, in milliseconds).
func setSystemOptions(fd int, o sdk.Options) error {
	if o.BindToDevice != "" {
		if err := unix.SetsockoptString(fd, unix.SOL_SOCKET, unix.SO_BINDTODEVICE, o.BindToDevice); err != nil {
			return os.NewSyscallError("setsockopt SO_BINDTODEVICE", err)
		}
	}
	if o.TCPMaxRT > 0 {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT, int(o.TCPMaxRT.Milliseconds())); err != nil {
			return os.NewSyscallError("setsockopt TCP_USER_TIMEOUT", err)
		}
	}
	return nil
}
