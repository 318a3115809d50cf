package core

// The udp:// transport is built into the core, not a plugin, because it is
// not a byte stream: every driver behind sdk.Driver ends in a connection
// the core runs ZMTP over, and a plugin's only way to the core is handing
// it such a connection (or a listener). UDP has no handshake and no
// framing but the datagram, so its engine is the few lines here that turn
// one message into one datagram and back, beside the ZMTP engine, and a
// plugin process in between would add a hop to every datagram for nothing:
// the standard library has all it needs.
//
// As in libzmq (socket_base.cpp): DISH and DGRAM bind, RADIO connects,
// and no other type takes udp://; DGRAM takes nothing else.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/ipv4"

	"github.com/zeroplug/zeroplug/sdk"
)

// checkUDPUse refuses what libzmq refuses with ENOCOMPATPROTO: udp:// for
// a type other than RADIO, DISH and DGRAM, Bind for a RADIO, Connect for
// a DISH or a DGRAM, and any other transport for a DGRAM.
func (s *Socket) checkUDPUse(ep sdk.Endpoint, bind bool) error {
	switch {
	case ep.Scheme != "udp" && s.typ == DGRAM:
		return fmt.Errorf("%w: a DGRAM socket takes udp:// only, not %s://", ErrNotSupported, ep.Scheme)
	case ep.Scheme != "udp":
		return nil
	case bind && s.typ != DISH && s.typ != DGRAM:
		return fmt.Errorf("%w: udp:// is bound by DISH and DGRAM sockets, not %s", ErrNotSupported, s.typ)
	case !bind && s.typ != RADIO:
		return fmt.Errorf("%w: udp:// is connected by RADIO sockets, not %s", ErrNotSupported, s.typ)
	}
	return nil
}

// udpEndpoint is one udp:// Bind or Connect: a UDP socket and the pipe
// that its pattern sees, with a reader (DISH, DGRAM) turning datagrams
// into messages on the pipe and a writer (RADIO, DGRAM) turning the
// pipe's messages into datagrams.
type udpEndpoint struct {
	s        *Socket
	conn     *net.UDPConn
	p        *pipe
	endpoint string
	target   netip.AddrPort // a RADIO's destination

	// malformed counts the datagrams dropped as not libzmq's format;
	// dropped those a full in-queue had no room for (UDP is lossy: a
	// reader that blocked would only move the loss to the kernel).
	malformed atomic.Uint64
	dropped   atomic.Uint64

	closeOnce sync.Once
	closed    chan struct{}
}

func newUDPEndpoint(s *Socket, conn *net.UDPConn, endpoint string) *udpEndpoint {
	e := &udpEndpoint{s: s, conn: conn, endpoint: endpoint, closed: make(chan struct{})}
	e.p = newPipe(s, endpoint)
	e.p.everyGroup = true // no JOIN crosses UDP: a RADIO sends it every group
	return e
}

// Close ends the endpoint: its reader and writer return, and the one that
// owns the pipe removes it.
func (e *udpEndpoint) Close() error {
	e.closeOnce.Do(func() {
		close(e.closed)
		e.conn.Close()
	})
	return nil
}

