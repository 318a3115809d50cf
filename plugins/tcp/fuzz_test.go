package tcp

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/zeroplug/zeroplug/sdk"
)

var fuzzSeeds = []string{
	"*:5555", "127.0.0.1:*", "*:*", "[::1]:5555", "::1:5555", "lo:5555", "localhost:5555",
	"127.0.0.1:0;127.0.0.1:5555", "*:5000;[::1]:5555", "[fe80::1%lo]:5555", "[", "]:", ":", ";", "%:1",
	"127.0.0.1:65536", "[::ffff:127.0.0.1]:1",
}

// FuzzParseBind: any address parses or fails with one of the sdk errors,
// never panics, and a success is an address Go can listen on.
func FuzzParseBind(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, addr string, ipv6 bool) {
		b, err := parseBind(sdk.Endpoint{Scheme: "tcp", Address: addr}, ipv6)
		if err != nil {
			if !errors.Is(err, sdk.ErrBadEndpoint) && !errors.Is(err, sdk.ErrNoSuchDevice) && !errors.Is(err, sdk.ErrNotSupported) {
				t.Fatalf("parseBind(%q) = %v, which wraps no sdk error", addr, err)
			}
			return
		}
		if _, perr := netip.ParseAddrPort(b.String()); perr != nil {
			t.Fatalf("parseBind(%q) = %q, which is no address: %v", addr, b, perr)
		}
		if b.addr.Addr().Is6() && !ipv6 {
			t.Fatalf("parseBind(%q) = %s without the IPv6 option", addr, b)
		}
	})
}

// FuzzParseDial: the same for connect addresses.
func FuzzParseDial(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, addr string, ipv6 bool) {
		d, err := parseDial(sdk.Endpoint{Scheme: "tcp", Address: addr}, ipv6)
		if err != nil {
			if !errors.Is(err, sdk.ErrBadEndpoint) && !errors.Is(err, sdk.ErrNoSuchDevice) {
				t.Fatalf("parseDial(%q) = %v, which wraps no sdk error", addr, err)
			}
			return
		}
		want := "tcp4" // a host name, IPv4 only
		switch {
		case d.literal.Is4():
		case d.literal.IsValid():
			want = "tcp6"
		case ipv6:
			want = "tcp" // a host name, either family
		}
		if d.network != want {
			t.Fatalf("parseDial(%q) = network %q for %q (ipv6=%v); want %q", addr, d.network, d.host, ipv6, want)
		}
		if d.port < 0 || d.port > 65535 || d.host == "" || d.host == "*" {
			t.Fatalf("parseDial(%q) = host %q port %d", addr, d.host, d.port)
		}
	})
}
