package core

import (
	"fmt"
	"slices"
)

// The options of the patterns (issue 8): subscriptions as options,
// XPUB_WELCOME_MSG, XPUB_MANUAL, PROBE_ROUTER, CONNECT_ROUTING_ID,
// ROUTER_NOTIFY and INVERT_MATCHING, with libzmq 4.3's semantics. The
// patterns read them from the socket's snapshot; this file holds the
// setters, their table by libzmq's names, and the small acts they cause
// on a new connection.

// patternOptions are the pattern options in a socket's snapshot.
type patternOptions struct {
	// subChanges are SUBSCRIBE and UNSUBSCRIBE options not yet applied:
	// NewSocket and SetOption apply them in order, then clear them, so
	// that the snapshot never holds them for long.
	subChanges       []subChange
	xpubWelcome      []byte // nil: none
	xpubManual       bool
	probeRouter      bool
	connectRoutingID []byte // for the next Connect only; nil: none
	routerNotify     NotifyFlags
	invertMatching   bool
}

// subChange is one SUBSCRIBE (on) or UNSUBSCRIBE of topic.
type subChange struct {
	topic []byte
	on    bool
}

// Subscribe is ZMQ_SUBSCRIBE: at NewSocket or through SetOption, it does
// what Socket.Subscribe does (a SUB or XSUB receives messages whose first
// frame starts with prefix; a manual XPUB applies it to the peer of the
// last subscription it received). Subscriptions and unsubscriptions are
// applied in the order given, as libzmq's setsockopt calls are.
func Subscribe(prefix string) Option {
	return func(o *options) error {
		o.patterns.subChanges = append(o.patterns.subChanges, subChange{topic: []byte(prefix), on: true})
		return nil
	}
}

// Unsubscribe is ZMQ_UNSUBSCRIBE as an option: Socket.Unsubscribe through
// SetOption (or ParseOption).
func Unsubscribe(prefix string) Option {
	return func(o *options) error {
		o.patterns.subChanges = append(o.patterns.subChanges, subChange{topic: []byte(prefix), on: false})
		return nil
	}
}

// XPubWelcomeMsg is ZMQ_XPUB_WELCOME_MSG: an XPUB sends this message to
// each new peer as soon as it is connected, before anything else (a SUB
// sees it only if it subscribes to a prefix of it). Empty means none, the
// default, as in libzmq.
func XPubWelcomeMsg(m []byte) Option {
	return func(o *options) error {
		o.patterns.xpubWelcome = nil
		if len(m) > 0 {
			o.patterns.xpubWelcome = slices.Clone(m)
		}
		return nil
	}
}

// XPubManual is ZMQ_XPUB_MANUAL: an XPUB applies no subscription itself.
// The application receives every subscription and unsubscription and
// decides: Socket.Subscribe and Unsubscribe (or the SUBSCRIBE option) on
// the XPUB then apply to the peer the last received one came from.
func XPubManual(on bool) Option {
	return func(o *options) error { o.patterns.xpubManual = on; return nil }
}

// ProbeRouter is ZMQ_PROBE_ROUTER: a ROUTER, DEALER or REQ sends an empty
// message to each peer as its connection is made, so that a ROUTER peer
// learns the routing id at once.
func ProbeRouter(on bool) Option {
	return func(o *options) error { o.patterns.probeRouter = on; return nil }
}

// ConnectRoutingID is ZMQ_CONNECT_ROUTING_ID: a ROUTER or STREAM names the
// peer of its next Connect by id instead of the id the peer announces (or
// one made up). Connect consumes it; it fails with ErrInvalid if the id is
// in use. 1 to 255 bytes, not starting with a zero byte; empty clears it.
func ConnectRoutingID(id []byte) Option {
	return func(o *options) error {
		if len(id) == 0 {
			o.patterns.connectRoutingID = nil
			return nil
		}
		if len(id) > 255 || id[0] == 0 {
			return fmt.Errorf("%w: a routing id is 1 to 255 bytes and does not start with 0", ErrInvalid)
		}
		o.patterns.connectRoutingID = slices.Clone(id)
		return nil
	}
}

// NotifyFlags say which peer events a ROUTER reports (RouterNotify).
type NotifyFlags int

const (
	// NotifyConnect reports each new connection's peer (ZMQ_NOTIFY_CONNECT).
	NotifyConnect NotifyFlags = 1
	// NotifyDisconnect reports each lost one (ZMQ_NOTIFY_DISCONNECT).
	NotifyDisconnect NotifyFlags = 2
)

// RouterNotify is ZMQ_ROUTER_NOTIFY: a ROUTER receives [routing id, ""]
// when a peer's connection completes its handshake (NotifyConnect) and
// when it ends (NotifyDisconnect). As in libzmq, only connections (tcp,
// ipc, plugins) notify, not inproc, and a notification that finds the
// peer's queue at its high-water mark is lost.
func RouterNotify(flags NotifyFlags) Option {
	return func(o *options) error {
		if flags&^(NotifyConnect|NotifyDisconnect) != 0 {
			return fmt.Errorf("%w: ROUTER_NOTIFY of %d", ErrInvalid, flags)
		}
		o.patterns.routerNotify = flags
		return nil
	}
}

