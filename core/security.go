package core

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/zeroplug/zeroplug/sdk/zmtp"
	"github.com/zeroplug/zeroplug/sdk/zmtp/curve"
	"github.com/zeroplug/zeroplug/sdk/zmtp/plain"
	"github.com/zeroplug/zeroplug/sdk/zmtp/zap"
)

// security is a socket's mechanism settings. As in libzmq, the last of
// PLAIN_SERVER, PLAIN_USERNAME, CURVE_SERVER and CURVE_SERVERKEY set
// decides the mechanism.
type security struct {
	mechanism   string // "" (NULL), "PLAIN" or "CURVE"
	server      bool
	username    string
	password    string
	curveSecret curve.Key
	curvePublic curve.Key
	curveServer curve.Key
	zapDomain   string
}

// PlainServer is ZMQ_PLAIN_SERVER: the socket is a PLAIN server, which
// asks the context's authenticator about each client (RFC 24, 27).
func PlainServer(on bool) Option {
	return func(o *options) error {
		o.security.mechanism, o.security.server = mechanismIf(on, "PLAIN"), on
		return nil
	}
}

// PlainUsername is ZMQ_PLAIN_USERNAME: the socket is a PLAIN client with
// this user name.
func PlainUsername(user string) Option {
	return func(o *options) error {
		if len(user) > 255 {
			return fmt.Errorf("%w: a PLAIN user name is at most 255 bytes", ErrInvalid)
		}
		o.security.mechanism, o.security.server, o.security.username = "PLAIN", false, user
		return nil
	}
}

// PlainPassword is ZMQ_PLAIN_PASSWORD, for a PLAIN client.
func PlainPassword(password string) Option {
	return func(o *options) error {
		if len(password) > 255 {
			return fmt.Errorf("%w: a PLAIN password is at most 255 bytes", ErrInvalid)
		}
		o.security.mechanism, o.security.server, o.security.password = "PLAIN", false, password
		return nil
	}
}

// CurveServer is ZMQ_CURVE_SERVER: the socket is a CURVE server; it needs
// CurveSecretKey.
func CurveServer(on bool) Option {
	return func(o *options) error {
		o.security.mechanism, o.security.server = mechanismIf(on, "CURVE"), on
		return nil
	}
}

// CurveSecretKey is ZMQ_CURVE_SECRETKEY: the socket's long-term secret key,
// as 32 bytes or 40 characters of Z85.
func CurveSecretKey(key string) Option {
	return func(o *options) error {
		k, err := curve.ParseKey(key)
		if err != nil {
			return fmt.Errorf("%w: CURVE_SECRETKEY: %v", ErrInvalid, err)
		}
		o.security.curveSecret = k
		return nil
	}
}

// CurvePublicKey is ZMQ_CURVE_PUBLICKEY: a CURVE client's long-term public
// key (derived from the secret key when not set).
func CurvePublicKey(key string) Option {
	return func(o *options) error {
		k, err := curve.ParseKey(key)
		if err != nil {
			return fmt.Errorf("%w: CURVE_PUBLICKEY: %v", ErrInvalid, err)
		}
		o.security.curvePublic = k
		return nil
	}
}

// CurveServerKey is ZMQ_CURVE_SERVERKEY: the socket is a CURVE client of
// the server with this public key. Without CurveSecretKey it uses a fresh
// key pair of its own.
func CurveServerKey(key string) Option {
	return func(o *options) error {
		k, err := curve.ParseKey(key)
		if err != nil {
			return fmt.Errorf("%w: CURVE_SERVERKEY: %v", ErrInvalid, err)
		}
		o.security.mechanism, o.security.server, o.security.curveServer = "CURVE", false, k
		return nil
	}
}

// ZAPDomain is ZMQ_ZAP_DOMAIN: the domain in this socket's ZAP requests.
// With a domain set, even a NULL socket asks the authenticator.
func ZAPDomain(domain string) Option {
	return func(o *options) error { o.security.zapDomain = domain; return nil }
}

