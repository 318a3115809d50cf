package norm

import (
	"bytes"
	"errors"
	"io"
	"log"
	"net"
	"sync"
	"time"

	"github.com/zeroplug/zeroplug/sdk/zmtp"
)

// peer is the ZMTP peer the plugin plays for the core on its end of the
// stream pair. For a core PUB or XPUB it is a SUB that subscribes to
// everything, and hands each message to the NORM sender. For a core SUB or
// XSUB it is a PUB that writes each message heard on the group, keeping
// the core's subscriptions and filtering by them, as a PUB does.
type peer struct {
	e      *endpoint
	conn   net.Conn
	local  string // the type the plugin announces: SUB or PUB
	enc    *zmtp.Encoder
	encMu  sync.Mutex // the writer and the reader's PONG share the encoder
	dec    *zmtp.Decoder
	closed chan struct{}
	once   sync.Once

	// The receiving side's subscriptions (counted, as a PUB counts
	// duplicate SUBSCRIBEs) and the messages waiting for the writer.
	subsMu   sync.RWMutex
	subs     map[string]int
	outMu    sync.Mutex
	out      []queued
	outBytes int
	wake     chan struct{}
}

// queued is one message for the core: its frames, carved from one buffer.
type queued struct {
	frames [][]byte
	size   int
}

func newPeer(e *endpoint, conn net.Conn, coreType string) *peer {
	local := "PUB"
	if sender(coreType) {
		local = "SUB"
	}
	p := &peer{e: e, conn: conn, local: local, enc: zmtp.NewEncoder(conn), dec: zmtp.NewDecoder(conn, 0),
		closed: make(chan struct{}), subs: make(map[string]int), wake: make(chan struct{}, 1)}
	if local == "SUB" {
		// A message larger than the stream buffer cannot be sent: the
		// decoder refuses it rather than hold it.
		p.dec.MaxSize = int64(e.set.session.BufferSize)
	}
	return p
}

func (p *peer) close() {
	p.once.Do(func() {
		close(p.closed)
		p.conn.Close()
	})
}

// run handshakes, then reads the core's side of the stream until it ends.
func (p *peer) run() {
	defer p.e.wg.Done()
	defer p.e.inputEnded()
	p.conn.SetDeadline(time.Now().Add(handshakeTimeout))
	if _, err := zmtp.Handshake(p.enc, p.dec, zmtp.Config{SocketType: p.local}); err != nil {
		p.logEnd("handshake", err)
		return
	}
	p.conn.SetDeadline(time.Time{})
	if p.local == "SUB" {
		p.encMu.Lock()
		p.enc.Command(zmtp.CmdSubscribe, nil) // everything: the group gets every message
		err := p.enc.Flush()
		p.encMu.Unlock()
		if err != nil {
			p.logEnd("subscribing", err)
			return
		}
		p.readMessages()
		return
	}
	p.e.wg.Add(1)
	go p.write()
	p.readSubscriptions()
}

func (p *peer) logEnd(what string, err error) {
	select {
	case <-p.closed:
		return // we closed it
	default:
	}
	if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
		log.Printf("[WARN] norm %s: the core's stream: %s: %v", p.e.ep, what, err)
	}
}

// nextData returns the core's next data frame, answering the commands
// before it; false when the stream has ended or a command ends the peer.
func (p *peer) nextData() (flags byte, body []byte, ok bool) {
	for {
		flags, body, err := p.dec.Next()
		if err != nil {
			p.logEnd("reading", err)
			return 0, nil, false
		}
		if flags&zmtp.FlagCommand == 0 {
			return flags, body, true
		}
		if !p.command(body) {
			return 0, nil, false
		}
	}
}

// readMessages passes the core PUB's messages to the sender, one at a
// time: while the stream buffer is full, the core's PUB waits at its
// high-water mark.
func (p *peer) readMessages() {
	var frames [][]byte
	size := 0
	for {
		flags, body, ok := p.nextData()
		if !ok {
			return
		}
		frames = append(frames, body)
		size += len(body)
		if flags&zmtp.FlagMore != 0 {
			if size > p.e.set.session.BufferSize {
				log.Printf("[WARN] norm %s: the core sent a message larger than NORM_BUFFER_SIZE; closing", p.e.ep)
				return
			}
			continue
		}
		select {
		case p.e.msgs <- frames:
		case <-p.e.done:
			return
		}
		frames, size = nil, 0
	}
}

