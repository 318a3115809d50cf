package core

import (
	"slices"
	"sync"
	"sync/atomic"
)

// pub is RFC 29's PUB and, with xpub set, libzmq's XPUB. A message goes to
// every peer subscribed to a prefix of its first frame; a peer at its
// high-water mark misses it. Subscriptions arrive on the connections'
// goroutines (deliver), so a PUB that never receives still learns them.
type pub struct {
	s     *Socket
	xpub  bool
	mu    sync.Mutex
	pipes []*pipe
	all   subscriptions // XPUB: every peer's topics, counted per peer
	inbox *pipe         // XPUB: what the application receives, up to RCVHWM

	// readers are the pipes whose connections may wait for room in the
	// inbox, as a snapshot that the inbox's consumer reads without x.mu
	// (it holds the fair-queue's lock, which x.mu's holders take).
	readers atomic.Pointer[[]*pipe]

	// XPUB_MANUAL (guarded by mu): requested holds what each peer asked
	// for, to cancel on its departure; from lists the peer of each
	// subscription waiting in the inbox, in order; last is the peer of
	// the last one the application received.
	requested map[*pipe]*subscriptions
	from      []*pipe
	last      *pipe
}

func newPub(s *Socket, xpub bool) *pub {
	x := &pub{s: s, xpub: xpub}
	if xpub {
		// Subscriptions and upstream messages wait here for Recv. A peer
		// can send them as fast as it likes, so the inbox has RCVHWM as a
		// bound, as libzmq's pipe from each peer has: a connection whose
		// messages find it full is not read until Recv makes room, and
		// nothing is dropped. Inproc peers are the application's own and
		// are not held back (an XSUB's subscription to a full pipe would
		// be lost).
		x.inbox = &pipe{sock: s, in: newQueue(s.options().recvHWM)}
		x.inbox.in.onReadable = func() { s.fq.activate(x.inbox) }
		x.inbox.in.onWritable = func() {
			if rs := x.readers.Load(); rs != nil {
				for _, p := range *rs {
					signal(p.readerWake)
				}
			}
		}
	}
	return x
}

func (x *pub) attach(p *pipe) bool {
	if subscribedToAll(p.endpoint) {
		// Silently, as libzmq's xpub_t::xattach_pipe does: an XPUB's
		// application hears of no subscription.
		p.subs.add(nil)
		if x.xpub {
			x.all.add(nil)
		}
	}
	x.mu.Lock()
	x.pipes = append(x.pipes, p)
	x.publishReaders()
	x.mu.Unlock()
	return true
}

// publishReaders snapshots the connections' pipes for the inbox's
// wake-ups; x.mu is held.
func (x *pub) publishReaders() {
	if !x.xpub {
		return
	}
	var rs []*pipe
	for _, p := range x.pipes {
		if p.readerWake != nil {
			rs = append(rs, p)
		}
	}
	x.readers.Store(&rs)
}

// roomFor is the inbox's bound on what a connection delivers (boundedHook).
func (x *pub) roomFor(p *pipe) bool {
	return !x.xpub || p.peer != nil || x.inbox.in.claim(x.s.options().recvHWM)
}

// detach drops the peer and, for XPUB, reports the topics no one wants
// any more as unsubscriptions, as libzmq does.
func (x *pub) detach(p *pipe) {
	x.mu.Lock()
	x.pipes = slices.DeleteFunc(x.pipes, p.is)
	x.publishReaders()
	if x.last == p {
		x.last = nil
	}
	if req := x.requested[p]; req != nil {
		// libzmq's manual XPUB cancels, on a peer's departure, each
		// subscription the peer had asked for, every one of them.
		delete(x.requested, p)
		for topic, n := range req.drain() {
			for ; n > 0; n-- {
				x.toManual(p, msg{body: append([]byte{0}, topic...), kind: kindCancel})
			}
		}
	}
	x.mu.Unlock()
	if x.xpub && x.s.options().patterns.xpubManual {
		p.subs.drain()
		return
	}
	for topic, n := range p.subs.drain() {
		for ; n > 0; n-- {
			if x.xpub && (x.all.remove([]byte(topic)) || x.s.options().xpubVerboser) {
				x.inbox.in.pushOver(msg{body: append([]byte{0}, topic...), kind: kindCancel})
			}
		}
	}
}

// deliver takes a subscription ("\x01topic", "\x00topic", or the 3.1
// commands turned into those) or, for XPUB, a message sent upstream.
func (x *pub) deliver(p *pipe, m *msg) bool {
	data := m.frame(0)
	if m.parts == nil && len(data) > 0 && data[0] <= 1 {
		topic := data[1:]
		o := x.s.options()
		if x.xpub && o.patterns.xpubManual {
			x.requestManual(p, data)
			return false
		}
		if data[0] == 1 {
			p.subs.add(topic)
			if x.xpub && (x.all.add(topic) || o.xpubVerbose) {
				x.inbox.in.pushOver(msg{body: data, kind: kindSub})
			}
		} else if p.subs.remove(topic) {
			if x.xpub && (x.all.remove(topic) || o.xpubVerboser) {
				x.inbox.in.pushOver(msg{body: data, kind: kindCancel})
			}
		}
		return false
	}
	if x.xpub {
		x.inbox.in.pushOver(*m)
	}
	return false
}

