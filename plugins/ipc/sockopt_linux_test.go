package ipc

import (
	"fmt"
	"net"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/zeroplug/zeroplug/sdk"
)

// checkBuffers reads SO_SNDBUF and SO_RCVBUF back. Linux doubles what it is
// given (for its own bookkeeping), so the value read is from the one set to
// twice that.
func checkBuffers(c net.Conn, o sdk.Options) error {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return fmt.Errorf("%T has no file descriptor", c)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	var snd, rcv int
	var serr error
	err = rc.Control(func(fd uintptr) {
		snd, serr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUF)
		if serr == nil {
			rcv, serr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF)
		}
	})
	if err = cmpErr(err, serr); err != nil {
		return err
	}
	if snd < o.SendBuffer || snd > 2*o.SendBuffer || rcv < o.RecvBuffer || rcv > 2*o.RecvBuffer {
		return fmt.Errorf("SO_SNDBUF %d, SO_RCVBUF %d; want %d and %d (or twice that)", snd, rcv, o.SendBuffer, o.RecvBuffer)
	}
	return nil
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
