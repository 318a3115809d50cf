package fec

// Decoder rebuilds lost source segments of a block from any blockLen of its
// source and parity segments. It reuses its scratch matrices between
// blocks, so a Decoder is for one goroutine at a time; make one per
// receiving goroutine from a shared Code.
type Decoder struct {
	code *Code
	// matrix and inverse are k x k scratch; rowOf maps a matrix row to the
	// received segment it stands for.
	matrix, scratch [][]byte
	rowOf           []int
	lost            []int
}

// NewDecoder returns a Decoder for c.
func (c *Code) NewDecoder() *Decoder {
	d := &Decoder{code: c, rowOf: make([]int, c.k), lost: make([]int, 0, c.k)}
	d.matrix = make([][]byte, c.k)
	d.scratch = make([][]byte, c.k)
	for i := range d.matrix {
		d.matrix[i] = make([]byte, c.k)
		d.scratch[i] = make([]byte, c.k)
	}
	return d
}

// Reconstruct fills in the missing source segments of one block, in place.
// block holds the block's blockLen source segments, then its parity
// segments in symbol order: block[i] is the segment with encoding symbol ID
// i, so block[blockLen+j] is parity j. received[i] tells whether block[i] arrived. Every missing source segment
// must be a buffer of the segment length (its content is overwritten);
// missing parity entries may be nil. All received segments must be of one
// length, zero-padded as NORM pads them for coding.
//
// Reconstruct needs at least blockLen received segments; with more it uses
// source segments first, then the lowest parity segments.
func (d *Decoder) Reconstruct(block [][]byte, received []bool, blockLen int) error {
	c := d.code
	if blockLen < 1 || blockLen > c.k || len(block) != len(received) ||
		len(block) < blockLen || len(block) > blockLen+c.p {
		return ErrShape
	}
	d.lost = d.lost[:0]
	size, have := -1, 0
	for i, ok := range received {
		if !ok {
			if i < blockLen {
				d.lost = append(d.lost, i)
			}
			continue
		}
		have++
		if size < 0 {
			size = len(block[i])
		} else if len(block[i]) != size {
			return ErrShape
		}
	}
	if len(d.lost) == 0 {
		return nil
	}
	if have < blockLen {
		return ErrTooFew
	}
	for _, i := range d.lost {
		if len(block[i]) != size {
			return ErrShape
		}
	}
	// Rows of G for the segments used: identity rows for the received source
	// segments, parity rows (restricted to the blockLen real columns) in
	// place of the lost ones. The zero padding of a shortened block adds
	// nothing to any parity, so its columns drop out.
	n := blockLen
	next := blockLen
	for r := 0; r < n; r++ {
		row := d.matrix[r][:n]
		clear(row)
		if received[r] {
			row[r] = 1
			d.rowOf[r] = r
			continue
		}
		for next < len(block) && !received[next] {
			next++
		}
		if next == len(block) {
			return ErrTooFew
		}
		copy(row, c.parityRows[next-blockLen][:n])
		d.rowOf[r] = next
		next++
	}
	m := d.matrix[:n]
	for i := range m {
		m[i] = m[i][:n]
	}
	ok := invert(m, d.scratch[:n])
	for i := range m {
		m[i] = m[i][:c.k]
	}
	if !ok {
		return ErrSingular
	}
	// source[r] = sum over t of inverse[r][t] * used[t], for the lost r.
	for _, r := range d.lost {
		dst := block[r]
		clear(dst)
		for t := 0; t < n; t++ {
			mulAdd(dst, block[d.rowOf[t]], d.matrix[r][t])
		}
	}
	return nil
}
