package core

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/zeroplug/zeroplug/sdk"
	"github.com/zeroplug/zeroplug/sdk/zmtp"
)

// binding is one bound endpoint: its listener and the connections it
// accepted, which Unbind closes with it, as libzmq does.
type binding struct {
	s        *Socket
	ln       sdk.Listener
	endpoint string // as resolved: LAST_ENDPOINT

	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

// session is one connected endpoint: it dials, runs an engine over the
// connection, and dials again when the connection ends.
type session struct {
	s        *Socket
	d        sdk.Driver
	ep       sdk.Endpoint
	endpoint string
	ctx      context.Context
	cancel   context.CancelFunc

	// pipe outlives the session's connections (nil with IMMEDIATE, or for
	// STREAM); refused says the pattern would not take it (a PAIR that
	// has its peer), and the session then does nothing.
	pipe    *pipe
	refused bool

	// routingID is CONNECT_ROUTING_ID as this Connect took it: the id
	// a ROUTER or STREAM gives the peer instead of the one it announces.
	routingID []byte

	// udp is a udp:// Connect's endpoint, which runs instead of run (udp.go).
	udp *udpEndpoint
}

// Bind listens on an endpoint: "tcp://*:5555", "tcp://127.0.0.1:*",
// "ipc:///tmp/feed", "inproc://name", or any scheme a driver serves.
func (s *Socket) Bind(endpoint string) error {
	ep, err := sdk.ParseEndpoint(endpoint)
	if err != nil {
		return err
	}
	if s.isClosed() {
		return ErrClosed
	}
	if err := s.checkUDPUse(ep, true); err != nil {
		return err
	}
	if err := s.checkMulticastUse(ep); err != nil {
		return err
	}
	if subscribedToAll(endpoint) {
		// libzmq's socket_base_t::bind: a bind to pgm, epgm or norm is a
		// connect (see multicastuse.go).
		_, err := s.connect(endpoint)
		return err
	}
	if ep.Scheme == "udp" {
		return s.bindUDP(ep, endpoint)
	}
	if ep.Scheme == "inproc" {
		return s.bindInproc(ep)
	}
	d, err := s.ctx.drivers.lookup(ep)
	if err != nil {
		return err
	}
	o := s.options()
	ln, err := d.Listen(context.Background(), ep, s.transportOptions(o))
	if err != nil {
		s.event(Event{Type: EventBindFailed, Endpoint: endpoint, Err: err})
		return err
	}
	b := &binding{s: s, ln: ln, endpoint: ln.Endpoint().String(), conns: make(map[net.Conn]struct{})}
	s.mu.Lock()
	if s.isClosed() {
		s.mu.Unlock()
		ln.Close()
		return ErrClosed
	}
	s.listeners[endpoint] = b
	s.listeners[b.endpoint] = b
	s.lastEndpoint = b.endpoint
	s.wg.Add(1)
	s.mu.Unlock()
	s.event(Event{Type: EventListening, Endpoint: b.endpoint})
	go b.acceptLoop()
	return nil
}

func (b *binding) acceptLoop() {
	s := b.s
	defer s.wg.Done()
	for {
		conn, err := b.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.event(Event{Type: EventAcceptFailed, Endpoint: b.endpoint, Err: err})
			s.log.Warn("accept failed", "endpoint", b.endpoint, "error", err)
			select {
			case <-s.closing:
				return
			case <-time.After(100 * time.Millisecond): // out of descriptors: let some close
			}
			continue
		}
		b.mu.Lock()
		b.conns[conn] = struct{}{}
		b.mu.Unlock()
		s.event(Event{Type: EventAccepted, Endpoint: b.endpoint, Peer: remote(conn)})
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.runConn(conn, b.endpoint, nil, nil)
			b.mu.Lock()
			delete(b.conns, conn)
			b.mu.Unlock()
		}()
	}
}

func (b *binding) close() {
	b.ln.Close()
	b.mu.Lock()
	for c := range b.conns {
		c.Close()
	}
	b.mu.Unlock()
}

