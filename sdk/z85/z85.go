// Package z85 is the Z85 encoding of ZeroMQ RFC 32: four bytes become five
// printable characters that are safe in source code, on a command line and
// in configuration files. CURVE keys are written in it (40 characters for 32
// bytes). Encode and Decode behave like libzmq's zmq_z85_encode and
// zmq_z85_decode, errors included.
package z85

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// alphabet maps the values 0 to 84 to characters (RFC 32, "Formal
// Specification").
const alphabet = "0123456789" +
	"abcdefghij" +
	"klmnopqrst" +
	"uvwxyzABCD" +
	"EFGHIJKLMN" +
	"OPQRSTUVWX" +
	"YZ.-:+=^!/" +
	"*?&<>()[]{" +
	"}@%$#"

// invalid marks the characters outside the alphabet in decodeMap.
const invalid = 0xFF

var decodeMap = func() [256]byte {
	var m [256]byte
	for i := range m {
		m[i] = invalid
	}
	for i := 0; i < len(alphabet); i++ {
		m[alphabet[i]] = byte(i)
	}
	return m
}()

// ErrLength: the binary input is not a multiple of 4 bytes, or the text is
// not a non-empty multiple of 5 characters (RFC 32 leaves padding to the
// application).
var ErrLength = errors.New("z85: length is not a multiple of the block size")

// EncodedLen is the length of the encoding of n bytes (n a multiple of 4).
func EncodedLen(n int) int { return n / 4 * 5 }

// DecodedLen is the length of the bytes that s characters encode (s a
// multiple of 5).
func DecodedLen(s int) int { return s / 5 * 4 }

// Encode returns the Z85 text of src, whose length must be a multiple of 4.
// Each four bytes, read as a big-endian 32-bit number, become five
// characters, the most significant first.
func Encode(src []byte) (string, error) {
	if len(src)%4 != 0 {
		return "", fmt.Errorf("%w: %d bytes, want a multiple of 4", ErrLength, len(src))
	}
	return string(AppendEncode(nil, src)), nil
}

// AppendEncode appends the Z85 text of src to dst; src's length must be a
// multiple of 4 (a shorter tail is ignored).
func AppendEncode(dst, src []byte) []byte {
	for ; len(src) >= 4; src = src[4:] {
		v := binary.BigEndian.Uint32(src)
		var block [5]byte
		for i := 4; i >= 0; i-- {
			block[i] = alphabet[v%85]
			v /= 85
		}
		dst = append(dst, block[:]...)
	}
	return dst
}

// Decode returns the bytes that the Z85 text s encodes. Like libzmq, it
// refuses text that is empty or not a multiple of 5 characters, characters
// outside the alphabet, and blocks whose value passes 2^32-1 ("%%%%%").
func Decode(s string) ([]byte, error) {
	if len(s) < 5 || len(s)%5 != 0 {
		return nil, fmt.Errorf("%w: %d characters, want a non-zero multiple of 5", ErrLength, len(s))
	}
	dst := make([]byte, 0, DecodedLen(len(s)))
	for i := 0; i < len(s); i += 5 {
		var v uint64
		for j := i; j < i+5; j++ {
			d := decodeMap[s[j]]
			if d == invalid {
				return nil, fmt.Errorf("z85: character %q at %d is not in the alphabet", s[j], j)
			}
			v = v*85 + uint64(d)
		}
		if v > 0xFFFFFFFF {
			return nil, fmt.Errorf("z85: block %q at %d is larger than 32 bits", s[i:i+5], i)
		}
		dst = binary.BigEndian.AppendUint32(dst, uint32(v))
	}
	return dst, nil
}
