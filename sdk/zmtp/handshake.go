package zmtp

import "fmt"

// Mechanism is a ZMTP security mechanism (RFC 37, section 3.3.3): NULL here;
// PLAIN and CURVE implement the same interface.
type Mechanism interface {
	// Name is the mechanism's name in the greeting, such as "NULL".
	Name() string
	// AsServer is the greeting's as-server bit.
	AsServer() bool
	// Handshake runs the mechanism's commands after the greetings. It
	// sends the local metadata (READY's properties, or their place in the
	// mechanism) and returns what it learned of the peer.
	Handshake(c *CommandConn, local Metadata) (*Session, error)
}

// Session is what a mechanism's handshake establishes.
type Session struct {
	// Peer is the peer's metadata (Socket-Type, Identity, and any other).
	Peer Metadata
	// UserID is the authenticated identity, when the mechanism has one.
	UserID string
	// Cipher wraps every frame of the data phase, for mechanisms that
	// encrypt it (CURVE); nil for NULL and PLAIN.
	Cipher Cipher
}

// Cipher turns the frames of the data phase into the mechanism's wire
// form and back: CURVE puts each frame, flags included, in a MESSAGE
// command box (RFC 26). A Cipher is used by one writer (Seal) and one
// reader (Open) at the same time, so the two must not share mutable state
// without a lock.
type Cipher interface {
	// Seal appends the wire form of one frame to enc. flags carry
	// FlagMore and FlagCommand (a PING is sealed like a message frame).
	Seal(enc *Encoder, flags byte, body []byte) error
	// Open turns one frame read from the wire into the frame it carries,
	// with that frame's own FlagMore and FlagCommand.
	Open(flags byte, frame []byte) (byte, []byte, error)
}

// CommandConn carries commands during the handshake.
type CommandConn struct {
	enc *Encoder
	dec *Decoder
}

// Send writes one command and flushes it.
func (c *CommandConn) Send(name string, body []byte) error {
	c.enc.Command(name, body)
	return c.enc.Flush()
}

// Recv reads the next frame, which must be a command. An ERROR command
// comes back as a *PeerError.
func (c *CommandConn) Recv() (Command, error) {
	flags, body, err := c.dec.Next()
	if err != nil {
		return Command{}, err
	}
	if flags&FlagCommand == 0 {
		return Command{}, protocolErrorf("a message frame during the handshake")
	}
	cmd, err := ParseCommand(body)
	if err != nil {
		if reason, ok := parseLibzmqPlainError(body); ok {
			return Command{}, &PeerError{Reason: reason}
		}
		return Command{}, err
	}
	if cmd.Name == CmdError {
		reason, err := ParseError(cmd.Body)
		if err != nil {
			return Command{}, err
		}
		return Command{}, &PeerError{Reason: reason}
	}
	return cmd, nil
}

// SendFrame writes one command frame given whole (the name's length, the
// name, the data) and flushes it: for a mechanism that must reproduce
// another implementation's bytes exactly, such as libzmq's PLAIN ERROR
// (LibzmqPlainError).
func (c *CommandConn) SendFrame(frame []byte) error {
	c.enc.Frame(FlagCommand, frame)
	return c.enc.Flush()
}

// LibzmqPlainError is how libzmq's PLAIN mechanism (since 4.3.0, master
// included) names its ERROR command on the wire. plain_common.hpp spells the
// name "\x05ERROR" in C, where "\x05E" is a single hex escape, 0x5E: the
// command goes out as "^RROR", the reason's length and the reason, which
// is no well-formed command (a 94-byte name in a 9-byte frame); libzmq's
// PLAIN client expects the same bytes back. Recv takes such a frame for the
// ERROR it means.
const LibzmqPlainError = "^RROR"

// parseLibzmqPlainError reads the reason of libzmq's PLAIN ERROR from a
// command frame that is not otherwise well formed.
func parseLibzmqPlainError(frame []byte) (string, bool) {
	if len(frame) < len(LibzmqPlainError)+1 || string(frame[:len(LibzmqPlainError)]) != LibzmqPlainError {
		return "", false
	}
	reason, err := ParseError(frame[len(LibzmqPlainError):])
	if err != nil || len(LibzmqPlainError)+1+len(reason) != len(frame) {
		return "", false
	}
	return reason, true
}