// Unbind stops listening on an endpoint given to Bind (or its resolved
// form, LAST_ENDPOINT) and closes the connections accepted on it.
func (s *Socket) Unbind(endpoint string) error {
	s.mu.Lock()
	b, ok := s.listeners[endpoint]
	if ok {
		for k, v := range s.listeners {
			if v == b {
				delete(s.listeners, k)
			}
		}
	}
	s.mu.Unlock()
	if !ok {
		if ep, err := sdk.ParseEndpoint(endpoint); err == nil && ep.Scheme == "inproc" {
			return s.unbindInproc(ep)
		}
		if subscribedToAll(endpoint) {
			return s.Disconnect(endpoint) // bound as connected (see Bind)
		}
		return ErrNotBound
	}
	b.close()
	s.event(Event{Type: EventClosed, Endpoint: b.endpoint})
	return nil
}

// Connect connects to an endpoint. It returns at once: the connection is
// made, and remade after a loss, in the background (RECONNECT_IVL). Until
// it is up, messages queue for it unless IMMEDIATE is set.
func (s *Socket) Connect(endpoint string) error {
	_, err := s.connect(endpoint)
	return err
}

// connect is Connect, returning the pipe that the connection's messages
// go through when it exists from the call on: nil with IMMEDIATE, for
// STREAM, or when the pattern refused it (ConnectPeer names it).
func (s *Socket) connect(endpoint string) (*pipe, error) {
	ep, err := sdk.ParseEndpoint(endpoint)
	if err != nil {
		return nil, err
	}
	if s.isClosed() {
		return nil, ErrClosed
	}
	if err := s.checkUDPUse(ep, false); err != nil {
		return nil, err
	}
	if err := s.checkMulticastUse(ep); err != nil {
		return nil, err
	}
	if ep.Scheme == "udp" {
		// No pipe to name: only RADIO connects udp:// (checkUDPUse).
		return nil, s.connectUDP(ep, endpoint)
	}
	if ep.Scheme == "inproc" {
		return s.connectInproc(ep, endpoint)
	}
	d, err := s.ctx.drivers.lookup(ep)
	if err != nil {
		return nil, err
	}
	if v, ok := d.(sdk.Validator); ok {
		if err := v.Validate(ep, false); err != nil {
			return nil, err
		}
	}
	routingID, err := s.takeConnectRoutingID()
	if err != nil {
		return nil, err
	}
	ss := &session{s: s, d: d, ep: ep, endpoint: endpoint, routingID: routingID}
	ss.ctx, ss.cancel = context.WithCancel(context.Background())
	if o := s.options(); !o.immediate && s.typ != STREAM {
		// libzmq's default: the pipe exists from Connect on, so that
		// messages, even a TrySend's, queue for a peer not there yet.
		ss.pipe = newPipe(s, endpoint)
		if !s.addPipe(ss.pipe) {
			if s.isClosed() {
				ss.cancel()
				return nil, ErrClosed
			}
			ss.pipe, ss.refused = nil, true
		}
	}
	s.mu.Lock()
	if s.isClosed() {
		s.mu.Unlock()
		ss.cancel()
		if ss.pipe != nil {
			s.removePipe(ss.pipe)
		}
		return nil, ErrClosed
	}
	s.connects[endpoint] = append(s.connects[endpoint], ss)
	s.lastEndpoint = endpoint
	s.wg.Add(1)
	s.mu.Unlock()
	go ss.run()
	return ss.pipe, nil
}

// Disconnect stops connecting to an endpoint given to Connect and closes
// its connection; messages queued for it are dropped.
func (s *Socket) Disconnect(endpoint string) error {
	s.mu.Lock()
	list := s.connects[endpoint]
	delete(s.connects, endpoint)
	s.mu.Unlock()
	if len(list) == 0 {
		if ep, err := sdk.ParseEndpoint(endpoint); err == nil && ep.Scheme == "inproc" {
			return s.disconnectInproc(endpoint)
		}
		return ErrNotBound
	}
	for _, ss := range list {
		ss.cancel()
		// Detach the pipe now, not when the session's goroutine gets to
		// it: nothing sent after Disconnect returns may go there.
		if ss.pipe != nil {
			s.removePipe(ss.pipe)
		}
	}
	return nil
}

