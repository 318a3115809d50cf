package curve

import (
	"crypto/subtle"
	"encoding/binary"
	"fmt"

	"golang.org/x/crypto/curve25519"
	"golang.org/x/crypto/nacl/box"
	"golang.org/x/crypto/nacl/secretbox"

	"github.com/zeroplug/zeroplug/sdk/zmtp"
)

// The commands' bodies, after the name, follow RFC 26's grammar ("High-level
// Grammar") and libzmq 4.3's curve_client_tools.hpp and curve_server.cpp
// byte for byte. Each function below builds or opens one of them from
// explicit keys and nonces, so that tests can check them against vectors.

// Command names of the CURVE handshake and data phase.
const (
	CmdHello    = "HELLO"
	CmdWelcome  = "WELCOME"
	CmdInitiate = "INITIATE"
	CmdMessage  = "MESSAGE"
)

// Nonce prefixes (RFC 26, "CurveZMQ Commands"): a short nonce (a counter)
// follows a 16-byte prefix, a long nonce (16 random bytes) an 8-byte one.
const (
	helloPrefix    = "CurveZMQHELLO---"
	welcomePrefix  = "WELCOME-"
	cookiePrefix   = "COOKIE--"
	initiatePrefix = "CurveZMQINITIATE"
	vouchPrefix    = "VOUCH---"
	readyPrefix    = "CurveZMQREADY---"
	// Message nonces name the sender: the client seals with C, the
	// server with S.
	messageClientPrefix = "CurveZMQMESSAGEC"
	messageServerPrefix = "CurveZMQMESSAGES"
)

// Sizes of the command bodies after the name.
const (
	// hello = version(2) padding(72) C'(32) nonce(8) box(80): 200 octets
	// with its name.
	helloSize    = 2 + helloPadding + KeySize + 8 + helloBoxSize
	helloPadding = 72
	helloBoxSize = 64 + box.Overhead
	// welcome = nonce(16) box(144): 168 octets with its name.
	welcomeSize    = 16 + welcomeBoxSize
	welcomeBoxSize = KeySize + cookieSize + box.Overhead
	// cookie = nonce(16) box(80), holding C' and s'.
	cookieSize    = 16 + cookieBoxSize
	cookieBoxSize = 2*KeySize + secretbox.Overhead
	// initiate = cookie(96) nonce(8) box(144+): 257 octets or more.
	initiateMinSize = cookieSize + 8 + initiateBoxMin
	initiateBoxMin  = KeySize + vouchSize + box.Overhead
	// vouch = nonce(16) box(80), holding C' and S.
	vouchSize    = 16 + vouchBoxSize
	vouchBoxSize = 2*KeySize + box.Overhead
	// ready = nonce(8) box(16+): 30 octets or more.
	readyMinSize = 8 + box.Overhead
)

// shortNonce is a 16-byte prefix and a big-endian counter.
func shortNonce(prefix string, n uint64) *[24]byte {
	var nonce [24]byte
	copy(nonce[:], prefix)
	binary.BigEndian.PutUint64(nonce[16:], n)
	return &nonce
}

// longNonce is an 8-byte prefix and 16 random bytes.
func longNonce(prefix string, random []byte) *[24]byte {
	var nonce [24]byte
	copy(nonce[:], prefix)
	copy(nonce[8:], random)
	return &nonce
}

// sharedKey precomputes the box key between a peer's public key and a
// secret key, refusing a low-order point: its shared secret is all zeros
// whatever the secret, so anyone could make and open the boxes (libsodium's
// crypto_box_beforenm refuses it too).
func sharedKey(peer, secret *Key) (*[32]byte, error) {
	if _, err := curve25519.X25519(secret[:], peer[:]); err != nil {
		return nil, cryptoErrorf("public key %s is a low-order point", peer)
	}
	return precompute(peer, secret), nil
}

// precompute is box.Precompute, for a peer key already checked by
// sharedKey.
func precompute(peer, secret *Key) *[32]byte {
	var k [32]byte
	box.Precompute(&k, (*[32]byte)(peer), (*[32]byte)(secret))
	return &k
}

// appendHello appends a HELLO body: version 1.0, the anti-amplification
// padding, the client's transient key C', the short nonce and
// Box[64 * %x0](C'->S), sealed with key = DH(c', S).
func appendHello(dst []byte, cnPublic *Key, key *[32]byte, nonce uint64) []byte {
	dst = append(dst, 1, 0)
	dst = append(dst, make([]byte, helloPadding)...)
	dst = append(dst, cnPublic[:]...)
	dst = binary.BigEndian.AppendUint64(dst, nonce)
	var zeros [64]byte
	return box.SealAfterPrecomputation(dst, zeros[:], shortNonce(helloPrefix, nonce), key)
}

