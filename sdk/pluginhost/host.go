package pluginhost

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Config configures a Host. The zero value finds plugins in the default
// directories (SearchPath) and logs nothing.
type Config struct {
	// Dirs are the application's plugin directories, searched before the
	// others (see SearchPath).
	Dirs []string

	// Manifest is the path of a manifest of plugin checksums (see
	// ParseManifest); empty means $ZEROPLUG_PLUGIN_MANIFEST, and when that
	// is empty too, no pinning.
	Manifest string

	// Logger receives the Host's lines and, under each plugin's file name,
	// the plugin's own. Nil discards them.
	Logger hclog.Logger

	// TempDir is where each plugin's private socket directory is made,
	// for the moment of its start (os.TempDir() when empty).
	TempDir string

	// StartTimeout bounds a plugin's start, from exec to the end of its
	// handshake (20 s when zero).
	StartTimeout time.Duration

	// OnExit is called when a plugin process ends that the Host did not
	// stop: it crashed, or was killed. It runs on its own goroutine, and
	// the next Listen, Dial or Validate starts the plugin again.
	OnExit func(Exit)
}

// Exit says which plugin process ended, and how.
type Exit struct {
	Plugin  string   // the file name, "zeroplug-transport-tcpplug"
	Pid     int      // the process that ended
	Schemes []string // the schemes it served
	Err     error    // wraps ErrExited, with the exit status
}

// Host finds and runs the plugins of one core context. It is safe for
// concurrent use.
type Host struct {
	cfg Config
	log hclog.Logger

	dirsOnce sync.Once
	dirs     []string

	catalogMu sync.Mutex // held while a scan runs; taken before mu, never after
	catalog   *Catalog
	logged    map[string]bool // skipped plugins already logged, by path and error

	manifestOnce sync.Once
	manifest     Manifest
	manifestPath string
	manifestErr  error

	mu       sync.Mutex
	closed   bool
	byPath   map[string]*Plugin // by the real path of the file
	byScheme map[string]*Plugin
}

// New returns a Host. It does nothing else: directories are read when a
// scheme is first looked up, and no process starts before a bind or a
// connect needs it.
func New(cfg Config) *Host {
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = 20 * time.Second
	}
	log := cfg.Logger
	if log == nil {
		log = hclog.NewNullLogger()
	}
	return &Host{cfg: cfg, log: log, byPath: map[string]*Plugin{}, byScheme: map[string]*Plugin{}}
}

// Dirs are the directories searched, in order.
func (h *Host) Dirs() []string {
	h.dirsOnce.Do(func() { h.dirs = SearchPath(h.cfg.Dirs...) })
	return h.dirs
}

// Driver returns the plugin that serves scheme, without starting it: the
// binary that declares it (see Catalog). A scheme the catalog lacks makes
// the Host scan the directories again, so that a plugin installed while the
// program runs is found. With none, the error wraps ErrNotFound and says
// what was searched; when the file named for the scheme was refused or
// failed describe, the error is that file's.
func (h *Host) Driver(scheme string) (*Plugin, error) {
	h.mu.Lock()
	p, known := h.byScheme[scheme]
	closed := h.closed
	h.mu.Unlock()
	switch {
	case closed:
		return nil, ErrClosed
	case known:
		return p, nil
	}
	c := h.Catalog()
	if _, ok := c.Lookup(scheme); !ok {
		c = h.rescan()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrClosed
	}
	if p, ok := h.byScheme[scheme]; ok {
		return p, nil
	}
	e, ok := c.Lookup(scheme)
	if !ok {
		if named, ok := c.named(scheme); ok && named.Err != nil {
			return nil, named.Err
		}
		return nil, fmt.Errorf("%w %q: %s", ErrNotFound, scheme, h.describe(c))
	}
	p = h.pluginLocked(e.Found)
	p.described = e.Description.Schemes
	h.byScheme[scheme] = p
	return p, nil
}

// Catalog returns the plugins of the search path and what they serve. The
// first call builds it: it reads the directories, checks each binary
// against the manifest and learns what it declares (from the description
// cache, or by running it with "describe"); later calls return the same,
// until a lookup of a scheme it lacks scans again. Binaries refused or
// failing describe are logged, once, and skipped.
func (h *Host) Catalog() *Catalog {
	h.catalogMu.Lock()
	defer h.catalogMu.Unlock()
	if h.catalog == nil {
		h.scanLocked()
	}
	return h.catalog
}

// rescan builds the catalog again and returns it.
func (h *Host) rescan() *Catalog {
	h.catalogMu.Lock()
	defer h.catalogMu.Unlock()
	h.scanLocked()
	return h.catalog
}