// readSubscriptions keeps the core SUB's subscriptions, sent as commands
// (ZMTP 3.1) or as messages starting with 1 or 0 (3.0).
func (p *peer) readSubscriptions() {
	for {
		flags, body, ok := p.nextData()
		if !ok {
			return
		}
		if flags&zmtp.FlagMore == 0 && len(body) > 0 && body[0] <= 1 {
			p.subscribe(body[1:], body[0] == 1)
		}
	}
}

// command acts on a command frame of the core; false ends the stream.
func (p *peer) command(body []byte) bool {
	c, err := zmtp.ParseCommand(body)
	if err != nil {
		p.logEnd("command", err)
		return false
	}
	switch c.Name {
	case zmtp.CmdSubscribe:
		p.subscribe(c.Body, true)
	case zmtp.CmdCancel:
		p.subscribe(c.Body, false)
	case zmtp.CmdPing:
		ping, err := zmtp.ParsePing(c.Body)
		if err != nil {
			p.logEnd("PING", err)
			return false
		}
		p.encMu.Lock()
		p.enc.Command(zmtp.CmdPong, ping.Context)
		err = p.enc.Flush()
		p.encMu.Unlock()
		if err != nil {
			p.logEnd("PONG", err)
			return false
		}
	case zmtp.CmdError:
		msg, _ := zmtp.ParseError(c.Body)
		log.Printf("[WARN] norm %s: the core sent ERROR %q", p.e.ep, msg)
		return false
	}
	return true
}

func (p *peer) subscribe(topic []byte, on bool) {
	if p.local != "PUB" {
		return
	}
	p.subsMu.Lock()
	defer p.subsMu.Unlock()
	if on {
		p.subs[string(topic)]++
	} else if n := p.subs[string(topic)]; n > 1 {
		p.subs[string(topic)] = n - 1
	} else {
		delete(p.subs, string(topic))
	}
}

// wants reports whether a message whose first frame is first matches one
// of the core's subscriptions.
func (p *peer) wants(first []byte) bool {
	p.subsMu.RLock()
	defer p.subsMu.RUnlock()
	if _, all := p.subs[""]; all {
		return true
	}
	for topic := range p.subs {
		if bytes.HasPrefix(first, []byte(topic)) {
			return true
		}
	}
	return false
}

// queue copies a message heard for the writer; false if the queue is full
// (the core does not keep up), and the message is dropped.
func (p *peer) queue(frames [][]byte) bool {
	size := 0
	for _, f := range frames {
		size += len(f)
	}
	p.outMu.Lock()
	if len(p.out) >= deliverQueue || (p.outBytes+size > deliverBytes && len(p.out) > 0) {
		p.outMu.Unlock()
		return false
	}
	buf := make([]byte, 0, size)
	m := queued{frames: make([][]byte, len(frames)), size: size}
	for i, f := range frames {
		start := len(buf)
		buf = append(buf, f...)
		m.frames[i] = buf[start:len(buf):len(buf)]
	}
	p.out = append(p.out, m)
	p.outBytes += size
	p.outMu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
	return true
}

// write sends the queued messages to the core, a batch per flush.
func (p *peer) write() {
	defer p.e.wg.Done()
	var batch []queued
	for {
		select {
		case <-p.wake:
		case <-p.closed:
			return
		}
		p.outMu.Lock()
		batch, p.out = p.out, batch[:0]
		p.outMu.Unlock()
		if len(batch) == 0 {
			continue
		}
		p.encMu.Lock()
		var err error
		for i, m := range batch {
			for j, f := range m.frames {
				flags := byte(0)
				if j < len(m.frames)-1 {
					flags = zmtp.FlagMore
				}
				p.enc.Frame(flags, f)
			}
			if p.enc.Len() >= 256<<10 || i == len(batch)-1 {
				if err = p.enc.Flush(); err != nil {
					break
				}
			}
		}
		p.encMu.Unlock()
		p.outMu.Lock()
		for _, m := range batch {
			p.outBytes -= m.size
		}
		p.outMu.Unlock()
		clear(batch)
		if err != nil {
			p.logEnd("writing", err)
			p.e.inputEnded()
			return
		}
	}
}
