package sdk

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"
)

// Each errno with a libzmq sentinel maps to it and back.
func TestErrnoSentinels(t *testing.T) {
	for _, tc := range []struct {
		errno    syscall.Errno
		sentinel error
	}{
		{syscall.EADDRINUSE, ErrAddrInUse},
		{syscall.EADDRNOTAVAIL, ErrAddrNotAvailable},
		{syscall.ECONNREFUSED, ErrConnRefused},
		{syscall.EHOSTUNREACH, ErrHostUnreachable},
		{syscall.ENETUNREACH, ErrNetUnreachable},
		{syscall.ENODEV, ErrNoSuchDevice},
	} {
		t.Run(tc.errno.Error(), func(t *testing.T) {
			if got := ErrnoSentinel(tc.errno); got != tc.sentinel {
				t.Errorf("ErrnoSentinel(%d) = %v, want %v", tc.errno, got, tc.sentinel)
			}
			if got := SentinelErrno(tc.sentinel); got != tc.errno {
				t.Errorf("SentinelErrno(%v) = %d, want %d", tc.sentinel, got, tc.errno)
			}
			wrapped := fmt.Errorf("dial: %w", tc.sentinel)
			if got := SentinelErrno(wrapped); got != tc.errno {
				t.Errorf("SentinelErrno(%v) = %d, want %d", wrapped, got, tc.errno)
			}
		})
	}
	if got := ErrnoSentinel(syscall.ENOENT); got != nil {
		t.Errorf("ErrnoSentinel(ENOENT) = %v, want nil", got)
	}
	if got := SentinelErrno(ErrBadEndpoint); got != 0 {
		t.Errorf("SentinelErrno(ErrBadEndpoint) = %d, want 0", got)
	}
}

// WrapOSError adds the sentinel to a system error and keeps the rest: the
// text, the *net.OpError and the errno.
func TestWrapOSError(t *testing.T) {
	opErr := &net.OpError{Op: "listen", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5555},
		Err: os.NewSyscallError("bind", syscall.EADDRINUSE)}
	err := WrapOSError(opErr)
	var oe *OSError
	if !errors.As(err, &oe) || oe.Sentinel != ErrAddrInUse {
		t.Fatalf("WrapOSError(%v) = %#v, want an *OSError of ErrAddrInUse", opErr, err)
	}
	if !errors.Is(err, ErrAddrInUse) || !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("%v: want errors.Is for ErrAddrInUse and EADDRINUSE", err)
	}
	if errors.Is(err, ErrConnRefused) || errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("%v is ECONNREFUSED too", err)
	}
	var op *net.OpError
	if !errors.As(err, &op) || op != opErr {
		t.Errorf("errors.As(%v) does not give the *net.OpError back", err)
	}
	if err.Error() != opErr.Error() {
		t.Errorf("Error() = %q, want the system's %q", err, opErr)
	}
	if again := WrapOSError(err); again != err {
		t.Errorf("wrapping twice: %#v", again)
	}

	// What has no sentinel comes back unchanged.
	for _, plain := range []error{
		nil,
		errors.New("no errno"),
		&net.OpError{Op: "dial", Net: "unix", Err: os.NewSyscallError("connect", syscall.ENOENT)},
		&EndpointError{Endpoint: "tcp://x", Err: ErrBadEndpoint},
	} {
		if got := WrapOSError(plain); got != plain {
			t.Errorf("WrapOSError(%v) = %v, want it unchanged", plain, got)
		}
	}
}

// An OSError without the system's error says what its sentinel says.
func TestOSErrorWithoutErr(t *testing.T) {
	err := &OSError{Sentinel: ErrConnRefused}
	if err.Error() != ErrConnRefused.Error() || !errors.Is(err, ErrConnRefused) {
		t.Errorf("%#v: %q", err, err)
	}
}
