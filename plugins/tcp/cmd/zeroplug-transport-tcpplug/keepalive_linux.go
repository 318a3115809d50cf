package main

import (
	"os"

	"golang.org/x/sys/unix"

	"github.com/zeroplug/zeroplug/sdk"
)

// keepAlive puts ZMQ_TCP_KEEPALIVE=1 and its settings on the listening
// socket. The built-in driver sets them on each connection it accepts; here
// the core accepts, and Linux copies them from the listening socket.
func (l *listener) keepAlive(o sdk.Options) error {
	if o.TCPKeepAlive != 1 {
		return nil
	}
	rc, err := l.sc.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		set := func(level, opt, v int) {
			if serr == nil && v > 0 {
				serr = os.NewSyscallError("setsockopt", unix.SetsockoptInt(int(fd), level, opt, v))
			}
		}
		set(unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1)
		set(unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, int(o.TCPKeepAliveIdle.Seconds()))
		set(unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, int(o.TCPKeepAliveIntvl.Seconds()))
		set(unix.IPPROTO_TCP, unix.TCP_KEEPCNT, o.TCPKeepAliveCount)
	})
	if err != nil {
		return err
	}
	return serr
}
