package core

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zeroplug/zeroplug/sdk/zmtp"
)

// engine runs ZMTP over one connection, between it and a pipe: one
// goroutine reads and decodes, one encodes and writes. Nothing else touches
// the connection.
type engine struct {
	s        *Socket
	conn     net.Conn
	endpoint string
	enc      *zmtp.Encoder
	dec      *zmtp.Decoder
	wire     wireReader  // the pattern's, when it checks what a peer sends
	v31      bool        // the peer speaks ZMTP 3.1: subscriptions go as commands
	cipher   zmtp.Cipher // the mechanism's, when it encrypts (CURVE)
	sealErr  error       // the first error sealing a frame
	written  [][]byte    // Send's copies encoded since the last flush, for the pools

	// Commands the writer sends before its next batch (PONG, PING).
	cmdMu   sync.Mutex
	cmds    []zmtp.Command
	cmdWake chan struct{}

	frames   atomic.Uint64 // frames received, for heartbeat timeouts
	ttlOnce  sync.Once
	done     chan struct{}
	stopOnce sync.Once
	stopErr  error
}

// flushSize bounds how much the writer encodes before it writes, so that a
// deep queue does not turn into one huge buffer.
const flushSize = 256 << 10

// readBatch bounds how many decoded messages the reader hands to the pipe
// at once. The batch lives on the reader's stack, which an idle connection
// keeps: 64 messages are 3.5 KB of it, and still one lock per 64 messages.
const readBatch = 64

func newEngine(s *Socket, conn net.Conn, endpoint string, maxMsgSize int64) *engine {
	e := &engine{
		s:        s,
		conn:     conn,
		endpoint: endpoint,
		enc:      zmtp.NewEncoder(conn),
		dec:      zmtp.NewDecoder(conn, 0),
		cmdWake:  make(chan struct{}, 1),
		done:     make(chan struct{}),
	}
	e.dec.MaxSize = maxMsgSize
	e.dec.Alloc = allocBody
	if w, ok := s.pat.(wireReader); ok {
		e.wire = w
	}
	return e
}

// stop ends the engine once, recording why, and closes the connection so
// that both loops return.
func (e *engine) stop(err error) {
	e.stopOnce.Do(func() {
		e.stopErr = err
		close(e.done)
		e.conn.Close()
	})
}

// handshake runs the greeting and the mechanism within HANDSHAKE_IVL.
func (e *engine) handshake(o *options) (*zmtp.Peer, error) {
	if o.handshakeIvl > 0 {
		e.conn.SetDeadline(time.Now().Add(o.handshakeIvl))
		defer e.conn.SetDeadline(time.Time{})
	}
	var md zmtp.Metadata
	switch e.s.typ {
	case REQ, DEALER, ROUTER:
		// libzmq sends Identity from these types only, empty when unset.
		md = append(md, zmtp.Property{Name: "Identity", Value: o.routingID})
	}
	md = append(md, o.metadata...)
	mech, err := e.s.mechanism(o, e.conn)
	if err != nil {
		return nil, err
	}
	peer, err := zmtp.Handshake(e.enc, e.dec, zmtp.Config{Mechanism: mech, SocketType: e.s.typ.String(), Metadata: md})
	if err != nil {
		return nil, err
	}
	e.v31 = peer.Greeting.Supports31()
	e.cipher = peer.Cipher
	return peer, nil
}

// run moves messages between the connection and p until either side ends.
// first are messages to send before anything queued (subscriptions).
func (e *engine) run(p *pipe, o *options, first []msg) error {
	kick := func() { e.stop(errKicked) }
	p.kick.Store(&kick)
	defer p.kick.Store(nil)
	if e.handsOverAtClose() {
		p.awaitingPeer.Store(true)
		defer p.awaitingPeer.Store(false)
	}

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		e.stop(e.writeLoop(p, first))
	}()
	if o.heartbeatIvl > 0 {
		timeout := o.heartbeatTimeout
		if timeout == 0 {
			timeout = o.heartbeatIvl
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.heartbeat(o.heartbeatIvl, timeout, o.heartbeatTTL)
		}()
	}
	e.stop(e.readLoop(p))
	wg.Wait()
	return e.stopErr
}

// errKicked ends an engine on purpose (Disconnect, Unbind, handover).
var errKicked = errors.New("zeroplug: connection closed by the socket")

