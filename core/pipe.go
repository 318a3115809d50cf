package core

import (
	"sync/atomic"
)

// pipe is one peer of a socket, as its pattern sees it: a queue of messages
// from the peer and a way to queue messages for it. The pattern never knows
// whether the peer is across a connection or an inproc socket.
type pipe struct {
	sock *Socket

	// in holds messages from the peer, consumed by the socket's Recv
	// through the fair-queue.
	in *queue

	// For a connection, out holds messages for the peer, consumed by the
	// engine's writer, which waits on writerWake. For inproc, peer is the
	// other socket's pipe and writes go straight into its in-queue.
	out        *queue
	writerWake chan struct{}
	readerWake chan struct{} // the in-queue got room: the engine reads on
	writing    atomic.Bool   // the writer holds messages not yet written
	peer       *pipe

	endpoint string // the socket's endpoint this pipe belongs to
	info     atomic.Pointer[peerInfo]

	// id is the peer's routing id, for ROUTER; guarded by the pattern.
	id []byte

	// routingID is a SERVER's name for the peer, set when it attaches;
	// atomic because an inproc pipe may be read before its attach ends.
	routingID atomic.Uint32

	// subs are the peer's subscriptions, for PUB and XPUB.
	subs subscriptions

	// listed says the pipe is in the fair-queue's active list (fq.mu).
	listed bool

	// gone is set when the peer is detached: nothing more will be read
	// from it or written to it.
	gone atomic.Bool

	// up says a connection is running on the pipe (subscription replay
	// in SUB and XSUB depends on it); guarded by the pattern.
	up bool

	// hook is the receiving socket's deliverHook, when it has one. It is
	// atomic because an inproc pipe learns its socket only at Bind.
	hook atomic.Pointer[hookRef]

	// kick closes the pipe's current connection, for Disconnect, Unbind,
	// a STREAM socket's close request and ROUTER handover.
	kick atomic.Pointer[func()]

	// missing says the pipe's Connect has no peer now: its last attempt
	// failed or its connection was lost, and it waits to retry. Set and
	// cleared by the session; Context.Close does not wait for such a pipe
	// with the default LINGER.
	missing atomic.Bool

	// everyGroup says a RADIO sends every group's messages here: a
	// udp:// pipe, since no JOIN crosses UDP (libzmq's subscribe_to_all).
	everyGroup bool

	// conflate makes write keep only the newest message (CONFLATE).
	conflate bool

	// awaitingPeer says the pipe's engine, a multicast PUB's, waits at close
	// for its plugin to end the stream (see engine.handsOverAtClose): the
	// linger waits for it as for queued messages.
	awaitingPeer atomic.Bool
}

// newPipe returns a pipe for a connection: both queues are the socket's.
func newPipe(s *Socket, endpoint string) *pipe {
	// Under s.mu (options): SetOption may change them meanwhile.
	o := s.options()
	p := &pipe{
		sock:       s,
		in:         newQueue(o.recvHWM),
		out:        newQueue(o.sendHWM),
		writerWake: make(chan struct{}, 1),
		readerWake: make(chan struct{}, 1),
		endpoint:   endpoint,
		conflate:   s.conflate,
	}
	p.in.onReadable = func() { s.fq.activate(p) }
	p.in.onWritable = func() { signal(p.readerWake) }
	p.setHook(s)
	p.out.onReadable = func() { signal(p.writerWake) }
	p.out.onWritable = s.signalWritable
	return p
}

// write queues m for the peer; false means its queue is full.
func (p *pipe) write(m msg) bool {
	if p.conflate && m.kind == kindData {
		p.dropQueued()
	}
	if p.peer != nil {
		return p.peer.deliver(m)
	}
	return p.out.push(m)
}

// full reports whether write would fail now.
func (p *pipe) full() bool {
	if p.peer != nil {
		return p.peer.in.full()
	}
	return p.out.full()
}

// deliver hands a message from the peer to the socket: first to its
// pattern's hook (PUB and XPUB take subscriptions there), then to the
// in-queue. False means the in-queue is full.
func (p *pipe) deliver(m msg) bool {
	if r := p.hook.Load(); r != nil {
		return p.deliverHooked(r, m)
	}
	return p.in.push(m)
}

// deliverHooked is deliver through the pattern's hook. It is a function of
// its own, kept out of deliver, because handing &m to an interface method
// moves m to the heap: PULL, which has no hook, must not pay 56 B for that
// on every message.
//
//go:noinline
func (p *pipe) deliverHooked(r *hookRef, m msg) bool {
	if r.bounded != nil && !r.bounded.roomFor(p) {
		return false
	}
	if !r.h.deliver(p, &m) {
		return true
	}
	return p.in.push(m)
}

type hookRef struct {
	h       deliverHook
	bounded boundedHook // h, when it queues what it takes
}

// boundedHook is a deliverHook with a queue of its own that a peer can
// fill (XPUB's inbox). roomFor reports false when that queue is full for
// p's messages: the connection is then not read until the queue's
// consumer makes room and wakes p's reader, as for a full in-queue.
type boundedHook interface {
	roomFor(p *pipe) bool
}

func (p *pipe) setHook(s *Socket) {
	if s.hook != nil {
		r := &hookRef{h: s.hook}
		r.bounded, _ = s.hook.(boundedHook)
		p.hook.Store(r)
	}
}

// is reports whether q is p, for slices.DeleteFunc.
func (p *pipe) is(q *pipe) bool { return p == q }

// peerInfo returns what the handshake told of the peer, or nil.
func (p *pipe) peerInfo() *peerInfo { return p.info.Load() }

// signal wakes whoever waits on ch, without blocking: a token left in the
// channel means the next wait returns at once, so no wake-up is ever lost.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
