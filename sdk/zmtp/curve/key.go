package curve

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/curve25519"
	"golang.org/x/crypto/nacl/box"

	"github.com/zeroplug/zeroplug/sdk/z85"
)

// KeySize is the length of a CURVE key, public or secret (Curve25519).
const KeySize = 32

// Key is a Curve25519 public or secret key. Its text form is Z85 (RFC 32),
// 40 characters, as libzmq's ZMQ_CURVE_* options and zmq_curve_keypair use.
type Key [KeySize]byte

// String returns the key's 40 Z85 characters.
func (k Key) String() string {
	return string(z85.AppendEncode(make([]byte, 0, z85.EncodedLen(KeySize)), k[:]))
}

// IsZero reports whether the key is all zeros, that is, not set.
func (k Key) IsZero() bool {
	var zero Key
	return subtle.ConstantTimeCompare(k[:], zero[:]) == 1
}

// ErrKey: a key is neither 32 bytes nor 40 Z85 characters.
var ErrKey = errors.New("curve: a key is 32 bytes or 40 Z85 characters")

// ParseKey accepts a key as libzmq's ZMQ_CURVE_* options do: 32 raw bytes,
// or 40 characters of Z85 text.
func ParseKey(s string) (Key, error) {
	var k Key
	switch len(s) {
	case KeySize:
		copy(k[:], s)
		return k, nil
	case z85.EncodedLen(KeySize):
		b, err := z85.Decode(s)
		if err != nil {
			return k, fmt.Errorf("%w: %v", ErrKey, err)
		}
		copy(k[:], b)
		return k, nil
	}
	return k, fmt.Errorf("%w, not %d", ErrKey, len(s))
}

// GenerateKeyPair returns a new long-term key pair, like libzmq's
// zmq_curve_keypair; Key.String gives their Z85 text. A nil rand means
// crypto/rand.
func GenerateKeyPair(rand io.Reader) (public, secret Key, err error) {
	pub, sec, err := box.GenerateKey(randReader(rand))
	if err != nil {
		return public, secret, fmt.Errorf("curve: generating a key pair: %w", err)
	}
	return *pub, *sec, nil
}

// PublicFromSecret derives the public key of a secret key, like libzmq's
// zmq_curve_public.
func PublicFromSecret(secret Key) Key {
	var pub Key
	p, err := curve25519.X25519(secret[:], curve25519.Basepoint)
	if err != nil {
		// X25519 fails only on a low-order point, and the base point
		// is not one.
		panic("curve: " + err.Error())
	}
	copy(pub[:], p)
	return pub
}

// randReader returns r, or crypto/rand's reader when r is nil.
func randReader(r io.Reader) io.Reader {
	if r == nil {
		return rand.Reader
	}
	return r
}
