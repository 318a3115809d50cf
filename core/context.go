package core

import (
	"os"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/zeroplug/zeroplug/sdk"
	"github.com/zeroplug/zeroplug/sdk/zmtp/zap"
)

// Context owns sockets, the inproc namespace they share and the transport
// drivers they use: libzmq's zmq_ctx. Most programs need only the default
// one, behind NewSocket.
type Context struct {
	mu      sync.Mutex
	sockets map[*Socket]struct{}
	closed  bool

	inproc  inprocRegistry
	drivers *registry
	plugins pluginConfig
	log     hclog.Logger
	auth    zap.Authenticator // WithAuthenticator's, or nil

	defaults socketDefaults // WithIPv6's and WithMaxMsgSize's
}

// ContextOption configures a Context.
type ContextOption func(*Context)

// WithLogger sends the context's log lines (a dropped connection, a
// malformed peer) to l. The default logs warnings to standard error.
func WithLogger(l hclog.Logger) ContextOption { return func(c *Context) { c.log = l } }

// WithDriver registers a transport driver for the schemes it names, in
// place of any built-in one.
func WithDriver(d sdk.Driver) ContextOption { return func(c *Context) { c.drivers.register(d) } }

// NewContext returns a context with tcp and ipc registered.
func NewContext(opts ...ContextOption) *Context {
	c := &Context{
		sockets: make(map[*Socket]struct{}),
		drivers: newRegistry(),
		log: hclog.New(&hclog.LoggerOptions{
			Name:   "zeroplug",
			Level:  hclog.Warn,
			Output: os.Stderr,
		}),
	}
	c.inproc.init()
	c.defaults = newSocketDefaults()
	for _, o := range opts {
		o(c)
	}
	c.startPluginHost()
	return c
}

var defaultContext = sync.OnceValue(func() *Context { return NewContext() })

// DefaultContext is the context of NewSocket.
func DefaultContext() *Context { return defaultContext() }

// NewSocket opens a socket of the given type in the default context.
func NewSocket(t Type, opts ...Option) (*Socket, error) {
	return DefaultContext().NewSocket(t, opts...)
}

// RegisterDriver adds a transport to the context (see WithDriver).
func (c *Context) RegisterDriver(d sdk.Driver) { c.drivers.register(d) }

// Schemes lists the endpoint schemes the context can bind and connect.
func (c *Context) Schemes() []string { return c.drivers.schemes() }

// NewSocket opens a socket of the given type.
func (c *Context) NewSocket(t Type, opts ...Option) (*Socket, error) {
	s, err := newSocket(c, t, opts)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClosed
	}
	c.sockets[s] = struct{}{}
	return s, nil
}

func (c *Context) forget(s *Socket) {
	c.mu.Lock()
	delete(c.sockets, s)
	c.mu.Unlock()
}

// Close closes every socket of the context, each honouring its linger,
// refuses new ones and stops the context's plugin processes: libzmq's
// zmq_ctx_term.
func (c *Context) Close() error {
	c.mu.Lock()
	c.closed = true
	socks := make([]*Socket, 0, len(c.sockets))
	for s := range c.sockets {
		socks = append(socks, s)
	}
	c.mu.Unlock()
	var wg sync.WaitGroup
	for _, s := range socks {
		wg.Add(1)
		go func() { defer wg.Done(); s.Close() }()
	}
	wg.Wait()
	c.drivers.plugins.Close()
	return nil
}
