package core

import (
	"bytes"
	"errors"
	"testing"
)

func TestGroupDatagram(t *testing.T) {
	for _, c := range []struct {
		name        string
		in          []byte
		group, body string
		bad         bool
	}{
		{"group and body", []byte("\x07weathersunny"), "weather", "sunny", false},
		{"empty group", []byte("\x00body"), "", "body", false},
		{"empty body", []byte("\x01g"), "g", "", false},
		{"empty datagram", []byte{}, "", "", true},
		{"group past the end", []byte("\x05abc"), "", "", true},
		{"length byte only", []byte{0xff}, "", "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			g, b, err := parseGroupDatagram(c.in)
			if c.bad {
				if err == nil {
					t.Fatalf("parseGroupDatagram(%q) = %q, %q; want an error", c.in, g, b)
				}
				return
			}
			if err != nil || string(g) != c.group || string(b) != c.body {
				t.Fatalf("parseGroupDatagram(%q) = %q, %q, %v; want %q, %q", c.in, g, b, err, c.group, c.body)
			}
			out, err := appendGroupDatagram(nil, g, b)
			if err != nil || !bytes.Equal(out, c.in) {
				t.Fatalf("appendGroupDatagram(%q, %q) = %q, %v; want %q", g, b, out, err, c.in)
			}
		})
	}
	if _, err := appendGroupDatagram(nil, []byte("g"), make([]byte, maxDatagram-1)); !errors.Is(err, ErrInvalid) {
		t.Errorf("a message one byte past a datagram: %v, want ErrInvalid", err)
	}
	if _, err := appendGroupDatagram(nil, []byte("g"), make([]byte, maxDatagram-2)); err != nil {
		t.Errorf("a message that fills a datagram: %v", err)
	}
}

// FuzzGroupDatagram: any datagram is either refused or split into a group
// and body that encode back to the very same bytes.
func FuzzGroupDatagram(f *testing.F) {
	for _, s := range []string{"", "\x00", "\x01g", "\x07weathersunny", "\xff", "\x03ab"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, d []byte) {
		g, b, err := parseGroupDatagram(d)
		if err != nil {
			return
		}
		if len(d) > maxDatagram {
			return
		}
		out, err := appendGroupDatagram(nil, g, b)
		if err != nil || !bytes.Equal(out, d) {
			t.Fatalf("%q parsed to %q, %q and encoded to %q, %v", d, g, b, out, err)
		}
	})
}

// FuzzDgramAddress: no address frame crashes the parser, and one taken
// formats back to an address it takes again.
func FuzzDgramAddress(f *testing.F) {
	for _, s := range []string{"127.0.0.1:5555", "127.0.0.1:5555\x00", "[::1]:1", ":", "a:b", "1.2.3.4:0", "1.2.3.4:99999"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := parseDgramAddress(b)
		if err != nil {
			return
		}
		if again, err := parseDgramAddress([]byte(a.String())); err != nil || again != a {
			t.Fatalf("%q parsed to %v, which parses to %v, %v", b, a, again, err)
		}
	})
}

func TestParseUDPAddress(t *testing.T) {
	for _, c := range []struct {
		addr        string
		bind        bool
		target      string
		local       string
		multicast   bool
		ifaceSet    bool
		errExpected bool
	}{
		{"*:5555", true, "0.0.0.0:5555", "0.0.0.0:5555", false, false, false},
		{"127.0.0.1:*", true, "127.0.0.1:0", "127.0.0.1:0", false, false, false},
		{"127.0.0.1:5555", false, "127.0.0.1:5555", "0.0.0.0:5555", false, false, false},
		{"239.1.2.3:5555", true, "239.1.2.3:5555", "0.0.0.0:5555", true, false, false},
		{"239.1.2.3:5555", false, "239.1.2.3:5555", "0.0.0.0:5555", true, false, false},
		{"lo;239.1.2.3:5555", true, "239.1.2.3:5555", "0.0.0.0:5555", true, true, false},
		{"127.0.0.1;239.1.2.3:5555", false, "239.1.2.3:5555", "0.0.0.0:5555", true, true, false},
		{"*;239.1.2.3:5555", true, "239.1.2.3:5555", "0.0.0.0:5555", true, false, false},
		{"lo;127.0.0.1:5555", true, "", "", false, false, true},        // an interface for unicast
		{"239.1.2.3;239.1.2.4:5555", true, "", "", false, false, true}, // a group as interface
		{"nosuchif0;239.1.2.3:5555", true, "", "", false, false, true},
		{"127.0.0.1:*", false, "", "", false, false, true}, // Connect needs a port
		{"127.0.0.1:0", false, "", "", false, false, true},
		{"*:5555", false, "", "", false, false, true},
		{"127.0.0.1", true, "", "", false, false, true},
		{"127.0.0.1:70000", true, "", "", false, false, true},
		{"[::1]:5555", true, "", "", false, false, true}, // IPv6 without ZMQ_IPV6
	} {
		u, err := parseUDPAddress(c.addr, c.bind, false)
		if c.errExpected {
			if err == nil {
				t.Errorf("parseUDPAddress(%q, bind=%v) = %+v, want an error", c.addr, c.bind, u)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseUDPAddress(%q, bind=%v): %v", c.addr, c.bind, err)
			continue
		}
		if u.target.String() != c.target || u.local.String() != c.local || u.multicast != c.multicast ||
			(u.iface != nil || u.ifaceAddr.IsValid()) != c.ifaceSet {
			t.Errorf("parseUDPAddress(%q, bind=%v) = target %v local %v multicast %v iface %v/%v; want %s %s %v iface %v",
				c.addr, c.bind, u.target, u.local, u.multicast, u.iface, u.ifaceAddr, c.target, c.local, c.multicast, c.ifaceSet)
		}
	}
	u, err := parseUDPAddress("[::1]:5555", true, true)
	if err != nil || u.local.String() != "[::1]:5555" {
		t.Errorf("parseUDPAddress([::1]:5555) with ZMQ_IPV6 = %v, %v", u.local, err)
	}
}
