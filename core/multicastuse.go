package core

import (
	"fmt"

	"github.com/zeroplug/zeroplug/sdk"
)

// checkMulticastUse refuses what libzmq refuses with ENOCOMPATPROTO
// (socket_base_t::check_protocol): the multicast transports, served by plugins,
// for a socket other than PUB, XPUB, SUB and XSUB. It is checked here, at Bind
// and at Connect, because a connect's dial runs in the background, where the
// plugin's own refusal would only be retried.
func (s *Socket) checkMulticastUse(ep sdk.Endpoint) error {
	switch ep.Scheme {
	case "pgm", "epgm", "norm":
	default:
		return nil
	}
	switch s.typ {
	case PUB, XPUB, SUB, XSUB:
		return nil
	}
	return fmt.Errorf("%w: %s:// serves PUB, XPUB, SUB and XSUB sockets only, not %s", ErrNotSupported, ep.Scheme, s.typ)
}

// Binding a multicast endpoint is connecting it, as in libzmq
// (socket_base_t::bind turns pgm, epgm and norm into connect): joining a group is
// the same act either way, and a PUB's pipe then exists from the call on, so
// that what it sends before the plugin's stream is up queues instead of being
// dropped for want of a peer. Unbind undoes it as Disconnect does.

// subscribedToAll reports whether a PUB or XPUB sends everything to the pipe of
// endpoint, whatever its peer subscribed: a multicast transport carries no
// subscription upstream, so libzmq's socket_base_t::connect sets subscribe_to_all
// for pgm, epgm and norm, and the pipe starts with the empty subscription, from
// the moment it is attached (the messages sent before the plugin's stream is up
// queue for it instead of being dropped as unsubscribed).
func subscribedToAll(endpoint string) bool {
	ep, err := sdk.ParseEndpoint(endpoint)
	if err != nil {
		return false
	}
	switch ep.Scheme {
	case "pgm", "epgm", "norm":
		return true
	}
	return false
}

// handsOverAtClose reports whether the engine, when its socket closes, hands the
// end of the stream to its peer and waits for the peer to close it, within
// LINGER: a PUB's or XPUB's over pgm, epgm or norm, whose plugin goes on
// answering repair requests for the last messages (for RECOVERY_IVL at most)
// after it has sent them, and closes the stream when it is done. Closing at once
// would end the plugin's multicast session with the process.
func (e *engine) handsOverAtClose() bool {
	return (e.s.typ == PUB || e.s.typ == XPUB) && subscribedToAll(e.endpoint)
}

// closeWrite shuts down the sending half of the connection, when it has one, so
// that the peer reads the end of the stream and the engine goes on reading until
// the peer closes; without one, it closes the connection.
func (e *engine) closeWrite() {
	if cw, ok := e.conn.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
		return
	}
	e.stop(nil)
}
