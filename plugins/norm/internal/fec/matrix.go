package fec

// invert replaces the square matrix m by its inverse over GF(2^8), by
// Gauss-Jordan elimination on [m | I]; scratch must have len(m) rows of at
// least len(m) bytes and is overwritten. It reports false if m is singular.
func invert(m, scratch [][]byte) bool {
	n := len(m)
	inv := scratch[:n]
	for i := range inv {
		inv[i] = inv[i][:n]
		clear(inv[i])
		inv[i][i] = 1
	}
	for col := 0; col < n; col++ {
		pivot := col
		for pivot < n && m[pivot][col] == 0 {
			pivot++
		}
		if pivot == n {
			return false
		}
		m[col], m[pivot] = m[pivot], m[col]
		inv[col], inv[pivot] = inv[pivot], inv[col]
		if c := m[col][col]; c != 1 {
			scale := gfInv(c)
			scaleRow(m[col], scale)
			scaleRow(inv[col], scale)
		}
		for r := 0; r < n; r++ {
			if r == col || m[r][col] == 0 {
				continue
			}
			c := m[r][col]
			mulAdd(m[r], m[col], c)
			mulAdd(inv[r], inv[col], c)
		}
	}
	for i := range m {
		copy(m[i], inv[i])
	}
	return true
}

func scaleRow(row []byte, c byte) {
	t := &gfMul[c]
	for i, v := range row {
		row[i] = t[v]
	}
}
