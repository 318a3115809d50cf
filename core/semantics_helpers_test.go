package core

// Helpers of the semantics suite (the RFC 28 to 31 rules, options, monitor
// events, hostile peers, endpoints, close and leaks): transports to run a
// test over, sockets that close with their test, receives that never hang,
// and waits that poll for a condition instead of sleeping.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/zeroplug/zeroplug/sdk/zmtp"
)

// patience bounds every wait of the suite: a receive, an event, a
// condition. Nothing healthy takes anywhere near as long.
const patience = 5 * time.Second

// fastReconnect is the suite's RECONNECT_IVL, so that a peer restarted or
// bound late is reached at once.
const fastReconnect = 10 * time.Millisecond

// transport gives fresh bind endpoints of one scheme.
type transport struct {
	name string
	t    *testing.T
}

var inprocSeq atomic.Uint64

// endpoint returns a new endpoint to bind: a unique inproc name, an
// ephemeral tcp port on the loopback, or a socket file in a fresh temporary
// directory. Peers connect to the binder's LastEndpoint.
func (tr transport) endpoint() string {
	switch tr.name {
	case "inproc":
		return fmt.Sprintf("inproc://semantics-%d", inprocSeq.Add(1))
	case "tcp":
		return "tcp://127.0.0.1:*"
	case "ipc":
		return "ipc://" + filepath.Join(tr.t.TempDir(), "s")
	}
	panic("unknown transport " + tr.name)
}

// stream reports whether the transport runs ZMTP over a byte stream.
func (tr transport) stream() bool { return tr.name != "inproc" }

// eachTransport runs f over inproc, tcp and ipc.
func eachTransport(t *testing.T, f func(t *testing.T, tr transport)) {
	t.Helper()
	for _, name := range []string{"inproc", "tcp", "ipc"} {
		t.Run(name, func(t *testing.T) { f(t, transport{name: name, t: t}) })
	}
}

// eachStreamTransport runs f over tcp and ipc: the transports where a raw
// connection can stand in for a peer.
func eachStreamTransport(t *testing.T, f func(t *testing.T, tr transport)) {
	t.Helper()
	for _, name := range []string{"tcp", "ipc"} {
		t.Run(name, func(t *testing.T) { f(t, transport{name: name, t: t}) })
	}
}

// env is one test's context: its sockets close when the test ends.
type env struct {
	t   *testing.T
	ctx *Context
}

func newEnv(t *testing.T) *env {
	t.Helper()
	c := NewContext(WithLogger(hclog.NewNullLogger()))
	t.Cleanup(func() { c.Close() })
	return &env{t: t, ctx: c}
}

// socket opens a socket that reconnects quickly and does not linger at
// close (a test that is about either sets its own); opts come after.
func (e *env) socket(typ Type, opts ...Option) *Socket {
	e.t.Helper()
	all := append([]Option{Linger(0), ReconnectInterval(fastReconnect)}, opts...)
	s, err := e.ctx.NewSocket(typ, all...)
	if err != nil {
		e.t.Fatalf("NewSocket(%v): %v", typ, err)
	}
	return s
}

// bound opens a socket bound to ep and returns it.
func (e *env) bound(typ Type, ep string, opts ...Option) *Socket {
	e.t.Helper()
	s := e.socket(typ, opts...)
	if err := s.Bind(ep); err != nil {
		e.t.Fatalf("%v Bind(%s): %v", typ, ep, err)
	}
	return s
}

// connected opens a socket connected to each endpoint.
func (e *env) connected(typ Type, eps []string, opts ...Option) *Socket {
	e.t.Helper()
	s := e.socket(typ, opts...)
	for _, ep := range eps {
		if err := s.Connect(ep); err != nil {
			e.t.Fatalf("%v Connect(%s): %v", typ, ep, err)
		}
	}
	return s
}

// recvWithin receives one message, giving up after d.
func recvWithin(s *Socket, d time.Duration) ([][]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return s.RecvContext(ctx)
}

// mustRecv receives one message or fails the test.
func mustRecv(t *testing.T, s *Socket) [][]byte {
	t.Helper()
	f, err := recvWithin(s, patience)
	if err != nil {
		t.Fatalf("%v Recv: %v", s.Type(), err)
	}
	return f
}

// mustRecvString receives one message and gives its frames as strings.
func mustRecvString(t *testing.T, s *Socket) []string {
	t.Helper()
	return strs(mustRecv(t, s))
}

// mustSend sends a message of string frames or fails the test.
func mustSend(t *testing.T, s *Socket, frames ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	b := make([][]byte, len(frames))
	for i, f := range frames {
		b[i] = []byte(f)
	}
	if err := s.SendContext(ctx, b...); err != nil {
		t.Fatalf("%v Send(%q): %v", s.Type(), frames, err)
	}
}

// expectNothing checks that no message is waiting, or comes within d.
func expectNothing(t *testing.T, s *Socket, d time.Duration) {
	t.Helper()
	if f, err := recvWithin(s, d); err == nil {
		t.Fatalf("%v received %q; want nothing", s.Type(), f)
	}
}

