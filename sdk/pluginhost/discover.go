package pluginhost

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/zeroplug/zeroplug/sdk"
)

// Environment variables a deployment sets.
const (
	// EnvPath lists plugin directories, colon-separated.
	EnvPath = "ZEROPLUG_PLUGIN_PATH"
	// EnvManifest names a manifest of plugin checksums; a manifest given
	// in code (Config.Manifest) takes precedence.
	EnvManifest = "ZEROPLUG_PLUGIN_MANIFEST"
)

// Errors of finding and trusting plugins.
var (
	// ErrNotFound: no plugin serves the scheme. It comes wrapped with the
	// plugins found and the directories searched.
	ErrNotFound = errors.New("zeroplug: no transport plugin serves the scheme")
	// ErrChecksum: the plugin's file does not hash to its manifest entry.
	ErrChecksum = errors.New("zeroplug: transport plugin refused: its sha256 does not match the manifest")
	// ErrNotPinned: a manifest is in force and does not list the plugin.
	ErrNotPinned = errors.New("zeroplug: transport plugin refused: not listed in the manifest")
	// ErrExited: the plugin process exited while the call needed it.
	ErrExited = errors.New("zeroplug: transport plugin exited")
	// ErrClosed: the Host is closed.
	ErrClosed = errors.New("zeroplug: plugin host closed")
)

// SearchPath returns the directories plugins are looked up in, in order:
// first (the application's own), then $ZEROPLUG_PLUGIN_PATH's,
// ~/.zeroplug/plugins and the running executable's directory. Empty and
// repeated entries are dropped; directories need not exist.
func SearchPath(first ...string) []string {
	var dirs []string
	add := func(d string) {
		if d == "" {
			return
		}
		if abs, err := filepath.Abs(d); err == nil {
			d = abs
		}
		if !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	for _, d := range first {
		add(d)
	}
	for _, d := range filepath.SplitList(os.Getenv(EnvPath)) {
		add(d)
	}
	if home, err := os.UserHomeDir(); err == nil {
		add(filepath.Join(home, ".zeroplug", "plugins"))
	}
	if exe, err := os.Executable(); err == nil {
		add(filepath.Dir(exe))
	}
	return dirs
}

// Found is a plugin binary found in a directory.
type Found struct {
	// Name is the file name, "zeroplug-transport-tcpplug".
	Name string
	// Scheme is the scheme the name stands for, "tcpplug". It decides
	// nothing but a tie (see Catalog): a plugin serves the schemes it
	// declares.
	Scheme string
	// Path is the file's path; Real is the file it links to, if any.
	Path, Real string
}

func stat(p string) (Found, bool) {
	fi, err := os.Stat(p) // follows links
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return Found{}, false
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		real = p
	}
	if abs, err := filepath.Abs(real); err == nil {
		real = abs
	}
	name := filepath.Base(p)
	return Found{Name: name, Scheme: strings.TrimPrefix(name, sdk.PluginPrefix), Path: p, Real: real}, true
}

// Discover lists the plugin files in dirs, sorted by name, without running
// them; of two files with one name, the one in the earlier directory wins,
// as in $PATH. What they serve is the Catalog's business.
func Discover(dirs []string) []Found {
	var out []Found
	seen := map[string]bool{}
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			name := e.Name()
			if !strings.HasPrefix(name, sdk.PluginPrefix) || len(name) == len(sdk.PluginPrefix) || seen[name] {
				continue
			}
			if f, ok := stat(filepath.Join(dir, name)); ok {
				seen[name] = true
				out = append(out, f)
			}
		}
	}
	slices.SortFunc(out, func(a, b Found) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Manifest maps plugin file names to the sha256 of their contents.
type Manifest map[string][]byte

// ReadManifest reads a manifest file (see ParseManifest).
func ReadManifest(path string) (Manifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("zeroplug: plugin manifest: %w", err)
	}
	defer f.Close()
	m, err := ParseManifest(f)
	if err != nil {
		return nil, fmt.Errorf("zeroplug: plugin manifest %s: %w", path, err)
	}
	return m, nil
}

// ParseManifest reads the output of sha256sum: lines of a hex sha256, one or
// two spaces (or a space and '*') and a file name. Only the file name
// counts, so "sha256sum /opt/plugins/zeroplug-transport-*" will do. Blank
// lines and lines beginning with '#' are skipped.
func ParseManifest(r io.Reader) (Manifest, error) {
	m := Manifest{}
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		t := strings.TrimSpace(sc.Text())
		if t == "" || t[0] == '#' {
			continue
		}
		sum, name, ok := strings.Cut(t, " ")
		name = strings.TrimLeft(name, " *")
		b, err := hex.DecodeString(sum)
		if !ok || err != nil || len(b) != sha256.Size || name == "" {
			return nil, fmt.Errorf("line %d: want \"<sha256 in hex>  <file name>\", got %q", line, t)
		}
		m[filepath.Base(name)] = b
	}
	return m, sc.Err()
}

// lookup finds the entry of a plugin: by the name it was found under, then
// by the name of the file it links to.
func (m Manifest) lookup(f Found) ([]byte, bool) {
	if sum, ok := m[f.Name]; ok {
		return sum, true
	}
	sum, ok := m[filepath.Base(f.Real)]
	return sum, ok
}

// Checksum is the sha256 of a file, as a manifest lists it.
func Checksum(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

// checksumError explains a refused plugin.
func checksumError(f Found, manifest string, want []byte) error {
	have, err := Checksum(f.Path)
	if err != nil {
		return fmt.Errorf("%w: %s (manifest %s): %v", ErrChecksum, f.Path, manifest, err)
	}
	if bytes.Equal(have, want) {
		// The file changed between the two reads.
		return fmt.Errorf("%w: %s (manifest %s): the file changed while it was checked", ErrChecksum, f.Path, manifest)
	}
	return fmt.Errorf("%w: %s has sha256 %x, the manifest %s lists %x", ErrChecksum, f.Path, have, manifest, want)
}