// Null is the NULL mechanism (RFC 37, section 3.4): each side sends READY
// with its metadata and reads the peer's.
type Null struct{}

func (Null) Name() string   { return "NULL" }
func (Null) AsServer() bool { return false }

func (Null) Handshake(c *CommandConn, local Metadata) (*Session, error) {
	if err := c.Send(CmdReady, local.Append(nil)); err != nil {
		return nil, err
	}
	cmd, err := c.Recv()
	if err != nil {
		return nil, err
	}
	if cmd.Name != CmdReady {
		return nil, protocolErrorf("expected READY, got %q", cmd.Name)
	}
	peer, err := ParseMetadata(cmd.Body)
	if err != nil {
		return nil, err
	}
	return &Session{Peer: peer}, nil
}

// Config is one side's part of a handshake.
type Config struct {
	// Mechanism is the security mechanism; nil means NULL.
	Mechanism Mechanism
	// SocketType is the local socket type ("PUSH"), sent as Socket-Type
	// and checked against the peer's.
	SocketType string
	// Metadata holds further properties for READY, such as Identity.
	Metadata Metadata
}

// AppendCommand encodes a command frame's body (the name's length, the
// name, the data), as a Cipher seals it.
func AppendCommand(dst []byte, name string, body []byte) []byte {
	dst = append(dst, byte(len(name)))
	dst = append(dst, name...)
	return append(dst, body...)
}

// Peer is what a completed handshake tells about the other side.
type Peer struct {
	Greeting   Greeting
	SocketType string
	Identity   []byte
	Metadata   Metadata
	UserID     string
	Cipher     Cipher
}

// Handshake exchanges greetings and runs the mechanism over a fresh
// connection, then checks that the socket types may talk (RFC 37, section
// 3.4.2). The caller bounds it with a deadline on the connection. The
// decoder keeps any bytes that followed the handshake for the data phase.
func Handshake(enc *Encoder, dec *Decoder, cfg Config) (*Peer, error) {
	mech := cfg.Mechanism
	if mech == nil {
		mech = Null{}
	}
	g := Greeting{Major: MajorVersion, Minor: MinorVersion, Mechanism: mech.Name(), AsServer: mech.AsServer()}
	b := g.Marshal()
	enc.Raw(b[:])
	if err := enc.Flush(); err != nil {
		return nil, err
	}
	// The signature comes first and is checked on its own, so that a peer
	// sending a few bytes of garbage is dropped at once, as libzmq does,
	// rather than holding the connection until HANDSHAKE_IVL.
	var raw [GreetingSize]byte
	sig, err := dec.ReadFull(signatureSize)
	if err != nil {
		return nil, err
	}
	if err := checkSignature(sig); err != nil {
		return nil, err
	}
	copy(raw[:], sig)
	rest, err := dec.ReadFull(GreetingSize - signatureSize)
	if err != nil {
		return nil, err
	}
	copy(raw[signatureSize:], rest)
	pg, err := ParseGreeting(raw[:])
	if err != nil {
		return nil, err
	}
	if pg.Mechanism != mech.Name() {
		return nil, protocolErrorf("peer uses mechanism %q, this socket %q", pg.Mechanism, mech.Name())
	}
	local := append(Metadata{{Name: "Socket-Type", Value: []byte(cfg.SocketType)}}, cfg.Metadata...)
	c := &CommandConn{enc: enc, dec: dec}
	sess, err := mech.Handshake(c, local)
	if err != nil {
		return nil, err
	}
	st, ok := sess.Peer.Get("Socket-Type")
	if !ok {
		return nil, protocolErrorf("peer's metadata has no Socket-Type")
	}
	p := &Peer{Greeting: pg, SocketType: string(st), Metadata: sess.Peer, UserID: sess.UserID, Cipher: sess.Cipher}
	if id, ok := sess.Peer.Get("Identity"); ok {
		p.Identity = append([]byte(nil), id...)
	}
	if !Compatible(cfg.SocketType, p.SocketType) {
		reason := fmt.Sprintf("invalid socket type: %s cannot talk to %s", cfg.SocketType, p.SocketType)
		c.Send(CmdError, AppendError(nil, reason)) // best effort: the peer learns why
		return nil, protocolErrorf("%s", reason)
	}
	return p, nil
}