func (h *Host) scanLocked() {
	m, mpath, merr := h.loadManifest()
	h.catalog = scan(scanConfig{dirs: h.Dirs(), manifest: m, manifestPath: mpath, manifestErr: merr, timeout: h.cfg.StartTimeout})
	if h.logged == nil {
		h.logged = map[string]bool{}
	}
	for _, e := range h.catalog.Plugins {
		if e.Err != nil && !h.logged[e.Path+"\x00"+e.Err.Error()] {
			h.logged[e.Path+"\x00"+e.Err.Error()] = true
			h.log.Warn("transport plugin skipped", "plugin", e.Path, "error", e.Err)
		}
		for s, by := range e.Shadowed {
			if key := e.Path + "\x00shadowed " + s + " by " + by; !h.logged[key] {
				h.logged[key] = true
				h.log.Info("transport plugin shadowed", "plugin", e.Path, "scheme", s, "served_by", by)
			}
		}
	}
}

// Open returns the plugin in the file at path, wherever it is: for tools
// and tests that name a binary rather than a scheme.
func (h *Host) Open(path string) (*Plugin, error) {
	f, ok := stat(path)
	if !ok {
		return nil, fmt.Errorf("zeroplug: %s is not an executable file", path)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrClosed
	}
	return h.pluginLocked(f), nil
}

func (h *Host) pluginLocked(f Found) *Plugin {
	if p, ok := h.byPath[f.Real]; ok {
		return p
	}
	p := &Plugin{h: h, found: f}
	p.start = func() (*process, error) { return h.startProcess(p) }
	h.byPath[f.Real] = p
	return p
}

// learn maps the schemes a started plugin states to it, unless another
// plugin has them already.
func (h *Host) learn(p *Plugin, schemes []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range schemes {
		if _, ok := h.byScheme[s]; !ok {
			h.byScheme[s] = p
		}
	}
}

// Describe says which plugins are found, what they serve and which
// directories are searched, for the error of a scheme nobody serves.
func (h *Host) Describe() string {
	c := h.Catalog()
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.describe(c)
}

func (h *Host) describe(c *Catalog) string {
	var opened []string
	for _, p := range h.byPath {
		if !slices.ContainsFunc(c.Plugins, func(e *Entry) bool { return e.Real == p.found.Real }) {
			opened = append(opened, p.found.Name)
		}
	}
	if len(opened) == 0 {
		return c.String()
	}
	slices.Sort(opened)
	return c.String() + "; opened by path: " + strings.Join(opened, ", ")
}

// Running lists the plugins whose process runs now.
func (h *Host) Running() []*Plugin {
	h.mu.Lock()
	ps := make([]*Plugin, 0, len(h.byPath))
	for _, p := range h.byPath {
		ps = append(ps, p)
	}
	h.mu.Unlock()
	var out []*Plugin
	for _, p := range ps {
		if p.Pid() != 0 {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b *Plugin) int { return strings.Compare(a.Name(), b.Name()) })
	return out
}

// Close stops every plugin process and waits for each to end; the Host
// starts none after. Connections handed over stay open.
func (h *Host) Close() error {
	h.mu.Lock()
	h.closed = true
	ps := make([]*Plugin, 0, len(h.byPath))
	for _, p := range h.byPath {
		ps = append(ps, p)
	}
	h.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range ps {
		wg.Go(p.close)
	}
	wg.Wait()
	return nil
}

// loadManifest reads the manifest in force, once; nil without one.
func (h *Host) loadManifest() (Manifest, string, error) {
	h.manifestOnce.Do(func() {
		h.manifestPath = h.cfg.Manifest
		if h.manifestPath == "" {
			h.manifestPath = os.Getenv(EnvManifest)
		}
		if h.manifestPath != "" {
			h.manifest, h.manifestErr = ReadManifest(h.manifestPath)
		}
	})
	return h.manifest, h.manifestPath, h.manifestErr
}

// crashed reports a process that ended without being stopped.
func (h *Host) crashed(p *Plugin, pr *process) {
	status := pr.exitStatus()
	h.log.Error("transport plugin exited; connections made through it keep working, the next bind or connect restarts it",
		"plugin", p.found.Name, "pid", pr.info.Pid, "schemes", strings.Join(pr.info.Schemes, ","), "status", status)
	if h.cfg.OnExit != nil {
		h.cfg.OnExit(Exit{
			Plugin:  p.found.Name,
			Pid:     pr.info.Pid,
			Schemes: slices.Clone(pr.info.Schemes),
			Err:     fmt.Errorf("%w: %s (pid %d): %s", ErrExited, p.found.Name, pr.info.Pid, status),
		})
	}
}
