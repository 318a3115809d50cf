package zeroplug

import (
	"github.com/hashicorp/go-hclog"

	"github.com/zeroplug/zeroplug/core"
	"github.com/zeroplug/zeroplug/sdk"
)

// Context owns sockets, the inproc namespace they share and the transport
// drivers they use: libzmq's zmq_ctx. Most programs need only the default
// one, behind NewSocket.
type Context = core.Context

// ContextOption configures a Context.
type ContextOption = core.ContextOption

// NewContext returns a context with tcp and ipc registered.
func NewContext(opts ...ContextOption) *Context { return core.NewContext(opts...) }

// DefaultContext is the context of NewSocket.
func DefaultContext() *Context { return core.DefaultContext() }

// WithAuthenticator makes a the context's ZAP handler (RFC 27): every
// PLAIN and CURVE server socket of the context, and every socket with a
// ZAP domain, asks it about each client. Without one, the context uses a
// handler bound to inproc://zeromq.zap.01 as libzmq does, if there is one.
func WithAuthenticator(a ZAPAuthenticator) ContextOption { return core.WithAuthenticator(a) }

// WithDriver registers a transport driver for the schemes it names, in
// place of any built-in one.
func WithDriver(d sdk.Driver) ContextOption { return core.WithDriver(d) }

// WithLogger sends the context's log lines (a dropped connection, a
// malformed peer) to l. The default logs warnings to standard error.
func WithLogger(l hclog.Logger) ContextOption { return core.WithLogger(l) }

// WithPluginManifest pins the transport plugins the context may run: only
// those listed in the manifest at path (the output of sha256sum), with the
// contents listed; any other is refused with an error wrapping
// pluginhost.ErrChecksum or pluginhost.ErrNotPinned. Without this option,
// $ZEROPLUG_PLUGIN_MANIFEST names the manifest, if set.
func WithPluginManifest(path string) ContextOption { return core.WithPluginManifest(path) }

// WithPluginPath adds directories to search for transport plugins, before
// $ZEROPLUG_PLUGIN_PATH, ~/.zeroplug/plugins and the executable's directory.
func WithPluginPath(dirs ...string) ContextOption { return core.WithPluginPath(dirs...) }
