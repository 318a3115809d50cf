//go:build unix

package core

import (
	"context"
	"net"
	"net/netip"
	"syscall"

	"github.com/zeroplug/zeroplug/sdk"
	"golang.org/x/sys/unix"
)

// listenUDP opens the endpoint's UDP socket as libzmq's udp_engine plugs
// it. Bound: SO_REUSEADDR, and for a group SO_REUSEPORT too (every socket
// bound to the group's port gets every datagram), the unspecified address
// bound and the group joined on the interface given. Connected (a RADIO):
// unbound, and for a group MULTICAST_LOOP, MULTICAST_HOPS and the
// interface to send on.
func listenUDP(addr udpAddress, o *options, bind bool) (*net.UDPConn, error) {
	network := "udp4"
	if addr.target.Addr().Is6() {
		network = "udp6"
	}
	var setErr error
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		err := c.Control(func(fd uintptr) {
			if bind {
				setErr = addr.setBindOptions(int(fd))
			} else if addr.multicast {
				setErr = addr.setSendOptions(int(fd), o)
			}
		})
		if err != nil {
			return err
		}
		return setErr
	}}
	local := ""
	if bind {
		local = addr.local.String()
	}
	pc, err := lc.ListenPacket(context.Background(), network, local)
	if err != nil {
		return nil, sdk.WrapOSError(err)
	}
	conn := pc.(*net.UDPConn)
	if bind && addr.multicast {
		if err := addr.join(conn); err != nil {
			conn.Close()
			return nil, err
		}
	}
	return conn, nil
}

func (u udpAddress) setBindOptions(fd int) error {
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return err
	}
	if u.multicast {
		return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
	}
	return nil
}

func (u udpAddress) setSendOptions(fd int, o *options) error {
	loop := 0
	if o.multicastLoop {
		loop = 1
	}
	if u.target.Addr().Is4() {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_LOOP, loop); err != nil {
			return err
		}
		if o.transport.MulticastHops > 0 {
			if err := unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_TTL, o.transport.MulticastHops); err != nil {
				return err
			}
		}
		if u.ifaceAddr.IsValid() {
			return unix.SetsockoptInet4Addr(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_IF, u.ifaceAddr.As4())
		}
		return nil
	}
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_LOOP, loop); err != nil {
		return err
	}
	if o.transport.MulticastHops > 0 {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_HOPS, o.transport.MulticastHops); err != nil {
			return err
		}
	}
	if u.iface != nil {
		return unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_IF, u.iface.Index)
	}
	return nil
}

// join adds the bound socket to the group, on the interface given or the
// one the system routes the group through.
func (u udpAddress) join(conn *net.UDPConn) error {
	rc, err := conn.SyscallConn()
	if err != nil {
		return err
	}
	var joinErr error
	err = rc.Control(func(fd uintptr) {
		group := u.target.Addr()
		if group.Is4() {
			mreq := &unix.IPMreq{Multiaddr: group.As4()}
			if u.ifaceAddr.IsValid() {
				mreq.Interface = u.ifaceAddr.As4()
			}
			joinErr = unix.SetsockoptIPMreq(int(fd), unix.IPPROTO_IP, unix.IP_ADD_MEMBERSHIP, mreq)
			return
		}
		mreq := &unix.IPv6Mreq{Multiaddr: group.As16()}
		if u.iface != nil {
			mreq.Interface = uint32(u.iface.Index)
		}
		joinErr = unix.SetsockoptIPv6Mreq(int(fd), unix.IPPROTO_IPV6, unix.IPV6_JOIN_GROUP, mreq)
	})
	if err != nil {
		return err
	}
	if joinErr != nil {
		return sdk.WrapOSError(&net.OpError{Op: "join", Net: "udp", Addr: net.UDPAddrFromAddrPort(netip.AddrPortFrom(u.target.Addr(), u.target.Port())), Err: joinErr})
	}
	return nil
}

// truncated reports whether a read's flags say the datagram was longer than
// the buffer.
func truncated(flags int) bool { return flags&unix.MSG_TRUNC != 0 }
