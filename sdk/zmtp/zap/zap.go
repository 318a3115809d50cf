// Package zap is the ZeroMQ Authentication Protocol (RFC 27): the request a
// ZMTP server sends to an authentication handler, the handler's reply, and
// the Authenticator interface through which the PLAIN and CURVE servers
// (and NULL, when a domain is set) ask it.
//
// libzmq's handler is a REP or ROUTER socket bound to
// inproc://zeromq.zap.01 (HandlerEndpoint); Request.Frames and ParseReply
// carry the dialogue over it byte for byte, so that a host can implement an
// Authenticator on top of such a socket, and a Go handler can use
// ParseRequest and Reply.Frames on its side.
package zap

import (
	"errors"
	"fmt"

	"github.com/zeroplug/zeroplug/sdk/zmtp"
)

// HandlerEndpoint is where the process's one ZAP handler binds (RFC 27,
// "Architecture").
const HandlerEndpoint = "inproc://zeromq.zap.01"

// Version is the protocol version in every request and reply.
const Version = "1.0"

// Status codes of a reply (RFC 27, "Message Format").
const (
	StatusOK        = 200 // authenticated
	StatusTemporary = 300 // temporary failure: the server closes silently
	StatusDenied    = 400 // authentication failed
	StatusInternal  = 500 // the handler failed
)

// Mechanism names as they appear in a request.
const (
	MechanismNull  = "NULL"
	MechanismPlain = "PLAIN"
	MechanismCurve = "CURVE"
)

// Request is what a server asks the handler about one connection.
type Request struct {
	// RequestID is echoed in the reply; libzmq always sends "1".
	RequestID []byte
	// Domain is the server socket's ZAP domain (ZMQ_ZAP_DOMAIN), maybe
	// empty.
	Domain string
	// Address is the client's IP address as text, without a port.
	Address string
	// Identity is libzmq's routing-id frame: the server socket's own
	// ZMQ_ROUTING_ID, not the client's.
	Identity []byte
	// Mechanism is "NULL", "PLAIN" or "CURVE".
	Mechanism string
	// Credentials are the mechanism's: none for NULL, the user name and
	// password for PLAIN, the client's 32-byte long-term public key for
	// CURVE.
	Credentials [][]byte
}

// Reply is the handler's answer.
type Reply struct {
	// RequestID echoes the request's.
	RequestID []byte
	// StatusCode is StatusOK, StatusTemporary, StatusDenied or
	// StatusInternal.
	StatusCode int
	// StatusText explains the status; it may be empty.
	StatusText string
	// UserID names the authenticated user (the message property
	// "User-Id"); empty unless StatusCode is StatusOK.
	UserID string
	// Metadata is added to the connection's properties on success.
	Metadata zmtp.Metadata
}

// Authenticator decides whether a client may connect. The PLAIN server
// calls it after HELLO, the CURVE server after INITIATE, before they
// answer. It runs on the connection's handshake and may block; the
// implementation bounds its own wait, since the mechanism cannot interrupt
// it.
type Authenticator interface {
	// Authenticate answers a request. An error means there is no answer:
	// ErrNoHandler when no handler is there (CURVE then accepts the
	// client, PLAIN refuses it, as libzmq 4.3 does), anything else fails
	// the handshake without telling the client why.
	Authenticate(req Request) (Reply, error)
}

// AuthenticatorFunc makes a function an Authenticator.
type AuthenticatorFunc func(req Request) (Reply, error)

// Authenticate calls f.
func (f AuthenticatorFunc) Authenticate(req Request) (Reply, error) { return f(req) }

// ErrNoHandler is the Authenticator's error when no ZAP handler is bound.
var ErrNoHandler = errors.New("zap: no handler bound to " + HandlerEndpoint)

// DeniedError is a reply other than StatusOK: the client is refused. It
// matches zmtp.ErrAuth (libzmq's HANDSHAKE_FAILED_AUTH, whose value is the
// status code).
type DeniedError struct {
	Mechanism  string
	StatusCode int
	StatusText string
}

