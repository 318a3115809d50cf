// Package mechtest runs ZMTP handshakes between two mechanisms in memory,
// for the tests of the security mechanisms (plain, curve, zap): a net.Pipe
// with a send buffer on each end, both ends' Handshake at once, and what
// each end wrote, frame by frame.
package mechtest

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/sdk/zmtp"
)

// Timeout bounds a handshake in these tests: a side that waits longer for
// its peer has found a bug.
const Timeout = 10 * time.Second

// Conn is one end of an in-memory connection. Write queues (a kernel
// socket's send buffer, which net.Pipe lacks: both sides send their
// greeting before reading the peer's), and every byte written is kept for
// Written.
type Conn struct {
	net.Conn
	q       chan []byte
	closing chan struct{}
	done    chan struct{}
	once    sync.Once
	mu      sync.Mutex
	written bytes.Buffer
}

func newConn(c net.Conn) *Conn {
	q := &Conn{Conn: c, q: make(chan []byte, 256), closing: make(chan struct{}), done: make(chan struct{})}
	go q.send()
	return q
}

// send writes what is queued to the pipe until Close, then what is left.
func (c *Conn) send() {
	defer close(c.done)
	for {
		select {
		case b := <-c.q:
			if _, err := c.Conn.Write(b); err != nil {
				return
			}
		case <-c.closing:
			for {
				select {
				case b := <-c.q:
					if _, err := c.Conn.Write(b); err != nil {
						return
					}
				default:
					return
				}
			}
		}
	}
}

// Write queues p for the peer and records it.
func (c *Conn) Write(p []byte) (int, error) {
	select {
	case <-c.closing:
		return 0, io.ErrClosedPipe
	default:
	}
	c.mu.Lock()
	c.written.Write(p)
	c.mu.Unlock()
	select {
	case c.q <- bytes.Clone(p):
		return len(p), nil
	case <-c.closing:
		return 0, io.ErrClosedPipe
	}
}

// Written returns every byte written so far.
func (c *Conn) Written() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.written.Bytes())
}

// Close delivers what is queued, if the peer reads it within a second, and
// closes: the peer then reads io.EOF.
func (c *Conn) Close() error {
	c.once.Do(func() {
		close(c.closing)
		select {
		case <-c.done:
		case <-time.After(time.Second):
		}
		c.Conn.Close()
		<-c.done
	})
	return nil
}

// Pipe returns a connected pair bounded by Timeout and closed at the end of
// the test.
func Pipe(tb testing.TB) (a, b *Conn) {
	ca, cb := net.Pipe()
	deadline := time.Now().Add(Timeout)
	ca.SetDeadline(deadline)
	cb.SetDeadline(deadline)
	a, b = newConn(ca), newConn(cb)
	tb.Cleanup(func() {
		a.Close()
		b.Close()
	})
	return a, b
}

// End is one side of a handshake and its outcome.
type End struct {
	Conn *Conn
	Enc  *zmtp.Encoder
	Dec  *zmtp.Decoder
	Peer *zmtp.Peer
	Err  error
}

// NewEnd wraps one end of a Pipe in an encoder and a decoder.
func NewEnd(c *Conn) *End {
	return &End{Conn: c, Enc: zmtp.NewEncoder(c), Dec: zmtp.NewDecoder(c, 0)}
}

// Handshake runs zmtp.Handshake with cfgA and cfgB at the two ends of a
// Pipe at once. A side that fails closes its end, as the engine does, so
// that the other side is not left waiting.
func Handshake(tb testing.TB, cfgA, cfgB zmtp.Config) (a, b *End) {
	tb.Helper()
	ca, cb := Pipe(tb)
	a, b = NewEnd(ca), NewEnd(cb)
	var wg sync.WaitGroup
	wg.Add(2)
	run := func(e *End, cfg zmtp.Config) {
		defer wg.Done()
		e.Peer, e.Err = zmtp.Handshake(e.Enc, e.Dec, cfg)
		if e.Err != nil {
			e.Conn.Close()
		}
	}
	go run(a, cfgA)
	go run(b, cfgB)
	wg.Wait()
	return a, b
}

// Frame is one frame of a recorded stream.
type Frame struct {
	Flags byte
	Body  []byte
}

