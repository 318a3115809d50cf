package norm

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/zeroplug/zeroplug/sdk"
)

// address is a parsed norm:// endpoint, libzmq's
// [NODEID,][IFACE;]ADDR:PORT (norm_engine.cpp's norm_engine_t::init).
type address struct {
	// nodeID is the NormNodeId given before ','; hasNodeID is false
	// without one (libnorm then takes the interface's IPv4 address).
	nodeID    uint32
	hasNodeID bool
	// iface is the text before ';': an interface name or one of its IPv4
	// addresses; empty to let the routing table choose.
	iface string
	// group is the session address: a multicast group, or a unicast
	// address (the receiver's, for a sender).
	group netip.Addr
	port  uint16
}

// multicast reports whether the session address is a group; a unicast
// session sends its feedback to the sender, as libzmq's
// NormSetDefaultUnicastNack for a unicast address.
func (a address) multicast() bool { return a.group.IsMulticast() }

// parseAddress parses ep's address as libzmq splits it: the node ID up to
// the first ',', the interface up to the first ';' after it, the port after
// the last ':'. Where libzmq's atoi would read garbage as 0, a malformed
// part here is an error.
func parseAddress(ep sdk.Endpoint) (address, error) {
	bad := func(format string, args ...any) (address, error) {
		return address{}, &sdk.EndpointError{Endpoint: ep.String(), Err: sdk.ErrBadEndpoint, Reason: fmt.Sprintf(format, args...)}
	}
	if ep.Scheme != Scheme {
		return address{}, &sdk.EndpointError{Endpoint: ep.String(), Err: sdk.ErrUnknownScheme,
			Reason: "the norm driver serves norm:// only", Known: []string{Scheme}}
	}
	var a address
	rest := ep.Address
	if id, after, ok := strings.Cut(rest, ","); ok {
		n, err := strconv.ParseUint(id, 10, 32)
		if err != nil {
			return bad("node id %q is not a number from 0 to 4294967295", id)
		}
		a.nodeID, a.hasNodeID, rest = uint32(n), true, after
	}
	if iface, after, ok := strings.Cut(rest, ";"); ok {
		if iface == "" {
			return bad("empty interface before ';'")
		}
		a.iface, rest = iface, after
	}
	i := strings.LastIndexByte(rest, ':')
	if i < 0 {
		return bad("no port: the form is norm://[NODEID,][IFACE;]ADDRESS:PORT")
	}
	host, portText := rest[:i], rest[i+1:]
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil || port == 0 {
		return bad("port %q is not a number from 1 to 65535", portText)
	}
	a.port = uint16(port)
	group, err := netip.ParseAddr(host)
	if err != nil || !group.Is4() {
		return bad("address %q is not an IPv4 address (a multicast group, or a receiver's unicast address)", host)
	}
	if group.IsUnspecified() {
		return bad("address %s is not one a sender can send to", host)
	}
	a.group = group
	return a, nil
}

// String gives the endpoint back in libzmq's form.
func (a address) String() string {
	var b strings.Builder
	if a.hasNodeID {
		b.WriteString(strconv.FormatUint(uint64(a.nodeID), 10))
		b.WriteByte(',')
	}
	if a.iface != "" {
		b.WriteString(a.iface)
		b.WriteByte(';')
	}
	b.WriteString(netip.AddrPortFrom(a.group, a.port).String())
	return b.String()
}