func (e *DeniedError) Error() string {
	s := fmt.Sprintf("zap: %s client refused with status %d", e.Mechanism, e.StatusCode)
	if e.StatusText != "" {
		s += " (" + e.StatusText + ")"
	}
	return s
}

// Is makes a refusal match zmtp.ErrAuth.
func (e *DeniedError) Is(target error) bool { return target == zmtp.ErrAuth }

// Reason is what the server sends the client in its ERROR command: the
// status code as three digits, as libzmq does. SendsError tells whether
// it sends one at all.
func (e *DeniedError) Reason() string { return fmt.Sprintf("%03d", e.StatusCode) }

// SendsError reports whether the server tells the client with an ERROR
// command. A temporary failure (300) closes the connection silently, so
// that the client tries again (RFC 26 and libzmq's zap_client.cpp).
func (e *DeniedError) SendsError() bool { return e.StatusCode != StatusTemporary }

// Check asks a about req and sorts the answer as libzmq's ZAP client does:
// the reply on StatusOK; a *DeniedError for 300, 400 and 500; an error
// matching zmtp.ErrProtocol for any other status code; the
// Authenticator's own error otherwise. A nil a is ErrNoHandler.
func Check(a Authenticator, req Request) (Reply, error) {
	if a == nil {
		return Reply{}, ErrNoHandler
	}
	r, err := a.Authenticate(req)
	if err != nil {
		return Reply{}, err
	}
	switch r.StatusCode {
	case StatusOK:
		return r, nil
	case StatusTemporary, StatusDenied, StatusInternal:
		return r, &DeniedError{Mechanism: req.Mechanism, StatusCode: r.StatusCode, StatusText: r.StatusText}
	}
	return r, fmt.Errorf("%w: zap: invalid status code %d", zmtp.ErrProtocol, r.StatusCode)
}

// Frames returns the request as the frames a REQ socket sends and a REP
// handler receives: version, request id, domain, address, identity,
// mechanism, then the credentials. On a socket without envelopes (a raw
// pipe, as libzmq's session writes) an empty delimiter frame goes first.
func (r Request) Frames() [][]byte {
	f := make([][]byte, 0, 6+len(r.Credentials))
	f = append(f, []byte(Version), r.RequestID, []byte(r.Domain), []byte(r.Address), r.Identity, []byte(r.Mechanism))
	return append(f, r.Credentials...)
}

// ParseRequest decodes a request's frames, with or without the empty
// delimiter frame in front.
func ParseRequest(frames [][]byte) (Request, error) {
	frames = dropDelimiter(frames)
	if len(frames) < 6 {
		return Request{}, protocolErrorf("request of %d frames, want at least 6", len(frames))
	}
	if string(frames[0]) != Version {
		return Request{}, protocolErrorf("request version %q, want %q", frames[0], Version)
	}
	if len(frames[5]) == 0 {
		return Request{}, protocolErrorf("request names no mechanism")
	}
	return Request{
		RequestID:   frames[1],
		Domain:      string(frames[2]),
		Address:     string(frames[3]),
		Identity:    frames[4],
		Mechanism:   string(frames[5]),
		Credentials: frames[6:],
	}, nil
}

// Frames returns the reply as the frames a REP handler sends: version,
// request id, status code, status text, user id, metadata. On a socket
// without envelopes an empty delimiter frame goes first.
func (r Reply) Frames() [][]byte {
	return [][]byte{
		[]byte(Version),
		r.RequestID,
		fmt.Appendf(nil, "%03d", r.StatusCode),
		[]byte(r.StatusText),
		[]byte(r.UserID),
		r.Metadata.Append(nil),
	}
}

