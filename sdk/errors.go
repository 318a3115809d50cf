package sdk

import (
	"errors"
	"strings"
)

// Errors every transport reports in the same way, so that callers can test
// for them with errors.Is whatever the transport.
var (
	// ErrBadEndpoint: the endpoint string is malformed for its scheme.
	ErrBadEndpoint = errors.New("zeroplug: bad endpoint")
	// ErrUnknownScheme: no driver serves the endpoint's scheme.
	ErrUnknownScheme = errors.New("zeroplug: unknown transport scheme")
	// ErrNoSuchDevice: the address names an interface or device that does
	// not exist (libzmq's ENODEV).
	ErrNoSuchDevice = errors.New("zeroplug: no such device")
	// ErrNotSupported: the driver cannot do this with that address, such as
	// binding a connect-only form (libzmq's ENOTSUP).
	ErrNotSupported = errors.New("zeroplug: not supported by this transport")

	// The failures of the operating system that libzmq reports by errno.
	// A driver returns them as an *OSError, which keeps the system's error
	// (errors.Is finds syscall.EADDRINUSE as well as ErrAddrInUse); see
	// WrapOSError.

	// ErrAddrInUse: the address is bound already (EADDRINUSE).
	ErrAddrInUse = errors.New("zeroplug: address in use")
	// ErrAddrNotAvailable: the address is not one of this host's
	// (EADDRNOTAVAIL).
	ErrAddrNotAvailable = errors.New("zeroplug: address not available")
	// ErrConnRefused: nobody listens at the address (ECONNREFUSED).
	ErrConnRefused = errors.New("zeroplug: connection refused")
	// ErrHostUnreachable: no route to the host (EHOSTUNREACH); a ROUTER
	// reports it, as libzmq does, for a routing id it has no peer for.
	ErrHostUnreachable = errors.New("zeroplug: host unreachable")
	// ErrNetUnreachable: no route to the network (ENETUNREACH).
	ErrNetUnreachable = errors.New("zeroplug: network unreachable")
)

// EndpointError says which endpoint was wrong and why. It wraps one of the
// errors above, so errors.Is(err, ErrBadEndpoint) holds for a malformed one.
type EndpointError struct {
	Endpoint string
	Err      error
	Reason   string
	// Known lists the schemes known, for ErrUnknownScheme.
	Known []string
	// Detail adds what helps a user fix the problem (the plugin
	// directories searched, for instance).
	Detail string
}

func (e *EndpointError) Error() string {
	var b strings.Builder
	b.WriteString(e.Err.Error())
	b.WriteString(" ")
	b.WriteString(quote(e.Endpoint))
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	if e.Known != nil {
		b.WriteString(" (known schemes: ")
		b.WriteString(strings.Join(e.Known, ", "))
		b.WriteString(")")
	}
	if e.Detail != "" {
		b.WriteString("; ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

func (e *EndpointError) Unwrap() error { return e.Err }

func quote(s string) string { return `"` + s + `"` }
