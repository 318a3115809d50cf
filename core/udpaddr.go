package core

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// udpAddress is a udp:// endpoint resolved as libzmq's udp_address_t
// resolves it:
//
//   - "HOST:PORT", bound (DISH, DGRAM): the address to receive on, "*" for
//     every interface; connected (RADIO): the peer to send to.
//   - "GROUP:PORT" with a multicast GROUP: bound, the group is joined on the
//     default interface and the port bound on every address; connected,
//     datagrams go to the group.
//   - "IFACE;GROUP:PORT": the same on one interface, named ("eth0"), by its
//     address, or "*"; GROUP must be multicast.
type udpAddress struct {
	target    netip.AddrPort // where a RADIO sends; for a unicast bind, the bind address
	local     netip.AddrPort // what a bound socket binds: the unspecified address for a group
	iface     *net.Interface // the multicast interface named, or nil for the system's choice
	ifaceAddr netip.Addr     // the IPv4 address of the interface given, for IP_MULTICAST_IF
	multicast bool
	ifaceName string // the IFACE of "IFACE;GROUP:PORT" as written
}

// boundString is the address a Bind resolved, for LAST_ENDPOINT: as
// written, with the port the system chose for "*".
func (u udpAddress) boundString(port int) string {
	host := u.local.Addr()
	if u.multicast {
		host = u.target.Addr()
	}
	s := netip.AddrPortFrom(host, uint16(port)).String()
	if u.ifaceName != "" {
		s = u.ifaceName + ";" + s
	}
	return s
}

// parseUDPAddress resolves the part of a udp:// endpoint after the scheme;
// bind says whether it is for Bind, which takes "*" and interface names
// where Connect takes host names.
func parseUDPAddress(addr string, bind, ipv6 bool) (udpAddress, error) {
	var u udpAddress
	src, rest, hasIface := cutLast(addr, ";")
	if !hasIface {
		rest = addr
	}
	host, port, err := splitUDPHostPort(rest, bind)
	if err != nil {
		return u, err
	}
	ip, err := resolveUDPHost(host, bind, !bind, ipv6)
	if err != nil {
		return u, err
	}
	u.target = netip.AddrPortFrom(ip, port)
	u.multicast = ip.IsMulticast()
	switch {
	case hasIface:
		u.ifaceName = src
		if !u.multicast {
			return u, fmt.Errorf("%w: udp://%s: an interface is given for a multicast group only", ErrInvalid, addr)
		}
		if err := u.resolveInterface(src, ip); err != nil {
			return u, fmt.Errorf("udp://%s: %w", addr, err)
		}
		u.local = netip.AddrPortFrom(unspecified(ip), port)
	case u.multicast || !bind:
		u.local = netip.AddrPortFrom(unspecified(ip), port)
	default:
		u.local = u.target
	}
	return u, nil
}

// resolveInterface takes the IFACE of "IFACE;GROUP:PORT": "*", an address
// of this host, or an interface's name. libzmq accepts no host name there,
// to keep DNS out of the choice of an interface.
func (u *udpAddress) resolveInterface(src string, group netip.Addr) error {
	if src == "*" {
		return nil
	}
	if a, err := netip.ParseAddr(strings.Trim(src, "[]")); err == nil {
		if a.IsMulticast() {
			return fmt.Errorf("%w: the interface %s is a multicast address", ErrInvalid, src)
		}
		if a.Is4() != group.Is4() {
			return fmt.Errorf("%w: the interface %s and the group are of different families", ErrInvalid, src)
		}
		u.ifaceAddr = a
		u.iface = interfaceWithAddr(a)
		return nil
	}
	ifi, err := net.InterfaceByName(src)
	if err != nil {
		return fmt.Errorf("%w: no interface %q", ErrInvalid, src)
	}
	u.iface = ifi
	if group.Is4() {
		addrs, _ := ifi.Addrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				if v4, ok := netip.AddrFromSlice(n.IP.To4()); ok && n.IP.To4() != nil {
					u.ifaceAddr = v4
					break
				}
			}
		}
		if !u.ifaceAddr.IsValid() {
			return fmt.Errorf("%w: interface %q has no IPv4 address", ErrInvalid, src)
		}
	}
	return nil
}

// interfaceWithAddr finds the interface that holds a, for IPv6 multicast,
// which names interfaces by index; nil if none does.
func interfaceWithAddr(a netip.Addr) *net.Interface {
	ifs, _ := net.Interfaces()
	for i := range ifs {
		addrs, _ := ifs[i].Addrs()
		for _, x := range addrs {
			if n, ok := x.(*net.IPNet); ok {
				if y, ok := netip.AddrFromSlice(n.IP); ok && y.Unmap() == a {
					return &ifs[i]
				}
			}
		}
	}
	return nil
}

// splitUDPHostPort splits "HOST:PORT" or "[V6]:PORT". The port is a number,
// or, to Bind, "*" for one the system chooses (libzmq's resolver takes it
// too).
func splitUDPHostPort(s string, bind bool) (string, uint16, error) {
	host, p, ok := cutLast(s, ":")
	if !ok || host == "" {
		return "", 0, fmt.Errorf("%w: udp://%s: want HOST:PORT", ErrInvalid, s)
	}
	if p == "*" && bind {
		return host, 0, nil
	}
	n, err := strconv.ParseUint(p, 10, 16)
	if err != nil || (n == 0 && !bind) {
		return "", 0, fmt.Errorf("%w: udp://%s: bad port %q", ErrInvalid, s, p)
	}
	return host, uint16(n), nil
}

// resolveUDPHost turns a host into one address: "*" (bind only), a literal,
// an interface's name (bind only) or, with dns, a host name. Without ipv6
// (ZMQ_IPV6) only IPv4 addresses are taken, as in libzmq.
func resolveUDPHost(host string, bind, dns, ipv6 bool) (netip.Addr, error) {
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	if host == "*" && bind {
		if ipv6 {
			return netip.IPv6Unspecified(), nil
		}
		return netip.IPv4Unspecified(), nil
	}
	if a, err := netip.ParseAddr(host); err == nil {
		a = a.Unmap()
		if a.Is6() && !ipv6 && !a.IsMulticast() {
			return netip.Addr{}, fmt.Errorf("%w: %s is IPv6 and ZMQ_IPV6 is off", ErrInvalid, host)
		}
		return a, nil
	}
	if bind {
		if ifi, err := net.InterfaceByName(host); err == nil {
			addrs, _ := ifi.Addrs()
			for _, x := range addrs {
				if n, ok := x.(*net.IPNet); ok {
					if a, ok := netip.AddrFromSlice(n.IP); ok && (a.Unmap().Is4() || ipv6) {
						return a.Unmap(), nil
					}
				}
			}
		}
	}
	if !dns {
		return netip.Addr{}, fmt.Errorf("%w: %q is neither an address nor an interface", ErrInvalid, host)
	}
	addrs, err := net.DefaultResolver.LookupNetIP(context.Background(), "ip", host)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	for _, a := range addrs {
		if a = a.Unmap(); a.Is4() || ipv6 {
			return a, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("%w: %q has no IPv4 address", ErrInvalid, host)
}

func unspecified(a netip.Addr) netip.Addr {
	if a.Is4() {
		return netip.IPv4Unspecified()
	}
	return netip.IPv6Unspecified()
}

// cutLast is strings.Cut at the last sep.
func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}
