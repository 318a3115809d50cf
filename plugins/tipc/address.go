package tipc

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/zeroplug/zeroplug/sdk"
)

// reservedTypes is TIPC_RESERVED_TYPES: service types below it belong to
// TIPC itself.
const reservedTypes = 64

// kind is the form of a tipc address.
type kind int

const (
	serviceRange kind = iota // {type,lower,upper}
	serviceName              // {type,instance}[@z.c.n]
	portID                   // <z.c.n:ref>
	randomPort               // <*>
)

// address is a parsed tipc address.
type address struct {
	kind              kind
	typ, lower, upper uint32 // a range; a name is lower == upper
	domain            uint32 // a name's lookup domain; 0 looks everywhere
	hasDomain         bool
	node, ref         uint32 // a port identity
}

// parse reads ep's address in libzmq's syntax (tipc_address_t::resolve):
//
//	{type,lower,upper}        a service range, for bind (type >= 64, lower <= upper)
//	{type,instance}           a service name, for connect; bound, the range {type,instance,instance}
//	{type,instance}@z.c.n     connect only: the same, looked up in the domain <z.c.n>
//	<*>                       bind only: the socket's own port identity
//	<z.c.n:ref>               connect only: one socket's port identity
//
// Numbers are decimal, with spaces allowed before each (libzmq's
// LAST_ENDPOINT is "tipc://{5555, 0, 0}"); z is at most 255, c and n 4095.
// A connect to a range connects to its lower instance, so that a bound
// endpoint's LAST_ENDPOINT can be connected to.
func parse(ep sdk.Endpoint, bind bool) (address, error) {
	if err := checkScheme(ep); err != nil {
		return address{}, err
	}
	bad := func(format string, args ...any) error {
		return &sdk.EndpointError{Endpoint: ep.String(), Err: sdk.ErrBadEndpoint, Reason: fmt.Sprintf(format, args...)}
	}
	s := ep.Address
	switch {
	case s == "<*>":
		if !bind {
			return address{}, bad("cannot connect to a random port identity <*>: bind it, and connect to the LAST_ENDPOINT it reports, <z.c.n:ref>")
		}
		return address{kind: randomPort}, nil
	case strings.HasPrefix(s, "<"):
		if bind {
			return address{}, bad("cannot bind a port identity: bind <*> for a random one, or a service range {type,lower,upper}")
		}
		if !strings.HasSuffix(s, ">") {
			return address{}, bad(`a port identity is "<z.c.n:ref>": no closing '>'`)
		}
		node, ref, ok := strings.Cut(s[1:len(s)-1], ":")
		if !ok {
			return address{}, bad(`a port identity is "<z.c.n:ref>": no ':' before the reference`)
		}
		n, err := parseNode(node)
		if err != nil {
			return address{}, bad("the node %q of the port identity %v", node, err)
		}
		r, err := number(ref)
		if err != nil {
			return address{}, bad("the reference %q of the port identity %v", ref, err)
		}
		return address{kind: portID, node: n, ref: r}, nil
	case strings.HasPrefix(s, "{"):
	default:
		return address{}, bad(`want a service range {type,lower,upper}, a service name {type,instance}[@z.c.n], <*> or a port identity <z.c.n:ref>`)
	}

	body, domain, hasDomain := strings.Cut(s, "@")
	if !strings.HasSuffix(body, "}") {
		return address{}, bad("no closing '}' after the service")
	}
	fields := strings.Split(body[1:len(body)-1], ",")
	var nums []uint32
	for i, f := range fields {
		n, err := number(strings.TrimSpace(f))
		if err != nil {
			return address{}, bad("the %s %q %v", []string{"type", "lower bound", "upper bound"}[min(i, 2)], strings.TrimSpace(f), err)
		}
		nums = append(nums, n)
	}
	a := address{hasDomain: hasDomain}
	switch len(nums) {
	case 3:
		a.kind, a.typ, a.lower, a.upper = serviceRange, nums[0], nums[1], nums[2]
		if a.lower > a.upper {
			return address{}, bad("the lower bound %d is above the upper bound %d", a.lower, a.upper)
		}
		if hasDomain {
			return address{}, bad("a lookup domain @z.c.n follows a service name {type,instance}, not a range")
		}
	case 2:
		a.kind, a.typ, a.lower, a.upper = serviceName, nums[0], nums[1], nums[1]
	default:
		return address{}, bad("a service has 3 numbers {type,lower,upper} (a range) or 2 {type,instance} (a name), not %d", len(nums))
	}
	if a.typ < reservedTypes {
		return address{}, bad("the service type %d is reserved for TIPC itself: use %d or more", a.typ, reservedTypes)
	}
	if hasDomain && bind {
		return address{}, bad("a lookup domain @z.c.n is for connecting: a bind publishes the service in the whole cluster")
	}
	if hasDomain {
		d, err := parseNode(domain)
		if err != nil {
			return address{}, bad("the lookup domain @%s %v", domain, err)
		}
		a.domain = d
	}
	return a, nil
}

// parseNode reads "z.c.n" into TIPC's node address z<<24 | c<<12 | n.
func parseNode(s string) (uint32, error) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return 0, fmt.Errorf(`is not "z.c.n" (zone, cluster, node)`)
	}
	var v [3]uint32
	for i, p := range parts {
		n, err := number(p)
		if err != nil {
			return 0, fmt.Errorf("has a %s %q that %v", []string{"zone", "cluster", "node"}[i], p, err)
		}
		v[i] = n
	}
	if v[0] > 255 || v[1] > 4095 || v[2] > 4095 {
		return 0, fmt.Errorf("is out of range: the zone is at most 255, the cluster and the node 4095")
	}
	return v[0]<<24 | v[1]<<12 | v[2], nil
}

// number parses a decimal uint32, digits only.
func number(s string) (uint32, error) {
	if s == "" {
		return 0, fmt.Errorf("is empty")
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("is not a decimal number (the character %q)", r)
		}
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("does not fit in 32 bits")
	}
	return uint32(n), nil
}

// formatRange is a range as libzmq's LAST_ENDPOINT writes it.
func formatRange(typ, lower, upper uint32) string {
	return fmt.Sprintf("{%d, %d, %d}", typ, lower, upper)
}

// formatPortID is a port identity as libzmq writes it: <z.c.n:ref>.
func formatPortID(node, ref uint32) string {
	return fmt.Sprintf("<%d.%d.%d:%d>", node>>24, node>>12&0xfff, node&0xfff, ref)
}
