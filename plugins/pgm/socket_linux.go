package pgm

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/zeroplug/zeroplug/plugins/pgm/internal/wire"
	"github.com/zeroplug/zeroplug/sdk"
)

// tosExpedited is the type-of-service byte libzmq gives every PGM packet
// (PGM_TOS = 0x2e << 2, DSCP EF).
const tosExpedited = 0x2e << 2

// mcastConn is the pair of sockets of one session, as OpenPGM opens them (socket.c):
// one bound to the port (epgm) or to protocol 113 (pgm) that joins the group on the
// interface and receives the group's packets and the unicast ones sent to the
// interface's address (NAKs, SPMRs); and one bound to the interface's address that
// sends, with the multicast interface, TTL and type of service set and multicast loop
// off, as libzmq has OpenPGM set them.
type mcastConn struct {
	raw      bool
	port     uint16
	recvUDP  *net.UDPConn
	recvIP   *net.IPConn
	sendUDP  *net.UDPConn
	sendIP   *net.IPConn
	closeAll func()
}

// socketSettings are the options the sockets are made with.
type socketSettings struct {
	hops       int // IP_MULTICAST_TTL
	sendBuffer int // SO_SNDBUF when positive
	recvBuffer int // SO_RCVBUF when positive
}

// errNeedsNetRaw explains the EPERM of a raw socket, where libzmq aborts the process.
func errNeedsNetRaw(err error) error {
	return fmt.Errorf("pgm:// sends PGM as raw IP (protocol 113), which needs CAP_NET_RAW (root, or setcap cap_net_raw+ep on the plugin); epgm:// (PGM over UDP) needs no privilege: %w", err)
}

// openConn opens the session's sockets for a (pgm:// when raw, else epgm://).
func openConn(a address, raw bool, set socketSettings) (*mcastConn, error) {
	c := &mcastConn{raw: raw, port: a.port}
	var closers []func() error
	c.closeAll = func() {
		for _, f := range closers {
			f()
		}
	}
	fail := func(err error) (*mcastConn, error) {
		c.closeAll()
		var errno syscall.Errno
		if raw && errors.As(err, &errno) && (errno == unix.EPERM || errno == unix.EACCES) {
			return nil, errNeedsNetRaw(err)
		}
		return nil, sdk.WrapOSError(err)
	}
	recvControl := func(_, _ string, rc syscall.RawConn) error {
		return control(rc, func(fd int) error {
			if !raw {
				// Beside OpenPGM's own sockets on the same host, which bind the
				// port with SO_REUSEPORT (socket.c).
				if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
					return err
				}
				if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
					return err
				}
			}
			if set.recvBuffer > 0 {
				if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, set.recvBuffer); err != nil {
					return err
				}
			}
			// Only the groups this socket joined, not every group of the host on
			// the port.
			return unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_ALL, 0)
		})
	}
	sendControl := func(_, _ string, rc syscall.RawConn) error {
		return control(rc, func(fd int) error {
			mreq := &unix.IPMreqn{Address: a.local.As4(), Ifindex: int32(a.iface.Index)}
			if err := unix.SetsockoptIPMreqn(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_IF, mreq); err != nil {
				return err
			}
			if err := unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_TTL, set.hops); err != nil {
				return err
			}
			// libzmq hard-codes PGM_MULTICAST_LOOP 0 (pgm_socket.cpp).
			if err := unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_LOOP, 0); err != nil {
				return err
			}
			if err := unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_TOS, tosExpedited); err != nil {
				return err
			}
			if set.sendBuffer > 0 {
				return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, set.sendBuffer)
			}
			return nil
		})
	}
	ctx := context.Background()
	recvLC := net.ListenConfig{Control: recvControl}
	sendLC := net.ListenConfig{Control: sendControl}
	var recvRC syscall.RawConn
	if raw {
		// Unbound: a raw socket bound to an address receives only datagrams sent to
		// that address, and the group's are sent to the group.
		pc, err := recvLC.ListenPacket(ctx, "ip4:"+strconv.Itoa(wire.ProtocolNumber), "0.0.0.0")
		if err != nil {
			return fail(err)
		}
		c.recvIP = pc.(*net.IPConn)
		closers = append(closers, c.recvIP.Close)
		recvRC, err = c.recvIP.SyscallConn()
		if err != nil {
			return fail(err)
		}
		pc, err = sendLC.ListenPacket(ctx, "ip4:"+strconv.Itoa(wire.ProtocolNumber), a.local.String())
		if err != nil {
			return fail(err)
		}
		c.sendIP = pc.(*net.IPConn)
		closers = append(closers, c.sendIP.Close)
	} else {
		pc, err := recvLC.ListenPacket(ctx, "udp4", netip.AddrPortFrom(netip.IPv4Unspecified(), a.port).String())
		if err != nil {
			return fail(err)
		}
		c.recvUDP = pc.(*net.UDPConn)
		closers = append(closers, c.recvUDP.Close)
		recvRC, err = c.recvUDP.SyscallConn()
		if err != nil {
			return fail(err)
		}
		pc, err = sendLC.ListenPacket(ctx, "udp4", netip.AddrPortFrom(a.local, 0).String())
		if err != nil {
			return fail(err)
		}
		c.sendUDP = pc.(*net.UDPConn)
		closers = append(closers, c.sendUDP.Close)
	}
	join := &unix.IPMreqn{Multiaddr: a.group.As4(), Address: a.local.As4(), Ifindex: int32(a.iface.Index)}
	if err := control(recvRC, func(fd int) error {
		return unix.SetsockoptIPMreqn(fd, unix.IPPROTO_IP, unix.IP_ADD_MEMBERSHIP, join)
	}); err != nil {
		return fail(fmt.Errorf("joining %s on %s: %w", a.group, a.iface.Name, err))
	}
	return c, nil
}