// readLoop decodes frames into messages and hands them to the pipe in
// batches, one batch per read from the kernel.
func (e *engine) readLoop(p *pipe) error {
	batch := make([]msg, 0, readBatch)
	var parts [][]byte
	for {
		flags, body, err := e.dec.Next()
		if err != nil {
			return err
		}
		if e.cipher != nil {
			if flags, body, err = e.cipher.Open(flags, body); err != nil {
				return err
			}
		}
		if flags&zmtp.FlagCommand != 0 {
			m, ok, err := e.onCommand(body)
			if err != nil {
				return err
			}
			if ok {
				batch = append(batch, m)
			}
		} else if flags&zmtp.FlagMore != 0 {
			if parts == nil {
				// Room for the commonest multipart messages (a RADIO's group
				// and body, a ROUTER's id and body) in one allocation.
				parts = make([][]byte, 0, 2)
			}
			parts = append(parts, body)
			continue
		} else {
			m := msg{body: body, pooled: true}
			if parts != nil {
				m = msg{parts: append(parts, body), pooled: true}
				parts = nil
			}
			keep := true
			if e.wire != nil {
				if m, keep, err = e.fromWire(m); err != nil {
					return err
				}
			}
			if keep {
				batch = append(batch, m)
			}
		}
		if len(batch) >= readBatch || !e.dec.HasFrame() {
			e.frames.Add(uint64(len(batch)) + 1)
			if err := e.deliver(p, batch); err != nil {
				return err
			}
			clear(batch)
			batch = batch[:0]
		}
	}
}

// fromWire passes m through the pattern's check. It is a function of its
// own because handing &m to an interface method moves m to the heap: the
// patterns without a check must not pay for that on every message.
//
//go:noinline
func (e *engine) fromWire(m msg) (msg, bool, error) {
	keep, err := e.wire.fromWire(&m)
	return m, keep, err
}

