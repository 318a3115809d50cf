package fec

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzReconstruct codes fuzzed data with a fuzzed (k, p, block length) and
// loses the segments the loss mask names: Reconstruct must repair every
// block that kept blockLen segments exactly, and report ErrTooFew for the
// others, never panic.
func FuzzReconstruct(f *testing.F) {
	f.Add(uint8(16), uint8(4), uint8(16), uint32(0b1011), []byte("libzmq: 16 data and 4 parity segments"))
	f.Add(uint8(4), uint8(2), uint8(3), uint32(0b10001), []byte("shortened"))
	f.Add(uint8(1), uint8(1), uint8(1), uint32(1), []byte{0})
	f.Fuzz(func(t *testing.T, k, p, blockLen uint8, lossMask uint32, data []byte) {
		kk, pp := int(k%32)+1, int(p%8)
		n := int(blockLen)%kk + 1
		code, err := New(kk, pp)
		if err != nil {
			t.Fatal(err)
		}
		size := len(data)/n + 1
		src := make([][]byte, n)
		for i := range src {
			src[i] = make([]byte, size)
			copy(src[i], data[min(len(data), i*size):])
		}
		block := make([][]byte, n+pp)
		for i := range block {
			block[i] = make([]byte, size)
		}
		if err := code.Encode(src, block[n:]); err != nil {
			t.Fatal(err)
		}
		received := make([]bool, n+pp)
		lost := 0
		for i := range received {
			received[i] = lossMask&(1<<(i%32)) == 0
			if !received[i] {
				lost++
			}
			if i < n {
				if received[i] {
					copy(block[i], src[i])
				}
			}
		}
		err = code.NewDecoder().Reconstruct(block, received, n)
		if lost > pp {
			if !errors.Is(err, ErrTooFew) {
				t.Fatalf("lost %d of %d+%d: %v", lost, n, pp, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("lost %d of %d+%d: %v", lost, n, pp, err)
		}
		for i := range src {
			if !bytes.Equal(block[i], src[i]) {
				t.Fatalf("segment %d wrong after repair", i)
			}
		}
	})
}