// bindUDP is Bind for udp://: a DISH receives there, a DGRAM receives and
// sends from there. LAST_ENDPOINT is the endpoint with the port resolved
// ("udp://127.0.0.1:41234"); libzmq 4.3.5 gives the address as written and
// without its scheme, which no Connect could take back.
func (s *Socket) bindUDP(ep sdk.Endpoint, given string) error {
	o := s.options()
	addr, err := parseUDPAddress(ep.Address, true, o.transport.IPv6)
	if err != nil {
		return err
	}
	conn, err := listenUDP(addr, o, true)
	if err == nil {
		err = setUDPBuffers(conn, o, true)
	}
	if err != nil {
		s.event(Event{Type: EventBindFailed, Endpoint: given, Err: err})
		return err
	}
	resolved := "udp://" + addr.boundString(conn.LocalAddr().(*net.UDPAddr).Port)
	e := newUDPEndpoint(s, conn, resolved)
	if !s.addPipe(e.p) {
		conn.Close()
		if s.isClosed() {
			return ErrClosed
		}
		return fmt.Errorf("%w: a %s socket has its one endpoint already", ErrInvalid, s.typ)
	}
	ln := &udpListener{e: e}
	b := &binding{s: s, ln: ln, endpoint: resolved, conns: map[net.Conn]struct{}{udpCloser{e}: {}}}
	s.mu.Lock()
	if s.isClosed() {
		s.mu.Unlock()
		e.Close()
		s.removePipe(e.p)
		return ErrClosed
	}
	s.listeners[given] = b
	s.listeners[resolved] = b
	s.lastEndpoint = resolved
	s.wg.Add(1)
	if s.typ == DGRAM {
		s.wg.Add(1)
	}
	s.mu.Unlock()
	s.event(Event{Type: EventListening, Endpoint: resolved})
	// A DISH's endpoint ends with its reader, a DGRAM's with its writer,
	// which outlives the reader through the LINGER of what is queued.
	go e.readLoop(s.typ != DGRAM)
	if s.typ == DGRAM {
		go e.writeLoop(true)
	}
	return nil
}

// connectUDP is Connect for udp://: a RADIO sends every message there as
// one datagram. Nothing is dialed, so the endpoint is up at once and never
// reconnects; Disconnect and Close end it.
func (s *Socket) connectUDP(ep sdk.Endpoint, given string) error {
	o := s.options()
	addr, err := parseUDPAddress(ep.Address, false, o.transport.IPv6)
	if err != nil {
		return err
	}
	conn, err := listenUDP(addr, o, false)
	if err == nil {
		err = setUDPBuffers(conn, o, false)
	}
	if err != nil {
		return err
	}
	e := newUDPEndpoint(s, conn, given)
	e.target = addr.target
	if !s.addPipe(e.p) {
		conn.Close()
		return ErrClosed
	}
	ss := &session{s: s, ep: ep, endpoint: given, pipe: e.p, udp: e}
	ss.ctx, ss.cancel = context.WithCancel(context.Background())
	context.AfterFunc(ss.ctx, func() { e.Close() }) // Disconnect, or the end of Close
	s.mu.Lock()
	if s.isClosed() {
		s.mu.Unlock()
		ss.cancel()
		s.removePipe(e.p)
		return ErrClosed
	}
	s.connects[given] = append(s.connects[given], ss)
	s.lastEndpoint = given
	s.wg.Add(1)
	s.mu.Unlock()
	s.event(Event{Type: EventConnected, Endpoint: given, Peer: addr.target.String()})
	go e.writeLoop(true)
	return nil
}

// udpReceiveBuffer is the SO_RCVBUF a binding (DISH, DGRAM) asks for when
// RCVBUF is not set: 4 MiB, which the kernel caps at net.core.rmem_max.
// Where libzmq leaves the system default (212992 bytes on Linux, about 270
// small datagrams), zeroplug asks for more, as quic-go does for the same
// reason: a reader that is not scheduled for a millisecond while a sender
// on the same host runs flat out loses what the small buffer cannot hold.
// The kernel charges the memory only while datagrams wait in it.
const udpReceiveBuffer = 4 << 20

// setUDPBuffers applies SNDBUF and RCVBUF (SO_SNDBUF, SO_RCVBUF) when set,
// and udpReceiveBuffer to a binding without RCVBUF: a DISH that falls
// behind a burst loses what its kernel buffer cannot hold, and RCVBUF is the
// knob for it. It closes conn when it fails.
func setUDPBuffers(conn *net.UDPConn, o *options, binding bool) error {
	var err error
	if n := o.transport.RecvBuffer; n > 0 {
		err = conn.SetReadBuffer(n)
	} else if binding {
		err = conn.SetReadBuffer(udpReceiveBuffer)
	}
	if n := o.transport.SendBuffer; n > 0 && err == nil {
		err = conn.SetWriteBuffer(n)
	}
	if err != nil {
		conn.Close()
	}
	return err
}

// udpReadBatch is how many datagrams one system call may read (recvmmsg on
// Linux): a DISH that wakes once for several datagrams keeps up with a RADIO
// that sends one per call, where one read per wake-up fell behind and lost
// what the kernel buffer could not hold.
const udpReadBatch = 8