// control runs f on the socket's descriptor and returns its error.
func control(rc syscall.RawConn, f func(fd int) error) error {
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = f(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

// read returns the PGM bytes of the next datagram, in buf, and the address it came
// from. A raw socket's IP header is taken off by the net package.
func (c *mcastConn) read(buf []byte) ([]byte, netip.Addr, error) {
	if c.raw {
		n, from, err := c.recvIP.ReadFromIP(buf)
		if err != nil {
			return nil, netip.Addr{}, err
		}
		addr, _ := netip.AddrFromSlice(from.IP)
		return buf[:n], addr.Unmap(), nil
	}
	n, from, err := c.recvUDP.ReadFromUDPAddrPort(buf)
	if err != nil {
		return nil, netip.Addr{}, err
	}
	return buf[:n], from.Addr().Unmap(), nil
}

// send sends one PGM packet to the group or to a unicast address (a NAK to a source's
// NLA): for epgm at the endpoint's port, as libzmq sets both of OpenPGM's UDP
// encapsulation ports to it.
func (c *mcastConn) send(pkt []byte, to netip.Addr) error {
	if c.raw {
		_, err := c.sendIP.WriteToIP(pkt, &net.IPAddr{IP: to.AsSlice()})
		return err
	}
	_, err := c.sendUDP.WriteToUDPAddrPort(pkt, netip.AddrPortFrom(to, c.port))
	return err
}

// close closes both sockets; a read blocked in another goroutine returns.
func (c *mcastConn) close() { c.closeAll() }

// checkRaw tells at connect time whether this process may open pgm's raw sockets, so
// that a connect without CAP_NET_RAW fails at once with the reason rather than in every
// reconnect attempt (libzmq returns from connect and then aborts the process).
func checkRaw() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, wire.ProtocolNumber)
	if err != nil {
		return errNeedsNetRaw(&net.OpError{Op: "socket", Net: "ip4:113", Err: err})
	}
	unix.Close(fd)
	return nil
}
