package tcp

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/zeroplug/zeroplug/sdk"
)

// hostPort is a tcp address split at its last colon, before any lookup.
type hostPort struct {
	host string // brackets removed, zone ("%eth0") kept
	port int    // 0 for "*" or "0": the kernel picks one
}

// endpointError builds the error every parsing failure returns, so that
// errors.Is(err, sdk.ErrBadEndpoint) (or ErrNoSuchDevice) holds.
func endpointError(ep sdk.Endpoint, err error, format string, args ...any) error {
	return &sdk.EndpointError{Endpoint: ep.String(), Err: err, Reason: fmt.Sprintf(format, args...)}
}

// splitHostPort splits "host:port" at the last colon, as libzmq's
// ip_resolver does (strrchr), so that an unbracketed IPv6 address such as
// "::1:5555" still parses. bindable allows "*" as the port.
func splitHostPort(ep sdk.Endpoint, s string, bindable bool) (hostPort, error) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return hostPort{}, endpointError(ep, sdk.ErrBadEndpoint, "missing port: %q needs \":port\"", s)
	}
	host, portStr := s[:i], s[i+1:]
	var port int
	switch {
	case portStr == "":
		return hostPort{}, endpointError(ep, sdk.ErrBadEndpoint, "missing port after %q", s)
	case portStr == "*":
		// libzmq: "*" asks the kernel for an ephemeral port, which only
		// makes sense where the address is bound.
		if !bindable {
			return hostPort{}, endpointError(ep, sdk.ErrBadEndpoint, "connect needs a port number, not *")
		}
	default:
		// libzmq uses atoi and a cast to uint16, so "5555x" and "70000"
		// slip through as some other port; a strict check is kinder.
		n, err := strconv.ParseUint(portStr, 10, 16)
		if err != nil { // ParseUint takes no sign
			return hostPort{}, endpointError(ep, sdk.ErrBadEndpoint, "port %q is not a number from 0 to 65535", portStr)
		}
		port = int(n)
	}
	if len(host) >= 2 && host[0] == '[' && host[len(host)-1] == ']' {
		host = host[1 : len(host)-1]
	} else if strings.ContainsAny(host, "[]") {
		return hostPort{}, endpointError(ep, sdk.ErrBadEndpoint, "unbalanced brackets in %q", host)
	}
	if host == "" {
		return hostPort{}, endpointError(ep, sdk.ErrBadEndpoint, "missing host before the port")
	}
	return hostPort{host: host, port: port}, nil
}

// parseLiteral reads an IP address literal with an optional zone
// ("fe80::1%eth0", "fe80::1%2"). ok is false for anything else, which is
// then a name. An invalid zone is an error, as in libzmq (EINVAL).
func parseLiteral(ep sdk.Endpoint, host string) (addr netip.Addr, ok bool, err error) {
	a, perr := netip.ParseAddr(host)
	if perr != nil {
		return netip.Addr{}, false, nil
	}
	if zone := a.Zone(); zone != "" {
		if n, nerr := strconv.Atoi(zone); nerr == nil {
			if n <= 0 {
				return netip.Addr{}, false, endpointError(ep, sdk.ErrBadEndpoint, "zone %q is not an interface index", zone)
			}
		} else if _, ierr := net.InterfaceByName(zone); ierr != nil {
			return netip.Addr{}, false, endpointError(ep, sdk.ErrBadEndpoint, "zone %q names no network interface", zone)
		}
	}
	return a, true, nil
}

// isIPv6 is true for an address that needs the IPv6 option. An IPv4-mapped
// address does too, as in libzmq, where only AF_INET6 getaddrinfo reads it.
func isIPv6(a netip.Addr) bool { return a.Is6() }

// allowLiteral checks an IP literal against the IPv6 option and returns the
// address to use: an IPv4-mapped one ("::ffff:127.0.0.1") as plain IPv4,
// which is what libzmq's dual-stack socket ends up serving, and which Go
// handles only as IPv4.
func allowLiteral(ep sdk.Endpoint, a netip.Addr, ipv6 bool, refuse error) (netip.Addr, error) {
	if isIPv6(a) && !ipv6 {
		return netip.Addr{}, endpointError(ep, refuse, "%s is an IPv6 address; set the IPv6 option (ZMQ_IPV6) to use it", a)
	}
	return a.Unmap(), nil
}