func (ss *session) run() {
	s := ss.s
	defer s.wg.Done()
	o := s.options()
	if ss.refused {
		return
	}
	p := ss.pipe // attached by Connect
	if p != nil {
		defer s.removePipe(p)
	}
	ivl := o.reconnectIvl
	delayed := false
	for ss.ctx.Err() == nil && !s.lingerDone(p) {
		dctx, cancel := ss.ctx, context.CancelFunc(func() {})
		if o.transport.ConnectTimeout > 0 {
			dctx, cancel = context.WithTimeout(ss.ctx, o.transport.ConnectTimeout)
		}
		if p != nil {
			p.missing.Store(false)
		}
		conn, err := ss.d.Dial(dctx, ss.ep, s.transportOptions(o))
		cancel()
		if err == nil {
			s.event(Event{Type: EventConnected, Endpoint: ss.endpoint, Peer: remote(conn)})
			// Disconnect cancels ss.ctx: that must end the connection
			// running now too, not only the attempts to make new ones.
			stop := context.AfterFunc(ss.ctx, func() { conn.Close() })
			handshaken := s.runConn(conn, ss.endpoint, p, ss.routingID)
			stop()
			if handshaken {
				ivl = o.reconnectIvl
			} else if o.reconnectStop&ReconnectStopHandshakeFailed != 0 && ss.ctx.Err() == nil {
				ss.giveUp()
				return
			}
		} else if ss.ctx.Err() == nil {
			if !delayed {
				s.event(Event{Type: EventConnectDelayed, Endpoint: ss.endpoint, Err: err})
				delayed = true
			}
			if o.reconnectStop&ReconnectStopConnRefused != 0 && refused(err) {
				ss.giveUp()
				return
			}
		}
		if o.reconnectIvl < 0 || ss.ctx.Err() != nil {
			return
		}
		// libzmq's pause: the interval plus up to one interval of jitter,
		// doubling after each failure up to RECONNECT_IVL_MAX.
		if p != nil {
			p.missing.Store(true)
		}
		pause := ivl
		if o.reconnectIvl > 0 {
			pause += rand.N(o.reconnectIvl)
		}
		// libzmq reports every reconnect it schedules, after a lost
		// connection as after a failed attempt; only failures back off.
		s.event(Event{Type: EventConnectRetried, Endpoint: ss.endpoint, Interval: pause})
		if err != nil && o.reconnectIvlMax > ivl {
			ivl = min(2*ivl, o.reconnectIvlMax)
		}
		t := time.NewTimer(pause)
		select {
		case <-ss.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// refused reports a connection refused: the sdk's sentinel, which the
// built-in drivers and plugins wrap, or the bare errno a driver of someone
// else's may return.
func refused(err error) bool {
	return errors.Is(err, sdk.ErrConnRefused) || errors.Is(err, syscall.ECONNREFUSED)
}

// giveUp ends a connect that RECONNECT_STOP says not to retry. libzmq's
// connecter closes its socket and ends the session: the monitor sees
// CLOSED and no CONNECT_RETRIED, and the session's pipe goes (run's
// deferred removePipe), with whatever was queued for it.
func (ss *session) giveUp() {
	ss.s.log.Debug("connect stopped (RECONNECT_STOP)", "endpoint", ss.endpoint)
	ss.s.event(Event{Type: EventClosed, Endpoint: ss.endpoint})
}

// lingerDone reports whether a closing socket's session may stop trying:
// its pipe has nothing left to send.
func (s *Socket) lingerDone(p *pipe) bool {
	select {
	case <-s.closing:
		return p == nil || p.out.empty()
	default:
		return false
	}
}

// runConn runs one connection from handshake to end. p is the session's
// pipe when it outlives connections; otherwise the connection gets its
// own. routingID, when set, is the id a ROUTER or STREAM gives the peer
// (CONNECT_ROUTING_ID). It reports whether the handshake succeeded.
func (s *Socket) runConn(conn net.Conn, endpoint string, p *pipe, routingID []byte) bool {
	if !s.trackConn(conn) {
		conn.Close()
		return false
	}
	defer s.untrackConn(conn)
	if s.typ == STREAM {
		s.runRaw(conn, endpoint, routingID)
		return true
	}
	o := s.options()
	e := newEngine(s, conn, endpoint, o.maxMsgSize)
	peer, err := e.handshake(o)
	if err != nil {
		conn.Close()
		s.handshakeFailed(endpoint, conn, err)
		return false
	}
	s.event(Event{Type: EventHandshakeSucceeded, Endpoint: endpoint, Peer: remote(conn)})
	if p == nil {
		p = newPipe(s, endpoint)
		p.info.Store(newPeerInfo(conn, peer))
		s.identify(p, peer, routingID)
		if !s.addPipe(p) {
			conn.Close()
			return true
		}
		defer s.removePipe(p)
	} else {
		p.info.Store(newPeerInfo(conn, peer))
		s.identify(p, peer, routingID)
	}
	first := s.greetings(p)
	if h, ok := s.pat.(connectHook); ok {
		defer h.disconnected(p)
	}
	s.notifyRouter(p, NotifyConnect)
	defer s.notifyRouter(p, NotifyDisconnect)
	err = e.run(p, o, first)
	s.connectionEnded(endpoint, conn, err)
	return true
}

// identify names the peer for a ROUTER: by the id the socket chose for it
// (routingID, from CONNECT_ROUTING_ID) or else by the one it announced.
func (s *Socket) identify(p *pipe, peer *zmtp.Peer, routingID []byte) {
	if id, ok := s.pat.(identifier); ok {
		if routingID == nil {
			routingID = peer.Identity
		}
		id.identify(p, routingID)
	}
}

func newPeerInfo(conn net.Conn, peer *zmtp.Peer) *peerInfo {
	return &peerInfo{address: remoteIP(conn), userID: peer.UserID, metadata: peer.Metadata}
}

// handshakeFailed reports a failed handshake as libzmq's monitor does, and
// in the log, since it is a peer misbehaving or misconfigured.
func (s *Socket) handshakeFailed(endpoint string, conn net.Conn, err error) {
	t := EventHandshakeFailedNoDetail
	switch {
	case errors.Is(err, zmtp.ErrAuth):
		t = EventHandshakeFailedAuth
	case errors.Is(err, zmtp.ErrProtocol), errors.Is(err, zmtp.ErrTooLarge):
		t = EventHandshakeFailedProtocol
	}
	if !s.isClosed() {
		s.log.Warn("handshake failed", "endpoint", endpoint, "peer", remote(conn), "error", err)
	}
	s.event(Event{Type: t, Endpoint: endpoint, Peer: remote(conn), Err: err})
}

// connectionEnded reports the end of a connection; a peer that broke the
// protocol is logged, since that is worth an operator's attention.
func (s *Socket) connectionEnded(endpoint string, conn net.Conn, err error) {
	if err != nil && (errors.Is(err, zmtp.ErrProtocol) || errors.Is(err, zmtp.ErrTooLarge) || errors.Is(err, errHeartbeat)) {
		s.log.Warn("connection dropped", "endpoint", endpoint, "peer", remote(conn), "error", err)
	} else if err == nil || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, errKicked) {
		err = nil
	}
	s.event(Event{Type: EventDisconnected, Endpoint: endpoint, Peer: remote(conn), Err: err})
}

func remote(c net.Conn) string {
	if a := c.RemoteAddr(); a != nil {
		return a.String()
	}
	return ""
}

// remoteIP is libzmq's Peer-Address: the IP alone for TCP, empty for
// transports without one.
func remoteIP(c net.Conn) string {
	switch a := c.RemoteAddr().(type) {
	case *net.TCPAddr:
		return a.IP.String()
	case nil:
		return ""
	default:
		return a.String()
	}
}

// transportOptions are the settings a driver's Listen or Dial gets: the
// transport options, and the socket's type, by which a transport that serves
// some patterns only refuses the others.
func (s *Socket) transportOptions(o *options) sdk.Options {
	t := o.transport
	t.SocketType = s.typ.String()
	return t
}
