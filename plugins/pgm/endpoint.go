package pgm

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/zeroplug/zeroplug/sdk"
)

// address is a parsed pgm:// or epgm:// endpoint: the interface the group is joined
// and sent on, that interface's IPv4 address (the NLA that SPMs announce and NAKs are
// sent to), the group and the port.
type address struct {
	iface *net.Interface
	local netip.Addr
	group netip.Addr
	port  uint16
}

// maxNetworkLen is the longest network part libzmq takes (pgm_socket.cpp copies it
// into a buffer of 256 bytes).
const maxNetworkLen = 255

// parseAddress parses "IFACE;GROUP:PORT" as libzmq does (pgm_socket_t::init_address:
// the port after the last ':', the rest being OpenPGM's network string), and resolves
// IFACE, an interface name or one of an interface's IPv4 addresses, without asking
// DNS: OpenPGM asks the resolver first, so that in a network without one every name
// fails, and it skips loopback devices by name; here both just work. The forms
// OpenPGM takes beside it are "GROUP:PORT" and ";GROUP:PORT" (the first multicast
// interface that is up) and "IFACE;GROUP;GROUP:PORT" (the receive and send groups,
// which must then be the same one: a session here is one group).
func parseAddress(ep sdk.Endpoint) (address, error) {
	bad := func(err error, format string, args ...any) (address, error) {
		return address{}, &sdk.EndpointError{Endpoint: ep.String(), Err: err, Reason: fmt.Sprintf(format, args...)}
	}
	i := strings.LastIndexByte(ep.Address, ':')
	if i < 0 {
		return bad(sdk.ErrBadEndpoint, "want IFACE;GROUP:PORT")
	}
	network, portText := ep.Address[:i], ep.Address[i+1:]
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil || port == 0 {
		return bad(sdk.ErrBadEndpoint, "the port %q is not a number from 1 to 65535", portText)
	}
	if len(network) > maxNetworkLen {
		return bad(sdk.ErrBadEndpoint, "the network part is longer than %d bytes", maxNetworkLen)
	}
	if strings.ContainsAny(network, "[]") {
		return bad(sdk.ErrNotSupported, "pgm and epgm are IPv4 only here")
	}
	parts := strings.Split(network, ";")
	var ifaceText, groupText string
	switch len(parts) {
	case 1:
		groupText = parts[0]
	case 2:
		ifaceText, groupText = parts[0], parts[1]
	case 3:
		if parts[1] != "" && parts[1] != parts[2] {
			return bad(sdk.ErrNotSupported, "one group per endpoint: the receive groups %q differ from the send group %q", parts[1], parts[2])
		}
		ifaceText, groupText = parts[0], parts[2]
	default:
		return bad(sdk.ErrBadEndpoint, "want IFACE;GROUP:PORT")
	}
	if strings.Contains(groupText, ",") {
		return bad(sdk.ErrNotSupported, "one group per endpoint, not %q", groupText)
	}
	group, err := netip.ParseAddr(groupText)
	if err != nil {
		return bad(sdk.ErrBadEndpoint, "the group %q is not an IPv4 address (libzmq takes it in numeric form only)", groupText)
	}
	if !group.Is4() || !group.IsMulticast() {
		return bad(sdk.ErrBadEndpoint, "%s is not an IPv4 multicast group (224.0.0.0/4)", group)
	}
	iface, local, err := resolveInterface(ifaceText)
	if err != nil {
		return bad(sdk.ErrNoSuchDevice, "%v", err)
	}
	return address{iface: iface, local: local, group: group, port: uint16(port)}, nil
}

// resolveInterface finds the interface named by text (a name, or an IPv4 address it
// holds; empty for the first multicast interface that is up, loopback last) and its
// IPv4 address, the one given or else its first.
func resolveInterface(text string) (*net.Interface, netip.Addr, error) {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil, netip.Addr{}, err
	}
	want, byAddr := netip.ParseAddr(text)
	if byAddr == nil {
		if !want.Is4() {
			return nil, netip.Addr{}, fmt.Errorf("the interface address %s is not IPv4", want)
		}
		for i := range ifaces {
			for _, a := range ipv4Addrs(&ifaces[i]) {
				if a == want {
					return &ifaces[i], a, usable(&ifaces[i])
				}
			}
		}
		return nil, netip.Addr{}, fmt.Errorf("no interface has the address %s", want)
	}
	if text == "" {
		var fallback *net.Interface
		for i := range ifaces {
			ifc := &ifaces[i]
			if usable(ifc) != nil || len(ipv4Addrs(ifc)) == 0 {
				continue
			}
			if ifc.Flags&net.FlagLoopback == 0 {
				return ifc, ipv4Addrs(ifc)[0], nil
			}
			if fallback == nil {
				fallback = ifc
			}
		}
		if fallback == nil {
			return nil, netip.Addr{}, fmt.Errorf("no interface is up with multicast and an IPv4 address: name one (IFACE;GROUP:PORT)")
		}
		return fallback, ipv4Addrs(fallback)[0], nil
	}
	for i := range ifaces {
		if ifaces[i].Name != text {
			continue
		}
		addrs := ipv4Addrs(&ifaces[i])
		if len(addrs) == 0 {
			return nil, netip.Addr{}, fmt.Errorf("the interface %s has no IPv4 address", text)
		}
		return &ifaces[i], addrs[0], usable(&ifaces[i])
	}
	return nil, netip.Addr{}, fmt.Errorf("no interface is named %q", text)
}

// usable says why an interface cannot carry the group, if it cannot.
func usable(ifc *net.Interface) error {
	switch {
	case ifc.Flags&net.FlagUp == 0:
		return fmt.Errorf("the interface %s is down", ifc.Name)
	case ifc.Flags&net.FlagMulticast == 0 && ifc.Flags&net.FlagLoopback == 0:
		// The loopback device carries multicast without the flag (see the research
		// notes: IP_MULTICAST_IF is enough on lo).
		return fmt.Errorf("the interface %s does not do multicast", ifc.Name)
	}
	return nil
}

func ipv4Addrs(ifc *net.Interface) []netip.Addr {
	addrs, err := ifc.Addrs()
	if err != nil {
		return nil
	}
	var out []netip.Addr
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok && ip.Unmap().Is4() {
				out = append(out, ip.Unmap())
			}
		}
	}
	return out
}
