package zmtp

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestGreetingMarshal(t *testing.T) {
	// RFC 37, "Worked Example": a NULL peer's full greeting. The padding
	// SHOULD be zeros when the whole greeting is sent at once (RFC 37,
	// "Version Negotiation").
	want := unhex("ff 0000000000000000 7f 03 01 4e554c4c" + strings.Repeat("00", 16) + "00" + strings.Repeat("00", 31))
	got := Greeting{Major: MajorVersion, Minor: MinorVersion, Mechanism: "NULL"}.Marshal()
	if !bytes.Equal(got[:], want) {
		t.Errorf("Marshal() =\n% x\nwant\n% x", got, want)
	}
}

func TestGreetingRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		g    Greeting
	}{
		{"NULL 3.1", Greeting{Major: 3, Minor: 1, Mechanism: "NULL"}},
		{"PLAIN server", Greeting{Major: 3, Minor: 1, Mechanism: "PLAIN", AsServer: true}},
		{"CURVE 3.0", Greeting{Major: 3, Minor: 0, Mechanism: "CURVE"}},
		// RFC 37: a peer MUST accept versions above 3.1.
		{"higher minor", Greeting{Major: 3, Minor: 7, Mechanism: "NULL"}},
		{"higher major", Greeting{Major: 4, Minor: 0, Mechanism: "NULL"}},
		// mechanism = 20mechanism-char: a 20-byte name has no padding.
		{"20-byte mechanism", Greeting{Major: 3, Minor: 1, Mechanism: "ABCDEFGHIJKLMNOPQRST"}},
		// mechanism-char = "A"-"Z" | DIGIT | "-" | "_" | "." | "+"
		{"every mechanism-char", Greeting{Major: 3, Minor: 1, Mechanism: "AZ09-_.+"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.g.Marshal()
			// signature = %xFF padding %x7F; filler = 31%x00
			if b[0] != 0xFF || b[9] != 0x7F {
				t.Errorf("signature % x", b[:10])
			}
			if !bytes.Equal(b[1:9], make([]byte, 8)) {
				t.Errorf("padding % x, want zeros", b[1:9])
			}
			if !bytes.Equal(b[33:], make([]byte, 31)) {
				t.Errorf("filler % x, want zeros", b[33:])
			}
			got, err := ParseGreeting(b[:])
			if err != nil {
				t.Fatalf("ParseGreeting: %v", err)
			}
			if got != tt.g {
				t.Errorf("ParseGreeting(Marshal()) = %v, want %v", got, tt.g)
			}
		})
	}
}