// InvertMatching is ZMQ_INVERT_MATCHING: a PUB or XPUB sends each message
// to the peers with no subscription matching it, and a SUB keeps the
// messages no subscription matches. Both ends must agree: a PUB with it
// and a SUB without filter twice and deliver nothing useful.
func InvertMatching(on bool) Option {
	return func(o *options) error { o.patterns.invertMatching = on; return nil }
}

func init() { optionTables = append(optionTables, patternOptionTable) }

// patternOptionTable is this file's options by libzmq's names.
var patternOptionTable = []optionSpec{
	{name: "SUBSCRIBE", kind: kindBytes, set: func(v any) Option { return Subscribe(string(v.([]byte))) }},
	{name: "UNSUBSCRIBE", kind: kindBytes, set: func(v any) Option { return Unsubscribe(string(v.([]byte))) }},
	bytesOpt("XPUB_WELCOME_MSG", XPubWelcomeMsg, func(o *options) []byte { return o.patterns.xpubWelcome }),
	boolOpt("XPUB_MANUAL", XPubManual, func(o *options) bool { return o.patterns.xpubManual }),
	boolOpt("PROBE_ROUTER", ProbeRouter, func(o *options) bool { return o.patterns.probeRouter }),
	bytesOpt("CONNECT_ROUTING_ID", ConnectRoutingID, func(o *options) []byte { return o.patterns.connectRoutingID }),
	intOpt("ROUTER_NOTIFY", func(n int) Option { return RouterNotify(NotifyFlags(n)) },
		func(o *options) int { return int(o.patterns.routerNotify) }),
	boolOpt("INVERT_MATCHING", InvertMatching, func(o *options) bool { return o.patterns.invertMatching }),
}

// takeSubChanges removes the pending subscription changes from o, for
// the caller to apply once o is the socket's snapshot.
func (o *options) takeSubChanges() []subChange {
	c := o.patterns.subChanges
	o.patterns.subChanges = nil
	return c
}

// applySubChanges applies SUBSCRIBE and UNSUBSCRIBE options in order.
func (s *Socket) applySubChanges(changes []subChange) error {
	for _, c := range changes {
		if err := s.changeSubscription(c.topic, c.on); err != nil {
			return err
		}
	}
	return nil
}

// changeSubscription is the one path of every subscription change, from
// Socket.Subscribe and from the options: a SUB or XSUB changes its own
// set, a manual XPUB the set of the peer it last heard a subscription
// from (as libzmq's xpub_t::xsetsockopt). Any other socket refuses.
func (s *Socket) changeSubscription(topic []byte, on bool) error {
	if !s.takesSubscriptions(s.options()) {
		return ErrNotSupported
	}
	switch x := s.pat.(type) {
	case *sub:
		if on {
			x.subscribe(topic)
		} else {
			x.unsubscribe(topic)
		}
		return nil
	case *pub:
		x.manualChange(topic, on)
	}
	return nil
}

// takesSubscriptions reports whether the socket, with options o, accepts
// SUBSCRIBE and UNSUBSCRIBE: a SUB, an XSUB, or an XPUB with XPUB_MANUAL.
func (s *Socket) takesSubscriptions(o *options) bool {
	return s.typ == SUB || s.typ == XSUB || (s.typ == XPUB && o.patterns.xpubManual)
}

// greetings are what a new connection (or inproc link) of p carries
// first: a SUB's subscriptions, an XPUB's welcome message, the probe of
// PROBE_ROUTER.
func (s *Socket) greetings(p *pipe) []msg {
	var first []msg
	if h, ok := s.pat.(connectHook); ok {
		first = h.connected(p)
	}
	if s.options().patterns.probeRouter && (s.typ == ROUTER || s.typ == DEALER || s.typ == REQ) {
		// libzmq's probe is one empty frame, written straight to the
		// pipe (for REQ too: no delimiter, no request state).
		first = append(first, msg{body: []byte{}})
	}
	return first
}

// notifyRouter queues ROUTER_NOTIFY's empty message from p's peer, which
// the ROUTER's recv prefixes with the peer's routing id.
func (s *Socket) notifyRouter(p *pipe, event NotifyFlags) {
	if s.typ != ROUTER || s.options().patterns.routerNotify&event == 0 {
		return
	}
	p.in.push(msg{body: []byte{}})
}

// takeConnectRoutingID consumes CONNECT_ROUTING_ID for a Connect of a
// ROUTER or STREAM; ErrInvalid if a peer has that id already.
func (s *Socket) takeConnectRoutingID() ([]byte, error) {
	if s.typ != ROUTER && s.typ != STREAM {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.opts.Load()
	id := old.patterns.connectRoutingID
	if id == nil {
		return nil, nil
	}
	var r *router
	switch x := s.pat.(type) {
	case *router:
		r = x
	case *stream:
		r = &x.router
	}
	if r.hasID(id) {
		return nil, fmt.Errorf("%w: routing id %q is in use", ErrInvalid, id)
	}
	o := *old
	o.patterns.connectRoutingID = nil
	s.opts.Store(&o)
	return id, nil
}
