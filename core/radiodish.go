package core

import (
	"fmt"
	"slices"
	"sync"

	"github.com/zeroplug/zeroplug/sdk/zmtp"
)

// MaxGroupLength is libzmq's ZMQ_GROUP_MAX_LENGTH: the longest group, in
// bytes, a RADIO sends to or a DISH joins. libzmq 4.3.0 and 4.3.1 had 15;
// 4.3.2 onwards, the versions that interoperate here, have 255.
const MaxGroupLength = 255

// A RADIO's message is kindGroup with parts [group, body]: on the wire
// that is what libzmq's radio_session sends (the group as a first frame
// with MORE, then the body), so the engine encodes it as any two-frame
// message, and over inproc the DISH gets the very same msg.
func groupMsg(group, body []byte) msg {
	return msg{parts: [][]byte{group, body}, kind: kindGroup}
}

// groupCopy is groupMsg of copies of group and body, both in the one
// allocation copyMsg makes, as Send copies.
func groupCopy(group string, body []byte) msg {
	m := copyMsg([][]byte{[]byte(group), body})
	m.kind = kindGroup
	return m
}

func checkGroup(group string) error {
	if len(group) > MaxGroupLength {
		return fmt.Errorf("%w: group of %d bytes, the longest is %d", ErrInvalid, len(group), MaxGroupLength)
	}
	return nil
}

// parseGroupCommand reads a JOIN or LEAVE command frame (its name and the
// group as the whole body, as libzmq's dish_session writes it) into the
// join or leave message RADIO takes. ok is false for any other command; a
// group longer than MaxGroupLength is a protocol error, which drops the
// connection (libzmq 4.3.5's radio_session asserts on it instead).
func parseGroupCommand(frame []byte) (m msg, ok bool, err error) {
	var k kind
	var group []byte
	switch {
	case zmtp.IsCommand(frame, zmtp.CmdJoin):
		k, group = kindJoin, frame[1+len(zmtp.CmdJoin):]
	case zmtp.IsCommand(frame, zmtp.CmdLeave):
		k, group = kindLeave, frame[1+len(zmtp.CmdLeave):]
	default:
		return msg{}, false, nil
	}
	if len(group) > MaxGroupLength {
		return msg{}, false, fmt.Errorf("%w: %s of a %d-byte group, the longest is %d", zmtp.ErrProtocol, frame[1:1+frame[0]], len(group), MaxGroupLength)
	}
	return msg{body: append([]byte(nil), group...), kind: k}, true, nil
}

// maxJoinsPerPeer bounds the groups one peer may join, so that a peer
// sending JOIN after JOIN cannot grow a RADIO's memory without bound
// (libzmq has no bound). A peer that goes past it loses its connection.
const maxJoinsPerPeer = 1 << 16

// radio is libzmq's RADIO: each message goes to every peer that joined its
// group (an exact match, not a prefix), and a peer at its high-water mark
// misses it, as a PUB's subscriber does. The joins arrive on the
// connections' goroutines (deliver), since a RADIO never receives.
type radio struct {
	sendOnly
	s      *Socket
	mu     sync.Mutex
	joined map[string][]*pipe            // by group: the peers that joined it
	groups map[*pipe]map[string]struct{} // by peer: the groups it joined, for detach
	udp    []*pipe                       // udp:// peers, which get every group (udp.go)
}

func newRadio(s *Socket) *radio {
	return &radio{s: s, joined: make(map[string][]*pipe), groups: make(map[*pipe]map[string]struct{})}
}

func (x *radio) attach(p *pipe) bool {
	if p.everyGroup {
		x.mu.Lock()
		x.udp = append(x.udp, p)
		x.mu.Unlock()
	}
	return true
}

func (x *radio) detach(p *pipe) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.udp = slices.DeleteFunc(x.udp, p.is)
	for g := range x.groups[p] {
		x.drop(g, p)
	}
	delete(x.groups, p)
}

// drop takes p off group's list; x.mu is held.
func (x *radio) drop(group string, p *pipe) {
	if l := slices.DeleteFunc(x.joined[group], p.is); len(l) > 0 {
		x.joined[group] = l
	} else {
		delete(x.joined, group)
	}
}

// deliver takes a peer's JOIN and LEAVE; anything else a DISH sends is
// dropped, as libzmq's radio drops it. A second JOIN of one group by one
// peer counts once (libzmq's DISH never sends one: it refuses to join a
// group twice).
func (x *radio) deliver(p *pipe, m *msg) bool {
	if m.kind != kindJoin && m.kind != kindLeave {
		return false
	}
	g := string(m.body)
	x.mu.Lock()
	defer x.mu.Unlock()
	mine := x.groups[p]
	_, has := mine[g]
	switch {
	case m.kind == kindJoin && !has:
		if len(mine) >= maxJoinsPerPeer {
			x.s.log.Warn("peer joined too many groups; dropping it", "endpoint", p.endpoint, "limit", maxJoinsPerPeer)
			if k := p.kick.Load(); k != nil {
				(*k)()
			}
			return false
		}
		if mine == nil {
			mine = make(map[string]struct{})
			x.groups[p] = mine
		}
		mine[g] = struct{}{}
		x.joined[g] = append(x.joined[g], p)
	case m.kind == kindLeave && has:
		delete(mine, g)
		x.drop(g, p)
	}
	return false
}

// fromWire drops every data message: a DISH has nothing to say but JOIN
// and LEAVE, which come as commands.
func (x *radio) fromWire(*msg) (bool, error) { return false, nil }

