package curve

import (
	"encoding/binary"
	"math"

	"golang.org/x/crypto/nacl/box"

	"github.com/zeroplug/zeroplug/sdk/zmtp"
)

// Flags inside a MESSAGE box: RFC 26 defines bit 0 (MORE); libzmq 4.3
// also carries bit 1 (COMMAND), so that PING, PONG, SUBSCRIBE and CANCEL
// travel boxed like messages (curve_mechanism_base.cpp). The other bits
// must be zero.
const (
	boxMore    byte = 0x01
	boxCommand byte = 0x02
)

// messageHeader is the MESSAGE command's name with its length byte;
// messageMin is the smallest MESSAGE frame: name, short nonce, a box
// holding at least the flags (RFC 26: "at least 33 octets").
const (
	messageHeader = "\x07" + CmdMessage
	messageMin    = len(messageHeader) + 8 + box.Overhead + 1
)

// Output buffers come from slabs, as the decoder's small bodies do: a
// frame up to slabMax bytes is carved from a shared slab, a larger one
// gets its own memory. A carved slice is never written again, so the
// encoder may keep it until Flush and the application the opened body as
// long as it likes.
const (
	slabSize = 64 << 10
	slabMax  = 4 << 10
	// scratchMax bounds the plaintext buffer that Seal keeps between
	// calls.
	scratchMax = 64 << 10
)

// cipher is the data phase of a CURVE connection (zmtp.Cipher): every
// frame goes in a MESSAGE command, boxed with the session key and a short
// nonce that counts up on each side. Seal and Open keep separate state,
// so that the engine's writer and reader may run them at once; the key is
// read only.
type cipher struct {
	key  *[32]byte
	seal sealState
	open openState
}

type sealState struct {
	prefix  string // "CurveZMQMESSAGEC" for the client
	nonce   uint64 // the next short nonce to use
	scratch []byte // flags and body, to be boxed
	slab    []byte
}

type openState struct {
	prefix string // the peer's prefix
	last   uint64 // the peer's last short nonce: the next must be larger
	slab   []byte
}

// newCipher starts the data phase: server tells the side, next is this
// side's next short nonce (after its handshake commands), last the peer's
// last one.
func newCipher(key *[32]byte, server bool, next, last uint64) *cipher {
	c := &cipher{key: key}
	c.seal.nonce, c.open.last = next, last
	c.seal.prefix, c.open.prefix = messageClientPrefix, messageServerPrefix
	if server {
		c.seal.prefix, c.open.prefix = messageServerPrefix, messageClientPrefix
	}
	return c
}

// Seal boxes one frame, its MORE and COMMAND flags inside, and appends it
// to enc as a MESSAGE command. The frame goes out with no flags, as libzmq
// 4.3 sends it: its own flags are in the box.
func (c *cipher) Seal(enc *zmtp.Encoder, flags byte, body []byte) error {
	s := &c.seal
	if s.nonce == math.MaxUint64 {
		// RFC 26: "SHALL NOT send more than 2^64-1 commands in one
		// connection."
		return protocolErrorf("the short nonce is exhausted")
	}
	nonce := s.nonce
	s.nonce++
	var inner byte
	if flags&zmtp.FlagMore != 0 {
		inner |= boxMore
	}
	if flags&zmtp.FlagCommand != 0 {
		inner |= boxCommand
	}
	plain := append(s.scratch[:0], inner)
	plain = append(plain, body...)
	size := len(messageHeader) + 8 + box.Overhead + len(plain)
	out := carve(&s.slab, size)
	out = append(out, messageHeader...)
	out = binary.BigEndian.AppendUint64(out, nonce)
	out = box.SealAfterPrecomputation(out, plain, shortNonce(s.prefix, nonce), c.key)
	if cap(plain) <= scratchMax {
		s.scratch = plain[:0]
	} else {
		s.scratch = nil
	}
	enc.Frame(0, out)
	return nil
}

// Open checks and opens one MESSAGE command and returns the frame inside
// with its own flags. It refuses anything but MESSAGE, a short nonce not
// above the last one (a replay, or frames out of order), a box that does
// not open, and reserved flags. Every error matches zmtp.ErrProtocol and
// should end the connection (RFC 26: "SHALL reject and disconnect"), with
// no ERROR sent.
func (c *cipher) Open(flags byte, frame []byte) (byte, []byte, error) {
	o := &c.open
	if flags&zmtp.FlagMore != 0 {
		return 0, nil, protocolErrorf("a MESSAGE frame with the MORE flag")
	}
	if len(frame) < len(messageHeader) || string(frame[:len(messageHeader)]) != messageHeader {
		return 0, nil, protocolErrorf("expected MESSAGE, got a frame of %d bytes that is not", len(frame))
	}
	if len(frame) < messageMin {
		return 0, nil, protocolErrorf("MESSAGE of %d octets, want at least %d", len(frame), messageMin)
	}
	p := frame[len(messageHeader):]
	nonce := binary.BigEndian.Uint64(p)
	if nonce <= o.last {
		return 0, nil, protocolErrorf("MESSAGE nonce %d after %d: replayed or out of order", nonce, o.last)
	}
	out := carve(&o.slab, len(p)-8-box.Overhead)
	plain, ok := box.OpenAfterPrecomputation(out, p[8:], shortNonce(o.prefix, nonce), c.key)
	if !ok {
		return 0, nil, cryptoErrorf("cannot open a MESSAGE box")
	}
	o.last = nonce
	inner := plain[0]
	if inner&^(boxMore|boxCommand) != 0 {
		return 0, nil, protocolErrorf("MESSAGE flags %#02x have reserved bits set", inner)
	}
	var out2 byte
	if inner&boxMore != 0 {
		out2 |= zmtp.FlagMore
	}
	if inner&boxCommand != 0 {
		if inner&boxMore != 0 {
			return 0, nil, protocolErrorf("a boxed command with the MORE flag")
		}
		out2 |= zmtp.FlagCommand
	}
	return out2, plain[1:len(plain):len(plain)], nil
}

// carve returns an empty slice with room for n bytes that nothing else
// will write: from the slab when n is small, else its own.
func carve(slab *[]byte, n int) []byte {
	if n > slabMax {
		return make([]byte, 0, n)
	}
	if len(*slab) < n {
		*slab = make([]byte, slabSize)
	}
	b := (*slab)[:0:n]
	*slab = (*slab)[n:]
	return b
}