func (x *pub) send(m msg, w *wait) error {
	topic := m.frame(0)
	if x.xpub && x.s.options().xpubNoDrop {
		for x.blocked(topic) {
			if err := w.on(x.s.sendWake); err != nil {
				return err
			}
		}
	}
	invert := x.s.options().patterns.invertMatching
	x.mu.Lock()
	for _, p := range x.pipes {
		if p.subs.match(topic) != invert {
			p.write(m)
		}
	}
	x.mu.Unlock()
	return nil
}

// blocked reports whether a subscriber of topic is at its high-water mark
// (XPUB_NODROP waits for it rather than drop).
func (x *pub) blocked(topic []byte) bool {
	invert := x.s.options().patterns.invertMatching
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, p := range x.pipes {
		if p.subs.match(topic) != invert && p.full() {
			return true
		}
	}
	return false
}

func (x *pub) recv(w *wait) (msg, *pipe, error) {
	if !x.xpub {
		return msg{}, nil, ErrNotSupported
	}
	m, p, err := x.s.recvAny(w)
	if err == nil && m.kind != kindData {
		x.mu.Lock()
		if len(x.from) > 0 {
			x.last, x.from = x.from[0], x.from[1:]
		}
		x.mu.Unlock()
	}
	return m, p, err
}

func (x *pub) writable() bool { return true }
func (x *pub) close()         {}

// sub is RFC 29's SUB and, with xsub set, libzmq's XSUB. It sends its
// subscriptions to every publisher, again on each new connection; a SUB
// keeps only messages that match one.
type sub struct {
	s     *Socket
	xsub  bool
	mu    sync.Mutex // guards pipes and each pipe's up flag
	pipes []*pipe
	subs  subscriptions
}

func newSub(s *Socket, xsub bool) *sub { return &sub{s: s, xsub: xsub} }

func (x *sub) attach(p *pipe) bool {
	x.mu.Lock()
	x.pipes = append(x.pipes, p)
	x.mu.Unlock()
	return true
}

func (x *sub) detach(p *pipe) {
	x.mu.Lock()
	x.pipes = slices.DeleteFunc(x.pipes, p.is)
	x.mu.Unlock()
}

// connected gives a new connection the current subscriptions; from now on
// changes are queued for it.
func (x *sub) connected(p *pipe) []msg {
	x.mu.Lock()
	defer x.mu.Unlock()
	p.up = true
	var out []msg
	for _, t := range x.subs.snapshot() {
		out = append(out, msg{body: append([]byte{1}, t...), kind: kindSub})
	}
	return out
}

// disconnected drops the subscription messages queued for a lost
// connection: the next one gets the whole set again.
func (x *sub) disconnected(p *pipe) {
	x.mu.Lock()
	defer x.mu.Unlock()
	p.up = false
	if p.out != nil {
		p.out.remove(func(m *msg) bool { return m.kind != kindData })
	}
}

// subscribe and unsubscribe change the set and tell every live peer of a
// topic's first subscription and last unsubscription.
func (x *sub) subscribe(topic []byte) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.subs.add(topic) {
		x.broadcast(msg{body: append([]byte{1}, topic...), kind: kindSub})
	}
}

func (x *sub) unsubscribe(topic []byte) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.subs.remove(topic) {
		x.broadcast(msg{body: append([]byte{0}, topic...), kind: kindCancel})
	}
}

// broadcast writes m to every live peer; x.mu is held. A peer at its
// high-water mark misses it, as in libzmq.
func (x *sub) broadcast(m msg) {
	for _, p := range x.pipes {
		if p.up {
			p.write(m)
		}
	}
}

func (x *sub) send(m msg, w *wait) error {
	if !x.xsub {
		return ErrNotSupported
	}
	data := m.frame(0)
	if m.parts == nil && len(data) > 0 && data[0] <= 1 {
		if data[0] == 1 {
			x.subscribe(data[1:])
		} else {
			x.unsubscribe(data[1:])
		}
		return nil
	}
	// XSUB passes any other message upstream to every publisher.
	x.mu.Lock()
	x.broadcast(m)
	x.mu.Unlock()
	return nil
}

func (x *sub) recv(w *wait) (msg, *pipe, error) {
	for {
		m, p, err := x.s.recvAny(w)
		if err != nil {
			return m, p, err
		}
		// Only SUB filters what it receives: libzmq's XSUB hands the
		// application everything its publishers send (xsub.cpp turns
		// options.filter on for SUB alone), which XPUB_MANUAL relies on.
		if x.xsub || x.subs.match(m.frame(0)) != x.s.options().patterns.invertMatching {
			return m, p, nil
		}
	}
}

func (x *sub) writable() bool { return x.xsub }
func (x *sub) close()         {}

// Subscribe is ZMQ_SUBSCRIBE: a SUB or XSUB receives messages whose first
// frame starts with prefix ("" for everything). On an XPUB with
// XPubManual, it subscribes the peer of the last subscription received.
func (s *Socket) Subscribe(prefix string) error {
	return s.changeSubscription([]byte(prefix), true)
}

// Unsubscribe is ZMQ_UNSUBSCRIBE: it undoes one Subscribe of prefix.
func (s *Socket) Unsubscribe(prefix string) error {
	return s.changeSubscription([]byte(prefix), false)
}