// deliver hands messages to the pipe, waiting while its queue is full:
// the connection is not read meanwhile, so the peer feels the pressure.
func (e *engine) deliver(p *pipe, batch []msg) error {
	if e.s.hook != nil {
		for i := range batch {
			for !p.deliver(batch[i]) {
				if err := e.waitRoom(p); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for len(batch) > 0 {
		n := p.in.pushSome(batch)
		batch = batch[n:]
		if len(batch) > 0 {
			if err := e.waitRoom(p); err != nil {
				return err
			}
		}
	}
	return nil
}

func (e *engine) waitRoom(p *pipe) error {
	select {
	case <-p.readerWake:
		return nil
	case <-e.done:
		return io.EOF
	}
}

// onCommand handles a command frame from the peer. A SUBSCRIBE or CANCEL
// becomes the subscription message libzmq's patterns expect.
func (e *engine) onCommand(body []byte) (msg, bool, error) {
	switch {
	case zmtp.IsCommand(body, zmtp.CmdPing):
		ping, err := zmtp.ParsePing(body[1+len(zmtp.CmdPing):])
		if err != nil {
			return msg{}, false, err
		}
		e.send(zmtp.Command{Name: zmtp.CmdPong, Body: append([]byte(nil), ping.Context...)})
		if ping.TTL > 0 {
			e.ttlOnce.Do(func() {
				e.s.wg.Add(1)
				go func() {
					defer e.s.wg.Done()
					e.watchTTL(time.Duration(ping.TTL) * 100 * time.Millisecond)
				}()
			})
		}
		return msg{}, false, nil
	case zmtp.IsCommand(body, zmtp.CmdSubscribe):
		topic := body[1+len(zmtp.CmdSubscribe):]
		return msg{body: append([]byte{1}, topic...), kind: kindSub}, true, nil
	case zmtp.IsCommand(body, zmtp.CmdCancel):
		topic := body[1+len(zmtp.CmdCancel):]
		return msg{body: append([]byte{0}, topic...), kind: kindCancel}, true, nil
	case e.s.typ == RADIO:
		// libzmq's radio_session takes JOIN and LEAVE; every other
		// session drops them with the commands it does not know.
		if m, ok, err := parseGroupCommand(body); ok || err != nil {
			return m, ok, err
		}
	}
	cmd, err := zmtp.ParseCommand(body)
	if err != nil {
		return msg{}, false, err
	}
	if cmd.Name == zmtp.CmdError {
		reason, _ := zmtp.ParseError(cmd.Body)
		return msg{}, false, &zmtp.PeerError{Reason: reason}
	}
	// PONG needs nothing (any traffic resets the timeout); RFC 37 says to
	// ignore commands one does not know.
	return msg{}, false, nil
}

// send queues a command for the writer. A command of the same name still
// waiting is replaced, not joined: only the newest PONG (or PING) means
// anything, and a peer that sends PINGs but never reads must not grow the
// queue while the writer waits on it (libzmq, too, keeps one pending PONG).
func (e *engine) send(c zmtp.Command) {
	e.cmdMu.Lock()
	replaced := false
	for i := range e.cmds {
		if e.cmds[i].Name == c.Name {
			e.cmds[i] = c
			replaced = true
			break
		}
	}
	if !replaced {
		e.cmds = append(e.cmds, c)
	}
	e.cmdMu.Unlock()
	signal(e.cmdWake)
}

// writeLoop drains the pipe in batches: everything queued since the last
// write is encoded into one buffer and goes out in one system call.
func (e *engine) writeLoop(p *pipe, first []msg) error {
	// A writer that returns holds nothing any more: what it had taken and
	// not written is lost with the connection (as what libzmq's engine has
	// encoded is), so a lingering Close must not wait for it.
	defer p.writing.Store(false)
	for i := range first {
		e.encode(&first[i])
	}
	if e.sealErr != nil {
		return e.sealErr
	}
	var segs [][]msg
	var cmds []zmtp.Command
	for {
		p.writing.Store(true)
		e.cmdMu.Lock()
		cmds, e.cmds = e.cmds, cmds[:0]
		e.cmdMu.Unlock()
		for _, c := range cmds {
			e.command(c.Name, c.Body)
		}
		got := len(cmds)
		clear(cmds)
		segs = p.out.popAll(segs)
		for _, batch := range segs {
			for i := range batch {
				e.encode(&batch[i])
				if e.enc.Len() >= flushSize {
					if err := e.flush(); err != nil {
						return err
					}
				}
			}
			got += len(batch)
			clear(batch)
		}
		if e.sealErr != nil {
			return e.sealErr
		}
		if err := e.flush(); err != nil {
			return err
		}
		if got > 0 {
			continue
		}
		p.writing.Store(false)
		var closing <-chan struct{}
		if e.handsOverAtClose() {
			closing = e.s.closing
		}
		select {
		case <-p.writerWake:
		case <-e.cmdWake:
		case <-closing:
			if !p.out.empty() {
				continue // written first
			}
			e.closeWrite()
			<-e.done
			return nil
		case <-e.done:
			return nil
		}
	}
}

// flush writes what the encoder holds, then hands the buffers of the
// messages written (msg.release) back to the body pools: the encoder may
// have referred to them until the write (writev).
func (e *engine) flush() error {
	err := e.enc.Flush()
	if err == nil {
		for _, b := range e.written {
			releaseBody(b)
		}
	}
	clear(e.written)
	e.written = e.written[:0]
	return err
}

// encode appends one message's frames.
func (e *engine) encode(m *msg) {
	switch m.kind {
	case kindSub, kindCancel:
		if e.v31 && len(m.body) > 0 {
			// RFC 37, section 3.4.6: a 3.1 peer gets SUBSCRIBE and CANCEL
			// commands; a 3.0 peer the "\x01topic" messages of RFC 29.
			name := zmtp.CmdSubscribe
			if m.kind == kindCancel {
				name = zmtp.CmdCancel
			}
			e.command(name, m.body[1:])
			return
		}
	case kindJoin:
		e.command(zmtp.CmdJoin, m.body)
		return
	case kindLeave:
		e.command(zmtp.CmdLeave, m.body)
		return
	}
	if m.parts == nil {
		e.frame(0, m.body)
		if m.release {
			e.written = append(e.written, m.body)
		}
		return
	}
	last := len(m.parts) - 1
	for i, f := range m.parts {
		var flags byte
		if i < last {
			flags = zmtp.FlagMore
		}
		e.frame(flags, f)
	}
}

// frame and command append one frame, through the mechanism's cipher when
// it has one.
func (e *engine) frame(flags byte, body []byte) {
	if e.cipher == nil {
		e.enc.Frame(flags, body)
		return
	}
	if err := e.cipher.Seal(e.enc, flags, body); err != nil && e.sealErr == nil {
		e.sealErr = err
	}
}

func (e *engine) command(name string, body []byte) {
	if e.cipher == nil {
		e.enc.Command(name, body)
		return
	}
	e.frame(zmtp.FlagCommand, zmtp.AppendCommand(nil, name, body))
}

var errHeartbeat = errors.New("zeroplug: heartbeat timed out")

// heartbeat sends a PING every interval and drops the connection when
// nothing at all arrives within timeout of a PING (ZMTP 3.1 heartbeats).
// As in libzmq, the timeout runs from the first PING that traffic has not
// answered yet, while PINGs go on every interval, so a timeout longer than
// the interval does not slow the PINGs down.
func (e *engine) heartbeat(ivl, timeout, ttl time.Duration) {
	tick := time.NewTicker(ivl)
	defer tick.Stop()
	body := zmtp.Ping{TTL: uint16(ttl / (100 * time.Millisecond))}.Append(nil)
	var expire *time.Timer
	var expired <-chan time.Time // nil while no PING waits for traffic
	var seen uint64              // frames received when that PING went out
	defer func() {
		if expire != nil {
			expire.Stop()
		}
	}()
	for {
		select {
		case <-e.done:
			return
		case <-expired:
			if e.frames.Load() == seen {
				e.stop(errHeartbeat)
				return
			}
			expired = nil
		case <-tick.C:
			if expired != nil && e.frames.Load() != seen {
				expire.Stop() // traffic came: the PING is answered
				expired = nil
			}
			if expired == nil {
				// Before the PING goes: its answer may come at once.
				seen = e.frames.Load()
				expire = time.NewTimer(timeout)
				expired = expire.C
			}
			e.send(zmtp.Command{Name: zmtp.CmdPing, Body: body})
		}
	}
}

// watchTTL drops the connection when the peer, which asked for it with a
// PING's TTL, goes silent for that long.
func (e *engine) watchTTL(ttl time.Duration) {
	t := time.NewTicker(ttl)
	defer t.Stop()
	seen := e.frames.Load()
	for {
		select {
		case <-e.done:
			return
		case <-t.C:
		}
		now := e.frames.Load()
		if now == seen {
			e.stop(errHeartbeat)
			return
		}
		seen = now
	}
}