// Frames decodes what an end wrote after its greeting.
func Frames(tb testing.TB, written []byte) []Frame {
	tb.Helper()
	if len(written) < zmtp.GreetingSize {
		tb.Fatalf("mechtest: %d bytes written, less than a greeting", len(written))
	}
	d := zmtp.NewDecoder(bytes.NewReader(written[zmtp.GreetingSize:]), 0)
	var fs []Frame
	for {
		flags, body, err := d.Next()
		if errors.Is(err, io.EOF) {
			return fs
		}
		if err != nil {
			tb.Fatalf("mechtest: decoding what was written: %v", err)
		}
		fs = append(fs, Frame{flags, body})
	}
}

// command decodes a command frame, taking libzmq's PLAIN ERROR
// (zmtp.LibzmqPlainError) for the ERROR it is.
func command(f Frame) (zmtp.Command, bool) {
	if f.Flags&zmtp.FlagCommand == 0 {
		return zmtp.Command{}, false
	}
	if cmd, err := zmtp.ParseCommand(f.Body); err == nil {
		return cmd, true
	}
	if bytes.HasPrefix(f.Body, []byte(zmtp.LibzmqPlainError)) {
		return zmtp.Command{Name: zmtp.CmdError, Body: f.Body[len(zmtp.LibzmqPlainError):]}, true
	}
	return zmtp.Command{}, false
}

// Commands returns the names of the commands in frames, in order.
func Commands(frames []Frame) []string {
	var names []string
	for _, f := range frames {
		if cmd, ok := command(f); ok {
			names = append(names, cmd.Name)
		}
	}
	return names
}

// ErrorReason returns the reason of the first ERROR command in frames,
// in either form.
func ErrorReason(frames []Frame) (string, bool) {
	for _, f := range frames {
		cmd, ok := command(f)
		if !ok || cmd.Name != zmtp.CmdError {
			continue
		}
		reason, err := zmtp.ParseError(cmd.Body)
		return reason, err == nil
	}
	return "", false
}

// Script is a peer that plays recorded bytes and records what it is sent,
// for feeding a mechanism hostile input: Read serves the script, then
// io.EOF.
type Script struct {
	R    io.Reader
	Sent bytes.Buffer
}

func (s *Script) Read(p []byte) (int, error)  { return s.R.Read(p) }
func (s *Script) Write(p []byte) (int, error) { return s.Sent.Write(p) }

// Greeting is a peer's greeting for mechanism.
func Greeting(mechanism string, asServer bool) []byte {
	g := zmtp.Greeting{Major: zmtp.MajorVersion, Minor: zmtp.MinorVersion, Mechanism: mechanism, AsServer: asServer}.Marshal()
	return g[:]
}

// CommandFrame encodes one command frame.
func CommandFrame(name string, body []byte) []byte {
	var buf bytes.Buffer
	e := zmtp.NewEncoder(&buf)
	e.Command(name, body)
	e.Flush()
	return buf.Bytes()
}

// Fixed is a deterministic random source: it serves its bytes in order,
// then fails.
func Fixed(parts ...[]byte) io.Reader {
	var all []byte
	for _, p := range parts {
		all = append(all, p...)
	}
	return &fixed{all}
}

type fixed struct{ b []byte }

func (f *fixed) Read(p []byte) (int, error) {
	if len(f.b) == 0 {
		return 0, errors.New("mechtest: fixed random source exhausted")
	}
	n := copy(p, f.b)
	f.b = f.b[n:]
	return n, nil
}

// Result is the outcome of a scripted handshake.
type Result struct {
	Peer *zmtp.Peer
	Err  error
	Sent []Frame // what the mechanism sent
}

// Scripted runs one mechanism, as a PAIR, against a peer whose greeting
// names mechanism (as server or not) and that then plays script.
func Scripted(tb testing.TB, m zmtp.Mechanism, mechanism string, peerAsServer bool, script ...[]byte) Result {
	tb.Helper()
	conn := &Script{R: bytes.NewReader(bytes.Join(append([][]byte{Greeting(mechanism, peerAsServer)}, script...), nil))}
	peer, err := zmtp.Handshake(zmtp.NewEncoder(conn), zmtp.NewDecoder(conn, 0), zmtp.Config{Mechanism: m, SocketType: "PAIR"})
	return Result{peer, err, Frames(tb, conn.Sent.Bytes())}
}