// resolveBindable turns the host of a bind address (or of a connect's source
// address) into an IP, as libzmq's ip_resolver does with bindable set and
// DNS off: "*" is the wildcard, then an IP literal, then a network interface
// name. Anything else is ErrNoSuchDevice, libzmq's ENODEV: libzmq never
// looks a bind address up in DNS, so "tcp://localhost:5555" does not bind.
func resolveBindable(ep sdk.Endpoint, host string, ipv6 bool) (netip.Addr, error) {
	if host == "*" {
		if ipv6 {
			// [::] with IPV6_V6ONLY off serves IPv4 too, as libzmq's
			// listener does once ZMQ_IPV6 is set.
			return netip.IPv6Unspecified(), nil
		}
		return netip.IPv4Unspecified(), nil
	}
	a, ok, err := parseLiteral(ep, host)
	if err != nil {
		return netip.Addr{}, err
	}
	if ok {
		// Without ZMQ_IPV6 libzmq asks getaddrinfo for AF_INET only, which
		// fails, and reports ENODEV for a bind.
		return allowLiteral(ep, a, ipv6, sdk.ErrNoSuchDevice)
	}
	ifi, ierr := net.InterfaceByName(host)
	if ierr != nil {
		return netip.Addr{}, endpointError(ep, sdk.ErrNoSuchDevice, "%q is neither a network interface nor an IP address (a bind address is never looked up in DNS, as in libzmq)", host)
	}
	a, ok = interfaceAddr(ifi, ipv6)
	if !ok {
		family := "IPv4"
		if ipv6 {
			family = "IP"
		}
		return netip.Addr{}, endpointError(ep, sdk.ErrNoSuchDevice, "interface %q has no %s address", host, family)
	}
	return a, nil
}

// interfaceAddr picks the address an interface name stands for: its first
// IPv4 address, or with ipv6 its first IPv6 address (libzmq takes the first
// address of the socket's family from getifaddrs). Link-local IPv6 addresses
// come last and carry the interface as their zone, without which they cannot
// be bound. With ipv6 an interface with only IPv4 addresses still resolves,
// where libzmq would fail: an IPv6-enabled socket accepts IPv4 everywhere
// else, and there is no reason to refuse it here.
func interfaceAddr(ifi *net.Interface, ipv6 bool) (netip.Addr, bool) {
	addrs, err := ifi.Addrs()
	if err != nil {
		return netip.Addr{}, false
	}
	var v4, v6, v6link netip.Addr
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip, ok := netip.AddrFromSlice(ipn.IP)
		if !ok {
			continue
		}
		ip = ip.Unmap()
		switch {
		case ip.Is4():
			if !v4.IsValid() {
				v4 = ip
			}
		case ip.IsLinkLocalUnicast():
			if !v6link.IsValid() {
				v6link = ip.WithZone(ifi.Name)
			}
		default:
			if !v6.IsValid() {
				v6 = ip
			}
		}
	}
	if ipv6 {
		for _, a := range []netip.Addr{v6, v6link, v4} {
			if a.IsValid() {
				return a, true
			}
		}
		return netip.Addr{}, false
	}
	return v4, v4.IsValid()
}

// bindAddr is a resolved bind address and the network to listen on.
type bindAddr struct {
	network string // "tcp4", "tcp6", or "tcp" for the dual-stack wildcard
	addr    netip.AddrPort
}

func (b bindAddr) String() string { return b.addr.String() }

// network picks Go's network name for an address. Go listens dual-stack on
// a wildcard only with "tcp"; "tcp4" keeps 0.0.0.0 from becoming [::]
// (Go would otherwise open an IPv6 socket for "0.0.0.0" too).
func network(a netip.Addr) string {
	switch {
	case a.Is4():
		return "tcp4"
	case a == netip.IPv6Unspecified():
		return "tcp"
	default:
		return "tcp6"
	}
}

