package core

import "errors"

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
	// ErrHostUnreachable: a ROUTER with ROUTER_MANDATORY has no peer with
	// that routing id (EHOSTUNREACH).
	ErrHostUnreachable = errors.New("zeroplug: no peer with that routing id")
	// ErrNotBound: Unbind or Disconnect of an endpoint the socket does not
	// have (ENOENT).
	ErrNotBound = errors.New("zeroplug: endpoint not bound or connected")
	// ErrAddrInUse: an inproc name already bound (EADDRINUSE); other
	// transports wrap the operating system's error.
	ErrAddrInUse = errors.New("zeroplug: address in use")
	// ErrInvalid: an argument is out of range, such as an empty message
	// where frames are required (EINVAL).
	ErrInvalid = errors.New("zeroplug: invalid argument")
)
