package zeroplug

import (
	"github.com/zeroplug/zeroplug/sdk/z85"
)

// ErrZ85Length: the binary input is not a multiple of 4 bytes, or the text is
// not a non-empty multiple of 5 characters (RFC 32 leaves padding to the
// application).
var ErrZ85Length = z85.ErrLength

// Z85AppendEncode appends the Z85 text of src to dst; src's length must be a
// multiple of 4 (a shorter tail is ignored).
func Z85AppendEncode(dst, src []byte) []byte { return z85.AppendEncode(dst, src) }

// Z85Decode returns the bytes that the Z85 text s encodes. Like libzmq, it
// refuses text that is empty or not a multiple of 5 characters, characters
// outside the alphabet, and blocks whose value passes 2^32-1 ("%%%%%").
func Z85Decode(s string) ([]byte, error) { return z85.Decode(s) }

// Z85DecodedLen is the length of the bytes that s characters encode (s a
// multiple of 5).
func Z85DecodedLen(s int) int { return z85.DecodedLen(s) }

// Z85Encode returns the Z85 text of src, whose length must be a multiple of 4.
// Each four bytes, read as a big-endian 32-bit number, become five
// characters, the most significant first.
func Z85Encode(src []byte) (string, error) { return z85.Encode(src) }

// Z85EncodedLen is the length of the encoding of n bytes (n a multiple of 4).
func Z85EncodedLen(n int) int { return z85.EncodedLen(n) }
