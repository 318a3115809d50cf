package sdk

import (
	"errors"
	"syscall"
)

// OSError is a failure of the operating system that libzmq reports by an
// errno of its own: the sentinel of that errno (ErrAddrInUse for
// EADDRINUSE) with the system's error as it came (a *net.OpError naming
// the operation and the address). errors.Is holds for both, so that a
// caller may test errors.Is(err, sdk.ErrAddrInUse) as it would zmq_errno()
// == EADDRINUSE, or errors.Is(err, syscall.EADDRINUSE) as with the net
// package; errors.As finds the *net.OpError.
type OSError struct {
	// Sentinel is one of the errors of this package: ErrAddrInUse,
	// ErrAddrNotAvailable, ErrConnRefused, ErrHostUnreachable,
	// ErrNetUnreachable or ErrNoSuchDevice.
	Sentinel error
	// Err is the operating system's error, which wraps the syscall.Errno.
	Err error
}

// Error is the system's message, which says what failed where ("listen tcp
// 127.0.0.1:5555: bind: address already in use").
func (e *OSError) Error() string {
	if e.Err == nil {
		return e.Sentinel.Error()
	}
	return e.Err.Error()
}

// Unwrap gives the system's error, and through it the syscall.Errno.
func (e *OSError) Unwrap() error { return e.Err }

// Is reports whether target is the error's sentinel.
func (e *OSError) Is(target error) bool { return target == e.Sentinel }

// errnoSentinels pairs each errno a transport may meet with the sentinel
// libzmq's callers know it by.
var errnoSentinels = []struct {
	errno    syscall.Errno
	sentinel error
}{
	{syscall.EADDRINUSE, ErrAddrInUse},
	{syscall.EADDRNOTAVAIL, ErrAddrNotAvailable},
	{syscall.ECONNREFUSED, ErrConnRefused},
	{syscall.EHOSTUNREACH, ErrHostUnreachable},
	{syscall.ENETUNREACH, ErrNetUnreachable},
	{syscall.ENODEV, ErrNoSuchDevice},
}

// ErrnoSentinel returns the sentinel of an errno (ErrConnRefused for
// ECONNREFUSED), or nil if it has none.
func ErrnoSentinel(errno syscall.Errno) error {
	for _, m := range errnoSentinels {
		if m.errno == errno {
			return m.sentinel
		}
	}
	return nil
}

// SentinelErrno returns the errno of the sentinel that err is or wraps
// (ECONNREFUSED for ErrConnRefused), or 0 if it wraps none. It is how a
// plugin's error that names a sentinel without a system error behind it
// still crosses the process boundary as that errno.
func SentinelErrno(err error) syscall.Errno {
	for _, m := range errnoSentinels {
		if errors.Is(err, m.sentinel) {
			return m.errno
		}
	}
	return 0
}

// WrapOSError returns err as an *OSError if it wraps a syscall.Errno that
// has a sentinel, and err itself otherwise (nil stays nil). Drivers pass
// the errors of their listen and dial calls through it.
func WrapOSError(err error) error {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err
	}
	s := ErrnoSentinel(errno)
	if s == nil || errors.Is(err, s) {
		return err
	}
	return &OSError{Sentinel: s, Err: err}
}
