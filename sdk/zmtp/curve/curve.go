// Package curve is the ZMTP CURVE mechanism: CurveZMQ (RFC 26) as libzmq
// 4.3 speaks it over ZMTP 3.x (RFC 25, RFC 37 section 3.3.3).
//
// The client knows the server's long-term public key S and has a key pair
// of its own (C, c). Over four commands each side makes a transient key
// pair, proves who it is and sends its metadata; from then on every frame
// travels in a MESSAGE command, boxed with the transient keys (Curve25519,
// XSalsa20, Poly1305: NaCl's crypto_box from golang.org/x/crypto):
//
//	C:HELLO   ( S:WELCOME | S:ERROR )
//	C:INITIATE ( S:READY  | S:ERROR )
//	*( C:MESSAGE | S:MESSAGE )
//
// Client and Server implement zmtp.Mechanism; the session they return
// carries a zmtp.Cipher for the data phase. They hold configuration only,
// so one value serves any number of connections; every connection gets
// its own transient keys.
package curve

import (
	"fmt"
	"io"

	"github.com/zeroplug/zeroplug/sdk/zmtp"
	"github.com/zeroplug/zeroplug/sdk/zmtp/zap"
)

// Name is the mechanism's name in the greeting.
const Name = "CURVE"

// Client is the CURVE client side: ZMQ_CURVE_SERVERKEY,
// ZMQ_CURVE_PUBLICKEY and ZMQ_CURVE_SECRETKEY.
type Client struct {
	// ServerKey is the server's long-term public key S.
	ServerKey Key
	// PublicKey is the client's long-term public key C; when zero it is
	// derived from SecretKey.
	PublicKey Key
	// SecretKey is the client's long-term secret key c.
	SecretKey Key
	// Rand supplies the transient keys and long nonces; nil means
	// crypto/rand. Tests set it to make a handshake reproducible.
	Rand io.Reader
}

// Name is "CURVE".
func (Client) Name() string { return Name }

// AsServer is false.
func (Client) AsServer() bool { return false }

// Handshake sends HELLO, opens WELCOME, sends INITIATE with its vouch and
// the local metadata, and opens READY. A server that cannot open HELLO
// (the client has the wrong server key) closes the connection without a
// word, as libzmq does: the error is then the connection's (io.EOF). A
// server's ERROR comes back as a *zmtp.PeerError, which matches
// zmtp.ErrAuth; a malformed or forged command is an error matching
// zmtp.ErrProtocol.
func (cl Client) Handshake(c *zmtp.CommandConn, local zmtp.Metadata) (*zmtp.Session, error) {
	if cl.ServerKey.IsZero() || cl.SecretKey.IsZero() {
		return nil, fmt.Errorf("curve: a client needs the server's public key and a secret key")
	}
	rng := randReader(cl.Rand)
	public := cl.PublicKey
	if public.IsZero() {
		public = PublicFromSecret(cl.SecretKey)
	}
	cnPublic, cnSecret, err := GenerateKeyPair(rng)
	if err != nil {
		return nil, err
	}
	defer clear(cnSecret[:])

	// HELLO carries C' and a box that only S can open (RFC 26, "The
	// HELLO Command"). The client's short nonces count from 1: HELLO 1,
	// INITIATE 2, then the messages (libzmq's curve_encoding_t).
	helloKey, err := sharedKey(&cl.ServerKey, &cnSecret)
	if err != nil {
		return nil, err
	}
	defer clear(helloKey[:])
	if err := c.Send(CmdHello, appendHello(make([]byte, 0, helloSize), &cnPublic, helloKey, 1)); err != nil {
		return nil, err
	}

	cmd, err := c.Recv()
	if err != nil {
		return nil, err
	}
	if cmd.Name != CmdWelcome {
		return nil, protocolErrorf("expected WELCOME, got %q", cmd.Name)
	}
	cnServer, cookie, err := openWelcome(cmd.Body, helloKey)
	if err != nil {
		return nil, err
	}
	key, err := sharedKey(&cnServer, &cnSecret)
	if err != nil {
		return nil, err
	}
	vouchKey := precompute(&cnServer, &cl.SecretKey)
	defer clear(vouchKey[:])
	vouchNonce := make([]byte, 16)
	if _, err := io.ReadFull(rng, vouchNonce); err != nil {
		return nil, fmt.Errorf("curve: %w", err)
	}
	md := local.Append(nil)
	body := appendInitiate(make([]byte, 0, initiateMinSize+len(md)), &initiate{
		cookie: cookie, nonce: 2, key: key,
		public: &public, vouchNonce: vouchNonce, vouchKey: vouchKey,
		cnPublic: &cnPublic, server: &cl.ServerKey, metadata: md,
	})
	if err := c.Send(CmdInitiate, body); err != nil {
		return nil, err
	}

	cmd, err = c.Recv()
	if err != nil {
		return nil, err
	}
	if cmd.Name != zmtp.CmdReady {
		return nil, protocolErrorf("expected READY, got %q", cmd.Name)
	}
	readyNonce, peer, err := openReady(cmd.Body, key)
	if err != nil {
		return nil, err
	}
	return &zmtp.Session{Peer: peer, Cipher: newCipher(key, false, 3, readyNonce)}, nil
}