// readLoop reads datagrams until the socket is closed or the binding told
// to stop, up to udpReadBatch at a time into buffers of maxDatagram bytes,
// and each message copies out what it keeps.
func (e *udpEndpoint) readLoop(ownsPipe bool) {
	s := e.s
	defer s.wg.Done()
	if ownsPipe {
		defer s.removePipe(e.p)
	}
	batch := make([]ipv4.Message, udpReadBatch)
	for i := range batch {
		batch[i].Buffers = [][]byte{make([]byte, maxDatagram)}
	}
	pc := ipv4.NewPacketConn(e.conn) // its ReadBatch reads IPv6 datagrams too
	for {
		n, err := pc.ReadBatch(batch, 0)
		if err != nil {
			if errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrDeadlineExceeded) {
				return
			}
			// An error reported on the socket (an ICMP error of an earlier
			// send) is no reason to stop reading; the pause keeps one that
			// persists from spinning.
			s.log.Debug("udp read failed", "endpoint", e.endpoint, "error", err)
			select {
			case <-e.closed:
				return
			case <-time.After(10 * time.Millisecond):
			}
			continue
		}
		for i := range batch[:n] {
			e.receive(&batch[i])
		}
	}
}

// receive hands one datagram of a batch to the pattern.
func (e *udpEndpoint) receive(d *ipv4.Message) {
	s := e.s
	var from netip.AddrPort
	if a, ok := d.Addr.(*net.UDPAddr); ok {
		from = a.AddrPort()
	}
	// A datagram longer than maxDatagram arrives cut short: libzmq hands
	// on what fits, zeroplug drops it, since it is not the message that
	// was sent.
	m, ok := e.decode(d.Buffers[0][:d.N], from)
	if truncated(d.Flags) {
		ok = false
	}
	if !ok {
		e.malformed.Add(1)
		s.log.Debug("malformed datagram dropped", "endpoint", e.endpoint, "from", from.String(), "bytes", d.N)
		return
	}
	if !e.p.deliver(m) {
		s.log.Debug("datagram dropped: the receive queue is full (RCVHWM)", "endpoint", e.endpoint)
		e.dropped.Add(1)
	}
}

// decode turns one datagram into the message its pattern takes: for a
// DISH the group and body of libzmq's format, for a DGRAM the sender's
// address and the whole datagram.
func (e *udpEndpoint) decode(d []byte, from netip.AddrPort) (msg, bool) {
	if e.s.typ == DGRAM {
		addr := from.Addr().Unmap()
		a := netip.AddrPortFrom(addr, from.Port()).String()
		return copyMsg([][]byte{[]byte(a), d}), true
	}
	group, body, err := parseGroupDatagram(d)
	if err != nil {
		return msg{}, false
	}
	m := copyMsg([][]byte{group, body})
	m.kind = kindGroup
	return m, true
}

// udpWriteBatch is how many datagrams one system call may send (sendmmsg
// on Linux): measured on loopback, eight per call send a quarter more than
// one per call.
const udpWriteBatch = 8

// writeLoop sends the pipe's messages, one datagram each, up to
// udpWriteBatch per system call, until the endpoint is closed; ownsPipe says
// it removes the pipe then.
func (e *udpEndpoint) writeLoop(ownsPipe bool) {
	s := e.s
	defer s.wg.Done()
	if ownsPipe {
		defer s.removePipe(e.p)
	}
	p := e.p
	w := newUDPWriter(e)
	var segs [][]msg
	for {
		p.writing.Store(true)
		segs = p.out.popAll(segs)
		got := 0
		for _, batch := range segs {
			for i := range batch {
				w.add(&batch[i])
			}
			got += len(batch)
			clear(batch)
		}
		w.flush()
		if got > 0 {
			continue
		}
		p.writing.Store(false)
		select {
		case <-p.writerWake:
		case <-e.closed:
			return
		}
	}
}

