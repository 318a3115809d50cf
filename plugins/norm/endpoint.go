package norm

import (
	"errors"
	"log"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zeroplug/zeroplug/plugins/norm/internal/session"
	"github.com/zeroplug/zeroplug/plugins/norm/internal/wire"
	"github.com/zeroplug/zeroplug/sdk"
)

// Bounds on what an endpoint holds, so that neither the group nor a slow
// core grows the plugin's memory.
const (
	// packetQueue is how many received datagrams wait for the session
	// goroutine; beyond it they are dropped, as a full socket buffer
	// would, and NORM repairs them.
	packetQueue = 1024
	// deliverQueue and deliverBytes bound the messages heard that wait to
	// be written to the core; beyond them a message is dropped (counted),
	// as a SUB over its high-water mark drops.
	deliverQueue = 1024
	deliverBytes = 16 << 20
	// maxDatagram is the largest datagram read.
	maxDatagram = 65535
	// handshakeTimeout bounds the ZMTP handshake with the core.
	handshakeTimeout = 30 * time.Second
	// closeQuiet is how long a sender whose socket has closed stays once
	// it has nothing left to send, and no receiver has asked for a repair
	// in that time: the longest NACK back-off a receiver starts on the
	// GRTT a sender advertises before measuring one (K x 250 ms). A
	// receiver that lost the tail of the stream learns of it from the
	// FLUSHes and asks within it.
	closeQuiet = time.Duration(session.DefaultBackoff) * session.DefaultGRTT
)

// earliest returns the earlier of two deadlines, a zero time meaning none.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// packet is one datagram heard, and whether it came to the tx socket
// (unicast feedback) or the session port.
type packet struct {
	buf  *[]byte
	n    int
	from net.UDPAddr
}

var packetPool = sync.Pool{New: func() any { b := make([]byte, 2048); return &b }}

// endpoint is one bound or connected norm:// socket: its NORM session (a
// sender for a PUB or XPUB, a receiver for a SUB or XSUB), its UDP sockets,
// and the ZMTP peer it plays for the core on its end of a stream pair. One
// goroutine (run) owns the session state machine; the UDP readers and the
// ZMTP side hand it their input through bounded queues.
type endpoint struct {
	d     *Driver
	ep    sdk.Endpoint
	addr  address
	set   settings
	socks *sockets
	peer  *peer

	snd *session.Sender
	rcv *session.Receiver

	packets chan packet
	// msgs carries the core's messages to a sender (one at a time: the
	// ZMTP reader waits while the stream buffer is full, which holds the
	// core's PUB back at its high-water mark).
	msgs chan [][]byte
	// inputDone is closed when the core's side of the stream has ended.
	inputDone chan struct{}
	// stop ends the session at once (the driver is shutting down).
	stop      chan struct{}
	inputOnce sync.Once
	stopOnce  sync.Once
	done      chan struct{}
	wg        sync.WaitGroup

	// senders maps a remote sender's node ID to its source address, for
	// unicast feedback.
	senders map[wire.NodeID]*net.UDPAddr

	overruns atomic.Int64 // datagrams dropped: the session goroutine lagged
	dropped  atomic.Int64 // messages heard but dropped: the core lagged
	tooLarge int          // core messages larger than the stream buffer
}

// newEndpoint opens the endpoint's sockets and session and starts it,
// speaking ZMTP on local.
func newEndpoint(d *Driver, ep sdk.Endpoint, a address, set settings, socketType string, local net.Conn) (*endpoint, error) {
	socks, err := openSockets(ep, a, set)
	if err != nil {
		return nil, err
	}
	if !a.hasNodeID {
		// libnorm's NORM_NODE_ANY: the host's IPv4 address.
		b := socks.local.As4()
		set.session.NodeID = wire.NodeID(uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]))
	}
	e := &endpoint{
		d: d, ep: ep, addr: a, set: set, socks: socks,
		packets:   make(chan packet, packetQueue),
		msgs:      make(chan [][]byte),
		inputDone: make(chan struct{}),
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
		senders:   make(map[wire.NodeID]*net.UDPAddr),
	}
	now := time.Now()
	if sender(socketType) {
		e.snd, err = session.NewSender(set.session, now, e.send)
	} else {
		e.rcv, err = session.NewReceiver(set.session, e.send, e.deliver)
	}
	if err != nil {
		socks.close()
		return nil, &sdk.EndpointError{Endpoint: ep.String(), Err: sdk.ErrNotSupported, Reason: err.Error()}
	}
	e.peer = newPeer(e, local, socketType)
	e.wg.Add(4)
	go e.readUDP(socks.rx)
	go e.readUDP(socks.tx)
	go e.peer.run()
	go e.run()
	return e, nil
}

