//go:build unix

package tcp

import (
	"errors"
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/zeroplug/zeroplug/sdk"
)

// control returns the function net.Dialer and net.ListenConfig call on a new
// socket before it binds or connects: the buffer sizes must be set by then
// for the kernel to pick a TCP window scale that can use them, and the
// device, the type of service and the user timeout are set there too, as
// libzmq's tcp_connecter and tcp_listener do, so that a listening socket
// passes them on to every connection it accepts.
func control(o sdk.Options, reuseAddr bool) func(network, address string, c syscall.RawConn) error {
	if o.SendBuffer <= 0 && o.RecvBuffer <= 0 && !reuseAddr && o.TOS <= 0 && o.BindToDevice == "" && o.TCPMaxRT <= 0 {
		return nil
	}
	return func(network, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) { serr = setOptions(int(fd), network, o, reuseAddr) })
		if err != nil {
			return err
		}
		return serr
	}
}

func setOptions(fd int, network string, o sdk.Options, reuseAddr bool) error {
	set := func(level, opt, v int) error {
		return os.NewSyscallError("setsockopt", unix.SetsockoptInt(fd, level, opt, v))
	}
	if reuseAddr {
		if err := set(unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
			return err
		}
	}
	if o.SendBuffer > 0 {
		if err := set(unix.SOL_SOCKET, unix.SO_SNDBUF, o.SendBuffer); err != nil {
			return err
		}
	}
	if o.RecvBuffer > 0 {
		if err := set(unix.SOL_SOCKET, unix.SO_RCVBUF, o.RecvBuffer); err != nil {
			return err
		}
	}
	if o.TOS > 0 {
		// libzmq's set_ip_type_of_service: IP_TOS always (an IPv6 socket
		// uses it for IPv4-mapped peers), IPV6_TCLASS where IPv6 is.
		if err := set(unix.IPPROTO_IP, unix.IP_TOS, o.TOS); err != nil {
			return err
		}
		if network == "tcp6" {
			if err := set(unix.IPPROTO_IPV6, unix.IPV6_TCLASS, o.TOS); err != nil && !errors.Is(err, unix.ENOPROTOOPT) && !errors.Is(err, unix.EINVAL) {
				return err
			}
		}
	}
	return setSystemOptions(fd, o)
}

// tuneBuffers has nothing to do here: control has set the buffers.
func tuneBuffers(*net.TCPConn, sdk.Options) error { return nil }

// setBacklog listens again with libzmq's ZMQ_BACKLOG: Go listens with the
// system's maximum (somaxconn), and a second listen(2) on a listening
// socket only changes its queue length.
func setBacklog(ln *net.TCPListener, n int) error {
	if n <= 0 {
		return nil
	}
	raw, err := ln.SyscallConn()
	if err != nil {
		return err
	}
	var lerr error
	if err := raw.Control(func(fd uintptr) { lerr = os.NewSyscallError("listen", unix.Listen(int(fd), n)) }); err != nil {
		return err
	}
	return lerr
}
