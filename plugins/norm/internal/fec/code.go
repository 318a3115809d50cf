// Package fec implements the Reed-Solomon erasure code of NORM's FEC
// encoding ID 5 (RFC 5510, m = 8) exactly as libnorm builds it, so that
// parity segments made here equal libnorm's byte for byte and libnorm's
// parity repairs blocks here.
//
// libnorm's RS8 coder is Luigi Rizzo's systematic Vandermonde code. For a
// block of k source segments and p parity segments, n = k + p <= 255:
//
//   - V is the n x k matrix whose row 0 is (1, 0, ..., 0), the powers of the
//     field element 0, and whose row r >= 1 holds the powers of alpha^(r-1):
//     V[r][c] = alpha^((r-1)*c).
//   - G = V * inverse(top k x k of V). Its top is the identity (source
//     segments are sent as they are); parity segment j (encoding symbol ID
//     k + j) is sum over c of G[k+j][c] * source[c].
//
// A block shorter than k (the last block of an object) is the shortened
// code: the missing source segments count as zeros and the parity rows stay
// those of the full k, which is what libnorm does. In such a block of
// blockLen source segments, parity j carries encoding symbol ID blockLen + j.
//
// What NORM codes is the whole NORM_DATA payload, zero-padded to the
// largest payload: for a stream object that is the 8-byte stream payload
// header plus segment_size bytes. This package codes equal-length vectors;
// the padding is the caller's.
package fec

import (
	"errors"
	"fmt"
)

// MaxSegments is the largest block plus parity that GF(2^8) allows: n <= 255.
const MaxSegments = 255

// Errors that Code's methods return.
var (
	ErrShape    = errors.New("fec: block shape does not match the code")
	ErrTooFew   = errors.New("fec: fewer segments received than source segments in the block")
	ErrSingular = errors.New("fec: decoding matrix is singular")
)

// Code is one (k source, p parity) RS8 code. It is immutable once built and
// safe for concurrent use; decoding needs scratch space, which a Decoder holds.
type Code struct {
	k, p int
	// parityRows[j][c] is G[k+j][c], the coefficient of source segment c in
	// parity segment j.
	parityRows [][]byte
}

// New builds the code for blocks of up to dataSegments source segments and
// paritySegments parity segments (NORM's max_block_len and num_parity).
func New(dataSegments, paritySegments int) (*Code, error) {
	k, p := dataSegments, paritySegments
	if k < 1 || p < 0 || k+p > MaxSegments {
		return nil, fmt.Errorf("fec: %d source + %d parity segments: need at least 1 source and at most %d in all", k, p, MaxSegments)
	}
	// top = V[0:k], inverted in place; bottom = V[k:n].
	top := make([][]byte, k)
	for r := range top {
		top[r] = vandermondeRow(r, k)
	}
	scratch := make([][]byte, k)
	for r := range scratch {
		scratch[r] = make([]byte, k)
	}
	if !invert(top, scratch) {
		// A Vandermonde matrix over distinct elements is never singular.
		panic("fec: Vandermonde matrix not invertible")
	}
	rows := make([][]byte, p)
	for j := range rows {
		v := vandermondeRow(k+j, k)
		row := make([]byte, k)
		for c := 0; c < k; c++ {
			var acc byte
			for i := 0; i < k; i++ {
				acc ^= gfMul[v[i]][top[i][c]]
			}
			row[c] = acc
		}
		rows[j] = row
	}
	return &Code{k: k, p: p, parityRows: rows}, nil
}

// vandermondeRow returns row r of V: the powers 0..k-1 of the element 0 for
// r = 0 and of alpha^(r-1) otherwise.
func vandermondeRow(r, k int) []byte {
	row := make([]byte, k)
	if r == 0 {
		row[0] = 1
		return row
	}
	for c := 0; c < k; c++ {
		row[c] = gfPow((r - 1) * c)
	}
	return row
}

// DataSegments returns k, the most source segments in a block.
func (c *Code) DataSegments() int { return c.k }

// ParitySegments returns p, the most parity segments a block has.
func (c *Code) ParitySegments() int { return c.p }

// AddSource folds source segment index of a block into the parity being
// built: parity[j] ^= G[k+j][index] * src, for each j < len(parity). A
// sender calls it once per segment as it sends, like libnorm, starting from
// zeroed parity buffers; segments shorter than the parity buffers count as
// zero-padded (NORM pads to the segment size for coding). len(parity) may be
// below p: parity segment j never depends on how many follow it.
func (c *Code) AddSource(parity [][]byte, index int, src []byte) error {
	if index < 0 || index >= c.k || len(parity) > c.p {
		return ErrShape
	}
	for j, dst := range parity {
		if len(src) > len(dst) {
			return ErrShape
		}
		mulAdd(dst[:len(src)], src, c.parityRows[j][index])
	}
	return nil
}

// Encode computes len(parity) parity segments for the source segments of
// one block (len(source) <= k), overwriting parity. Source segments shorter
// than the parity buffers count as zero-padded.
func (c *Code) Encode(source, parity [][]byte) error {
	if len(source) > c.k || len(parity) > c.p {
		return ErrShape
	}
	for _, dst := range parity {
		clear(dst)
	}
	for i, src := range source {
		if err := c.AddSource(parity, i, src); err != nil {
			return err
		}
	}
	return nil
}
