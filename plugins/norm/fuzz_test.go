package norm

import (
	"errors"
	"testing"

	"github.com/zeroplug/zeroplug/sdk"
)

// FuzzParseAddress: any address either parses into one whose String
// parses back to the same, or is refused as a bad endpoint; never a panic.
func FuzzParseAddress(f *testing.F) {
	for _, s := range []string{
		"239.192.1.1:5556", "2,eth0;239.192.1.1:5556", "7,239.192.1.1:5556", "10.0.0.1;239.1.1.1:1",
		"10.1.2.3:6000", ",;:", "1,;1:1", "4294967296,a;239.1.1.1:5", "a;b;c:1", "[::1]:5",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := parseAddress(sdk.Endpoint{Scheme: Scheme, Address: s})
		if err != nil {
			if !errors.Is(err, sdk.ErrBadEndpoint) {
				t.Fatalf("%q: %v is not ErrBadEndpoint", s, err)
			}
			return
		}
		again, err := parseAddress(sdk.Endpoint{Scheme: Scheme, Address: a.String()})
		if err != nil || again != a {
			t.Fatalf("%q parsed as %q, which parses as %+v, %v", s, a, again, err)
		}
	})
}
