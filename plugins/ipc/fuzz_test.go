package ipc

import (
	"errors"
	"strings"
	"testing"

	"github.com/zeroplug/zeroplug/sdk"
)

// FuzzCheckPath: any path is accepted or refused with an sdk error, and an
// accepted one fits in sun_path with no zero byte.
func FuzzCheckPath(f *testing.F) {
	for _, s := range []string{"/tmp/a.sock", "rel", "@name", "@", "*", "a\x00b", strings.Repeat("x", 107), strings.Repeat("x", 108)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		err := checkPath(sdk.Endpoint{Scheme: "ipc", Address: path}, path)
		if err != nil {
			if !errors.Is(err, sdk.ErrBadEndpoint) && !errors.Is(err, sdk.ErrNotSupported) {
				t.Fatalf("checkPath(%q) = %v, which wraps no sdk error", path, err)
			}
			return
		}
		if path == "" || len(path) >= sunPathLen || strings.IndexByte(path, 0) >= 0 || path == "@" {
			t.Fatalf("checkPath(%q) accepted it", path)
		}
	})
}