// readUDP feeds the session goroutine with the datagrams of one socket
// until it is closed.
func (e *endpoint) readUDP(c *net.UDPConn) {
	defer e.wg.Done()
	buf := make([]byte, maxDatagram)
	for {
		n, from, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				log.Printf("[WARN] norm %s: reading: %v", e.ep, err)
			}
			return
		}
		p := packet{n: n, from: *net.UDPAddrFromAddrPort(from)}
		if n <= 2048 {
			p.buf = packetPool.Get().(*[]byte)
		} else {
			b := make([]byte, n)
			p.buf = &b
		}
		copy(*p.buf, buf[:n])
		select {
		case e.packets <- p:
		default:
			e.overruns.Add(1)
			e.release(p)
		}
	}
}

func (e *endpoint) release(p packet) {
	if cap(*p.buf) == 2048 {
		packetPool.Put(p.buf)
	}
}

// send transmits one packet of the session: data and commands to the
// session address; feedback to the group, or, with unicast NACKs, to the
// sender it is for.
func (e *endpoint) send(pkt []byte) {
	dest := e.socks.dest
	if e.rcv != nil && e.set.unicastNack && len(pkt) >= 12 {
		// NACK and ACK name the sender they are for at bytes 8 to 11.
		id := wire.NodeID(uint32(pkt[8])<<24 | uint32(pkt[9])<<16 | uint32(pkt[10])<<8 | uint32(pkt[11]))
		if a := e.senders[id]; a != nil {
			dest = a
		} else if !e.addr.multicast() {
			return // a unicast session with a sender not heard yet
		}
	}
	if _, err := e.socks.tx.WriteToUDP(pkt, dest); err != nil {
		// UDP reports an ICMP error of an earlier datagram on a later
		// one; NORM's repairs make up for a datagram lost here.
		log.Printf("[DEBUG] norm %s: sending to %v: %v", e.ep, dest, err)
	}
}

// deliver takes a message the receiver heard and queues it for the core,
// if the core's subscriptions want it.
func (e *endpoint) deliver(_ wire.NodeID, frames [][]byte) {
	if !e.peer.wants(frames[0]) {
		return
	}
	if !e.peer.queue(frames) {
		e.dropped.Add(1)
	}
}

// run drives the session: datagrams in, the core's messages in, timers.
func (e *endpoint) run() {
	defer e.wg.Done()
	defer close(e.done)
	defer e.finish()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var pending [][]byte // a message waiting for room in the stream buffer
	msgs := e.msgs
	inputDone := e.inputDone
	var closedAt, lastNack time.Time
	nacks := 0
	for {
		now := time.Now()
		var next time.Time
		if e.snd != nil {
			if pending != nil {
				switch err := e.snd.WriteMessage(pending, now); {
				case err == nil:
					pending = nil
				case errors.Is(err, session.ErrBufferFull):
				default:
					e.tooLarge++
					log.Printf("[WARN] norm %s: dropping a message: %v", e.ep, err)
					pending = nil
				}
			}
			next = e.snd.Advance(now)
			if n := e.snd.Stats().NacksReceived; n != nacks {
				nacks, lastNack = n, now
			}
			if !closedAt.IsZero() {
				if now.Sub(closedAt) > e.set.linger {
					return
				}
				since := closedAt
				if lastNack.After(since) {
					since = lastNack
				}
				if e.snd.Idle() && now.Sub(since) >= closeQuiet {
					return
				}
				next = earliest(next, since.Add(closeQuiet))
			}
		} else {
			next = e.rcv.Advance(now)
			if !closedAt.IsZero() {
				return
			}
		}
		wait := time.Hour
		if !next.IsZero() {
			wait = max(time.Until(next), 0)
		}
		if pending != nil {
			// WriteMessage needs Advance to free room: poll at the
			// pacing's pace.
			wait = min(wait, time.Millisecond)
		}
		timer.Reset(wait)
		in := msgs
		if pending != nil || (e.snd != nil && e.snd.Unsent() > e.set.session.BlockSize) {
			// Take the core's next message only once the stream has sent
			// what it holds (but a block): the core's PUB then keeps the
			// rest, within its high-water mark, and its LINGER covers
			// the sending, not only the hand-over.
			in = nil
		}
		select {
		case p := <-e.packets:
			e.handle(p)
			// Take what else is queued before running the timers again.
			for more := true; more; {
				select {
				case p := <-e.packets:
					e.handle(p)
				default:
					more = false
				}
			}
		case m := <-in:
			pending = m
		case <-inputDone:
			inputDone, msgs = nil, nil
			closedAt = time.Now()
		case <-timer.C:
		case <-e.stop:
			return
		}
		timer.Stop()
	}
}

