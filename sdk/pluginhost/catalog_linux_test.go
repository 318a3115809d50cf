package pluginhost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/sdk"
)

// cacheDir gives the test a description cache of its own and returns it.
func cacheDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", dir)
	return dir
}

// countingPlugin writes a plugin named name in dir: a script that notes
// each run in the returned file and then execs the example plugin, so that
// a test sees how often the Host ran it.
func countingPlugin(t *testing.T, dir, name string) (path, runs string) {
	t.Helper()
	bin := buildUnixalt(t, t.TempDir())
	runs = filepath.Join(t.TempDir(), "runs")
	path = filepath.Join(dir, sdk.PluginPrefix+name)
	script := fmt.Sprintf("#!/bin/sh\necho \"$@\" >> '%s'\nexec '%s' \"$@\"\n", runs, bin)
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path, runs
}

// describeRuns counts the describe runs noted by a countingPlugin.
func describeRuns(t *testing.T, runs string) int {
	t.Helper()
	b, err := os.ReadFile(runs)
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "describe\n")
}

// A binary is found by the scheme it declares, whatever its file name, and
// serves it.
func TestFoundByDeclaredScheme(t *testing.T) {
	cacheDir(t)
	dir := t.TempDir()
	bin := buildUnixalt(t, dir)
	other := filepath.Join(dir, sdk.PluginPrefix+"whatever")
	if err := os.Rename(bin, other); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ZEROPLUG_UNIXALT_DIR", t.TempDir())
	h := New(Config{Dirs: []string{dir}, TempDir: t.TempDir()})
	defer h.Close()
	p, err := h.Driver("unixalt")
	if err != nil {
		t.Fatal(err)
	}
	if p.Path() != other {
		t.Fatalf("unixalt is served by %s, want %s", p.Path(), other)
	}
	if got := strings.Join(p.Schemes(), " "); got != "unixalt" || p.Pid() != 0 {
		t.Errorf("before a start: Schemes = %q, pid %d; want unixalt from the description, no process", got, p.Pid())
	}
	ep := sdk.Endpoint{Scheme: "unixalt", Address: "found"}
	l, err := p.Listen(context.Background(), ep, sdk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c, err := p.Dial(context.Background(), ep, sdk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := c.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 5)
	if _, err := io.ReadFull(s, b); err != nil || string(b) != "hello" {
		t.Errorf("read %q, %v", b, err)
	}
	e, _ := h.Catalog().Lookup("unixalt")
	if e.Description.Name != "unixalt" || e.Description.Version != "v1.0.0" || e.Description.ProtocolVersion != sdk.DriverVersion {
		t.Errorf("description %+v", e.Description)
	}
}

// The description is cached by the file's sha256: a second Host does not
// run describe again, a touched file is hashed but not run, a changed file
// is run again, and a corrupt cache is ignored and rewritten.
func TestDescribeCache(t *testing.T) {
	cache := cacheDir(t)
	dir := t.TempDir()
	path, runs := countingPlugin(t, dir, "counted")
	serves := func(want int, when string) {
		t.Helper()
		h := New(Config{Dirs: []string{dir}})
		defer h.Close()
		p, err := h.Driver("unixalt")
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		if p.Path() != path {
			t.Errorf("%s: unixalt is served by %s", when, p.Path())
		}
		if n := describeRuns(t, runs); n != want {
			t.Errorf("%s: describe ran %d times in all, want %d", when, n, want)
		}
	}
	serves(1, "first scan")
	serves(1, "second scan")

	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	serves(1, "after a touch")

	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("# changed\n")
	f.Close()
	serves(2, "after a change")

	cachePath := filepath.Join(cache, "zeroplug", cacheName)
	if err := os.WriteFile(cachePath, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	serves(3, "with a corrupt cache")
	var c cacheFile
	b, err := os.ReadFile(cachePath)
	if err != nil || json.Unmarshal(b, &c) != nil || len(c.Files) != 1 || len(c.Descriptions) != 1 {
		t.Errorf("the cache rewritten: %v\n%s", err, b)
	}
	if left, _ := os.ReadDir(filepath.Dir(cachePath)); len(left) != 1 {
		t.Errorf("the cache directory holds %d files, want 1", len(left))
	}
}

// A manifest refuses an unpinned or wrong binary before it is ever run, even
// for describe.
func TestManifestRefusesBeforeDescribe(t *testing.T) {
	cacheDir(t)
	dir := t.TempDir()
	path, runs := countingPlugin(t, dir, "unixalt")
	sum, err := Checksum(path)
	if err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(t.TempDir(), "SHA256SUMS")
	for _, tc := range []struct {
		name, manifest string
		want           error
	}{
		{"not pinned", fmt.Sprintf("%x  %sother\n", sum, sdk.PluginPrefix), ErrNotPinned},
		{"wrong sum", strings.Repeat("00", 32) + "  " + sdk.PluginPrefix + "unixalt\n", ErrChecksum},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.WriteFile(manifest, []byte(tc.manifest), 0o644)
			h := New(Config{Dirs: []string{dir}, Manifest: manifest})
			defer h.Close()
			if _, err := h.Driver("unixalt"); !errors.Is(err, tc.want) {
				t.Errorf("Driver(unixalt) = %v, want %v", err, tc.want)
			}
			if e := h.Catalog().Plugins[0]; !errors.Is(e.Err, tc.want) || len(e.Description.Schemes) != 0 {
				t.Errorf("catalog entry %+v", e)
			}
			if n := describeRuns(t, runs); n != 0 {
				t.Errorf("the refused binary ran describe %d times", n)
			}
		})
	}
	os.WriteFile(manifest, fmt.Appendf(nil, "%x  %sunixalt\n", sum, sdk.PluginPrefix), 0o644)
	h := New(Config{Dirs: []string{dir}, Manifest: manifest})
	defer h.Close()
	if _, err := h.Driver("unixalt"); err != nil {
		t.Errorf("pinned: %v", err)
	}
	if n := describeRuns(t, runs); n != 1 {
		t.Errorf("the pinned binary ran describe %d times, want 1", n)
	}
}

