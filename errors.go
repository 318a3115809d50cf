package zeroplug

import (
	"github.com/zeroplug/zeroplug/core"
)

// The errors a socket returns, each the counterpart of a libzmq errno. They
// are core's very values, not copies, so that errors.Is matches an error
// whichever package a caller compares it with.

// ErrAddrInUse: an inproc name already bound (EADDRINUSE); other
// transports wrap the operating system's error.
var ErrAddrInUse = core.ErrAddrInUse

// ErrAgain: a non-blocking call could not go on now, or a timeout
// (SNDTIMEO, RCVTIMEO) expired (EAGAIN).
var ErrAgain = core.ErrAgain

// ErrClosed: the socket or its context is closed (ETERM, ENOTSOCK).
var ErrClosed = core.ErrClosed

// ErrHostUnreachable: a ROUTER with ROUTER_MANDATORY has no peer with
// that routing id (EHOSTUNREACH).
var ErrHostUnreachable = core.ErrHostUnreachable

// ErrInvalid: an argument is out of range, such as an empty message
// where frames are required (EINVAL).
var ErrInvalid = core.ErrInvalid

// ErrNotBound: Unbind or Disconnect of an endpoint the socket does not
// have (ENOENT).
var ErrNotBound = core.ErrNotBound

// ErrNotSupported: the socket type cannot do this, such as Recv on a
// PUB (ENOTSUP).
var ErrNotSupported = core.ErrNotSupported

// ErrState: the call breaks the socket's state machine, such as a REQ
// sending twice without a reply between (EFSM).
var ErrState = core.ErrState

// ErrAddrNotAvailable: a bind to an address that is not this host's
// (EADDRNOTAVAIL).
var ErrAddrNotAvailable = core.ErrAddrNotAvailable

// ErrConnRefused: nobody listens where a connection was attempted
// (ECONNREFUSED); the monitor's CONNECT_DELAYED event carries it, as
// libzmq's carries the errno, while the socket goes on retrying.
var ErrConnRefused = core.ErrConnRefused

// ErrNetUnreachable: a transport has no route to the network
// (ENETUNREACH).
var ErrNetUnreachable = core.ErrNetUnreachable