// parseBind resolves the address of a bind endpoint.
func parseBind(ep sdk.Endpoint, ipv6 bool) (bindAddr, error) {
	if strings.Contains(ep.Address, ";") {
		return bindAddr{}, endpointError(ep, sdk.ErrNotSupported, "a source address (\"src;host:port\") is for connect only")
	}
	hp, err := splitHostPort(ep, ep.Address, true)
	if err != nil {
		return bindAddr{}, err
	}
	a, err := resolveBindable(ep, hp.host, ipv6)
	if err != nil {
		return bindAddr{}, err
	}
	return bindAddr{network: network(a), addr: netip.AddrPortFrom(a, uint16(hp.port))}, nil
}

// dialAddr is a parsed connect address. host is a name to look up unless
// literal is valid.
type dialAddr struct {
	network string
	host    string
	literal netip.Addr
	port    int
	source  *net.TCPAddr // nil without a source address
}

// target is the address in the form net.Dialer wants.
func (d dialAddr) target() string {
	if d.literal.IsValid() {
		return netip.AddrPortFrom(d.literal, uint16(d.port)).String()
	}
	return net.JoinHostPort(d.host, strconv.Itoa(d.port))
}

// validDialChars is libzmq's quick syntax check on a connect address
// (socket_base_t::connect): letters, digits and ".-:%;[]_*" only, so that a
// typo fails at once instead of in a reconnect loop.
func validDialChars(s string) (rune, bool) {
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".-:%;[]_*", r) {
			continue
		}
		return r, false
	}
	return 0, true
}

// parseDial parses a connect endpoint, with libzmq's optional source address
// in front: "tcp://srcaddr:srcport;host:port". The source is resolved like a
// bind address (no DNS, interface names allowed, port "*" or 0 for any); the
// destination host may be a DNS name, looked up later under the dial's ctx.
func parseDial(ep sdk.Endpoint, ipv6 bool) (dialAddr, error) {
	if r, ok := validDialChars(ep.Address); !ok {
		return dialAddr{}, endpointError(ep, sdk.ErrBadEndpoint, "character %q is not allowed in a tcp address", r)
	}
	var d dialAddr
	rest := ep.Address
	if i := strings.LastIndexByte(rest, ';'); i >= 0 {
		src, err := splitHostPort(ep, rest[:i], true)
		if err != nil {
			return dialAddr{}, err
		}
		a, err := resolveBindable(ep, src.host, ipv6)
		if err != nil {
			return dialAddr{}, err
		}
		d.source = net.TCPAddrFromAddrPort(netip.AddrPortFrom(a, uint16(src.port)))
		rest = rest[i+1:]
	}
	hp, err := splitHostPort(ep, rest, false)
	if err != nil {
		return dialAddr{}, err
	}
	if hp.host == "*" {
		return dialAddr{}, endpointError(ep, sdk.ErrBadEndpoint, "connect needs a host, not *")
	}
	d.host, d.port = hp.host, hp.port
	a, ok, err := parseLiteral(ep, hp.host)
	if err != nil {
		return dialAddr{}, err
	}
	if ok {
		// libzmq fails to resolve it (EINVAL) without ZMQ_IPV6.
		if a, err = allowLiteral(ep, a, ipv6, sdk.ErrBadEndpoint); err != nil {
			return dialAddr{}, err
		}
	}
	switch {
	case ok && a.Is4():
		d.literal, d.network = a, "tcp4"
	case ok:
		d.literal, d.network = a, "tcp6"
	case strings.ContainsAny(hp.host, "%*[]:;"):
		return dialAddr{}, endpointError(ep, sdk.ErrBadEndpoint, "%q is neither an IP address nor a host name", hp.host)
	case ipv6:
		// A name may give both families; Go tries them in RFC 6724 order
		// with fast fallback, where libzmq takes the first answer only.
		d.network = "tcp"
	default:
		// libzmq asks getaddrinfo for AF_INET only without ZMQ_IPV6.
		d.network = "tcp4"
	}
	// A wildcard source ("*:5000", [::] with the IPv6 option) means any
	// local address, of whichever family the destination has.
	if d.source != nil && d.literal.IsValid() && d.source.IP.IsUnspecified() {
		if d.literal.Is4() {
			d.source.IP = net.IPv4zero
		} else {
			d.source.IP = net.IPv6unspecified
		}
	}
	return d, nil
}
