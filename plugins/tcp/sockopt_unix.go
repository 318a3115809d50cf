//go:build unix

package tcp

import (
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/zeroplug/zeroplug/sdk"
)

// control returns the function net.Dialer and net.ListenConfig call on a new
// socket before it binds or connects: the buffer sizes must be set by then
// for the kernel to pick a TCP window scale that can use them.
func control(o sdk.Options, reuseAddr bool) func(network, address string, c syscall.RawConn) error {
	if o.SendBuffer <= 0 && o.RecvBuffer <= 0 && !reuseAddr {
		return nil
	}
	return func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			set := func(opt, v int) {
				if serr == nil {
					serr = os.NewSyscallError("setsockopt", unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, opt, v))
				}
			}
			if reuseAddr {
				set(unix.SO_REUSEADDR, 1)
			}
			if o.SendBuffer > 0 {
				set(unix.SO_SNDBUF, o.SendBuffer)
			}
			if o.RecvBuffer > 0 {
				set(unix.SO_RCVBUF, o.RecvBuffer)
			}
		})
		if err != nil {
			return err
		}
		return serr
	}
}

// tuneBuffers has nothing to do here: control has set the buffers.
func tuneBuffers(*net.TCPConn, sdk.Options) error { return nil }