// handle gives one datagram to the session.
func (e *endpoint) handle(p packet) {
	pkt := (*p.buf)[:p.n]
	now := time.Now()
	if e.snd != nil {
		e.snd.HandlePacket(pkt, now)
	} else {
		if e.set.unicastNack {
			e.learnSender(pkt, &p.from)
		}
		e.rcv.HandlePacket(pkt, now)
	}
	e.release(p)
}

// learnSender remembers where a sender's messages come from, for unicast
// feedback.
func (e *endpoint) learnSender(pkt []byte, from *net.UDPAddr) {
	h, err := wire.ParseHeader(pkt)
	if err != nil || (h.Type != wire.TypeData && h.Type != wire.TypeCmd) {
		return
	}
	if a := e.senders[h.SourceID]; a == nil || !a.IP.Equal(from.IP) || a.Port != from.Port {
		if len(e.senders) >= session.DefaultMaxSenders && a == nil {
			clear(e.senders) // forged node IDs: start over rather than grow
		}
		f := *from
		e.senders[h.SourceID] = &f
	}
}

// finish closes the sockets and the core's stream and logs what the
// session did.
func (e *endpoint) finish() {
	e.socks.close()
	e.peer.close()
	// A sender stopped before its receivers were served, or a receiver
	// that gave data up, is worth a warning; otherwise the figures are
	// information.
	level := "[INFO]"
	if e.snd != nil {
		st := e.snd.Stats()
		if !e.snd.Idle() {
			level = "[WARN]"
		}
		log.Printf(level+" norm %s: sender done: data_sent=%d auto_parity_sent=%d data_repairs=%d parity_repairs=%d nacks=%d squelches=%d flushes=%d cc_feedback=%d malformed=%d too_large=%d rate=%.0f grtt=%v idle=%v",
			e.ep, st.DataSent, st.AutoParitySent, st.DataRepairs, st.ParityRepairs, st.NacksReceived, st.Squelches,
			st.Flushes, st.Feedback, st.Malformed, e.tooLarge, e.snd.Rate(), e.snd.GRTT(), e.snd.Idle())
	} else {
		st := e.rcv.Stats()
		if st.Gaps > 0 || e.dropped.Load() > 0 {
			level = "[WARN]"
		}
		log.Printf(level+" norm %s: receiver done: messages=%d segments=%d parity_heard=%d fec_recovered=%d duplicates=%d nacks_sent=%d nacks_held=%d acks_sent=%d gaps=%d stream_errors=%d malformed=%d senders_evicted=%d sender_restarts=%d dropped=%d overruns=%d",
			e.ep, st.Messages, st.Segments, st.ParityHeard, st.FECRecovered, st.Duplicates, st.NacksSent, st.NacksHeld,
			st.AcksSent, st.Gaps, st.StreamErrors, st.Malformed, st.SendersEvicted, st.SenderRestarts, e.dropped.Load(), e.overruns.Load())
	}
	e.d.forget(e)
}

// inputEnded tells the session goroutine that the core's stream has ended.
func (e *endpoint) inputEnded() {
	e.inputOnce.Do(func() { close(e.inputDone) })
}

// shutdown ends the session at once.
func (e *endpoint) shutdown() {
	e.stopOnce.Do(func() { close(e.stop) })
}
