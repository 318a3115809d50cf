// Package plain is the ZMTP PLAIN mechanism (RFC 24, and RFC 37 section
// 3.3.3): the client names a user and a password in clear text, the server
// asks a ZAP Authenticator (RFC 27) whether to let it in. PLAIN neither
// encrypts nor protects the connection; it belongs on trusted networks.
//
// Client and Server implement zmtp.Mechanism. They hold configuration
// only, so one value serves any number of connections; the core makes one
// Server per connection to fill in the client's Address.
package plain

import (
	"errors"
	"fmt"

	"github.com/zeroplug/zeroplug/sdk/zmtp"
	"github.com/zeroplug/zeroplug/sdk/zmtp/zap"
)

// Name is the mechanism's name in the greeting.
const Name = "PLAIN"

// Command names of the PLAIN handshake (RFC 24, "Implementation").
const (
	CmdHello    = "HELLO"
	CmdWelcome  = "WELCOME"
	CmdInitiate = "INITIATE"
)

// Client is the PLAIN client side (ZMQ_PLAIN_USERNAME and
// ZMQ_PLAIN_PASSWORD). Each is at most 255 bytes.
type Client struct {
	Username string
	Password string
}

// Name is "PLAIN".
func (Client) Name() string { return Name }

// AsServer is false.
func (Client) AsServer() bool { return false }

// Handshake sends HELLO with the credentials, waits for WELCOME, sends
// INITIATE with the local metadata and reads the server's READY:
//
//	C:HELLO ( S:WELCOME | S:ERROR ) C:INITIATE ( S:READY | S:ERROR )
//
// A server's ERROR comes back as a *zmtp.PeerError, which matches
// zmtp.ErrAuth.
func (cl Client) Handshake(c *zmtp.CommandConn, local zmtp.Metadata) (*zmtp.Session, error) {
	hello, err := AppendHello(nil, cl.Username, cl.Password)
	if err != nil {
		return nil, err
	}
	if err := c.Send(CmdHello, hello); err != nil {
		return nil, err
	}
	cmd, err := c.Recv()
	if err != nil {
		return nil, err
	}
	if cmd.Name != CmdWelcome {
		return nil, protocolErrorf("expected WELCOME, got %q", cmd.Name)
	}
	if len(cmd.Body) != 0 {
		// libzmq's plain_client.cpp: a WELCOME is the name alone.
		return nil, protocolErrorf("WELCOME with %d bytes of data", len(cmd.Body))
	}
	if err := c.Send(CmdInitiate, local.Append(nil)); err != nil {
		return nil, err
	}
	cmd, err = c.Recv()
	if err != nil {
		return nil, err
	}
	if cmd.Name != zmtp.CmdReady {
		return nil, protocolErrorf("expected READY, got %q", cmd.Name)
	}
	peer, err := zmtp.ParseMetadata(cmd.Body)
	if err != nil {
		return nil, err
	}
	return &zmtp.Session{Peer: peer}, nil
}

// Server is the PLAIN server side (ZMQ_PLAIN_SERVER). Auth decides on
// every client; without a handler (a nil Auth, or zap.ErrNoHandler) every
// client is refused, as libzmq 4.3 does: PLAIN without ZAP has nothing to
// check the password against.
type Server struct {
	// Auth is asked after HELLO, before WELCOME.
	Auth zap.Authenticator
	// Domain is the socket's ZAP domain (ZMQ_ZAP_DOMAIN).
	Domain string
	// Address is the client's IP address, for the ZAP request.
	Address string
	// RoutingID is the server socket's own ZMQ_ROUTING_ID, which libzmq
	// puts in the request's identity frame.
	RoutingID []byte
}

// Name is "PLAIN".
func (Server) Name() string { return Name }

// AsServer is true.
func (Server) AsServer() bool { return true }

