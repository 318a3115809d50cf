package fec

// GF(2^8) arithmetic with the field libnorm's RS8 coder uses (Rizzo's
// Vandermonde code): the primitive polynomial 1 + x^2 + x^3 + x^4 + x^8
// (0x11d) and the primitive element alpha = x = 2. A different polynomial
// would give different parity bytes, so this constant is part of the wire.
const fieldPolynomial = 0x11d

var (
	// gfExp[i] = alpha^i, doubled in length so that a product of two
	// logarithms indexes it without a modulo.
	gfExp [510]byte
	// gfLog[x] = i such that alpha^i = x, for x != 0.
	gfLog [256]int
	// gfMul[a][b] = a*b. 64 KiB; multiplying a whole segment by one
	// coefficient then costs one table row lookup per byte.
	gfMul [256][256]byte
)

func init() {
	x := 1
	for i := 0; i < 255; i++ {
		gfExp[i] = byte(x)
		gfExp[i+255] = byte(x)
		gfLog[x] = i
		x <<= 1
		if x&0x100 != 0 {
			x ^= fieldPolynomial
		}
	}
	for a := 1; a < 256; a++ {
		for b := 1; b < 256; b++ {
			gfMul[a][b] = gfExp[gfLog[a]+gfLog[b]]
		}
	}
}

// gfPow returns alpha^e for any e >= 0.
func gfPow(e int) byte { return gfExp[e%255] }

// gfInv returns the multiplicative inverse of a non-zero element.
func gfInv(a byte) byte { return gfExp[255-gfLog[a]] }

// mulAdd computes dst[i] ^= c*src[i] over len(dst) bytes: the one operation
// that encoding and decoding spend their time in.
func mulAdd(dst, src []byte, c byte) {
	if c == 0 {
		return
	}
	row := &gfMul[c]
	src = src[:len(dst)]
	for i, s := range src {
		dst[i] ^= row[s]
	}
}
