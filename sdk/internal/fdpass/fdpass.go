// Package fdpass moves socket descriptors from a plugin process to the core
// over a private AF_UNIX SOCK_SEQPACKET socketpair, and turns the descriptors
// the core receives into net.Conn and listeners after checking what they
// are. One message carries one descriptor (SCM_RIGHTS) and the 8-byte token
// of the request it answers.
package fdpass

import (
	"errors"
	"fmt"
)

// TokenSize is the size of a message's body: the token, little-endian.
const TokenSize = 8

// Socket is what Inspect learns of a descriptor.
type Socket struct {
	Domain    int  // SO_DOMAIN: AF_INET, AF_UNIX, AF_VSOCK...
	Type      int  // SO_TYPE: SOCK_STREAM...
	Listening bool // SO_ACCEPTCONN
}

// ErrRejected is wrapped by the errors of descriptors the core refuses to
// use: not a socket, not a stream, an unknown family, or listening when a
// connection was asked for (and the reverse).
var ErrRejected = errors.New("zeroplug: plugin handed over an unusable descriptor")

func rejected(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrRejected, fmt.Sprintf(format, args...))
}

// ErrGone is returned by Pending.Wait when the channel ended (the plugin
// exited or the receiver closed) before the descriptor arrived.
var ErrGone = errors.New("zeroplug: the plugin's descriptor channel closed")
