package main

import (
	"strings"
	"testing"

	"github.com/zeroplug/zeroplug/sdk/z85"
	"github.com/zeroplug/zeroplug/sdk/zmtp/curve"
)

// keygen prints two Z85 keys, a fresh pair each time: the public key is the secret's.
func TestKeygen(t *testing.T) {
	checkLeaks(t)
	seen := map[string]bool{}
	for range 3 {
		code, stdout, stderr := runCmd(t, "", "keygen")
		if code != 0 || stderr != "" {
			t.Fatalf("keygen: status %d, stderr %q", code, stderr)
		}
		lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "public=") || !strings.HasPrefix(lines[1], "secret=") ||
			!strings.HasSuffix(stdout, "\n") {
			t.Fatalf("keygen printed %q, want public=KEY and secret=KEY on two lines", stdout)
		}
		var keys [2]curve.Key
		for i, l := range lines {
			_, text, _ := strings.Cut(l, "=")
			if len(text) != 40 {
				t.Fatalf("key %q: %d characters, want 40", text, len(text))
			}
			if _, err := z85.Decode(text); err != nil {
				t.Fatalf("key %q is not Z85: %v", text, err)
			}
			k, err := curve.ParseKey(text)
			if err != nil {
				t.Fatal(err)
			}
			keys[i] = k
			if seen[text] {
				t.Errorf("key %q printed twice", text)
			}
			seen[text] = true
		}
		if got := curve.PublicFromSecret(keys[1]); got != keys[0] {
			t.Errorf("public=%s is not the public key of secret=%s (that is %s)", keys[0], keys[1], got)
		}
	}
	if code, _, stderr := runCmd(t, "", "keygen", "extra"); code != 2 || !strings.Contains(stderr, `unexpected argument "extra"`) {
		t.Errorf("keygen extra: status %d, stderr %q", code, stderr)
	}
}
