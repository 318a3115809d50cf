package pluginhost

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseManifest(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		name, in string
		want     map[string]bool // names listed
		err      bool
	}{
		{"sha256sum", sum + "  zeroplug-transport-a\n", map[string]bool{"zeroplug-transport-a": true}, false},
		{"binary mode", sum + " *zeroplug-transport-a\n", map[string]bool{"zeroplug-transport-a": true}, false},
		{"paths", sum + "  /opt/p/zeroplug-transport-a\n" + sum + "  ./zeroplug-transport-b\n", map[string]bool{"zeroplug-transport-a": true, "zeroplug-transport-b": true}, false},
		{"comments", "# pinned 2026-11-26\n\n" + sum + "  zeroplug-transport-a\n", map[string]bool{"zeroplug-transport-a": true}, false},
		{"short sum", "abcd  zeroplug-transport-a\n", nil, true},
		{"not hex", strings.Repeat("zz", 32) + "  zeroplug-transport-a\n", nil, true},
		{"no name", sum + "\n", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseManifest(strings.NewReader(tc.in))
			if (err != nil) != tc.err {
				t.Fatalf("ParseManifest: %v, want error %v", err, tc.err)
			}
			if len(m) != len(tc.want) {
				t.Errorf("%d entries, want %d", len(m), len(tc.want))
			}
			for name := range tc.want {
				if _, ok := m[name]; !ok {
					t.Errorf("%s is not listed", name)
				}
			}
		})
	}
}

func TestSearchPath(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv(EnvPath, "/env/a:/env/b::/env/a")
	exe, _ := os.Executable()
	want := []string{"/app", "/env/a", "/env/b", filepath.Join(home, ".zeroplug", "plugins"), filepath.Dir(exe)}
	if got := SearchPath("/app", "/env/b"); !slicesEqual(got, append([]string{"/app", "/env/b", "/env/a"}, want[3:]...)) {
		t.Errorf("SearchPath = %q", got)
	}
	if got := SearchPath("/app"); !slicesEqual(got, want) {
		t.Errorf("SearchPath = %q\nwant %q", got, want)
	}
}

func slicesEqual(a, b []string) bool { return strings.Join(a, "\n") == strings.Join(b, "\n") }

func TestDiscover(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	write := func(dir, name string, mode os.FileMode) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"), mode); err != nil {
			t.Fatal(err)
		}
	}
	write(a, "zeroplug-transport-x", 0o755)
	write(b, "zeroplug-transport-x", 0o755) // hidden by a's
	write(b, "zeroplug-transport-y", 0o755)
	write(b, "zeroplug-transport-notexec", 0o644)
	write(b, "something-else", 0o755)
	os.Mkdir(filepath.Join(b, "zeroplug-transport-dir"), 0o755)
	got := Discover([]string{a, b, filepath.Join(a, "missing")})
	if len(got) != 2 || got[0].Path != filepath.Join(a, "zeroplug-transport-x") || got[1].Scheme != "y" {
		t.Errorf("Discover = %+v", got)
	}
	h := New(Config{Dirs: []string{a, b}})
	defer h.Close()
	if _, err := h.Driver("notexec"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Driver(notexec) = %v, want ErrNotFound", err)
	}
	_, err := h.Driver("nosuch")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "plugins found: zeroplug-transport-x (skipped: ") ||
		!strings.Contains(err.Error(), ", zeroplug-transport-y (skipped: ") || !strings.Contains(err.Error(), "; directories searched: "+a+", "+b) {
		t.Errorf("Driver(nosuch) = %v", err)
	}
}