// ParseReply decodes a reply's frames, with or without the empty delimiter
// frame in front, checking what libzmq checks: six frames, version "1.0", a
// status code of 200, 300, 400 or 500, well-formed metadata. The caller
// compares RequestID with its request's. Errors match zmtp.ErrProtocol.
func ParseReply(frames [][]byte) (Reply, error) {
	frames = dropDelimiter(frames)
	if len(frames) != 6 {
		return Reply{}, protocolErrorf("reply of %d frames, want 6", len(frames))
	}
	if string(frames[0]) != Version {
		return Reply{}, protocolErrorf("reply version %q, want %q", frames[0], Version)
	}
	code := frames[2]
	if len(code) != 3 || code[0] < '2' || code[0] > '5' || code[1] != '0' || code[2] != '0' {
		return Reply{}, protocolErrorf("reply status code %q", code)
	}
	md, err := zmtp.ParseMetadata(frames[5])
	if err != nil {
		return Reply{}, fmt.Errorf("zap: reply metadata: %w", err)
	}
	return Reply{
		RequestID:  frames[1],
		StatusCode: int(code[0]-'0') * 100,
		StatusText: string(frames[3]),
		UserID:     string(frames[4]),
		Metadata:   md,
	}, nil
}

// dropDelimiter removes the empty delimiter frame of the wire format. The
// version frame that follows it is never empty, so the two forms cannot be
// confused.
func dropDelimiter(frames [][]byte) [][]byte {
	if len(frames) > 0 && len(frames[0]) == 0 {
		return frames[1:]
	}
	return frames
}

func protocolErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: zap: "+format, append([]any{zmtp.ErrProtocol}, args...)...)
}

// Decide asks a about req for a server mechanism and sorts the answer as
// libzmq does: the reply on StatusOK; the *DeniedError of a refusal, which
// the mechanism reports to the client with an ERROR when SendsError says
// so; when no handler is there (a nil a, or ErrNoHandler), an empty reply
// if open is true (CURVE and NULL: libzmq's encryption without
// authentication) and ErrNoHandler otherwise (PLAIN); any other error of a
// as it is.
func Decide(a Authenticator, req Request, open bool) (Reply, error) {
	r, err := Check(a, req)
	if err == nil {
		return r, nil
	}
	if errors.Is(err, ErrNoHandler) {
		if open {
			return Reply{}, nil
		}
		return Reply{}, fmt.Errorf("zap: %s server needs a ZAP handler: %w", req.Mechanism, err)
	}
	return Reply{}, err
}

// Authorize is Decide, and on a refusal it sends the client the ERROR
// command (RFC 37, section 3.4.4) with the status code as reason, unless
// the status is 300, as libzmq's CURVE and NULL servers do.
func Authorize(c *zmtp.CommandConn, a Authenticator, req Request, open bool) (Reply, error) {
	r, err := Decide(a, req, open)
	var denied *DeniedError
	if errors.As(err, &denied) && denied.SendsError() {
		// Best effort: the connection ends either way.
		c.Send(zmtp.CmdError, zmtp.AppendError(nil, denied.Reason()))
	}
	return r, err
}

// Null is the NULL mechanism (RFC 37, section 3.4) of a socket with a ZAP
// domain: before its READY it asks the Authenticator (mechanism "NULL", no
// credentials), and sends ERROR instead when the handler refuses. With an
// empty Domain, or without a handler, it is plain zmtp.Null, as in libzmq
// 4.3.
type Null struct {
	Auth      Authenticator
	Domain    string
	Address   string
	RoutingID []byte
}

// Name is "NULL".
func (Null) Name() string { return MechanismNull }

// AsServer is false: NULL has no roles.
func (Null) AsServer() bool { return false }

// Handshake asks the handler, then exchanges READY commands.
func (n Null) Handshake(c *zmtp.CommandConn, local zmtp.Metadata) (*zmtp.Session, error) {
	var reply Reply
	if n.Domain != "" {
		var err error
		reply, err = Authorize(c, n.Auth, Request{
			RequestID: []byte("1"),
			Domain:    n.Domain,
			Address:   n.Address,
			Identity:  n.RoutingID,
			Mechanism: MechanismNull,
		}, true)
		if err != nil {
			return nil, err
		}
	}
	sess, err := zmtp.Null{}.Handshake(c, local)
	if err != nil {
		return nil, err
	}
	sess.UserID = reply.UserID
	sess.Peer = append(sess.Peer, reply.Metadata...)
	return sess, nil
}