// openHello checks a HELLO body and returns the client's transient key C',
// its short nonce and the key DH(s, C') of the signature box, which also
// seals WELCOME. Like libzmq, it does not look at the padding, which
// carries nothing.
func openHello(body []byte, secret *Key) (cnClient Key, nonce uint64, key *[32]byte, err error) {
	if len(body) != helloSize {
		return cnClient, 0, nil, protocolErrorf("HELLO of %d octets, want %d", 1+len(CmdHello)+len(body), 1+len(CmdHello)+helloSize)
	}
	if body[0] != 1 || body[1] != 0 {
		return cnClient, 0, nil, protocolErrorf("HELLO version %d.%d, want 1.0", body[0], body[1])
	}
	p := body[2+helloPadding:]
	copy(cnClient[:], p[:KeySize])
	nonce = binary.BigEndian.Uint64(p[KeySize:])
	if key, err = sharedKey(&cnClient, secret); err != nil {
		return cnClient, 0, nil, err
	}
	var plain [64]byte
	out, ok := box.OpenAfterPrecomputation(plain[:0], p[KeySize+8:], shortNonce(helloPrefix, nonce), key)
	if !ok {
		return cnClient, 0, nil, cryptoErrorf("cannot open the HELLO box (does the client use this server's public key?)")
	}
	if subtle.ConstantTimeCompare(out, make([]byte, 64)) != 1 {
		return cnClient, 0, nil, cryptoErrorf("the HELLO box does not hold 64 zeros")
	}
	return cnClient, nonce, key, nil
}

// sealCookie makes the cookie of RFC 26's WELCOME: a long nonce and
// Box[C' + s'](K) under the cookie key K.
func sealCookie(cookieKey *[32]byte, random []byte, cnClient, cnSecret *Key) []byte {
	var plain [2 * KeySize]byte
	copy(plain[:], cnClient[:])
	copy(plain[KeySize:], cnSecret[:])
	dst := make([]byte, 0, cookieSize)
	dst = append(dst, random[:16]...)
	dst = secretbox.Seal(dst, plain[:], longNonce(cookiePrefix, random), cookieKey)
	clear(plain[:])
	return dst
}

// openCookie opens a cookie that this server made under cookieKey and
// returns C' and s'.
func openCookie(cookie []byte, cookieKey *[32]byte) (cnClient, cnSecret Key, err error) {
	var plain [2 * KeySize]byte
	out, ok := secretbox.Open(plain[:0], cookie[16:cookieSize], longNonce(cookiePrefix, cookie[:16]), cookieKey)
	if !ok {
		return cnClient, cnSecret, cryptoErrorf("cannot open the INITIATE cookie")
	}
	copy(cnClient[:], out)
	copy(cnSecret[:], out[KeySize:])
	clear(plain[:])
	return cnClient, cnSecret, nil
}

// appendWelcome appends a WELCOME body: a long nonce and
// Box[S' + cookie](S->C'), sealed with key = DH(s, C').
func appendWelcome(dst []byte, key *[32]byte, random []byte, cnPublic *Key, cookie []byte) []byte {
	var plain [KeySize + cookieSize]byte
	copy(plain[:], cnPublic[:])
	copy(plain[KeySize:], cookie)
	dst = append(dst, random[:16]...)
	return box.SealAfterPrecomputation(dst, plain[:], longNonce(welcomePrefix, random), key)
}

// openWelcome opens a WELCOME body with key = DH(c', S) and returns the
// server's transient key S' and the cookie.
func openWelcome(body []byte, key *[32]byte) (cnServer Key, cookie []byte, err error) {
	if len(body) != welcomeSize {
		return cnServer, nil, protocolErrorf("WELCOME of %d octets, want %d", 1+len(CmdWelcome)+len(body), 1+len(CmdWelcome)+welcomeSize)
	}
	plain, ok := box.OpenAfterPrecomputation(make([]byte, 0, KeySize+cookieSize), body[16:], longNonce(welcomePrefix, body[:16]), key)
	if !ok {
		return cnServer, nil, cryptoErrorf("cannot open the WELCOME box (is this the server whose public key the client has?)")
	}
	copy(cnServer[:], plain)
	return cnServer, plain[KeySize:], nil
}

// initiate is what a client puts in INITIATE.
type initiate struct {
	cookie     []byte    // the server's, from WELCOME
	nonce      uint64    // the client's short nonce
	key        *[32]byte // DH(c', S'): the session key
	public     *Key      // C, the client's long-term public key
	vouchNonce []byte    // 16 random bytes
	vouchKey   *[32]byte // DH(c, S')
	cnPublic   *Key      // C'
	server     *Key      // S
	metadata   []byte
}

