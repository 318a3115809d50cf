package core

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/zeroplug/zeroplug/sdk"
	"github.com/zeroplug/zeroplug/sdk/zmtp"
)

// inprocRegistry is a context's inproc namespace: names bound, and connects
// waiting for their name to be bound (libzmq allows either order).
type inprocRegistry struct {
	mu      sync.Mutex
	bound   map[string]*Socket
	pending map[string][]*inprocLink
}

func (r *inprocRegistry) init() {
	r.bound = make(map[string]*Socket)
	r.pending = make(map[string][]*inprocLink)
}

// inprocLink is one inproc connection: two pipes whose queues cross, so a
// message sent by one socket is, by reference, in the other's queue.
type inprocLink struct {
	name      string
	connector *Socket
	binder    *Socket                // nil while pending (r.mu)
	bound     atomic.Pointer[Socket] // the binder, for the queues' callbacks
	local     *pipe                  // the connector's pipe
	remote    *pipe                  // the binder's pipe
	endpoint  string                 // as the connector gave it
	routingID []byte                 // CONNECT_ROUTING_ID, for a ROUTER connector
}

func (s *Socket) bindInproc(ep sdk.Endpoint) error {
	r := &s.ctx.inproc
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, taken := r.bound[ep.Address]; taken {
		return fmt.Errorf("%w: %s", ErrAddrInUse, ep)
	}
	r.bound[ep.Address] = s
	s.mu.Lock()
	s.inprocBound = append(s.inprocBound, ep.Address)
	s.lastEndpoint = ep.String()
	s.mu.Unlock()
	waiting := r.pending[ep.Address]
	delete(r.pending, ep.Address)
	for _, l := range waiting {
		s.acceptInproc(l)
	}
	s.event(Event{Type: EventListening, Endpoint: ep.String()})
	return nil
}

// connectInproc connects to an inproc name, bound or not yet, and returns
// the connector's pipe, or nil when either pattern refused the link.
func (s *Socket) connectInproc(ep sdk.Endpoint, endpoint string) (*pipe, error) {
	routingID, err := s.takeConnectRoutingID()
	if err != nil {
		return nil, err
	}
	o := s.options()
	local := &pipe{sock: s, in: newQueue(o.recvHWM), endpoint: endpoint, conflate: s.conflate}
	local.in.onReadable = func() { s.fq.activate(local) }
	var l *inprocLink
	local.in.onWritable = func() {
		if b := l.bound.Load(); b != nil {
			b.signalWritable()
		}
	}
	local.setHook(s)
	remote := &pipe{in: newQueue(o.sendHWM), endpoint: "inproc://" + ep.Address}
	local.peer, remote.peer = remote, local
	l = &inprocLink{name: ep.Address, connector: s, local: local, remote: remote, endpoint: endpoint, routingID: routingID}
	remote.in.onWritable = s.signalWritable
	if o.routingID != nil {
		remote.info.Store(&peerInfo{metadata: identityMetadata(o.routingID)})
	}

	r := &s.ctx.inproc
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.bound[ep.Address]
	if b == nil {
		r.pending[ep.Address] = append(r.pending[ep.Address], l)
	}
	// The binder's pipe gets its socket before the connector can send.
	remote.in.onReadable = func() {
		if b := l.bound.Load(); b != nil {
			b.fq.activate(remote)
		}
	}
	s.mu.Lock()
	s.inprocLinks = append(s.inprocLinks, l)
	s.lastEndpoint = endpoint
	s.mu.Unlock()
	if b != nil {
		b.acceptInproc(l)
	}
	if local.gone.Load() {
		return nil, nil // the binder's pattern refused the link (acceptInproc)
	}
	if !s.addPipe(local) {
		if s.isClosed() {
			return nil, ErrClosed
		}
		// This socket's pattern refused the link (a PAIR that has its
		// peer): as libzmq terminates such a pipe, end the link on the
		// binder's side too, or take it off the pending list. The
		// connect itself succeeds, as in libzmq.
		local.gone.Store(true)
		l.bound.Store(nil)
		if b != nil {
			b.removePipe(remote)
		} else {
			r.pending[ep.Address] = slices.DeleteFunc(r.pending[ep.Address], func(x *inprocLink) bool { return x == l })
		}
		return nil, nil
	}
	return local, nil
}

