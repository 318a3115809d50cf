package zeroplug

import (
	"github.com/zeroplug/zeroplug/core"
)

// Poller waits on several sockets at once: libzmq's zmq_poller.
type Poller = core.Poller

// NewPoller returns an empty poller.
func NewPoller() *Poller { return core.NewPoller() }

// Polled is one ready socket and what it is ready for.
type Polled = core.Polled

// PollEvents says what a poller waits for on a socket.
type PollEvents = core.PollEvents

// Poll events, as libzmq's ZMQ_POLLIN and ZMQ_POLLOUT.
const (
	PollIn  = core.PollIn  // a message can be received now
	PollOut = core.PollOut // a message can be sent now
)

// Ready is what a Wait found: the ready sockets, in the order they were
// added, each once. Range over it, or ask about one socket.
type Ready = core.Ready