func mechanismIf(on bool, name string) string {
	if on {
		return name
	}
	return ""
}

// WithAuthenticator makes a the context's ZAP handler (RFC 27): every
// PLAIN and CURVE server socket of the context, and every socket with a
// ZAP domain, asks it about each client. Without one, the context uses a
// handler bound to inproc://zeromq.zap.01 as libzmq does, if there is one.
func WithAuthenticator(a zap.Authenticator) ContextOption {
	return func(c *Context) { c.auth = a }
}

// mechanism builds the mechanism of one connection from the options.
func (s *Socket) mechanism(o *options, conn net.Conn) (zmtp.Mechanism, error) {
	sec := &o.security
	auth := s.ctx.authenticator(o.handshakeIvl)
	addr := remoteIP(conn)
	switch {
	case sec.mechanism == "PLAIN" && sec.server:
		return plain.Server{Auth: auth, Domain: sec.zapDomain, Address: addr, RoutingID: o.routingID}, nil
	case sec.mechanism == "PLAIN":
		return plain.Client{Username: sec.username, Password: sec.password}, nil
	case sec.mechanism == "CURVE" && sec.server:
		if sec.curveSecret.IsZero() {
			return nil, fmt.Errorf("%w: a CURVE server needs CURVE_SECRETKEY", ErrInvalid)
		}
		return curve.Server{SecretKey: sec.curveSecret, Auth: auth, Domain: sec.zapDomain, Address: addr, RoutingID: o.routingID}, nil
	case sec.mechanism == "CURVE":
		return curve.Client{ServerKey: sec.curveServer, PublicKey: sec.curvePublic, SecretKey: sec.curveSecret}, nil
	case sec.zapDomain != "":
		return zap.Null{Auth: auth, Domain: sec.zapDomain, Address: addr, RoutingID: o.routingID}, nil
	}
	return nil, nil
}

// ensureCurveKeys gives a CURVE client without a key pair a fresh one,
// once per socket, so that only the server's key need be configured.
func (o *options) ensureCurveKeys() error {
	sec := &o.security
	if sec.mechanism != "CURVE" || sec.server || !sec.curveSecret.IsZero() {
		return nil
	}
	pub, secret, err := curve.GenerateKeyPair(nil)
	if err != nil {
		return err
	}
	sec.curvePublic, sec.curveSecret = pub, secret
	return nil
}

// authenticator is the context's ZAP handler: the Go one it was given, or
// else one that asks a socket bound to inproc://zeromq.zap.01.
func (c *Context) authenticator(timeout time.Duration) zap.Authenticator {
	if c.auth != nil {
		return c.auth
	}
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	return inprocZAP{c: c, timeout: timeout}
}

// inprocZAP is the ZAP client of RFC 27 over inproc: a REQ to the handler
// bound at zap.HandlerEndpoint in the same context, exactly as libzmq
// talks to pyzmq's and czmq's authenticators.
type inprocZAP struct {
	c       *Context
	timeout time.Duration
}

func (z inprocZAP) Authenticate(req zap.Request) (zap.Reply, error) {
	z.c.inproc.mu.Lock()
	_, bound := z.c.inproc.bound[zapName]
	z.c.inproc.mu.Unlock()
	if !bound {
		return zap.Reply{}, zap.ErrNoHandler
	}
	s, err := z.c.NewSocket(REQ, Linger(0))
	if err != nil {
		return zap.Reply{}, err
	}
	defer s.Close()
	if err := s.Connect(zap.HandlerEndpoint); err != nil {
		return zap.Reply{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), z.timeout)
	defer cancel()
	if err := s.SendContext(ctx, req.Frames()...); err != nil {
		return zap.Reply{}, fmt.Errorf("zap: sending the request: %w", err)
	}
	frames, err := s.RecvContext(ctx)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("zap: no reply from the handler within %v", z.timeout)
		}
		return zap.Reply{}, err
	}
	return zap.ParseReply(frames)
}

var zapName = zap.HandlerEndpoint[len("inproc://"):]