func (x *radio) send(m msg, w *wait) error {
	if m.kind != kindGroup {
		if m.parts != nil {
			return errMultipart(x.s.typ)
		}
		m = groupMsg(nil, m.body) // no group set: group "", as in libzmq
	}
	group := m.parts[0]
	if x.s.options().xpubNoDrop {
		// libzmq's RADIO takes XPUB_NODROP too: it waits (EAGAIN, up to
		// SNDTIMEO) while a peer of the group is at its high-water mark.
		for x.blocked(group) {
			if err := w.on(x.s.sendWake); err != nil {
				return err
			}
		}
	}
	x.mu.Lock()
	for _, p := range x.joined[string(group)] {
		p.write(m)
	}
	for _, p := range x.udp {
		p.write(m)
	}
	x.mu.Unlock()
	return nil
}

// blocked reports whether a peer that joined group is at its high-water
// mark.
func (x *radio) blocked(group []byte) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, p := range x.joined[string(group)] {
		if p.full() {
			return true
		}
	}
	for _, p := range x.udp {
		if p.full() {
			return true
		}
	}
	return false
}

func (x *radio) writable() bool { return true }
func (x *radio) close()         {}

// dish is libzmq's DISH: it receives the messages of the groups it joined,
// fair-queued from its RADIOs, and tells each RADIO its groups on every
// new connection, as SUB does its subscriptions.
type dish struct {
	recvOnly
	s      *Socket
	mu     sync.Mutex // guards pipes, each pipe's up flag, and groups
	pipes  []*pipe
	groups map[string]struct{}
}

func newDish(s *Socket) *dish { return &dish{s: s, groups: make(map[string]struct{})} }

func (x *dish) attach(p *pipe) bool {
	x.mu.Lock()
	x.pipes = append(x.pipes, p)
	x.mu.Unlock()
	return true
}

func (x *dish) detach(p *pipe) {
	x.mu.Lock()
	x.pipes = slices.DeleteFunc(x.pipes, p.is)
	x.mu.Unlock()
}

// connected gives a new connection every group joined; from now on joins
// and leaves are queued for it.
func (x *dish) connected(p *pipe) []msg {
	x.mu.Lock()
	defer x.mu.Unlock()
	p.up = true
	out := make([]msg, 0, len(x.groups))
	for g := range x.groups {
		out = append(out, msg{body: []byte(g), kind: kindJoin})
	}
	return out
}

// disconnected drops the joins and leaves queued for a lost connection:
// the next one gets the whole set again.
func (x *dish) disconnected(p *pipe) {
	x.mu.Lock()
	defer x.mu.Unlock()
	p.up = false
	if p.out != nil {
		p.out.remove(func(m *msg) bool { return m.kind != kindData })
	}
}

// fromWire takes a RADIO's message off the wire: the group, a frame with
// MORE of at most MaxGroupLength bytes, then the body. Anything else is
// the protocol broken, and drops the connection, as libzmq's dish_session
// fails it (EFAULT).
func (x *dish) fromWire(m *msg) (bool, error) {
	if len(m.parts) != 2 {
		return false, fmt.Errorf("%w: a RADIO's message of %d frames, not a group and a body", zmtp.ErrProtocol, m.count())
	}
	if len(m.parts[0]) > MaxGroupLength {
		return false, fmt.Errorf("%w: a group of %d bytes, the longest is %d", zmtp.ErrProtocol, len(m.parts[0]), MaxGroupLength)
	}
	m.kind = kindGroup
	return true, nil
}

// join and leave change the set and tell every live peer, refusing, as
// libzmq does, a group joined twice or left without being joined.
func (x *dish) join(group string) error {
	if err := checkGroup(group); err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if _, ok := x.groups[group]; ok {
		return fmt.Errorf("%w: group %q is joined already", ErrInvalid, group)
	}
	x.groups[group] = struct{}{}
	x.broadcast(msg{body: []byte(group), kind: kindJoin})
	return nil
}

func (x *dish) leave(group string) error {
	if err := checkGroup(group); err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if _, ok := x.groups[group]; !ok {
		return fmt.Errorf("%w: group %q is not joined", ErrInvalid, group)
	}
	delete(x.groups, group)
	x.broadcast(msg{body: []byte(group), kind: kindLeave})
	return nil
}

// broadcast writes m to every live peer; x.mu is held. A peer at its
// high-water mark misses it, as libzmq's dist drops it.
func (x *dish) broadcast(m msg) {
	for _, p := range x.pipes {
		if p.up {
			p.write(m)
		}
	}
}

// recv skips messages of groups no longer joined: a RADIO filters by the
// joins it knows, and those sent before it heard of a LEAVE still come.
func (x *dish) recv(w *wait) (msg, *pipe, error) {
	for {
		m, p, err := x.s.recvAny(w)
		if err != nil {
			return m, p, err
		}
		if m.kind != kindGroup {
			continue
		}
		x.mu.Lock()
		_, ok := x.groups[string(m.parts[0])]
		x.mu.Unlock()
		if ok {
			return m, p, nil
		}
	}
}

func (x *dish) close() {}

// Join is zmq_join: a DISH receives the messages sent to group (at most
// MaxGroupLength bytes). Joining a group twice is ErrInvalid, as in
// libzmq; other types give ErrNotSupported.
func (s *Socket) Join(group string) error {
	x, ok := s.pat.(*dish)
	if !ok {
		return ErrNotSupported
	}
	return x.join(group)
}

// Leave is zmq_leave: it undoes Join. Leaving a group not joined is
// ErrInvalid.
func (s *Socket) Leave(group string) error {
	x, ok := s.pat.(*dish)
	if !ok {
		return ErrNotSupported
	}
	return x.leave(group)
}

// SendToGroup sends body to a RADIO's group: every DISH that joined it
// gets it. It copies body, as Send does.
func (s *Socket) SendToGroup(group string, body []byte) error {
	return s.SendMsg(Msg{Group: group, Frames: [][]byte{body}})
}
