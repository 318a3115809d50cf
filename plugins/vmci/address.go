package vmci

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/zeroplug/zeroplug/sdk"
)

// The wildcards of an address: VMADDR_CID_ANY and VMADDR_PORT_ANY.
const (
	anyCID  = unix.VMADDR_CID_ANY
	anyPort = unix.VMADDR_PORT_ANY
)

// address is a parsed "<cid|*|@>:<port|*>".
type address struct {
	cid   uint32 // anyCID for "*" (and "-1")
	port  uint32 // anyPort for "*" (and "-1"); 0 too when binding
	local bool   // "@": the CID is resolved when used
}

// parse reads ep's address as libzmq does (vsock_address_t and
// vmci_address_t::resolve): the CID and the port are split at the last ':';
// each is "*" or "-1" (any), a decimal number that fits in 32 bits, or, for
// the CID, "@" (this machine). libzmq's strtoul lets trailing junk and signs
// through; here anything but digits is an error. A connect needs a CID and a
// port: "*" is for binding.
func parse(ep sdk.Endpoint, bind bool) (address, error) {
	if err := checkScheme(ep); err != nil {
		return address{}, err
	}
	bad := func(format string, args ...any) error {
		return &sdk.EndpointError{Endpoint: ep.String(), Err: sdk.ErrBadEndpoint, Reason: fmt.Sprintf(format, args...)}
	}
	i := strings.LastIndexByte(ep.Address, ':')
	if i < 0 {
		return address{}, bad(`want "<cid>:<port>": no ':' before the port`)
	}
	cidText, portText := ep.Address[:i], ep.Address[i+1:]
	var a address
	switch cidText {
	case "":
		return address{}, bad(`the context id (CID) is empty: give a number, "*" or "@"`)
	case "@":
		a.local = true
	case "*", "-1":
		if !bind {
			return address{}, bad(`a connect needs a context id (CID), not %q: "*" is for binding`, cidText)
		}
		a.cid = anyCID
	default:
		n, err := number(cidText)
		if err != nil {
			return address{}, bad("the context id (CID) %q %v", cidText, err)
		}
		if n == anyCID && !bind {
			return address{}, bad("a connect needs a context id (CID), not %d (VMADDR_CID_ANY)", n)
		}
		a.cid = n
	}
	switch portText {
	case "":
		return address{}, bad(`the port is empty: give a number, or "*" to bind an ephemeral one`)
	case "*", "-1":
		if !bind {
			return address{}, bad(`a connect needs a port, not %q: "*" is for binding`, portText)
		}
		a.port = anyPort
	default:
		n, err := number(portText)
		if err != nil {
			return address{}, bad("the port %q %v", portText, err)
		}
		if n == anyPort && !bind {
			return address{}, bad("a connect needs a port, not %d (VMADDR_PORT_ANY)", n)
		}
		if n == 0 && bind {
			n = anyPort // as tcp's ":0": an ephemeral port
		}
		a.port = n
	}
	return a, nil
}

// number parses a decimal uint32, digits only.
func number(s string) (uint32, error) {
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

// format writes an address back in the endpoint syntax, "*" for the
// wildcards, as libzmq's to_string does.
func format(scheme string, cid, port uint32) sdk.Endpoint {
	c, p := strconv.FormatUint(uint64(cid), 10), strconv.FormatUint(uint64(port), 10)
	if cid == anyCID {
		c = "*"
	}
	if port == anyPort {
		p = "*"
	}
	return sdk.Endpoint{Scheme: scheme, Address: c + ":" + p}
}
