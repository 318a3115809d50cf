package zeroplug

import (
	"github.com/zeroplug/zeroplug/sdk/zmtp/zap"
)

// ZAPPolicy is a ready ZAPAuthenticator for the common cases: allow and deny
// lists of client addresses, PLAIN users with their passwords, and CURVE
// client keys. An empty list allows everything of its kind, so the zero
// Policy lets in every client that completes its mechanism.
type ZAPPolicy = zap.Policy

// ZAPAuthenticator decides whether a client may connect. The PLAIN server
// calls it after HELLO, the CURVE server after INITIATE, before they
// answer. It runs on the connection's handshake and may block; the
// implementation bounds its own wait, since the mechanism cannot interrupt
// it.
type ZAPAuthenticator = zap.Authenticator

// ZAPAuthenticatorFunc makes a function a ZAPAuthenticator.
type ZAPAuthenticatorFunc = zap.AuthenticatorFunc

// ZAPRequest is what a server asks the handler about one connection.
type ZAPRequest = zap.Request

// ZAPReply is the handler's answer.
type ZAPReply = zap.Reply

// ZAPDeniedError is a reply other than ZAPStatusOK: the client is refused.
// On the server, the Err of its EventHandshakeFailedAuth is one (errors.As
// finds it), with the status code that libzmq puts in the event's value.
type ZAPDeniedError = zap.DeniedError

// ParseZAPRequest decodes a request's frames, with or without the empty
// delimiter frame in front.
func ParseZAPRequest(frames [][]byte) (ZAPRequest, error) { return zap.ParseRequest(frames) }

// ParseZAPReply decodes a reply's frames, with or without the empty delimiter
// frame in front, checking what libzmq checks: six frames, version "1.0", a
// status code of 200, 300, 400 or 500, well-formed metadata. The caller
// compares RequestID with its request's.
func ParseZAPReply(frames [][]byte) (ZAPReply, error) { return zap.ParseReply(frames) }

// ErrNoZAPHandler is a ZAPAuthenticator's error when no ZAP handler is bound.
var ErrNoZAPHandler = zap.ErrNoHandler

// ZAPHandlerEndpoint is where the process's one ZAP handler binds (RFC 27,
// "Architecture").
const ZAPHandlerEndpoint = zap.HandlerEndpoint

// ZAPVersion is the protocol version in every request and reply.
const ZAPVersion = zap.Version

// Status codes of a ZAP reply (RFC 27, "Message Format").
const (
	ZAPStatusOK        = zap.StatusOK        // authenticated
	ZAPStatusTemporary = zap.StatusTemporary // temporary failure: the server closes silently
	ZAPStatusDenied    = zap.StatusDenied    // authentication failed
	ZAPStatusInternal  = zap.StatusInternal  // the handler failed
)

// Mechanism names as they appear in a ZAPRequest.
const (
	ZAPMechanismNull  = zap.MechanismNull
	ZAPMechanismPlain = zap.MechanismPlain
	ZAPMechanismCurve = zap.MechanismCurve
)

// ZAPKeySet is a set of CURVE client public keys, such as a directory of
// certificates (zcert.Store). Allowed is called from the ZAP handler, once per
// handshake, possibly from several goroutines at once; it must not block.
type ZAPKeySet = zap.KeySet
