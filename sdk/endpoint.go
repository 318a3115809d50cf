package sdk

import (
	"fmt"
	"strings"
)

// Endpoint is a parsed "scheme://address" string, in libzmq's syntax.
// The address is transport-specific and left as written; each driver parses
// its own.
type Endpoint struct {
	Scheme  string
	Address string
}

// String gives the endpoint back in libzmq's form.
func (e Endpoint) String() string { return e.Scheme + "://" + e.Address }

// ParseEndpoint splits an endpoint into scheme and address. The scheme is
// lower-cased; an endpoint without "://", with an empty scheme or with an
// empty address is an ErrBadEndpoint.
func ParseEndpoint(s string) (Endpoint, error) {
	scheme, addr, ok := strings.Cut(s, "://")
	if !ok {
		return Endpoint{}, &EndpointError{Endpoint: s, Err: ErrBadEndpoint, Reason: `missing "://"`}
	}
	if scheme == "" {
		return Endpoint{}, &EndpointError{Endpoint: s, Err: ErrBadEndpoint, Reason: "empty scheme"}
	}
	for _, r := range scheme {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.') {
			return Endpoint{}, &EndpointError{Endpoint: s, Err: ErrBadEndpoint, Reason: fmt.Sprintf("scheme has the character %q", r)}
		}
	}
	if addr == "" {
		return Endpoint{}, &EndpointError{Endpoint: s, Err: ErrBadEndpoint, Reason: "empty address"}
	}
	return Endpoint{Scheme: strings.ToLower(scheme), Address: addr}, nil
}