func strs(frames [][]byte) []string {
	out := make([]string, len(frames))
	for i, f := range frames {
		out[i] = string(f)
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// eventually polls cond until it holds, failing the test after patience.
// Use it instead of sleeping: a condition reached early ends the wait early.
func eventually(t *testing.T, cond func() bool, what ...any) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", fmt.Sprint(what...))
		}
		time.Sleep(time.Millisecond)
	}
}

// waitEvent reads events until one of type want comes, and returns it.
func waitEvent(t *testing.T, ch <-chan Event, want EventType) Event {
	t.Helper()
	timeout := time.After(patience)
	var seen []string
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				t.Fatalf("monitor closed waiting for %v; saw %q", want, seen)
			}
			if e.Type == want {
				return e
			}
			seen = append(seen, e.String())
		case <-timeout:
			t.Fatalf("no %v event; saw %q", want, seen)
		}
	}
}

// waitEvents reads events until it has seen each of want, in any order.
func waitEvents(t *testing.T, ch <-chan Event, want ...EventType) {
	t.Helper()
	missing := map[EventType]int{}
	for _, w := range want {
		missing[w]++
	}
	timeout := time.After(patience)
	var seen []string
	for len(missing) > 0 {
		select {
		case e, ok := <-ch:
			if !ok {
				t.Fatalf("monitor closed waiting for %v; saw %q", want, seen)
			}
			seen = append(seen, e.String())
			if missing[e.Type]--; missing[e.Type] <= 0 {
				delete(missing, e.Type)
			}
		case <-timeout:
			t.Fatalf("no %v events; saw %q", want, seen)
		}
	}
}

// numPipes is how many peers the socket's pattern has now (a connect that
// is not IMMEDIATE counts from Connect on; an accepted connection from its
// handshake).
func numPipes(s *Socket) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pipes)
}

// queuedIn is how many messages have reached the socket's pipes and not
// yet been credited back to their senders. Before the socket's first Recv
// that is exactly how many wait for Recv; afterwards it may count some
// already read (the queue credits them at its consumer's next pop). It
// uses only the queue's count, to stay out of its layout.
func queuedIn(s *Socket) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for p := range s.pipes {
		p.in.mu.Lock()
		n += p.in.count
		p.in.mu.Unlock()
	}
	return n
}

// readable reports whether a Recv would find a message waiting (a poll:
// it may be one the pattern then discards).
func readable(s *Socket) bool {
	p := NewPoller()
	p.Add(s, PollIn)
	got, _ := p.Wait(context.Background(), 0)
	return len(got) > 0
}

// rawDial opens a plain connection to a bound tcp or ipc endpoint, closed
// when the test ends.
func rawDial(t *testing.T, endpoint string) net.Conn {
	t.Helper()
	network, addr, ok := strings.Cut(endpoint, "://")
	if !ok {
		t.Fatalf("bad endpoint %q", endpoint)
	}
	if network == "ipc" {
		network = "unix"
	}
	c, err := net.DialTimeout(network, addr, patience)
	if err != nil {
		t.Fatalf("dial %s: %v", endpoint, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// rawPeer is a hand-driven ZMTP 3.1 peer on a plain connection.
type rawPeer struct {
	conn net.Conn
	enc  *zmtp.Encoder
	dec  *zmtp.Decoder
	peer *zmtp.Peer
}

// rawZMTP dials endpoint and completes a NULL handshake as socket type typ.
func rawZMTP(t *testing.T, endpoint, typ string) *rawPeer {
	t.Helper()
	c := rawDial(t, endpoint)
	r := &rawPeer{conn: c, enc: zmtp.NewEncoder(c), dec: zmtp.NewDecoder(c, 0)}
	c.SetDeadline(time.Now().Add(patience))
	p, err := zmtp.Handshake(r.enc, r.dec, zmtp.Config{SocketType: typ})
	if err != nil {
		t.Fatalf("raw %s handshake with %s: %v", typ, endpoint, err)
	}
	c.SetDeadline(time.Time{})
	r.peer = p
	return r
}

// send writes one message of string frames.
func (r *rawPeer) send(t *testing.T, frames ...string) {
	t.Helper()
	for i, f := range frames {
		var flags byte
		if i < len(frames)-1 {
			flags = zmtp.FlagMore
		}
		r.enc.Frame(flags, []byte(f))
	}
	if err := r.enc.Flush(); err != nil {
		t.Fatalf("raw send: %v", err)
	}
}

// next reads the next frame within patience.
func (r *rawPeer) next() (byte, []byte, error) {
	r.conn.SetReadDeadline(time.Now().Add(patience))
	defer r.conn.SetReadDeadline(time.Time{})
	return r.dec.Next()
}

// readUntilClosed reads from c until the other side closes it (EOF or a
// reset), and reports whether that happened within d.
func readUntilClosed(c net.Conn, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 4096)
	for {
		_, err := c.Read(buf)
		if err == nil {
			continue
		}
		var ne net.Error
		return !(errors.As(err, &ne) && ne.Timeout())
	}
}

// checkNoLeak records the number of goroutines and, when the test ends,
// waits a little for it to come back down; more left means a leak.
func checkNoLeak(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(2 * time.Second)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				n := runtime.Stack(buf, true)
				t.Errorf("%d goroutines left, %d before:\n%s", runtime.NumGoroutine(), before, buf[:n])
				return
			}
			time.Sleep(time.Millisecond)
		}
	})
}