// udpWriter gathers datagrams for one sendmmsg.
type udpWriter struct {
	e      *udpEndpoint
	pc     *ipv4.PacketConn // its WriteBatch sends IPv6 datagrams too
	bufs   [udpWriteBatch][]byte
	batch  []ipv4.Message
	n      int          // datagrams gathered
	target *net.UDPAddr // a RADIO's, once converted
}

func newUDPWriter(e *udpEndpoint) *udpWriter {
	w := &udpWriter{e: e, pc: ipv4.NewPacketConn(e.conn), batch: make([]ipv4.Message, udpWriteBatch)}
	for i := range w.bufs {
		w.bufs[i] = make([]byte, 0, maxDatagram)
		w.batch[i].Buffers = make([][]byte, 1)
	}
	return w
}

// add encodes one message as a datagram of the batch, sending the batch
// when it is full. A message that cannot go (too long, or a DGRAM address
// that is not "ip:port") is dropped with a debug line, as libzmq's
// udp_engine drops it.
func (w *udpWriter) add(m *msg) {
	e := w.e
	var to netip.AddrPort
	var err error
	buf := w.bufs[w.n][:0]
	switch {
	case e.s.typ == DGRAM:
		if m.count() != 2 {
			return
		}
		if to, err = parseDgramAddress(m.parts[0]); err == nil {
			if len(m.parts[1]) > maxDatagram {
				err = errDatagramTooLong
			}
			buf = append(buf, m.parts[1]...)
		}
	case m.kind == kindGroup:
		to = e.target
		buf, err = appendGroupDatagram(buf, m.parts[0], m.parts[1])
	default:
		return // a JOIN or LEAVE: UDP has none
	}
	if err != nil {
		e.s.log.Debug("udp message dropped", "endpoint", e.endpoint, "error", err)
		return
	}
	w.bufs[w.n] = buf
	d := &w.batch[w.n]
	d.Buffers[0] = buf
	d.Addr = w.addr(to)
	if w.n++; w.n == udpWriteBatch {
		w.flush()
	}
}

// addr is to as the batch takes it: a RADIO's one target is converted once.
func (w *udpWriter) addr(to netip.AddrPort) net.Addr {
	if w.e.s.typ != DGRAM {
		if w.target == nil {
			w.target = net.UDPAddrFromAddrPort(to)
		}
		return w.target
	}
	return net.UDPAddrFromAddrPort(to)
}

// flush sends the gathered datagrams. A failed write drops the datagram it
// failed on and goes on with the rest, since UDP promises nothing.
func (w *udpWriter) flush() {
	for sent := 0; sent < w.n; {
		k, err := w.pc.WriteBatch(w.batch[sent:w.n], 0)
		if err != nil {
			w.e.s.log.Debug("udp message dropped", "endpoint", w.e.endpoint, "error", err)
			k = max(k, 0) + 1 // the one it failed on
		}
		sent += k
	}
	w.n = 0
}

// udpListener is a udp:// binding as the socket's bindings see it. Close
// stops the reader only: a DGRAM's writer goes on through its LINGER, and
// the socket closes the endpoint itself (udpCloser) when that is over.
type udpListener struct{ e *udpEndpoint }

func (l *udpListener) Accept() (net.Conn, error) { return nil, net.ErrClosed }

func (l *udpListener) Close() error {
	return l.e.conn.SetReadDeadline(time.Unix(1, 0))
}

func (l *udpListener) Endpoint() sdk.Endpoint {
	ep, _ := sdk.ParseEndpoint(l.e.endpoint)
	return ep
}

// udpCloser stands for the endpoint among a binding's connections, which
// Unbind and the end of Close close.
type udpCloser struct{ *udpEndpoint }

func (c udpCloser) Read([]byte) (int, error)         { return 0, net.ErrClosed }
func (c udpCloser) Write([]byte) (int, error)        { return 0, net.ErrClosed }
func (c udpCloser) LocalAddr() net.Addr              { return c.conn.LocalAddr() }
func (c udpCloser) RemoteAddr() net.Addr             { return c.conn.LocalAddr() }
func (c udpCloser) SetDeadline(time.Time) error      { return nil }
func (c udpCloser) SetReadDeadline(time.Time) error  { return nil }
func (c udpCloser) SetWriteDeadline(time.Time) error { return nil }
