package pluginhost

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/zeroplug/zeroplug/sdk"
)

// Catalog is what the plugin directories offer: every plugin binary found,
// what each declares, and for every declared scheme the binary that serves
// it. A Host builds it once, on the first scheme it looks up.
type Catalog struct {
	// Dirs are the directories searched, in order.
	Dirs []string
	// Plugins are the binaries found, in search order: by directory, then
	// by file name. A file with the name of one in an earlier directory is
	// hidden, as it would be in $PATH, and not listed.
	Plugins []*Entry

	byScheme map[string]*Entry
}

// Entry is one plugin binary of a Catalog.
type Entry struct {
	Found
	// SHA256 is the sum of the file's contents (nil if it cannot be read).
	SHA256 []byte
	// Description is what the binary declared; valid when Err is nil.
	Description Description
	// Err says why the binary is skipped: it wraps ErrNotPinned or
	// ErrChecksum (refused by the manifest, and then never run) or
	// ErrDescribe.
	Err error
	// Serves are the declared schemes this binary is the plugin of (a
	// link shares them with its file, and the two run as one process).
	Serves []string
	// Shadowed maps each declared scheme that another binary serves
	// instead to that binary's path.
	Shadowed map[string]string
}

// Lookup returns the plugin that serves scheme.
func (c *Catalog) Lookup(scheme string) (*Entry, bool) {
	e, ok := c.byScheme[scheme]
	return e, ok
}

// Schemes lists every scheme served, sorted.
func (c *Catalog) Schemes() []string {
	var out []string
	for s := range c.byScheme {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// named returns the entry of the file named for scheme, the one an older
// zeroplug would have run, so that its refusal can be reported.
func (c *Catalog) named(scheme string) (*Entry, bool) {
	for _, e := range c.Plugins {
		if e.Name == sdk.PluginPrefix+scheme {
			return e, true
		}
	}
	return nil, false
}

// scanConfig is what a scan needs from its Host.
type scanConfig struct {
	dirs         []string
	manifest     Manifest
	manifestPath string
	manifestErr  error
	timeout      time.Duration // for each describe
}

// scan builds the catalog of dirs. A scheme declared by two binaries is
// served by the one in the earlier directory; within one directory, by
// the file named for it (zeroplug-transport-<scheme>), else by the first
// by file name. The other lists it as shadowed.
func scan(cfg scanConfig) *Catalog {
	c := &Catalog{Dirs: cfg.dirs, byScheme: map[string]*Entry{}}
	cache := openCache()
	defer cache.save()
	described := map[string]*Entry{} // by real path: links share a describe
	seen := map[string]bool{}
	for _, dir := range cfg.dirs {
		names, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		var inDir []*Entry
		for _, de := range names {
			name := de.Name()
			if !strings.HasPrefix(name, sdk.PluginPrefix) || len(name) == len(sdk.PluginPrefix) || seen[name] {
				continue
			}
			f, ok := stat(filepath.Join(dir, name))
			if !ok {
				continue
			}
			seen[name] = true
			e := &Entry{Found: f}
			if same, ok := described[f.Real]; ok {
				e.SHA256, e.Description, e.Err = same.SHA256, same.Description, same.Err
			} else {
				describeEntry(e, cfg, cache)
				described[f.Real] = e
			}
			inDir = append(inDir, e)
		}
		c.Plugins = append(c.Plugins, inDir...)
		c.claim(inDir, true)
		c.claim(inDir, false)
	}
	return c
}

// claim gives the entries of one directory the schemes they declare that
// no earlier one serves; in the first pass, only a scheme the file is
// named for.
func (c *Catalog) claim(inDir []*Entry, namedOnly bool) {
	for _, e := range inDir {
		if e.Err != nil {
			continue
		}
		for _, s := range e.Description.Schemes {
			if namedOnly && s != e.Scheme {
				continue
			}
			if slices.Contains(e.Serves, s) || e.Shadowed[s] != "" {
				continue
			}
			if other, ok := c.byScheme[s]; ok {
				if other.Real == e.Real {
					// A link to the file that serves it: the same plugin.
					e.Serves = append(e.Serves, s)
					continue
				}
				if e.Shadowed == nil {
					e.Shadowed = map[string]string{}
				}
				e.Shadowed[s] = other.Path
				continue
			}
			c.byScheme[s] = e
			e.Serves = append(e.Serves, s)
		}
	}
}

// describeEntry fills e: the manifest's verdict first, then the description,
// from the cache when the file's contents were described before.
func describeEntry(e *Entry, cfg scanConfig, cache *descriptionCache) {
	fi, err := os.Stat(e.Real)
	if err != nil {
		e.Err = fmt.Errorf("%w: %s: %v", ErrDescribe, e.Path, err)
		return
	}
	sum, cached := cache.sum(e.Real, fi)
	// With a manifest in force the file is hashed now, whatever the cache
	// says: its verdict must be about the bytes that would run.
	if !cached || cfg.manifest != nil || cfg.manifestErr != nil {
		if sum, err = Checksum(e.Real); err != nil {
			e.Err = fmt.Errorf("%w: %s: %v", ErrDescribe, e.Path, err)
			return
		}
		cache.setSum(e.Real, fi, sum)
	}
	e.SHA256 = sum
	if err := cfg.pinned(e.Found, sum); err != nil {
		e.Err = err
		return
	}
	if d, ok := cache.description(sum); ok {
		e.Description = d
		return
	}
	d, err := runDescribe(e.Path, cfg.timeout)
	if err != nil {
		e.Err = err
		return
	}
	e.Description = d
	cache.setDescription(sum, d)
}

// pinned refuses, before it is ever run, a binary that a manifest in force
// does not list or lists with another sum.
func (cfg scanConfig) pinned(f Found, sum []byte) error {
	if cfg.manifestErr != nil {
		return fmt.Errorf("%w: %s: %v", ErrNotPinned, f.Path, cfg.manifestErr)
	}
	if cfg.manifest == nil {
		return nil
	}
	want, ok := cfg.manifest.lookup(f)
	if !ok {
		return fmt.Errorf("%w: %s is not in the manifest %s", ErrNotPinned, f.Path, cfg.manifestPath)
	}
	if !bytes.Equal(sum, want) {
		return fmt.Errorf("%w: %s has sha256 %x, the manifest %s lists %x", ErrChecksum, f.Path, sum, cfg.manifestPath, want)
	}
	return nil
}

// String lists the plugins and what they serve, for an error that says
// what was searched.
func (c *Catalog) String() string {
	var b strings.Builder
	b.WriteString("plugins found: ")
	if len(c.Plugins) == 0 {
		b.WriteString("none")
	}
	for i, e := range c.Plugins {
		if i > 0 {
			b.WriteString(", ")
		}
		e.summary(&b)
	}
	fmt.Fprintf(&b, "; directories searched: %s", strings.Join(c.Dirs, ", "))
	return b.String()
}

// summary writes "name (serves a b)" or "name (skipped: why)".
func (e *Entry) summary(w io.Writer) {
	switch {
	case e.Err != nil:
		fmt.Fprintf(w, "%s (skipped: %v)", e.Name, e.Err)
	case len(e.Serves) == 0:
		fmt.Fprintf(w, "%s (serves nothing: %s shadowed)", e.Name, strings.Join(e.Description.Schemes, " "))
	default:
		fmt.Fprintf(w, "%s (serves %s)", e.Name, strings.Join(e.Serves, " "))
	}
}