// Handshake reads HELLO, asks Auth, and answers WELCOME, or ERROR with the
// ZAP status code (none for a temporary failure, 300) in libzmq's form
// (AppendError); then it reads
// INITIATE and answers READY with the local metadata. A refusal returns a
// *zap.DeniedError, which matches zmtp.ErrAuth; a malformed command an
// error matching zmtp.ErrProtocol. The session's UserID and extra
// properties come from the ZAP reply; its Peer lists the client's
// properties first, then the reply's.
func (s Server) Handshake(c *zmtp.CommandConn, local zmtp.Metadata) (*zmtp.Session, error) {
	cmd, err := c.Recv()
	if err != nil {
		return nil, err
	}
	if cmd.Name != CmdHello {
		return nil, protocolErrorf("expected HELLO, got %q", cmd.Name)
	}
	user, pass, err := ParseHello(cmd.Body)
	if err != nil {
		return nil, err
	}
	reply, err := zap.Decide(s.Auth, zap.Request{
		RequestID:   []byte("1"),
		Domain:      s.Domain,
		Address:     s.Address,
		Identity:    s.RoutingID,
		Mechanism:   zap.MechanismPlain,
		Credentials: [][]byte{user, pass},
	}, false)
	if err != nil {
		var denied *zap.DeniedError
		if errors.As(err, &denied) && denied.SendsError() {
			// Best effort: the connection ends either way.
			c.SendFrame(AppendError(nil, denied.Reason()))
		}
		return nil, err
	}
	if err := c.Send(CmdWelcome, nil); err != nil {
		return nil, err
	}
	cmd, err = c.Recv()
	if err != nil {
		return nil, err
	}
	if cmd.Name != CmdInitiate {
		return nil, protocolErrorf("expected INITIATE, got %q", cmd.Name)
	}
	peer, err := zmtp.ParseMetadata(cmd.Body)
	if err != nil {
		return nil, err
	}
	if err := c.Send(zmtp.CmdReady, local.Append(nil)); err != nil {
		return nil, err
	}
	return &zmtp.Session{Peer: append(peer, reply.Metadata...), UserID: reply.UserID}, nil
}

// AppendError encodes the ERROR command frame of a PLAIN server as libzmq
// sends it: zmtp.LibzmqPlainError ("^RROR", a misspelling in libzmq's C
// source that its PLAIN clients expect), the reason's length and the
// reason. zmtp.CommandConn.Recv reads it, and the well-formed ERROR, as an
// ERROR.
func AppendError(dst []byte, reason string) []byte {
	dst = append(dst, zmtp.LibzmqPlainError...)
	return zmtp.AppendError(dst, reason)
}

// AppendHello encodes a HELLO body: the user name and the password, each
// behind a one-byte length (RFC 24: hello = %d5 "HELLO" username
// password). Either longer than 255 bytes is an error.
func AppendHello(dst []byte, username, password string) ([]byte, error) {
	if len(username) > 255 || len(password) > 255 {
		return nil, fmt.Errorf("plain: user name of %d bytes and password of %d, at most 255 each", len(username), len(password))
	}
	dst = append(dst, byte(len(username)))
	dst = append(dst, username...)
	dst = append(dst, byte(len(password)))
	return append(dst, password...), nil
}

// ParseHello decodes a HELLO body, which must hold the two fields and
// nothing more, as libzmq's plain_server.cpp requires. The slices alias
// body.
func ParseHello(body []byte) (username, password []byte, err error) {
	if len(body) < 1 {
		return nil, nil, protocolErrorf("HELLO without a user name")
	}
	n := int(body[0])
	if 1+n > len(body) {
		return nil, nil, protocolErrorf("HELLO user name of %d bytes with %d left", n, len(body)-1)
	}
	username, body = body[1:1+n:1+n], body[1+n:]
	if len(body) < 1 {
		return nil, nil, protocolErrorf("HELLO without a password")
	}
	n = int(body[0])
	if 1+n != len(body) {
		return nil, nil, protocolErrorf("HELLO password of %d bytes with %d left", n, len(body)-1)
	}
	return username, body[1:], nil
}

func protocolErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: PLAIN: "+format, append([]any{zmtp.ErrProtocol}, args...)...)
}
