package z85

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// pattern32 is 32 bytes, i*37+11, encoded by libzmq 4.3.4's
// zmq_z85_encode as pattern32Text.
func pattern32() []byte {
	b := make([]byte, 32)
	for i := range b {
		b[i] = byte(i*37 + 11)
	}
	return b
}

const pattern32Text = "3OUObPtY$7gGY71:lTx@ty-M))?v=*Gq^5=7D=bX"

func TestVectors(t *testing.T) {
	tests := []struct {
		name string
		bin  []byte
		text string
	}{
		// RFC 32, "Test Case".
		{"RFC 32 test case", unhex("864fd26fb559f75b"), "HelloWorld"},
		// "binary zero strings should be easily visible"
		{"zeros map to 0", make([]byte, 4), "00000"},
		{"largest block", unhex("ffffffff"), "%nSc0"},
		{"libzmq 32-byte key", pattern32(), pattern32Text},
		{"empty", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Encode(tt.bin)
			if err != nil || got != tt.text {
				t.Fatalf("Encode(% x) = %q, %v; want %q", tt.bin, got, err, tt.text)
			}
			if len(got) != EncodedLen(len(tt.bin)) {
				t.Fatalf("EncodedLen(%d) = %d, encoding has %d", len(tt.bin), EncodedLen(len(tt.bin)), len(got))
			}
			if tt.text == "" {
				return // libzmq refuses to decode an empty string; see TestDecodeErrors
			}
			back, err := Decode(tt.text)
			if err != nil || !bytes.Equal(back, tt.bin) {
				t.Fatalf("Decode(%q) = % x, %v; want % x", tt.text, back, err, tt.bin)
			}
			if len(back) != DecodedLen(len(tt.text)) {
				t.Fatalf("DecodedLen(%d) = %d", len(tt.text), DecodedLen(len(tt.text)))
			}
		})
	}
}

// RFC 32: "The binary frame SHALL have a length that is divisible by 4 with
// no remainder."
func TestEncodeLengthNotMultipleOf4(t *testing.T) {
	for _, n := range []int{1, 2, 3, 5, 31, 33} {
		if s, err := Encode(make([]byte, n)); !errors.Is(err, ErrLength) {
			t.Errorf("Encode(%d bytes) = %q, %v; want ErrLength", n, s, err)
		}
	}
}

// RFC 32: "The string frame SHALL have a length that is divisible by 5 with
// no remainder"; libzmq also refuses the empty string, characters outside
// the alphabet and blocks above 0xFFFFFFFF.
func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name      string
		text      string
		errLength bool
	}{
		{"empty", "", true},
		{"four characters", "Hell", true},
		{"six characters", "HelloW", true},
		{"39-character key", pattern32Text[:39], true},
		{"space", "Hell ", false},
		{"quote", "Hel\"o", false},
		{"comma", "He,lo", false},
		{"backslash", `Hel\o`, false},
		{"tilde", "Hell~", false},
		{"NUL", "Hell\x00", false},
		{"high byte", "Hell\xff", false},
		{"block above 2^32-1", "%nSc1", false},
		{"all #", "#####", false},
		{"all %", "%%%%%", false},
		{"overflow in the second block", "00000%nSc1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Decode(tt.text)
			if err == nil {
				t.Fatalf("Decode(%q) = % x, want an error", tt.text, b)
			}
			if errors.Is(err, ErrLength) != tt.errLength {
				t.Fatalf("Decode(%q) error %v: ErrLength %v, want %v", tt.text, err, errors.Is(err, ErrLength), tt.errLength)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	for n := 4; n <= 64; n += 4 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(n*31 + i*251)
		}
		s, err := Encode(b)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Decode(s)
		if err != nil || !bytes.Equal(back, b) {
			t.Fatalf("Decode(Encode(% x)) = % x, %v", b, back, err)
		}
	}
}

func TestAlphabetIsPrintable(t *testing.T) {
	if len(alphabet) != 85 {
		t.Fatalf("alphabet has %d characters", len(alphabet))
	}
	seen := map[byte]bool{}
	for i := 0; i < len(alphabet); i++ {
		c := alphabet[i]
		if c <= ' ' || c >= 0x7F || c == '"' || c == '\'' || c == '\\' || c == ',' || c == '`' || c == '~' || c == ';' || c == '_' || c == '|' {
			t.Errorf("alphabet has %q", c)
		}
		if seen[c] {
			t.Errorf("alphabet repeats %q", c)
		}
		seen[c] = true
	}
}

func FuzzDecode(f *testing.F) {
	f.Add("HelloWorld")
	f.Add(pattern32Text)
	f.Add("%nSc0")
	f.Add("%nSc1")
	f.Fuzz(func(t *testing.T, s string) {
		b, err := Decode(s)
		if err != nil {
			return
		}
		// Every value has exactly one encoding, so a decodable text
		// comes back unchanged.
		again, err := Encode(b)
		if err != nil || again != s {
			t.Fatalf("Encode(Decode(%q)) = %q, %v", s, again, err)
		}
	})
}

func BenchmarkDecodeKey(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(pattern32Text); err != nil {
			b.Fatal(err)
		}
	}
}