func TestParseGreetingAccepts(t *testing.T) {
	padded := rawGreeting(3, 1, "NULL", 0)
	copy(padded[1:9], "anything")
	tests := []struct {
		name string
		b    []byte
		want Greeting
	}{
		// RFC 37: "A peer SHALL NOT assign any significance to the padding
		// field and MUST NOT validate this". libzmq puts its identity
		// size there for ZMTP 1.0 peers.
		{"libzmq DEALER padding", libzmqGreetingDealer, Greeting{Major: 3, Minor: 1, Mechanism: "NULL"}},
		{"libzmq padding", libzmqGreeting, Greeting{Major: 3, Minor: 1, Mechanism: "NULL"}},
		{"arbitrary padding", padded, Greeting{Major: 3, Minor: 1, Mechanism: "NULL"}},
		{"ZMTP 3.0", rawGreeting(3, 0, "NULL", 0), Greeting{Major: 3, Minor: 0, Mechanism: "NULL"}},
		{"as-server", rawGreeting(3, 1, "PLAIN", 1), Greeting{Major: 3, Minor: 1, Mechanism: "PLAIN", AsServer: true}},
		// Only the first 64 octets are the greeting; frames may follow in
		// the same read.
		{"frames after the greeting", cat(libzmqGreeting, libzmqReadyReq), Greeting{Major: 3, Minor: 1, Mechanism: "NULL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseGreeting(tt.b)
			if err != nil {
				t.Fatalf("ParseGreeting: %v", err)
			}
			if got != tt.want {
				t.Errorf("ParseGreeting = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseGreetingRejects(t *testing.T) {
	with := func(b []byte, i int, v byte) []byte {
		b = bytes.Clone(b)
		b[i] = v
		return b
	}
	null := rawGreeting(3, 1, "NULL", 0)
	tests := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		// RFC 37, "Version Negotiation": the partial greeting (signature
		// and major version) is not a full one.
		{"partial greeting", null[:11]},
		{"one octet short", null[:GreetingSize-1]},
		// RFC 37, "Detecting ZMTP 1.0 and 2.0 Peers": a first octet other
		// than %xFF is a ZMTP 1.0 identity length ...
		{"first octet not 0xFF", with(null, 0, 0x05)},
		// ... and so is a tenth octet whose least significant bit is 0.
		{"tenth octet even", with(null, 9, 0x7E)},
		{"tenth octet zero", with(null, 9, 0x00)},
		// A version number of 1 or 2 is a ZMTP 2.0 peer, which zeroplug
		// does not speak.
		{"ZMTP 2.0 revision 1", with(null, 10, 1)},
		{"ZMTP 2.0 revision 2", with(null, 10, 2)},
		{"major version 0", with(null, 10, 0)},
		// mechanism = 20mechanism-char, a null-padded string: a zero
		// followed by a name character is not padding.
		{"mechanism not null-padded", rawGreeting(3, 1, "NU\x00LL", 0)},
		{"mechanism after a zero", rawGreeting(3, 1, "\x00NULL", 0)},
		{"lower-case mechanism", rawGreeting(3, 1, "null", 0)},
		{"space in mechanism", rawGreeting(3, 1, "NU LL", 0)},
		{"high octet in mechanism", rawGreeting(3, 1, "NULL\xff", 0)},
		// as-server = %x00 | %x01
		{"as-server 2", rawGreeting(3, 1, "NULL", 2)},
		{"as-server 0xFF", rawGreeting(3, 1, "NULL", 0xFF)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := ParseGreeting(tt.b)
			if !errors.Is(err, ErrProtocol) {
				t.Fatalf("ParseGreeting = %v, %v; want an ErrProtocol", g, err)
			}
		})
	}
}

func TestGreetingSupports31(t *testing.T) {
	tests := []struct {
		name         string
		major, minor byte
		want         bool
	}{
		{"3.0", 3, 0, false},
		{"3.1", 3, 1, true},
		{"3.2", 3, 2, true},
		{"4.0", 4, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := Greeting{Major: tt.major, Minor: tt.minor}
			if got := g.Supports31(); got != tt.want {
				t.Errorf("Supports31() = %v, want %v", got, tt.want)
			}
		})
	}
}

// FuzzGreeting checks that ParseGreeting never panics, that whatever it
// accepts obeys RFC 37's greeting grammar, and that Marshal gives back the
// significant octets it parsed.
func FuzzGreeting(f *testing.F) {
	f.Add(rawGreeting(3, 1, "NULL", 0))
	f.Add(rawGreeting(3, 0, "CURVE", 1))
	f.Add(libzmqGreetingDealer)
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := ParseGreeting(b)
		if err != nil {
			if !errors.Is(err, ErrProtocol) {
				t.Fatalf("error %v is not an ErrProtocol", err)
			}
			return
		}
		if len(b) < GreetingSize || b[0] != 0xFF || g.Major < 3 || len(g.Mechanism) > 20 {
			t.Fatalf("accepted %v from % x", g, b)
		}
		for _, c := range []byte(g.Mechanism) {
			if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.+", c) >= 0) {
				t.Fatalf("mechanism %q has %q", g.Mechanism, c)
			}
		}
		m := g.Marshal()
		// version, mechanism and as-server are all that is significant.
		if !bytes.Equal(m[10:33], b[10:33]) {
			t.Fatalf("Marshal(ParseGreeting(b))[10:33] = % x, b[10:33] = % x", m[10:33], b[10:33])
		}
		if again, err := ParseGreeting(m[:]); err != nil || again != g {
			t.Fatalf("ParseGreeting(Marshal(%v)) = %v, %v", g, again, err)
		}
	})
}
