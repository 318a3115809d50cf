package core

import (
	"fmt"
	"slices"
	"strings"
)

// socketDefaults are the context's defaults for its new sockets' options,
// as libzmq's zmq_ctx_set(ZMQ_IPV6) and ZMQ_MAX_MSGSZ give them. A
// socket's own options override them.
type socketDefaults struct {
	ipv6       bool
	maxMsgSize int64 // negative: no limit
}

func newSocketDefaults() socketDefaults { return socketDefaults{maxMsgSize: -1} }

// apply puts the defaults under a new socket's options.
func (d socketDefaults) apply(o *options) {
	o.transport.IPv6 = d.ipv6
	o.maxMsgSize = d.maxMsgSize
}

// WithIPv6 is the context's ZMQ_IPV6: the default of its sockets' IPV6
// option (resolve names and wildcards to IPv6 too). Default false.
func WithIPv6(on bool) ContextOption { return func(c *Context) { c.defaults.ipv6 = on } }

// WithMaxMsgSize is the context's ZMQ_MAX_MSGSZ, the default of its
// sockets' MAXMSGSIZE: a peer sending a larger message is disconnected.
// Negative (the default) means no limit.
func WithMaxMsgSize(n int64) ContextOption {
	return func(c *Context) { c.defaults.maxMsgSize = n }
}

// contextOptionSpec is one context option by libzmq's name (without the
// ZMQ_ prefix), read by Context.Option.
type contextOptionSpec struct {
	name string
	get  func(c *Context) any
}

// contextOptionTables are the tables Context.Option searches; a file with
// context options of its own appends its table in an init function.
var contextOptionTables = [][]contextOptionSpec{{
	{"IPV6", func(c *Context) any { return c.defaults.ipv6 }},
	{"MAX_MSGSZ", func(c *Context) any { return c.defaults.maxMsgSize }},
}}

// Option reads a context option by libzmq's name, as zmq_ctx_get does:
// IPV6 (bool) and MAX_MSGSZ (int64, negative meaning no limit). libzmq's
// IO_THREADS, MAX_SOCKETS and THREAD_* have no meaning here: goroutines do
// the I/O and sockets are not counted, so they are unknown names.
func (c *Context) Option(name string) (any, error) {
	n := strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(name)), "ZMQ_")
	for _, t := range contextOptionTables {
		if i := slices.IndexFunc(t, func(s contextOptionSpec) bool { return s.name == n }); i >= 0 {
			return t[i].get(c), nil
		}
	}
	return nil, fmt.Errorf("%w: no context option %q", ErrInvalid, name)
}
