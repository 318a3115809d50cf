package pgm

import (
	"errors"
	"io"
	"log"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"

	"github.com/zeroplug/zeroplug/sdk"
	"github.com/zeroplug/zeroplug/sdk/zmtp"
)

// handshakeTimeout bounds the ZMTP handshake with the core on the stream pair: the
// core answers at once, so only a core that died on the way takes it.
const handshakeTimeout = 10 * time.Second

// datagramsInFlight is how many datagrams the socket reader may hand the session
// loop ahead of it; beyond them it stops reading and the kernel's socket buffer
// (RCVBUF) holds or drops what comes, as for a libzmq receiver that stops polling.
const datagramsInFlight = 64

// tickGranularity is how soon the session loop runs the state machine's timers after
// a datagram that may have armed one (a NAK back-off of up to 50 ms, an SPMR after
// 25 ms): running them after every datagram would walk the receive window each time.
const tickGranularity = 2 * time.Millisecond

// datagram is one received datagram's PGM bytes, in a buffer of the reader's pool.
type datagram struct {
	buf  *[]byte
	pgm  []byte
	from netip.Addr
}

// engine is one bind or connect: the group's sockets, the core's stream, and the
// goroutines between them. done is closed when everything has ended.
type engine struct {
	cfg   config
	conn  *mcastConn
	local net.Conn // the plugin's end of the stream pair
	done  chan struct{}

	pool       sync.Pool
	sendErrors uint64 // by the session loop only
}

// startEngine opens the group's sockets and starts the session's goroutines; it
// returns the end of the stream pair that is handed to the core.
func startEngine(cfg config) (net.Conn, *engine, error) {
	conn, err := openConn(cfg.addr, cfg.raw, cfg.sockets)
	if err != nil {
		return nil, nil, err
	}
	remote, local, err := sdk.StreamPair()
	if err != nil {
		conn.close()
		return nil, nil, err
	}
	s := &engine{cfg: cfg, conn: conn, local: local, done: make(chan struct{})}
	bufSize := cfg.maxTPDU + 64 // a datagram larger than a TPDU is refused by the parser
	s.pool.New = func() any { b := make([]byte, bufSize); return &b }
	go func() {
		defer close(s.done)
		defer local.Close()
		defer conn.close()
		var err error
		if cfg.publisher {
			err = s.runPublisher()
		} else {
			err = s.runSubscriber()
		}
		switch {
		case err == nil:
		case coreGone(err):
			// The core closed its end (a socket closed, a process ended): the
			// session's ordinary end, seen from a read or a write.
			log.Printf("[DEBUG] %s: session ended: %v", cfg.ep, err)
		default:
			log.Printf("[WARN] %s: session ended: %v", cfg.ep, err)
		}
	}()
	return remote, s, nil
}

// coreGone reports whether err says the core's end of the stream is closed.
func coreGone(err error) bool {
	return errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}

// handshake runs ZMTP's handshake with the core as the peer of its socket type: a SUB
// for a PUB or XPUB, a PUB for a SUB or XSUB.
func (s *engine) handshake() (*zmtp.Encoder, *zmtp.Decoder, error) {
	peerType := "PUB"
	if s.cfg.publisher {
		peerType = "SUB"
	}
	enc, dec := zmtp.NewEncoder(s.local), zmtp.NewDecoder(s.local, 0)
	s.local.SetDeadline(time.Now().Add(handshakeTimeout))
	if _, err := zmtp.Handshake(enc, dec, zmtp.Config{SocketType: peerType}); err != nil {
		return nil, nil, err
	}
	s.local.SetDeadline(time.Time{})
	return enc, dec, nil
}

// readDatagrams reads the group's socket until it is closed, handing each datagram to
// out (blocking when the loop is behind), and closes out.
func (s *engine) readDatagrams(out chan<- datagram) {
	defer close(out)
	for {
		buf := s.pool.Get().(*[]byte)
		pgm, from, err := s.conn.read(*buf)
		if err != nil {
			s.pool.Put(buf)
			if !errors.Is(err, net.ErrClosed) {
				log.Printf("[WARN] %s: reading the group: %v", s.cfg.ep, err)
			}
			return
		}
		out <- datagram{buf: buf, pgm: pgm, from: from}
	}
}

func (s *engine) recycle(d datagram) { s.pool.Put(d.buf) }

// send is the state machines' Send: a send that fails (a full socket buffer, an
// unreachable NLA) is a lost packet, which PGM repairs or reports, as OpenPGM treats it.
func (s *engine) send(pkt []byte, to netip.Addr) {
	if err := s.conn.send(pkt, to); err != nil {
		s.sendErrors++
		if s.sendErrors == 1 || s.sendErrors%1000 == 0 {
			log.Printf("[WARN] %s: sending to %s: %v (%d send errors)", s.cfg.ep, to, err, s.sendErrors)
		}
	}
}

// timer is the session loop's one timer, armed for the earliest wake-up asked.
type timer struct {
	t  *time.Timer
	at time.Time
}

func newTimer() *timer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &timer{t: t}
}

// set arms the timer for at (zero: disarmed).
func (t *timer) set(at time.Time) {
	if at.Equal(t.at) {
		return
	}
	t.t.Stop()
	t.at = at
	if !at.IsZero() {
		t.t.Reset(time.Until(at))
	}
}

// fired is called when the timer's channel delivered.
func (t *timer) fired() { t.at = time.Time{} }

// earliest is the earlier of two times, a zero time meaning none.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}
