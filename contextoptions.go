package zeroplug

// The context-wide defaults of its sockets' options, as zmq_ctx_set gives
// them.

import "github.com/zeroplug/zeroplug/core"

// WithIPv6 is the context's ZMQ_IPV6: the default of its sockets' IPV6
// option (resolve names and wildcards to IPv6 too). Default false.
func WithIPv6(on bool) ContextOption { return core.WithIPv6(on) }

// WithMaxMsgSize is the context's ZMQ_MAX_MSGSZ, the default of its
// sockets' MAXMSGSIZE: a peer sending a larger message is disconnected.
// Negative (the default) means no limit.
func WithMaxMsgSize(n int64) ContextOption { return core.WithMaxMsgSize(n) }
