package core

import (
	"errors"
	"strings"

	"github.com/zeroplug/zeroplug/sdk"
	"github.com/zeroplug/zeroplug/sdk/pluginhost"
)

// Transport plugins: schemes no linked-in driver serves are looked up by the
// context's plugin host among the plugin binaries (zeroplug-transport-*) by
// the schemes each declares, whatever its file name; the host starts a
// plugin's process on the first bind or connect to one of its schemes and
// stops it when the context closes. A context that never meets such a
// scheme runs nothing, bar the describe of binaries not yet in the
// description cache. See sdk/pluginhost for the search path, the catalog,
// the manifest and the life of a plugin process.
//
// When a plugin process crashes, the host logs it (an error line naming the
// plugin, its pid, schemes and exit status) and every socket with an
// endpoint of one of its schemes gets an EventPluginCrashed event for that
// endpoint. Connections already made keep working; the next bind or connect
// (a reconnect included) starts the plugin again.

// pluginConfig is what the options below set.
type pluginConfig struct {
	dirs     []string
	manifest string
}

// WithPluginPath adds directories to search for transport plugins, before
// $ZEROPLUG_PLUGIN_PATH, ~/.zeroplug/plugins and the executable's directory.
func WithPluginPath(dirs ...string) ContextOption {
	return func(c *Context) { c.plugins.dirs = append(c.plugins.dirs, dirs...) }
}

// WithPluginManifest pins the transport plugins the context may run: only
// those listed in the manifest at path (the output of sha256sum), with the
// contents listed; any other is refused with an error wrapping
// pluginhost.ErrChecksum or pluginhost.ErrNotPinned. Without this option,
// $ZEROPLUG_PLUGIN_MANIFEST names the manifest, if set.
func WithPluginManifest(path string) ContextOption {
	return func(c *Context) { c.plugins.manifest = path }
}

// startPluginHost makes the context's plugin host; it runs nothing yet.
func (c *Context) startPluginHost() {
	c.drivers.plugins = pluginhost.New(pluginhost.Config{
		Dirs:     c.plugins.dirs,
		Manifest: c.plugins.manifest,
		Logger:   c.log.Named("plugin"),
		OnExit:   c.pluginCrashed,
	})
}

// lookupPlugin finds the plugin for a scheme no driver serves; without one,
// the error lists the schemes known, the plugins found and the directories
// searched, or, when the file named for the scheme was refused or failed
// describe, wraps that error (pluginhost.ErrChecksum, ErrNotPinned,
// ErrDescribe).
func (r *registry) lookupPlugin(ep sdk.Endpoint) (sdk.Driver, error) {
	if r.plugins == nil {
		return nil, &sdk.EndpointError{Endpoint: ep.String(), Err: sdk.ErrUnknownScheme, Known: r.schemes()}
	}
	p, err := r.plugins.Driver(ep.Scheme)
	if err == nil {
		return p, nil
	}
	if !errors.Is(err, pluginhost.ErrNotFound) {
		// The plugin named for the scheme was refused (the manifest) or
		// failed describe: that is what the user must fix.
		return nil, &sdk.EndpointError{Endpoint: ep.String(), Err: err}
	}
	return nil, &sdk.EndpointError{Endpoint: ep.String(), Err: sdk.ErrUnknownScheme, Known: r.schemes(), Detail: r.plugins.Describe()}
}

// pluginCrashed tells the sockets that use a crashed plugin's schemes.
func (c *Context) pluginCrashed(x pluginhost.Exit) {
	c.mu.Lock()
	socks := make([]*Socket, 0, len(c.sockets))
	for s := range c.sockets {
		socks = append(socks, s)
	}
	c.mu.Unlock()
	for _, s := range socks {
		for _, ep := range s.endpointsOf(x.Schemes) {
			s.event(Event{Type: EventPluginCrashed, Endpoint: ep, Err: x.Err})
		}
	}
}

// endpointsOf lists the socket's bound and connected endpoints of the given
// schemes.
func (s *Socket) endpointsOf(schemes []string) []string {
	uses := func(ep string) bool {
		for _, sc := range schemes {
			if len(ep) > len(sc)+3 && strings.EqualFold(ep[:len(sc)+3], sc+"://") {
				return true
			}
		}
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	seen := map[*binding]bool{}
	for _, b := range s.listeners {
		if !seen[b] && uses(b.endpoint) {
			seen[b] = true
			out = append(out, b.endpoint)
		}
	}
	for ep := range s.connects {
		if uses(ep) {
			out = append(out, ep)
		}
	}
	return out
}
