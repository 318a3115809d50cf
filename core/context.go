package core

import (
	"os"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/go-hclog"
	"github.com/zeroplug/zeroplug/sdk"
	"github.com/zeroplug/zeroplug/sdk/zmtp/zap"
)

// Context owns sockets, the inproc namespace they share and the transport
// drivers they use: libzmq's zmq_ctx. Most programs need only the default
// one, behind NewSocket.
type Context struct {
	mu      sync.Mutex
	sockets map[*Socket]struct{} // open or lingering
	closed  bool
	// terminating is set by Close: lingering sockets stop waiting for
	// peers that are missing (see Close).
	terminating atomic.Bool
	blocky      bool // WithBlocky's; true unless set

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

// WithBlocky is libzmq's ZMQ_BLOCKY. With the default, true, Close waits
// for every socket's linger, which is for ever by default (LINGER -1)
// while a peer is there to deliver to (see Context.Close).
// WithBlocky(false) gives the context's sockets a LINGER of 0 unless they
// set one (libzmq 4.2 and later), so that neither Socket.Close nor
// Context.Close waits for a peer: what is queued when a socket closes is
// dropped.
func WithBlocky(blocky bool) ContextOption { return func(c *Context) { c.blocky = blocky } }

// NewContext returns a context with tcp and ipc registered.
func NewContext(opts ...ContextOption) *Context {
	c := &Context{
		sockets: make(map[*Socket]struct{}),
		blocky:  true,
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

// Blocky reports ZMQ_BLOCKY: whether the context's sockets linger by
// default (see WithBlocky).
func (c *Context) Blocky() bool { return c.blocky }

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

// Close is libzmq's zmq_ctx_term: it closes every socket of the context
// (blocked calls return ErrClosed), refuses new ones, waits until every
// socket, closed now or before, has finished lingering (Socket.Done), and
// stops the context's plugin processes.
//
// A socket finishes lingering when what it queued for its peers is
// written, when its LINGER is over, or when no peer is left to write it
// to (see Socket.Close). With the default LINGER (-1), Close waits for
// ever only for a peer that is there: connected, or being dialled or
// handshaken right now, but not reading. A peer that is missing (a
// Connect whose last attempt failed, or whose connection was lost, and
// that waits to retry) does not hold Close up: what was queued for it is
// dropped. libzmq's zmq_ctx_term waits for such a peer for ever; zeroplug
// decides otherwise, so that no program hangs in Close because a peer is
// missing. A finite LINGER is waited for in full, as in libzmq: a peer
// that comes within it gets its messages. WithBlocky(false) makes LINGER
// 0 the default, and Close then drops what has not gone out.
func (c *Context) Close() error {
	c.mu.Lock()
	c.closed = true
	c.terminating.Store(true)
	socks := make([]*Socket, 0, len(c.sockets))
	for s := range c.sockets {
		socks = append(socks, s)
	}
	c.mu.Unlock()
	for _, s := range socks {
		s.Close()
	}
	for _, s := range socks {
		<-s.Done()
	}
	c.drivers.plugins.Close()
	return nil
}