// Server is the CURVE server side: ZMQ_CURVE_SERVER with
// ZMQ_CURVE_SECRETKEY.
type Server struct {
	// SecretKey is the server's long-term secret key s.
	SecretKey Key
	// Auth is asked after INITIATE with the client's long-term public
	// key. Without a handler (a nil Auth, or zap.ErrNoHandler) every
	// client that knows the server's key is accepted, as libzmq 4.3 does
	// without a ZAP handler: encryption without authentication.
	Auth zap.Authenticator
	// Domain is the socket's ZAP domain (ZMQ_ZAP_DOMAIN).
	Domain string
	// Address is the client's IP address, for the ZAP request.
	Address string
	// RoutingID is the server socket's own ZMQ_ROUTING_ID, which libzmq
	// puts in the request's identity frame.
	RoutingID []byte
	// Rand supplies the transient keys, the cookie key and the long
	// nonces; nil means crypto/rand.
	Rand io.Reader
}

// Name is "CURVE".
func (Server) Name() string { return Name }

// AsServer is true.
func (Server) AsServer() bool { return true }

// Handshake opens HELLO, answers WELCOME with a fresh transient key pair
// and a cookie under a fresh cookie key, opens INITIATE and its vouch,
// asks Auth about the client's key, and answers READY with the local
// metadata, or ERROR with the ZAP status code (none for 300). A refusal
// returns a *zap.DeniedError, which matches zmtp.ErrAuth; a malformed or
// forged command an error matching zmtp.ErrProtocol, without an ERROR, as
// libzmq does. The session's UserID and extra properties come from the
// ZAP reply.
func (s Server) Handshake(c *zmtp.CommandConn, local zmtp.Metadata) (*zmtp.Session, error) {
	if s.SecretKey.IsZero() {
		return nil, fmt.Errorf("curve: a server needs a secret key")
	}
	rng := randReader(s.Rand)
	cmd, err := c.Recv()
	if err != nil {
		return nil, err
	}
	if cmd.Name != CmdHello {
		return nil, protocolErrorf("expected HELLO, got %q", cmd.Name)
	}
	cnClient, helloNonce, helloKey, err := openHello(cmd.Body, &s.SecretKey)
	if err != nil {
		return nil, err
	}
	defer clear(helloKey[:])

	// WELCOME: a transient key pair (S', s') for this connection, s'
	// kept only in the cookie, under a cookie key used once (RFC 26,
	// "The WELCOME Command": a new cookie for each WELCOME, the key
	// discarded once INITIATE comes).
	cnPublic, cnSecret, err := GenerateKeyPair(rng)
	if err != nil {
		return nil, err
	}
	defer clear(cnSecret[:])
	var cookieKey [32]byte
	defer clear(cookieKey[:])
	random := make([]byte, 16+16)
	if _, err := io.ReadFull(rng, cookieKey[:]); err != nil {
		return nil, fmt.Errorf("curve: %w", err)
	}
	if _, err := io.ReadFull(rng, random); err != nil {
		return nil, fmt.Errorf("curve: %w", err)
	}
	cookie := sealCookie(&cookieKey, random[:16], &cnClient, &cnSecret)
	if err := c.Send(CmdWelcome, appendWelcome(make([]byte, 0, welcomeSize), helloKey, random[16:], &cnPublic, cookie)); err != nil {
		return nil, err
	}

	cmd, err = c.Recv()
	if err != nil {
		return nil, err
	}
	if cmd.Name != CmdInitiate {
		return nil, protocolErrorf("expected INITIATE, got %q", cmd.Name)
	}
	public := PublicFromSecret(s.SecretKey)
	in, err := openInitiate(cmd.Body, &cookieKey, &cnClient, &cnSecret, &public, helloNonce)
	if err != nil {
		return nil, err
	}
	clear(cookieKey[:])

	reply, err := zap.Authorize(c, s.Auth, zap.Request{
		RequestID:   []byte("1"),
		Domain:      s.Domain,
		Address:     s.Address,
		Identity:    s.RoutingID,
		Mechanism:   zap.MechanismCurve,
		Credentials: [][]byte{append([]byte(nil), in.client[:]...)},
	}, true)
	if err != nil {
		return nil, err
	}

	// The server's short nonces count from 1: READY 1, then the
	// messages.
	md := local.Append(nil)
	if err := c.Send(zmtp.CmdReady, appendReady(make([]byte, 0, readyMinSize+len(md)), in.key, 1, md)); err != nil {
		return nil, err
	}
	return &zmtp.Session{
		Peer:   append(in.metadata, reply.Metadata...),
		UserID: reply.UserID,
		Cipher: newCipher(in.key, true, 2, in.nonce),
	}, nil
}
