// Package zmtp is the ZeroMQ Message Transport Protocol codec: the greeting,
// frames, commands, metadata and the mechanism handshake of ZMTP 3.0 and 3.1
// (RFC 23 and RFC 37). The core's engine runs on it; a plugin that is a ZMTP
// peer on its own end of a socketpair reuses it.
package zmtp

import (
	"bytes"
	"fmt"
)

// GreetingSize is the length of a ZMTP 3.x greeting (RFC 37, section 3.2).
const GreetingSize = 64

// The version zeroplug announces: ZMTP 3.1.
const (
	MajorVersion = 3
	MinorVersion = 1
)

// Greeting is the fixed 64-byte preamble each peer sends first.
type Greeting struct {
	Major, Minor byte
	Mechanism    string // "NULL", "PLAIN", "CURVE"; at most 20 bytes
	AsServer     bool
}

// Marshal encodes the greeting: signature (0xFF, 8 bytes of padding, 0x7F),
// version, mechanism padded with zeros to 20 bytes, as-server, 31 zeros.
func (g Greeting) Marshal() [GreetingSize]byte {
	var b [GreetingSize]byte
	b[0] = 0xFF
	b[9] = 0x7F
	b[10] = g.Major
	b[11] = g.Minor
	copy(b[12:32], g.Mechanism)
	if g.AsServer {
		b[32] = 1
	}
	return b
}

// ParseGreeting decodes a peer's greeting. It accepts any 3.x version (a
// higher minor version talks 3.1, RFC 37 section 3.2.2) and rejects the
// signatures of ZMTP 1.0 and 2.0 peers, which zeroplug does not speak.
func ParseGreeting(b []byte) (Greeting, error) {
	if len(b) < GreetingSize {
		return Greeting{}, protocolErrorf("greeting is %d bytes, want %d", len(b), GreetingSize)
	}
	if err := checkSignature(b); err != nil {
		return Greeting{}, err
	}
	if b[10] < 3 {
		// The revision byte: 1 is ZMTP 2.0 (RFC 15); ZMTP 1.0 has none.
		return Greeting{}, protocolErrorf("peer speaks ZMTP revision %d (libzmq 3.x or older); zeroplug needs ZMTP 3.0 or later", b[10])
	}
	mech := b[12:32]
	if i := bytes.IndexByte(mech, 0); i >= 0 {
		for _, c := range mech[i:] {
			if c != 0 {
				return Greeting{}, protocolErrorf("mechanism name is not zero-padded")
			}
		}
		mech = mech[:i]
	}
	for _, c := range mech {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '+') {
			return Greeting{}, protocolErrorf("mechanism name %q has a character outside RFC 37's set", mech)
		}
	}
	if b[32] > 1 {
		return Greeting{}, protocolErrorf("as-server is %d, want 0 or 1", b[32])
	}
	return Greeting{Major: b[10], Minor: b[11], Mechanism: string(mech), AsServer: b[32] == 1}, nil
}

// signatureSize is the length of the greeting's signature: 0xFF, eight
// bytes of padding, 0x7F (RFC 37, section 3.2.1).
const signatureSize = 10

// checkSignature checks the first ten bytes of a greeting. Bit 0 of the
// tenth byte set is what tells a ZMTP 2.0 or later peer from a 1.0 one.
func checkSignature(b []byte) error {
	if b[0] != 0xFF || b[9]&1 != 1 {
		return protocolErrorf("bad greeting signature % x", b[:signatureSize])
	}
	return nil
}

// Supports31 tells whether the peer announced ZMTP 3.1 or later, which
// decides how subscriptions travel (commands, not messages).
func (g Greeting) Supports31() bool { return g.Major > 3 || g.Major == 3 && g.Minor >= 1 }

func (g Greeting) String() string {
	return fmt.Sprintf("ZMTP %d.%d %s server=%v", g.Major, g.Minor, g.Mechanism, g.AsServer)
}
