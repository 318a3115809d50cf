package fec

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
)

func randomSegments(n, size int, seed uint64) [][]byte {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([][]byte, n)
	for i := range out {
		out[i] = make([]byte, size)
		for b := range out[i] {
			out[i][b] = byte(r.Uint32())
		}
	}
	return out
}

func equalSegments(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// TestFieldIsLibnorms checks the field: alpha^8 reduces by 0x11d to 0x1d,
// and every non-zero element has an inverse.
func TestFieldIsLibnorms(t *testing.T) {
	if gfPow(8) != 0x1d {
		t.Fatalf("alpha^8 = %#x, want 0x1d (polynomial 1+x^2+x^3+x^4+x^8)", gfPow(8))
	}
	seen := map[byte]bool{}
	for i := 0; i < 255; i++ {
		seen[gfPow(i)] = true
	}
	if len(seen) != 255 {
		t.Fatalf("alpha generates %d elements, want 255", len(seen))
	}
	for a := 1; a < 256; a++ {
		if gfMul[a][gfInv(byte(a))] != 1 {
			t.Fatalf("%d * inverse != 1", a)
		}
	}
}

// TestSingleSourceParityIsCopy: with k = 1 every parity row is (1), which
// the RFC 5510 construction gives and libnorm's recorded output confirms.
func TestSingleSourceParityIsCopy(t *testing.T) {
	code, err := New(1, 3)
	if err != nil {
		t.Fatal(err)
	}
	src := [][]byte{[]byte("segment")}
	parity := [][]byte{make([]byte, 7), make([]byte, 7), make([]byte, 7)}
	if err := code.Encode(src, parity); err != nil {
		t.Fatal(err)
	}
	for j, p := range parity {
		if !bytes.Equal(p, src[0]) {
			t.Errorf("parity %d = %q", j, p)
		}
	}
}

// TestAddSourceEqualsEncode: folding segments in one at a time, in any
// order, as a sender does while sending, gives Encode's parity.
func TestAddSourceEqualsEncode(t *testing.T) {
	code, _ := New(16, 4)
	src := randomSegments(16, 100, 1)
	want := make([][]byte, 4)
	got := make([][]byte, 4)
	for j := range want {
		want[j] = make([]byte, 100)
		got[j] = make([]byte, 100)
	}
	if err := code.Encode(src, want); err != nil {
		t.Fatal(err)
	}
	for _, i := range rand.New(rand.NewPCG(2, 2)).Perm(16) {
		if err := code.AddSource(got, i, src[i]); err != nil {
			t.Fatal(err)
		}
	}
	if !equalSegments(got, want) {
		t.Fatal("incremental parity differs from Encode")
	}
}

// TestShortSourceIsZeroPadded: a segment shorter than the parity vectors
// codes as if padded with zeros, as NORM pads the last segment.
func TestShortSourceIsZeroPadded(t *testing.T) {
	code, _ := New(4, 2)
	short := [][]byte{[]byte("ab"), []byte("cdef"), []byte("g"), []byte("hijk")}
	padded := make([][]byte, 4)
	for i, s := range short {
		padded[i] = append(append([]byte{}, s...), make([]byte, 4-len(s))...)
	}
	a := [][]byte{make([]byte, 4), make([]byte, 4)}
	b := [][]byte{make([]byte, 4), make([]byte, 4)}
	if err := code.Encode(short, a); err != nil {
		t.Fatal(err)
	}
	if err := code.Encode(padded, b); err != nil {
		t.Fatal(err)
	}
	if !equalSegments(a, b) {
		t.Fatal("short segments code differently from zero-padded ones")
	}
}

// TestReconstructAnyK: for full and shortened blocks, every loss pattern
// that leaves blockLen segments is repaired to the original bytes.
func TestReconstructAnyK(t *testing.T) {
	for _, s := range []shape{{16, 4, 16, 64}, {16, 4, 7, 64}, {4, 4, 4, 5}, {1, 2, 1, 3}, {200, 55, 200, 4}} {
		t.Run(s.String(), func(t *testing.T) {
			code, err := New(s.k, s.p)
			if err != nil {
				t.Fatal(err)
			}
			dec := code.NewDecoder()
			src := randomSegments(s.blockLen, s.size, uint64(s.k))
			parity := make([][]byte, s.p)
			for j := range parity {
				parity[j] = make([]byte, s.size)
			}
			if err := code.Encode(src, parity); err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(uint64(s.blockLen), 3))
			n := s.blockLen + s.p
			trials := 200
			if s.k > 16 {
				trials = 10 // each trial inverts a 200 x 200 matrix
			}
			for trial := 0; trial < trials; trial++ {
				lose := r.IntN(s.p + 1)
				block := make([][]byte, n)
				received := make([]bool, n)
				for i := range block {
					received[i] = true
					if i < s.blockLen {
						block[i] = bytes.Clone(src[i])
					} else {
						block[i] = bytes.Clone(parity[i-s.blockLen])
					}
				}
				for _, i := range r.Perm(n)[:lose] {
					received[i] = false
					if i < s.blockLen {
						block[i] = bytes.Repeat([]byte{0xEE}, s.size) // stale content must not matter
					} else {
						block[i] = nil
					}
				}
				if err := dec.Reconstruct(block, received, s.blockLen); err != nil {
					t.Fatalf("lost %v: %v", received, err)
				}
				if !equalSegments(block[:s.blockLen], src) {
					t.Fatalf("lost %v: wrong source after repair", received)
				}
			}
		})
	}
}

