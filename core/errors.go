package core

import (
	"errors"

	"github.com/zeroplug/zeroplug/sdk"
)

// Errors a socket returns, each the counterpart of a libzmq errno.
var (
	// ErrClosed: the socket or its context is closed (ETERM, ENOTSOCK).
	ErrClosed = errors.New("zeroplug: socket closed")
	// ErrAgain: a non-blocking call could not go on now, or a timeout
	// (SNDTIMEO, RCVTIMEO) expired (EAGAIN).
	ErrAgain = errors.New("zeroplug: resource temporarily unavailable")
	// ErrState: the call breaks the socket's state machine, such as a REQ
	// sending twice without a reply between (EFSM).
	ErrState = errors.New("zeroplug: operation not valid in the socket's current state")
	// ErrNotSupported: the socket type cannot do this, such as Recv on a
	// PUB (ENOTSUP).
	ErrNotSupported = errors.New("zeroplug: operation not supported by this socket type")
	// ErrNotBound: Unbind or Disconnect of an endpoint the socket does not
	// have (ENOENT).
	ErrNotBound = errors.New("zeroplug: endpoint not bound or connected")
	// ErrInvalid: an argument is out of range, such as an empty message
	// where frames are required (EINVAL).
	ErrInvalid = errors.New("zeroplug: invalid argument")
)

// The errors transports share are sdk's own, so that one identity holds
// whether a driver is linked in, runs as a plugin or is inproc: errors.Is(err,
// ErrAddrInUse) is true for an inproc name bound twice and for a tcp port in
// use alike. A driver's *sdk.OSError also keeps the system's error, so that
// errors.Is(err, syscall.EADDRINUSE) holds as well.
var (
	// ErrAddrInUse: the endpoint is bound already, an inproc name or a
	// tcp or ipc address (EADDRINUSE).
	ErrAddrInUse = sdk.ErrAddrInUse
	// ErrAddrNotAvailable: a bind to an address that is not this host's
	// (EADDRNOTAVAIL).
	ErrAddrNotAvailable = sdk.ErrAddrNotAvailable
	// ErrConnRefused: nobody listens where a connection was attempted
	// (ECONNREFUSED); the monitor's CONNECT_DELAYED event carries it, as
	// libzmq's carries the errno, while the socket goes on retrying.
	ErrConnRefused = sdk.ErrConnRefused
	// ErrHostUnreachable: a ROUTER with ROUTER_MANDATORY has no peer with
	// that routing id, or a transport has no route to the host
	// (EHOSTUNREACH, which libzmq uses for both).
	ErrHostUnreachable = sdk.ErrHostUnreachable
	// ErrNetUnreachable: a transport has no route to the network
	// (ENETUNREACH).
	ErrNetUnreachable = sdk.ErrNetUnreachable
)