// appendInitiate appends an INITIATE body: the cookie, the short nonce and
// Box[C + vouch + metadata](C'->S'), where vouch = long nonce and
// Box[C' + S](C->S').
func appendInitiate(dst []byte, in *initiate) []byte {
	var vouchPlain [2 * KeySize]byte
	copy(vouchPlain[:], in.cnPublic[:])
	copy(vouchPlain[KeySize:], in.server[:])
	plain := make([]byte, 0, KeySize+vouchSize+len(in.metadata))
	plain = append(plain, in.public[:]...)
	plain = append(plain, in.vouchNonce[:16]...)
	plain = box.SealAfterPrecomputation(plain, vouchPlain[:], longNonce(vouchPrefix, in.vouchNonce), in.vouchKey)
	plain = append(plain, in.metadata...)
	dst = append(dst, in.cookie...)
	dst = binary.BigEndian.AppendUint64(dst, in.nonce)
	return box.SealAfterPrecomputation(dst, plain, shortNonce(initiatePrefix, in.nonce), in.key)
}

// initiated is what a server learns from INITIATE.
type initiated struct {
	nonce    uint64
	key      *[32]byte // DH(s', C'): the session key
	client   Key       // C
	metadata zmtp.Metadata
}

// openInitiate checks an INITIATE body against the cookie key and the
// HELLO that came before: the cookie must hold C' and s', the short nonce
// must follow HELLO's, the box must open with DH(s', C'), and the vouch
// must hold C' and S, boxed from C to S'.
func openInitiate(body []byte, cookieKey *[32]byte, cnClient, cnSecret, server *Key, helloNonce uint64) (*initiated, error) {
	if len(body) < initiateMinSize {
		return nil, protocolErrorf("INITIATE of %d octets, want at least %d", 1+len(CmdInitiate)+len(body), 1+len(CmdInitiate)+initiateMinSize)
	}
	cc, cs, err := openCookie(body[:cookieSize], cookieKey)
	if err != nil {
		return nil, err
	}
	ok := subtle.ConstantTimeCompare(cc[:], cnClient[:]) & subtle.ConstantTimeCompare(cs[:], cnSecret[:])
	clear(cs[:])
	if ok != 1 {
		return nil, cryptoErrorf("the INITIATE cookie is not this connection's")
	}
	in := &initiated{nonce: binary.BigEndian.Uint64(body[cookieSize:])}
	if in.nonce <= helloNonce {
		return nil, protocolErrorf("INITIATE nonce %d does not follow HELLO's %d", in.nonce, helloNonce)
	}
	in.key = precompute(cnClient, cnSecret)
	plain, ok2 := box.OpenAfterPrecomputation(nil, body[cookieSize+8:], shortNonce(initiatePrefix, in.nonce), in.key)
	if !ok2 {
		return nil, cryptoErrorf("cannot open the INITIATE box")
	}
	copy(in.client[:], plain)
	vouch := plain[KeySize : KeySize+vouchSize]
	vouchKey, err := sharedKey(&in.client, cnSecret)
	if err != nil {
		return nil, err
	}
	var vouchPlain [2 * KeySize]byte
	out, ok2 := box.OpenAfterPrecomputation(vouchPlain[:0], vouch[16:], longNonce(vouchPrefix, vouch[:16]), vouchKey)
	clear(vouchKey[:])
	if !ok2 {
		return nil, cryptoErrorf("cannot open the INITIATE vouch")
	}
	// libzmq compares C' only; S is checked too, as RFC 26 puts it there.
	if subtle.ConstantTimeCompare(out[:KeySize], cnClient[:])&subtle.ConstantTimeCompare(out[KeySize:], server[:]) != 1 {
		return nil, cryptoErrorf("the INITIATE vouch is not for this connection")
	}
	if in.metadata, err = zmtp.ParseMetadata(plain[KeySize+vouchSize:]); err != nil {
		return nil, err
	}
	return in, nil
}

// appendReady appends a READY body: the short nonce and Box[metadata](S'->C').
func appendReady(dst []byte, key *[32]byte, nonce uint64, metadata []byte) []byte {
	dst = binary.BigEndian.AppendUint64(dst, nonce)
	return box.SealAfterPrecomputation(dst, metadata, shortNonce(readyPrefix, nonce), key)
}

// openReady opens a READY body with the session key and returns the
// server's short nonce and metadata.
func openReady(body []byte, key *[32]byte) (uint64, zmtp.Metadata, error) {
	if len(body) < readyMinSize {
		return 0, nil, protocolErrorf("READY of %d octets, want at least %d", 6+len(body), 6+readyMinSize)
	}
	nonce := binary.BigEndian.Uint64(body)
	plain, ok := box.OpenAfterPrecomputation(nil, body[8:], shortNonce(readyPrefix, nonce), key)
	if !ok {
		return 0, nil, cryptoErrorf("cannot open the READY box")
	}
	md, err := zmtp.ParseMetadata(plain)
	return nonce, md, err
}

func protocolErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: CURVE: "+format, append([]any{zmtp.ErrProtocol}, args...)...)
}

// cryptoErrorf is a box that does not open or holds the wrong keys:
// libzmq's ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC, a protocol failure.
func cryptoErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: CURVE: cryptographic: "+format, append([]any{zmtp.ErrProtocol}, args...)...)
}
