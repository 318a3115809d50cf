package fec

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The reference: testdata/rs8ref.cpp linked against Debian's libnorm.a
// (libnorm-dev 1.5.9, the libnorm that libzmq 4.3.4 uses) runs libnorm's own
// NormEncoderRS8. testdata/libnorm_rs8.txt holds its output for the shapes
// below, so that the comparison also runs where no C++ compiler or libnorm
// is installed; go test -run TestParity -update rewrites it from libnorm.

const libnormArchive = "/usr/lib/x86_64-linux-gnu/libnorm.a"

var update = flag.Bool("update", false, "rewrite testdata/libnorm_rs8.txt from libnorm")

// shape is one encoder configuration: NORM's max_block_len, num_parity, the
// source segments actually in the block (fewer in a shortened last block)
// and the vector length.
type shape struct{ k, p, blockLen, size int }

var shapes = []shape{
	{16, 4, 16, 64},   // libzmq's configuration: 16 data + 4 parity
	{16, 4, 5, 32},    // a shortened block
	{4, 2, 4, 3},      // small enough to check by hand
	{1, 3, 1, 8},      // a single source segment: parity is a copy
	{200, 55, 200, 9}, // n = 255, the largest RS8 block
	{16, 4, 16, 1408}, // a full stream segment: 1400 + 8 header bytes
}

// pattern is the source data every case encodes: deterministic, and
// different in every segment and byte position.
func pattern(s shape) [][]byte {
	src := make([][]byte, s.blockLen)
	for i := range src {
		src[i] = make([]byte, s.size)
		for b := range src[i] {
			src[i][b] = byte(i*31 + b*7 + i*b*13 + 0x5a)
		}
	}
	return src
}

func (s shape) String() string {
	return fmt.Sprintf("k%d_p%d_len%d_size%d", s.k, s.p, s.blockLen, s.size)
}

// buildReference compiles rs8ref against libnorm.a, or says why it cannot.
func buildReference(t *testing.T) (string, error) {
	t.Helper()
	gxx, err := exec.LookPath("g++")
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(libnormArchive); err != nil {
		return "", err
	}
	bin := filepath.Join(t.TempDir(), "rs8ref")
	out, err := exec.Command(gxx, "-O1", "-o", bin, "testdata/rs8ref.cpp", libnormArchive, "-lpthread").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("building rs8ref: %v\n%s", err, out)
	}
	return bin, nil
}

// libnormParity runs libnorm's encoder on src.
func libnormParity(t *testing.T, bin string, s shape, src [][]byte) [][]byte {
	t.Helper()
	in := fmt.Appendf(nil, "%d %d %d %d\n", s.k, s.p, s.blockLen, s.size)
	for _, seg := range src {
		in = append(in, seg...)
	}
	cmd := exec.Command(bin)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v: rs8ref: %v", s, err)
	}
	if len(out) != s.p*s.size {
		t.Fatalf("%v: rs8ref wrote %d bytes, want %d", s, len(out), s.p*s.size)
	}
	parity := make([][]byte, s.p)
	for j := range parity {
		parity[j] = out[j*s.size : (j+1)*s.size]
	}
	return parity
}

func ourParity(t *testing.T, s shape, src [][]byte) [][]byte {
	t.Helper()
	code, err := New(s.k, s.p)
	if err != nil {
		t.Fatal(err)
	}
	parity := make([][]byte, s.p)
	for j := range parity {
		parity[j] = make([]byte, s.size)
	}
	if err := code.Encode(src, parity); err != nil {
		t.Fatal(err)
	}
	return parity
}

// TestParityMatchesLibnorm runs libnorm's encoder itself, where it is
// installed, on the fixed shapes and on random data.
func TestParityMatchesLibnorm(t *testing.T) {
	bin, err := buildReference(t)
	if err != nil {
		t.Fatalf("libnorm's encoder cannot be built (%v): make deps installs g++ and libnorm-dev", err)
	}
	var golden strings.Builder
	for _, s := range shapes {
		src := pattern(s)
		want := libnormParity(t, bin, s, src)
		if got := ourParity(t, s, src); !equalSegments(got, want) {
			t.Errorf("%v: parity differs from libnorm's", s)
		}
		fmt.Fprintf(&golden, "%v", s)
		for _, p := range want {
			fmt.Fprintf(&golden, " %x", p)
		}
		golden.WriteString("\n")
	}
	for _, s := range []shape{{16, 4, 16, 1408}, {16, 4, 11, 1408}, {37, 200, 30, 100}} {
		src := randomSegments(s.blockLen, s.size, uint64(s.k*1000+s.blockLen))
		if got, want := ourParity(t, s, src), libnormParity(t, bin, s, src); !equalSegments(got, want) {
			t.Errorf("%v random: parity differs from libnorm's", s)
		}
	}
	if *update {
		if err := os.WriteFile("testdata/libnorm_rs8.txt", []byte(golden.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestParityMatchesLibnormGolden compares with libnorm's recorded output.
func TestParityMatchesLibnormGolden(t *testing.T) {
	f, err := os.Open("testdata/libnorm_rs8.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	byName := map[string][]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		byName[fields[0]] = fields[1:]
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, s := range shapes {
		recorded, ok := byName[s.String()]
		if !ok || len(recorded) != s.p {
			t.Fatalf("%v: no recorded libnorm parity", s)
		}
		got := ourParity(t, s, pattern(s))
		for j, h := range recorded {
			want, err := hex.DecodeString(h)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got[j], want) {
				t.Errorf("%v: parity %d = %x..., libnorm %x...", s, j, got[j][:min(8, len(got[j]))], want[:min(8, len(want))])
			}
		}
	}
}