// TestReconstructFromParityPrefix: a block may arrive with fewer parity
// entries than the code has (the sender sent only what was asked for).
func TestReconstructFromParityPrefix(t *testing.T) {
	code, _ := New(16, 4)
	src := randomSegments(16, 32, 9)
	parity := [][]byte{make([]byte, 32), make([]byte, 32)}
	if err := code.Encode(src, parity); err != nil {
		t.Fatal(err)
	}
	block := append(append([][]byte{}, src...), parity...)
	lost0, lost9 := bytes.Clone(src[0]), bytes.Clone(src[9])
	received := make([]bool, 18)
	for i := range received {
		received[i] = i != 0 && i != 9
	}
	block[0], block[9] = make([]byte, 32), make([]byte, 32)
	if err := code.NewDecoder().Reconstruct(block, received, 16); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(block[0], lost0) || !bytes.Equal(block[9], lost9) {
		t.Fatal("wrong repair")
	}
}

func TestReconstructErrors(t *testing.T) {
	code, _ := New(4, 2)
	dec := code.NewDecoder()
	seg := func() []byte { return make([]byte, 4) }
	full := func() [][]byte { return [][]byte{seg(), seg(), seg(), seg(), seg(), seg()} }
	for _, tc := range []struct {
		name     string
		block    [][]byte
		received []bool
		blockLen int
		want     error
	}{
		{"three lost, two parity", full(), []bool{false, false, false, true, true, true}, 4, ErrTooFew},
		{"parity lost too", full(), []bool{false, false, true, true, false, true}, 4, ErrTooFew},
		{"block longer than k", append(full(), seg()), make([]bool, 7), 5, ErrShape},
		{"received length mismatch", full(), make([]bool, 5), 4, ErrShape},
		{"more parity than the code", append(full(), seg()), make([]bool, 7), 4, ErrShape},
		{"zero block length", full(), make([]bool, 6), 0, ErrShape},
		{"uneven segments", [][]byte{seg(), make([]byte, 3), seg(), seg(), seg(), seg()}, []bool{false, true, true, true, true, true}, 4, ErrShape},
		{"lost buffer too short", [][]byte{nil, seg(), seg(), seg(), seg(), seg()}, []bool{false, true, true, true, true, true}, 4, ErrShape},
	} {
		if err := dec.Reconstruct(tc.block, tc.received, tc.blockLen); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestNewRejectsImpossibleCodes(t *testing.T) {
	for _, kp := range [][2]int{{0, 4}, {-1, 0}, {4, -1}, {200, 56}, {255, 1}} {
		if _, err := New(kp[0], kp[1]); err == nil {
			t.Errorf("New(%d, %d) accepted", kp[0], kp[1])
		}
	}
	if _, err := New(255, 0); err != nil {
		t.Errorf("New(255, 0): %v", err)
	}
}

func TestEncodeErrors(t *testing.T) {
	code, _ := New(2, 1)
	p := [][]byte{make([]byte, 2)}
	if err := code.Encode([][]byte{{1}, {2}, {3}}, p); !errors.Is(err, ErrShape) {
		t.Errorf("three sources into k=2: %v", err)
	}
	if err := code.Encode([][]byte{{1, 2, 3}}, p); !errors.Is(err, ErrShape) {
		t.Errorf("source longer than parity: %v", err)
	}
	if err := code.AddSource(p, 2, []byte{1}); !errors.Is(err, ErrShape) {
		t.Errorf("index 2 of k=2: %v", err)
	}
	if err := code.Encode(nil, [][]byte{{0}, {0}}); !errors.Is(err, ErrShape) {
		t.Errorf("two parity from p=1: %v", err)
	}
}

// Benchmarks report the speed of libzmq's configuration (16 + 4, 1408-byte
// vectors) in source bytes per second; ns/byte is 1e3 / (MB/s).
func BenchmarkEncode(b *testing.B) {
	for _, s := range []shape{{16, 4, 16, 1408}, {64, 16, 64, 1408}} {
		b.Run(fmt.Sprintf("k%d_p%d", s.k, s.p), func(b *testing.B) {
			code, _ := New(s.k, s.p)
			src := randomSegments(s.k, s.size, 1)
			parity := randomSegments(s.p, s.size, 2)
			b.SetBytes(int64(s.k * s.size))
			b.ReportAllocs()
			for b.Loop() {
				_ = code.Encode(src, parity)
			}
		})
	}
}

func BenchmarkReconstruct(b *testing.B) {
	for _, lost := range []int{1, 4} {
		b.Run(fmt.Sprintf("k16_p4_lost%d", lost), func(b *testing.B) {
			code, _ := New(16, 4)
			dec := code.NewDecoder()
			src := randomSegments(16, 1408, 1)
			parity := randomSegments(4, 1408, 2)
			_ = code.Encode(src, parity)
			block := append(append([][]byte{}, src...), parity...)
			received := make([]bool, 20)
			for i := range received {
				received[i] = i >= lost
			}
			b.SetBytes(16 * 1408)
			b.ReportAllocs()
			for b.Loop() {
				if err := dec.Reconstruct(block, received, 16); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
