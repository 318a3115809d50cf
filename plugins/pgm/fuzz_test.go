package pgm

import (
	"testing"

	"github.com/zeroplug/zeroplug/sdk"
)

// FuzzParseAddress: no endpoint text makes the parser panic, and what it accepts is
// an IPv4 multicast group on a port from 1 up, on an interface with an IPv4 address.
func FuzzParseAddress(f *testing.F) {
	for _, s := range []string{
		"lo;239.192.1.1:5555", "127.0.0.1;239.192.1.1:5555", ";239.192.1.1:1", "239.192.1.1:65535",
		"lo;239.192.1.1;239.192.1.1:7500", "eth0;239.192.0.1:7500", ";[fe80::1%en0]:7500",
		"link-local;224.250.0.1,224.250.0.2;224.250.0.3:8000", "a;b;c;d:1", ":", ";;:", "lo;239.192.1.1:-1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		a, err := parseAddress(sdk.Endpoint{Scheme: SchemeEPGM, Address: addr})
		if err != nil {
			return
		}
		if !a.group.Is4() || !a.group.IsMulticast() || a.port == 0 || !a.local.Is4() || a.iface == nil {
			t.Fatalf("%q parsed to %+v", addr, a)
		}
	})
}
