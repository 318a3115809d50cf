package zeroplug

import (
	"io"

	"github.com/zeroplug/zeroplug/sdk/zmtp/curve"
)

// CurveKey is a Curve25519 public or secret key. Its text form is Z85 (RFC 32),
// 40 characters, as libzmq's ZMQ_CURVE_* options and zmq_curve_keypair use.
type CurveKey = curve.Key

// CurveKeySize is the length of a CURVE key, public or secret (Curve25519).
const CurveKeySize = curve.KeySize

// GenerateCurveKeyPair returns a new long-term key pair, like libzmq's
// zmq_curve_keypair; CurveKey.String gives their Z85 text. A nil rand means
// crypto/rand.
func GenerateCurveKeyPair(rand io.Reader) (public, secret CurveKey, err error) {
	return curve.GenerateKeyPair(rand)
}

// ParseCurveKey accepts a key as libzmq's ZMQ_CURVE_* options do: 32 raw bytes,
// or 40 characters of Z85 text.
func ParseCurveKey(s string) (CurveKey, error) { return curve.ParseKey(s) }

// CurvePublicFromSecret derives the public key of a secret key, like libzmq's
// zmq_curve_public.
func CurvePublicFromSecret(secret CurveKey) CurveKey { return curve.PublicFromSecret(secret) }

// ErrCurveKey: a key is neither 32 bytes nor 40 Z85 characters.
var ErrCurveKey = curve.ErrKey
