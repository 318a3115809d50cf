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

// WithBlocky is libzmq's ZMQ_BLOCKY. With the default, true, Close waits
// for every socket's linger, which is for ever by default (LINGER -1)
// while a peer is there to deliver to (see Context.Close).
// WithBlocky(false) gives the context's sockets a LINGER of 0 unless they
// set one (libzmq 4.2 and later), so that neither Socket.Close nor
// Context.Close waits for a peer: what is queued when a socket closes is
// dropped.
func WithBlocky(blocky bool) ContextOption { return core.WithBlocky(blocky) }

// WithIPv6 is the context's ZMQ_IPV6: the default of its sockets' IPV6
// option (resolve names and wildcards to IPv6 too). Default false.
func WithIPv6(on bool) ContextOption { return core.WithIPv6(on) }

// WithMaxMsgSize is the context's ZMQ_MAX_MSGSZ, the default of its
// sockets' MAXMSGSIZE: a peer sending a larger message is disconnected.
// Negative (the default) means no limit.
func WithMaxMsgSize(n int64) ContextOption { return core.WithMaxMsgSize(n) }
