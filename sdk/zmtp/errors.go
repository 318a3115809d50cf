package zmtp

import (
	"errors"
	"fmt"
)

// Classes of handshake and framing failure. They map onto libzmq's monitor
// events: a ProtocolError is HANDSHAKE_FAILED_PROTOCOL, an AuthError is
// HANDSHAKE_FAILED_AUTH.
var (
	ErrProtocol = errors.New("zmtp: protocol error")
	ErrAuth     = errors.New("zmtp: authentication failed")
	// ErrTooLarge: a frame is longer than the configured maximum
	// (ZMQ_MAXMSGSIZE).
	ErrTooLarge = errors.New("zmtp: frame larger than the maximum message size")
)

// PeerError is an ERROR command received from the peer (RFC 37, section
// 3.4.4): the peer refused the handshake and says why.
type PeerError struct{ Reason string }

func (e *PeerError) Error() string { return "zmtp: peer sent ERROR: " + e.Reason }

// Is makes a peer's refusal match ErrAuth: libzmq sends ERROR when its ZAP
// handler denies the connection.
func (e *PeerError) Is(target error) bool { return target == ErrAuth }

func protocolErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrProtocol}, args...)...)
}