// acceptInproc completes a link to this (binding) socket; r.mu is held.
func (s *Socket) acceptInproc(l *inprocLink) {
	o := s.options()
	l.binder = s
	rp := l.remote
	rp.sock = s
	rp.conflate = s.conflate
	rp.setHook(s)
	l.bound.Store(s)
	// libzmq's inproc high-water mark is the sender's plus the receiver's.
	rp.in.mu.Lock()
	rp.in.hwm = sumHWM(rp.in.hwm, o.recvHWM)
	rp.in.mu.Unlock()
	l.local.in.mu.Lock()
	l.local.in.hwm = sumHWM(l.local.in.hwm, o.sendHWM)
	l.local.in.mu.Unlock()
	if o.routingID != nil {
		l.local.info.Store(&peerInfo{metadata: identityMetadata(o.routingID)})
	}
	var connectorID []byte
	if info := rp.info.Load(); info != nil {
		connectorID, _ = info.metadata.Get("Identity")
	}
	var binderID []byte
	if o.routingID != nil {
		binderID = o.routingID
	}
	if id, ok := s.pat.(identifier); ok {
		id.identify(rp, connectorID)
	}
	if l.routingID != nil {
		binderID = l.routingID
	}
	if id, ok := l.connector.pat.(identifier); ok {
		id.identify(l.local, binderID)
	}
	// Messages sent before the bind waited in the queue without the
	// binder's hook seeing them; pass them through it now.
	if s.hook != nil {
		var kept []msg
		for m, ok := rp.in.pop(); ok; m, ok = rp.in.pop() {
			if s.hook.deliver(rp, &m) {
				kept = append(kept, m)
			}
		}
		for _, m := range kept {
			rp.in.push(m)
		}
	}
	s.mu.Lock()
	s.inprocLinks = append(s.inprocLinks, l)
	s.mu.Unlock()
	if !s.addPipe(rp) {
		// The pattern refused the peer (a PAIR that has one). libzmq
		// terminates such a pipe, and so must this: unhook the binder,
		// which would otherwise still be woken for, and receive, what
		// the connector sends, and detach the connector's end, so that
		// its sends wait for a peer as they would with none.
		l.bound.Store(nil)
		rp.gone.Store(true)
		l.connector.removePipe(l.local)
		return
	}
	// Either side may greet the other (a SUB its subscriptions, an XPUB
	// its welcome, PROBE_ROUTER its probe) now,
	// as it would a new connection after the handshake.
	for _, side := range []*pipe{l.local, rp} {
		for _, m := range side.sock.greetings(side) {
			side.write(m)
		}
	}
	if !rp.in.empty() {
		s.fq.activate(rp)
	}
	l.connector.signalWritable()
	s.event(Event{Type: EventAccepted, Endpoint: rp.endpoint})
}

func sumHWM(a, b int) int {
	if a == 0 || b == 0 {
		return 0
	}
	return a + b
}

func identityMetadata(id []byte) zmtp.Metadata {
	return zmtp.Metadata{{Name: "Identity", Value: id}}
}

func (s *Socket) unbindInproc(ep sdk.Endpoint) error {
	r := &s.ctx.inproc
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.bound[ep.Address] != s {
		return ErrNotBound
	}
	delete(r.bound, ep.Address)
	s.mu.Lock()
	s.inprocBound = slices.DeleteFunc(s.inprocBound, func(n string) bool { return n == ep.Address })
	s.mu.Unlock()
	return nil
}

func (s *Socket) unbindAllInproc() {
	r := &s.ctx.inproc
	r.mu.Lock()
	defer r.mu.Unlock()
	s.mu.Lock()
	names := s.inprocBound
	s.inprocBound = nil
	s.mu.Unlock()
	for _, n := range names {
		if r.bound[n] == s {
			delete(r.bound, n)
		}
	}
}

// disconnectInproc ends the links this socket connected to endpoint.
func (s *Socket) disconnectInproc(endpoint string) error {
	s.mu.Lock()
	var mine []*inprocLink
	for _, l := range s.inprocLinks {
		if l.connector == s && l.endpoint == endpoint {
			mine = append(mine, l)
		}
	}
	s.mu.Unlock()
	if len(mine) == 0 {
		return ErrNotBound
	}
	for _, l := range mine {
		s.ctx.inproc.cut(l)
	}
	return nil
}

// disconnectAllInproc ends every link of a closing socket.
func (s *Socket) disconnectAllInproc() {
	s.mu.Lock()
	// A copy: cut deletes each link from s.inprocLinks in place, which
	// would shift the rest under this loop and leave nils at its end.
	links := slices.Clone(s.inprocLinks)
	s.mu.Unlock()
	for _, l := range links {
		s.ctx.inproc.cut(l)
	}
}

// cut ends a link on both sides. Messages already in a queue can still be
// read by their receiver.
func (r *inprocRegistry) cut(l *inprocLink) {
	r.mu.Lock()
	if l.binder == nil {
		r.pending[l.name] = slices.DeleteFunc(r.pending[l.name], func(x *inprocLink) bool { return x == l })
	}
	b := l.binder
	r.mu.Unlock()
	drop := func(s *Socket, p *pipe) {
		if s == nil {
			return
		}
		s.removePipe(p)
		s.mu.Lock()
		s.inprocLinks = slices.DeleteFunc(s.inprocLinks, func(x *inprocLink) bool { return x == l })
		s.mu.Unlock()
	}
	drop(l.connector, l.local)
	drop(b, l.remote)
}
