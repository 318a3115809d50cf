package zeroplug

import (
	"github.com/zeroplug/zeroplug/core"
)

// Proxy moves messages between frontend and backend, both ways where the
// socket types allow, copying each to capture when it is not nil: libzmq's
// zmq_proxy. It returns when either socket closes.
func Proxy(frontend, backend, capture *Socket) error { return core.Proxy(frontend, backend, capture) }

// ProxySteerable is Proxy controlled through a socket, as libzmq's
// zmq_proxy_steerable: the commands PAUSE, RESUME and TERMINATE, and
// STATISTICS, answered with eight 8-byte counters (see ProxyStats). A REP
// control socket gets an empty reply to every other command, as in
// libzmq, so that it can take the next. It returns nil on TERMINATE.
func ProxySteerable(frontend, backend, capture, control *Socket) error {
	return core.ProxySteerable(frontend, backend, capture, control)
}

// ProxyStats are the counters libzmq's steerable proxy reports for
// STATISTICS: messages and bytes in and out on each side.
type ProxyStats = core.ProxyStats

// ParseProxyStats decodes the reply to a STATISTICS command.
func ParseProxyStats(frames [][]byte) (ProxyStats, bool) { return core.ParseProxyStats(frames) }
