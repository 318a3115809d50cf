package norm

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/zeroplug/zeroplug/sdk"
)

// sockets are an endpoint's two UDP sockets, as libnorm opens them: rx bound
// to the session port (the group's, joined on the interface, shared with
// other sessions on the host by SO_REUSEPORT, as NormSetRxPortReuse), and tx
// on an ephemeral port, which sends everything and hears the unicast
// feedback sent back to it.
type sockets struct {
	rx, tx *net.UDPConn
	dest   *net.UDPAddr // where data goes: the group (or the unicast receiver) and port
	local  netip.Addr   // the interface's IPv4 address
}

func (s *sockets) close() {
	s.rx.Close()
	s.tx.Close()
}

// openSockets resolves the endpoint's interface and opens its sockets. An
// unknown interface or a group with no route is an error here, where libzmq
// aborts the process after connect has returned.
func openSockets(ep sdk.Endpoint, a address, set settings) (*sockets, error) {
	ifi, local, err := resolveInterface(ep, a)
	if err != nil {
		return nil, err
	}
	s := &sockets{dest: net.UDPAddrFromAddrPort(netip.AddrPortFrom(a.group, a.port)), local: local}
	rxAddr := netip.AddrPortFrom(netip.IPv4Unspecified(), a.port)
	if a.multicast() {
		// Bound to the group, the socket hears that group only.
		rxAddr = netip.AddrPortFrom(a.group, a.port)
	}
	rx, err := listenUDP(rxAddr, func(fd int) error {
		for _, opt := range []int{unix.SO_REUSEADDR, unix.SO_REUSEPORT} {
			if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, opt, 1); err != nil {
				return err
			}
		}
		// Without RCVBUF, ask for a buffer that holds a burst at full
		// rate (the kernel caps it at net.core.rmem_max): a datagram the
		// kernel drops costs a NACK and a repair, and at a high rate the
		// stream may move past it first.
		rcvbuf := defaultRecvBuffer
		if set.recvBuffer > 0 {
			rcvbuf = set.recvBuffer
		}
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, rcvbuf); err != nil {
			return err
		}
		if !a.multicast() {
			return nil
		}
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_ALL, 0); err != nil {
			return err
		}
		return unix.SetsockoptIPMreqn(fd, unix.IPPROTO_IP, unix.IP_ADD_MEMBERSHIP,
			&unix.IPMreqn{Multiaddr: a.group.As4(), Address: local.As4(), Ifindex: int32(ifi.Index)})
	})
	if err != nil {
		return nil, fmt.Errorf("norm: the session socket on %v: %w", rxAddr, sdk.WrapOSError(err))
	}
	tx, err := listenUDP(netip.AddrPortFrom(local, 0), func(fd int) error {
		if set.sendBuffer > 0 {
			if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, set.sendBuffer); err != nil {
				return err
			}
		}
		if !a.multicast() {
			return nil
		}
		// libzmq: NormSetTTL(MULTICAST_HOPS), NormSetLoopback(true) so
		// that receivers on this host hear the sender.
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_TTL, set.hops); err != nil {
			return err
		}
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_LOOP, 1); err != nil {
			return err
		}
		return unix.SetsockoptIPMreqn(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_IF,
			&unix.IPMreqn{Address: local.As4(), Ifindex: int32(ifi.Index)})
	})
	if err != nil {
		rx.Close()
		return nil, fmt.Errorf("norm: the sending socket on %v: %w", local, sdk.WrapOSError(err))
	}
	s.rx, s.tx = rx, tx
	return s, nil
}

func listenUDP(addr netip.AddrPort, control func(fd int) error) (*net.UDPConn, error) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var err error
		if cerr := c.Control(func(fd uintptr) { err = control(int(fd)) }); cerr != nil {
			return cerr
		}
		return err
	}}
	pc, err := lc.ListenPacket(context.Background(), "udp4", addr.String())
	if err != nil {
		return nil, err
	}
	return pc.(*net.UDPConn), nil
}

// resolveInterface finds the endpoint's interface, named or given by one
// of its IPv4 addresses, or, with none given, the one the routing table
// sends the session address out of; and the interface's IPv4 address.
func resolveInterface(ep sdk.Endpoint, a address) (*net.Interface, netip.Addr, error) {
	noDevice := func(reason string) (*net.Interface, netip.Addr, error) {
		return nil, netip.Addr{}, &sdk.EndpointError{Endpoint: ep.String(), Err: sdk.ErrNoSuchDevice, Reason: reason}
	}
	if a.iface == "" {
		// A connected UDP socket sends nothing; its local address is the
		// one the route to the session address goes out of.
		c, err := net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(a.group, a.port)))
		if err != nil {
			return nil, netip.Addr{}, fmt.Errorf("norm: no route to %v (name an interface: norm://IFACE;%s): %w",
				a.group, netip.AddrPortFrom(a.group, a.port), sdk.WrapOSError(err))
		}
		local := c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap()
		c.Close()
		ifi, err := interfaceWith(local)
		if err != nil {
			return noDevice(err.Error())
		}
		return ifi, local, nil
	}
	if ip, err := netip.ParseAddr(a.iface); err == nil {
		ifi, err := interfaceWith(ip.Unmap())
		if err != nil {
			return noDevice(err.Error())
		}
		return ifi, ip.Unmap(), nil
	}
	ifi, err := net.InterfaceByName(a.iface)
	if err != nil {
		return noDevice(fmt.Sprintf("no interface %q", a.iface))
	}
	if a.multicast() && ifi.Flags&(net.FlagMulticast|net.FlagLoopback) == 0 {
		return noDevice(fmt.Sprintf("interface %q does not do multicast", a.iface))
	}
	local, err := firstIPv4(ifi)
	if err != nil {
		return noDevice(err.Error())
	}
	return ifi, local, nil
}

func interfaceWith(ip netip.Addr) (*net.Interface, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	for i := range ifs {
		addrs, err := ifs[i].Addrs()
		if err != nil {
			continue
		}
		for _, ad := range addrs {
			if n, ok := ad.(*net.IPNet); ok {
				if a, ok := netip.AddrFromSlice(n.IP); ok && a.Unmap() == ip {
					return &ifs[i], nil
				}
			}
		}
	}
	return nil, fmt.Errorf("no interface has the address %v", ip)
}

func firstIPv4(ifi *net.Interface) (netip.Addr, error) {
	addrs, err := ifi.Addrs()
	if err != nil {
		return netip.Addr{}, err
	}
	for _, ad := range addrs {
		if n, ok := ad.(*net.IPNet); ok {
			if a, ok := netip.AddrFromSlice(n.IP); ok && a.Unmap().Is4() {
				return a.Unmap(), nil
			}
		}
	}
	return netip.Addr{}, errors.New("interface " + ifi.Name + " has no IPv4 address")
}

// defaultRecvBuffer is the session socket's receive buffer when RCVBUF is
// not set.
const defaultRecvBuffer = 4 << 20

// corePipeBuffer bounds what a core PUB can write ahead of the NORM
// sender: with the stream pair's buffer small, the core's LINGER lasts
// until its messages are sent on the group (the plugin takes a message
// only once the stream has sent what it holds), not until they are in a
// kernel buffer.
const corePipeBuffer = 64 << 10

// limitSendBuffer sets the send buffer of the core's end of a stream pair.
func limitSendBuffer(c net.Conn) error {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUF, corePipeBuffer)
	}); err != nil {
		return err
	}
	return serr
}