// A binary that fails describe is reported and skipped; the others serve.
func TestBrokenPluginSkipped(t *testing.T) {
	cacheDir(t)
	dir := t.TempDir()
	bin := buildUnixalt(t, dir)
	for name, script := range map[string]string{
		"fails":     "echo broken >&2; exit 3",
		"garbage":   "echo not a description",
		"noschemes": `echo '{"name":"x","version":"1","schemes":[],"protocol_version":1}'`,
		"badscheme": `echo '{"name":"x","version":"1","schemes":["Not A Scheme"],"protocol_version":1}'`,
		"protocol":  `echo '{"name":"x","version":"1","schemes":["x"],"protocol_version":99}'`,
		"hangs":     "exec sleep 60",
	} {
		if err := os.WriteFile(filepath.Join(dir, sdk.PluginPrefix+name), []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	h := New(Config{Dirs: []string{dir}, StartTimeout: 2 * time.Second})
	defer h.Close()
	p, err := h.Driver("unixalt")
	if err != nil || p.Path() != bin {
		t.Fatalf("Driver(unixalt) = %v, %v", p, err)
	}
	for _, e := range h.Catalog().Plugins {
		if e.Path == bin {
			if e.Err != nil {
				t.Errorf("%s: %v", e.Name, e.Err)
			}
			continue
		}
		if !errors.Is(e.Err, ErrDescribe) || len(e.Serves) != 0 {
			t.Errorf("%s: serves %q, error %v; want ErrDescribe", e.Name, e.Serves, e.Err)
		}
	}
	if _, err := h.Driver("fails"); !errors.Is(err, ErrDescribe) || !strings.Contains(err.Error(), "broken") {
		t.Errorf("Driver(fails), the scheme of a broken binary's name = %v, want its ErrDescribe", err)
	}
	if _, err := h.Driver("x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Driver(x) = %v, want ErrNotFound", err)
	}
}

// Of two binaries declaring one scheme, the one in the earlier directory
// serves it, and within one directory the one named for it; the other
// lists it as shadowed.
func TestShadowedScheme(t *testing.T) {
	cacheDir(t)
	first, second := t.TempDir(), t.TempDir()
	copyAs := func(dir, name string) string {
		p := filepath.Join(dir, sdk.PluginPrefix+name)
		if err := os.Rename(buildUnixalt(t, t.TempDir()), p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	winner := copyAs(first, "unixalt")
	copyAs(first, "aaa")
	later := copyAs(second, "bbb")
	h := New(Config{Dirs: []string{second, first}})
	defer h.Close()
	if e, _ := h.Catalog().Lookup("unixalt"); e.Path != later {
		t.Errorf("with %s first, unixalt is served by %s", second, e.Path)
	}
	h = New(Config{Dirs: []string{first, second}})
	defer h.Close()
	c := h.Catalog()
	if e, _ := c.Lookup("unixalt"); e.Path != winner {
		t.Errorf("unixalt is served by %s, want %s, the file named for it", e.Path, winner)
	}
	for _, e := range c.Plugins {
		if e.Path == winner {
			continue
		}
		if e.Shadowed["unixalt"] != winner || len(e.Serves) != 0 {
			t.Errorf("%s: shadowed %v, serves %q", e.Path, e.Shadowed, e.Serves)
		}
	}
	if len(c.Plugins) != 3 || !strings.Contains(c.String(), sdk.PluginPrefix+"aaa (serves nothing: unixalt shadowed)") {
		t.Errorf("catalog %s", c)
	}
}

// One binary serves every scheme it declares, with no link: the vmci
// plugin, vsock:// and vmci://, one plugin for both. Nothing here opens a
// vsock socket: describe only prints, and no process is started.
func TestOneBinaryManySchemes(t *testing.T) {
	cacheDir(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, sdk.PluginPrefix+"vmci")
	if out, err := execGo(t, "build", "-o", bin, "github.com/zeroplug/zeroplug/plugins/vmci/cmd/zeroplug-transport-vmci").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	h := New(Config{Dirs: []string{dir}})
	defer h.Close()
	vsock, err := h.Driver("vsock")
	if err != nil {
		t.Fatal(err)
	}
	vmci, err := h.Driver("vmci")
	if err != nil {
		t.Fatal(err)
	}
	if vsock != vmci || vsock.Path() != bin {
		t.Errorf("vsock is served by %s, vmci by %s; want one plugin, %s", vsock.Path(), vmci.Path(), bin)
	}
	if got := strings.Join(vsock.Schemes(), " "); got != "vsock vmci" {
		t.Errorf("Schemes = %q", got)
	}
	if n := len(h.Running()); n != 0 {
		t.Errorf("%d processes run; finding a plugin starts none", n)
	}
}

// A plugin installed after the first scan is found: a scheme the catalog
// lacks scans again.
func TestInstalledLater(t *testing.T) {
	cacheDir(t)
	dir := t.TempDir()
	h := New(Config{Dirs: []string{dir}})
	defer h.Close()
	if _, err := h.Driver("unixalt"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "plugins found: none") {
		t.Fatalf("Driver(unixalt) in an empty directory = %v, want ErrNotFound", err)
	}
	bin := buildUnixalt(t, dir)
	p, err := h.Driver("unixalt")
	if err != nil || p.Path() != bin {
		t.Fatalf("Driver(unixalt) once installed = %v, %v", p, err)
	}
}

// BenchmarkCatalog is the cost a program's first plugin lookup pays to
// build its catalog of one plugin: with the description cached (the usual
// start), and with the cache empty (describe runs).
func BenchmarkCatalog(b *testing.B) {
	dir := b.TempDir()
	cache := b.TempDir()
	b.Setenv("XDG_CACHE_HOME", cache)
	bin := filepath.Join(dir, sdk.PluginPrefix+"unixalt")
	if out, err := execGo(b, "build", "-o", bin, "github.com/zeroplug/zeroplug/sdk/examples/unixalt/cmd/zeroplug-transport-unixalt").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	cfg := scanConfig{dirs: []string{dir}}
	for _, bc := range []struct {
		name   string
		before func()
	}{
		{"cached", func() {}},
		{"describe", func() { os.RemoveAll(filepath.Join(cache, "zeroplug")) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			scan(cfg) // fills the cache
			for b.Loop() {
				b.StopTimer()
				bc.before()
				b.StartTimer()
				if _, ok := scan(cfg).Lookup("unixalt"); !ok {
					b.Fatal("unixalt not found")
				}
			}
		})
	}
}
