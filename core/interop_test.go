package core

// The interop suite: every pattern against Debian's libzmq 4.3.4 (through
// cmd/zmqpeer and pyzmq) and against go-zeromq/zmq4 (through cmd/zmq4peer),
// over tcp and ipc, with zeroplug on either end and either end binding.
//
// A case is one pairing, named after what runs where, as in
//
//	TestInteropLibzmq/tcp/PUSH(zeroplug,bind)->PULL(libzmq,connect)
//
// The left end is the one that speaks first (PUSH, REQ, DEALER, PUB, the
// PAIR that starts). Every receive has a timeout (interopTimeout, on the zeroplug
// sockets and in the peers), every peer is killed and every socket closed
// when its case ends, and a suite fails if a goroutine of zeroplug outlives
// it. No sleep stands in for a synchronisation: a subscriber is known to be
// there when a message it matches gets through (sendUntilReceived) or when
// the XPUB has its subscription; the heartbeat cases sleep only where idle
// time is what they test.

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/zeroplug/zeroplug/internal/peertest"
)

// interopTimeout bounds every receive, every send that may block and every
// wait for a peer's output. Nothing healthy comes near it, even on a
// machine loaded enough to slow a Python start to seconds.
const interopTimeout = 20 * time.Second

// Heartbeats are on throughout the libzmq suite, on both ends: a PING every
// 100 ms each way, with a TTL and a timeout loose enough for a loaded
// machine. A sender's PING waits behind the data its peer has not read yet
// (a peer reads no more while its queue is at the high-water mark), so the
// timeout must outlast a slow peer's backlog. The heartbeat tests
// (interop_heartbeat_test.go) tighten them.
const (
	interopHeartbeatIvl     = 100 * time.Millisecond
	interopHeartbeatTimeout = 5 * time.Second
	interopHeartbeatTTL     = 5 * time.Second
)

// TestInteropLibzmq runs every pattern against Debian's libzmq 4.3.4, with
// heartbeats on at both ends.
func TestInteropLibzmq(t *testing.T) {
	interopSuite{
		peer: libzmqImpl,
		opts: []Option{
			HeartbeatInterval(interopHeartbeatIvl),
			HeartbeatTimeout(interopHeartbeatTimeout),
			HeartbeatTTL(interopHeartbeatTTL),
		},
		peerEnv: []string{
			"ZMQPEER_HEARTBEAT_IVL=" + interopMillis(interopHeartbeatIvl),
			"ZMQPEER_HEARTBEAT_TIMEOUT=" + interopMillis(interopHeartbeatTimeout),
			"ZMQPEER_HEARTBEAT_TTL=" + interopMillis(interopHeartbeatTTL),
		},
	}.run(t, libzmqCases())
}

// libzmqCases are the pairings with libzmq, each with zeroplug binding
// and with zeroplug connecting. zmqpeer serves where its line modes fit
// (echo, a PUB sending lines, a SUB printing them); pyzmq where a case
// needs binary frames of 1 MiB, routing ids, or to answer what it receives.
func libzmqCases() []interopCase {
	return slices.Concat(
		// Empty frames in every position and 1 MiB, byte for byte.
		bindEither(PUSH, PULL, leftEnd, pushToPython),
		bindEither(PUSH, PULL, rightEnd, pushFromPython),
		interopVariant("burst", bindEither(PUSH, PULL, leftEnd, pushBurstToPython)),
		interopVariant("burst", bindEither(PUSH, PULL, rightEnd, pushBurstFromPython)),

		// zmqpeer's REP echoes; pyzmq's REQ asks a zeroplug REP.
		bindEither(REQ, REP, leftEnd, echoPeer(REQ, "REP")),
		bindEither(REQ, REP, rightEnd, reqFromPython),

		// [id, "", body...] at the ROUTER, replies routed by ZMQ_ROUTING_ID.
		bindEither(REQ, ROUTER, leftEnd, reqToPythonRouter),
		bindEither(REQ, ROUTER, rightEnd, reqFromPythonToRouter),
		bindEither(DEALER, ROUTER, leftEnd, dealerToPythonRouter),
		bindEither(DEALER, ROUTER, rightEnd, dealerFromPythonToRouter),

		// Two prefixes; an XSUB, which does not filter, counts what the PUB sends.
		bindEither(PUB, SUB, leftEnd, pubToPythonSub),
		bindEither(PUB, XSUB, leftEnd, pubToPythonXSub),
		bindEither(PUB, SUB, rightEnd, pubFromPeer),
		interopVariant("peer-restarted", bindEither(PUB, SUB, rightEnd, pubFromPeerRestarted)),

		// Subscriptions and unsubscriptions as an XPUB receives them.
		bindEither(XPUB, SUB, leftEnd, xpubToPeerSub),
		bindEither(XPUB, SUB, rightEnd, xpubFromPythonToSub),
		bindEither(XPUB, XSUB, leftEnd, xpubToPythonXSub),
		bindEither(XPUB, XSUB, rightEnd, xpubFromPythonToXSub),
		interopVariant("unfiltered", bindEither(XPUB, XSUB, rightEnd, xpubManualToXSub)),

		// zmqpeer's PAIR echoes; pyzmq's PAIR speaks first to a zeroplug one.
		bindEither(PAIR, PAIR, leftEnd, echoPeer(PAIR, "PAIR")),
		bindEither(PAIR, PAIR, rightEnd, pairFromPython),
	)
}

// impl is an implementation on one end of a case.
type interopImpl string

const (
	zeroplugImpl interopImpl = "zeroplug"
	libzmqImpl   interopImpl = "libzmq"
	zmq4Impl     interopImpl = "zmq4"
)

// end is one end of a case: the left speaks first.
type interopEnd int

const (
	leftEnd interopEnd = iota
	rightEnd
)

// interopCase is one pairing of socket types.
type interopCase struct {
	left, right Type
	zeroplug    interopEnd // the end that is zeroplug; the other is the peer
	binder      interopEnd // the end that binds; the other connects
	variant     string     // a second check of the same pairing, named after the pairing
	run         func(t *testing.T, e *interopEnv)
}

func (c interopCase) name(peer interopImpl) string {
	role := func(side interopEnd) string {
		who, how := peer, "connect"
		if side == c.zeroplug {
			who = zeroplugImpl
		}
		if side == c.binder {
			how = "bind"
		}
		return fmt.Sprintf("(%s,%s)", who, how)
	}
	name := c.left.String() + role(leftEnd) + "->" + c.right.String() + role(rightEnd)
	if c.variant != "" {
		name += "/" + c.variant
	}
	return name
}

// bindEither is a pairing twice: once with the left end binding, once with
// the right.
func bindEither(left, right Type, zeroplug interopEnd, run func(*testing.T, *interopEnv)) []interopCase {
	return []interopCase{
		{left: left, right: right, zeroplug: zeroplug, binder: leftEnd, run: run},
		{left: left, right: right, zeroplug: zeroplug, binder: rightEnd, run: run},
	}
}

// variant names cases as a second check of their pairing.
func interopVariant(name string, cases []interopCase) []interopCase {
	for i := range cases {
		cases[i].variant = name
	}
	return cases
}

// interopSuite says how a suite's cases run.
type interopSuite struct {
	peer    interopImpl
	opts    []Option // on every zeroplug socket
	peerEnv []string // in every peer's environment
}

// run runs every case over tcp and ipc, in parallel, and checks that no
// goroutine of zeroplug is left at the end.
func (s interopSuite) run(t *testing.T, cases []interopCase) {
	checkInteropLeaks(t)
	for _, transport := range []string{"tcp", "ipc"} {
		t.Run(transport, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name(s.peer), func(t *testing.T) {
					t.Parallel()
					c.run(t, newInteropEnv(t, s, transport, c.binder == c.zeroplug))
				})
			}
		})
	}
}

// interopEnv is what a case runs with: the transport, which end binds, a
// context for the zeroplug sockets and the way to start the peers.
type interopEnv struct {
	t         *testing.T
	suite     interopSuite
	transport string // "tcp" or "ipc"
	zpBinds   bool
	ctx       *Context
}

func newInteropEnv(t *testing.T, s interopSuite, transport string, zpBinds bool) *interopEnv {
	log := &interopLogWriter{t: t}
	t.Cleanup(log.stop) // registered first: runs after the sockets have closed
	ctx := NewContext(WithLogger(hclog.New(&hclog.LoggerOptions{
		Name: "zeroplug", Level: hclog.Warn, Output: log,
	})))
	t.Cleanup(func() { ctx.Close() })
	return &interopEnv{t: t, suite: s, transport: transport, zpBinds: zpBinds, ctx: ctx}
}

// interopLogWriter sends zeroplug's log lines to the test's log, until stop.
type interopLogWriter struct {
	t       *testing.T
	mu      sync.Mutex
	stopped bool
}

func (w *interopLogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.stopped {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (w *interopLogWriter) stop() {
	w.mu.Lock()
	w.stopped = true
	w.mu.Unlock()
}

// socket opens a zeroplug socket with timeouts on every call, the suite's
// options and opts; it closes when the case ends.
func (e *interopEnv) socket(typ Type, opts ...Option) *Socket {
	e.t.Helper()
	all := []Option{RecvTimeout(interopTimeout), SendTimeout(interopTimeout), Linger(time.Second)}
	all = append(append(all, e.suite.opts...), opts...)
	s, err := e.ctx.NewSocket(typ, all...)
	if err != nil {
		e.t.Fatalf("NewSocket(%v): %v", typ, err)
	}
	e.t.Cleanup(func() { s.Close() })
	return s
}

// peerMode is how the peer joins: "bind" or "connect".
func (e *interopEnv) peerMode() string {
	if e.zpBinds {
		return "connect"
	}
	return "bind"
}

// link binds or connects s and starts the peer with start, the binding end
// first. start gets the endpoint the peer is to bind or connect and returns
// the one it can be reached at (a peer that bound tcp://127.0.0.1:* knows
// its port).
func (e *interopEnv) link(s *Socket, start func(endpoint string) string) {
	t := e.t
	t.Helper()
	if e.zpBinds {
		ep := "tcp://127.0.0.1:*"
		if e.transport == "ipc" {
			ep = peertest.IPCEndpoint(t)
		}
		if err := s.Bind(ep); err != nil {
			t.Fatalf("%v Bind(%s): %v", s.Type(), ep, err)
		}
		start(s.LastEndpoint())
		return
	}
	ep := peertest.IPCEndpoint(t)
	if e.transport == "tcp" {
		ep = peertest.FreeTCPEndpoint(t)
	}
	ep = start(ep)
	if err := s.Connect(ep); err != nil {
		t.Fatalf("%v Connect(%s): %v", s.Type(), ep, err)
	}
}

// refBinary is the suite's peer program, with zmqpeer's command line:
// zmqpeer (libzmq) or zmq4peer (go-zeromq/zmq4).
func (e *interopEnv) refBinary() string {
	if e.suite.peer == zmq4Impl {
		return peertest.Zmq4peer(e.t)
	}
	return peertest.Zmqpeer(e.t)
}

// linkRef links s to the suite's peer program running
// `CMD TYPE bind|connect ENDPOINT extra...` with env added to the suite's.
func (e *interopEnv) linkRef(s *Socket, env []string, cmd, typ string, extra ...string) *peertest.Proc {
	e.t.Helper()
	var p *peertest.Proc
	e.link(s, func(ep string) string {
		args := append([]string{cmd, typ, e.peerMode(), ep}, extra...)
		p = peertest.StartEnv(e.t, append(slices.Clone(e.suite.peerEnv), env...), e.refBinary(), args...)
		return ep
	})
	return p
}

// pyPeerScript is a libzmq socket in pyzmq, driven line by line from stdin:
//
//	python3 -c SCRIPT TYPE bind|connect ENDPOINT
//
// prints "ready LAST_ENDPOINT", then answers each command with one line:
//
//	send HEX|HEX|...    sends a message of those frames      -> ok
//	recv                receives a message                   -> msg HEX|HEX|...
//	subscribe HEX       ZMQ_SUBSCRIBE (SUB, or XPUB_MANUAL)  -> ok
//	unsubscribe HEX     ZMQ_UNSUBSCRIBE                      -> ok
//	events              monitor events since the last call   -> events N,N,...
//	stop                answers, then stops itself (SIGSTOP) -> ok
//	burst N             sends burstMessage(0..N-1)           -> ok
//	check N             receives N messages, checks each is  -> ok
//	                    burstMessage(i)                         or error: ...
//
// or "timeout" when a receive or send takes longer than 15 s, or "error
// ...". The environment sets options: ZMQPEER_HEARTBEAT_IVL,
// ZMQPEER_HEARTBEAT_TIMEOUT, ZMQPEER_HEARTBEAT_TTL (ms), ZMQPEER_ROUTING_ID,
// ZMQPEER_XPUB_MANUAL=1, ZMQPEER_MONITOR=1 (for events).
//
// Between commands the script keeps asking the socket for ZMQ_EVENTS, as an
// application in a poll loop would: libzmq attaches a connection accepted
// by a bound socket only when the application calls into it, so an idle
// bound SUB or XSUB would never send its subscriptions to a publisher that
// connects (libzmq issue #2267).
const pyPeerScript = `
import os, select, signal, sys, zmq
from zmq.utils.monitor import recv_monitor_message
typ, mode, ep = sys.argv[1:4]
env = os.environ.get
ctx = zmq.Context()
s = ctx.socket(getattr(zmq, typ))
s.linger = 1000
s.rcvtimeo = s.sndtimeo = 15000
for name in ("HEARTBEAT_IVL", "HEARTBEAT_TIMEOUT", "HEARTBEAT_TTL"):
    if env("ZMQPEER_" + name):
        s.setsockopt(getattr(zmq, name), int(env("ZMQPEER_" + name)))
if env("ZMQPEER_ROUTING_ID"):
    s.setsockopt(zmq.ROUTING_ID, env("ZMQPEER_ROUTING_ID").encode())
if env("ZMQPEER_XPUB_MANUAL"):
    s.setsockopt(zmq.XPUB_MANUAL, 1)
mon = s.get_monitor_socket() if env("ZMQPEER_MONITOR") else None
if mode == "bind":
    s.bind(ep)
else:
    s.connect(ep)
def say(*words):
    print(*words, flush=True)
pattern = bytes(range(256)) * 4
def burst(i):
    return [i.to_bytes(4, "big"), pattern[i % 256 : i % 256 + i % 700]]
say("ready", s.getsockopt(zmq.LAST_ENDPOINT).decode())
def lines():
    buf = b""
    while True:
        while b"\n" not in buf:
            if select.select([0], [], [], 0.01)[0]:
                more = os.read(0, 1 << 20)
                if not more:
                    return
                buf += more
            else:
                s.getsockopt(zmq.EVENTS)
        line, buf = buf.split(b"\n", 1)
        yield line.decode()
for line in lines():
    cmd, _, arg = line.partition(" ")
    try:
        if cmd == "send":
            s.send_multipart([bytes.fromhex(f) for f in arg.split("|")])
            say("ok")
        elif cmd == "recv":
            say("msg", "|".join(f.hex() for f in s.recv_multipart()))
        elif cmd == "subscribe":
            s.setsockopt(zmq.SUBSCRIBE, bytes.fromhex(arg))
            say("ok")
        elif cmd == "unsubscribe":
            s.setsockopt(zmq.UNSUBSCRIBE, bytes.fromhex(arg))
            say("ok")
        elif cmd == "events":
            seen = []
            while mon.poll(0):
                seen.append(str(int(recv_monitor_message(mon)["event"])))
            say("events", ",".join(seen))
        elif cmd == "stop":
            say("ok")
            os.kill(os.getpid(), signal.SIGSTOP)
        elif cmd == "burst":
            for i in range(int(arg)):
                s.send_multipart(burst(i))
            say("ok")
        elif cmd == "check":
            bad = None
            for i in range(int(arg)):
                got = s.recv_multipart()
                if bad is None and got != burst(i):
                    bad = "error: message %d: %d frames, sizes %s" % (i, len(got), [len(f) for f in got])
            say(bad or "ok")
        else:
            say("error: unknown command", cmd)
    except zmq.Again:
        say("timeout")
    except zmq.ZMQError as e:
        say("error:", e)
`

// pyPeer is a running pyPeerScript.
type pyPeer struct {
	t        *testing.T
	p        *peertest.Proc
	endpoint string // its LAST_ENDPOINT
}

// linkPython links s to a pyzmq socket of type typ (a libzmq name), with
// env added to the suite's environment.
func (e *interopEnv) linkPython(s *Socket, typ string, env ...string) *pyPeer {
	e.t.Helper()
	var py *pyPeer
	e.link(s, func(ep string) string {
		if !e.zpBinds && e.transport == "tcp" {
			ep = "tcp://127.0.0.1:*" // pyzmq tells its port: no race for a free one
		}
		py = e.startPython(typ, e.peerMode(), ep, env...)
		return py.endpoint
	})
	return py
}

func (e *interopEnv) startPython(typ, mode, ep string, env ...string) *pyPeer {
	e.t.Helper()
	return startPyPeerScript(e.t, append(slices.Clone(e.suite.peerEnv), env...), pyPeerScript, typ, mode, ep)
}

// startPyPeerScript runs a pyzmq peer script with the arguments TYPE MODE
// ENDPOINT and waits for its "ready ENDPOINT" line.
func startPyPeerScript(t *testing.T, env []string, script, typ, mode, ep string) *pyPeer {
	t.Helper()
	p := peertest.StartEnv(t, env, peertest.Python(t), "-c", script, typ, mode, ep)
	line, err := p.Line(interopTimeout)
	if err != nil {
		t.Fatal(err)
	}
	bound, ok := strings.CutPrefix(line, "ready ")
	if !ok {
		t.Fatalf("pyzmq %s %s %s: %q, want ready", typ, mode, ep, line)
	}
	return &pyPeer{t: t, p: p, endpoint: bound}
}

// do sends a command and returns the answer.
func (py *pyPeer) do(cmd string) string {
	py.t.Helper()
	if err := py.p.Send(cmd); err != nil {
		py.t.Fatal(err)
	}
	line, err := py.p.Line(interopTimeout)
	if err != nil {
		py.t.Fatal(err)
	}
	return line
}

func (py *pyPeer) ok(cmd string) {
	py.t.Helper()
	if got := py.do(cmd); got != "ok" {
		what, _, _ := strings.Cut(cmd, " ")
		py.t.Fatalf("pyzmq %s: %q", what, got)
	}
}

func (py *pyPeer) send(frames ...[]byte) { py.t.Helper(); py.ok("send " + hexFrames(frames)) }
func (py *pyPeer) sendString(frames ...string) {
	py.t.Helper()
	py.send(framesOf(frames)...)
}
func (py *pyPeer) subscribe(topic string) {
	py.t.Helper()
	py.ok("subscribe " + hex.EncodeToString([]byte(topic)))
}

// recv receives a message on the libzmq socket.
func (py *pyPeer) recv() [][]byte {
	py.t.Helper()
	line := py.do("recv")
	msg, ok := strings.CutPrefix(line, "msg ")
	if !ok {
		py.t.Fatalf("pyzmq recv: %q", line)
	}
	frames, err := parseHexFrames(msg)
	if err != nil {
		py.t.Fatalf("pyzmq recv: %v", err)
	}
	return frames
}

// events returns the libzmq socket's monitor events since the last call
// (ZMQPEER_MONITOR=1): libzmq's values are zeroplug's.
func (py *pyPeer) events() []EventType {
	py.t.Helper()
	line := py.do("events")
	list, ok := strings.CutPrefix(line, "events ")
	if !ok {
		py.t.Fatalf("pyzmq events: %q", line)
	}
	var out []EventType
	for _, f := range strings.Split(list, ",") {
		if f == "" {
			continue
		}
		n, err := strconv.ParseUint(f, 10, 32)
		if err != nil {
			py.t.Fatalf("pyzmq events: %q", line)
		}
		out = append(out, EventType(n))
	}
	return out
}

func hexFrames(frames [][]byte) string {
	parts := make([]string, len(frames))
	for i, f := range frames {
		parts[i] = hex.EncodeToString(f)
	}
	return strings.Join(parts, "|")
}

func parseHexFrames(s string) ([][]byte, error) {
	var frames [][]byte
	for part := range strings.SplitSeq(s, "|") {
		f, err := hex.DecodeString(part)
		if err != nil {
			return nil, err
		}
		frames = append(frames, f)
	}
	return frames, nil
}

// Messages.

// framesOf makes a message of strings.
func framesOf(frames []string) [][]byte {
	out := make([][]byte, len(frames))
	for i, f := range frames {
		out[i] = []byte(f)
	}
	return out
}

// framesOfLine is a message as the peer programs write it on a line: '|'
// between frames.
func framesOfLine(line string) [][]byte { return framesOf(strings.Split(line, "|")) }

// mebibytePattern is 1 MiB of a pattern whose period, 251, is prime: a frame
// shifted, truncated or with a block repeated does not compare equal.
func mebibytePattern() []byte {
	b := make([]byte, 1<<20)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

// mebibyteLine is 1 MiB of text for the peer programs, which pass lines: letters
// with a period of 23.
func mebibyteLine() string {
	b := make([]byte, 1<<20)
	for i := range b {
		b[i] = 'a' + byte(i%23)
	}
	return string(b)
}

// burstMessage is message i of a burst: its number, and i%700 bytes of a
// pattern starting at i%256, so that sizes cross the 255-byte line between
// short and long frames, and frames cross the peers' read buffers at every
// offset. pyPeerScript makes the same.
func burstMessage(i int) [][]byte {
	pattern := make([]byte, 1024)
	for j := range pattern {
		pattern[j] = byte(j)
	}
	return [][]byte{binary.BigEndian.AppendUint32(nil, uint32(i)), pattern[i%256 : i%256+i%700]}
}

// burstSize is how many messages a burst has.
const burstSize = 10000

// interopMessages are what a case sends: empty frames in every position,
// and one frame of 1 MiB. It returns fresh slices on every call, so that
// the cases that hand them over (SendNoCopy) may.
func interopMessages() [][][]byte {
	return [][][]byte{
		framesOf([]string{"hello"}),
		framesOf([]string{"a", "", "c"}),
		framesOf([]string{"", "lead"}),
		framesOf([]string{"trail", ""}),
		framesOf([]string{""}),
		{[]byte("big"), mebibytePattern()},
	}
}

// interopLines are the same for the peer programs' send and recv modes:
// one message per line.
func interopLines() []string {
	return []string{"hello", "a||c", "|lead", "trail|", "", "big|" + mebibyteLine()}
}

func sameFrames(a, b [][]byte) bool {
	return slices.EqualFunc(a, b, func(x, y []byte) bool { return bytes.Equal(x, y) })
}

// quoteFrames prints a message, large frames shortened.
func quoteFrames(frames [][]byte) string {
	parts := make([]string, len(frames))
	for i, f := range frames {
		if len(f) > 40 {
			parts[i] = fmt.Sprintf("%q...(%d bytes)", f[:16], len(f))
		} else {
			parts[i] = strconv.Quote(string(f))
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// quoteLine prints a peer's line, shortened when long.
func quoteLine(s string) string {
	if len(s) > 60 {
		return fmt.Sprintf("%q...(%d bytes)", s[:40], len(s))
	}
	return strconv.Quote(s)
}

func expectFrames(t *testing.T, what string, got, want [][]byte) {
	t.Helper()
	if !sameFrames(got, want) {
		t.Errorf("%s %s, want %s", what, quoteFrames(got), quoteFrames(want))
	}
}

// zpSend and zpRecv are Send and Recv that fail the test on error.
func zpSend(t *testing.T, s *Socket, frames ...[]byte) {
	t.Helper()
	if err := s.Send(frames...); err != nil {
		t.Fatalf("zeroplug %v Send(%s): %v", s.Type(), quoteFrames(frames), err)
	}
}

func zpSendString(t *testing.T, s *Socket, frames ...string) {
	t.Helper()
	zpSend(t, s, framesOf(frames)...)
}

func zpRecv(t *testing.T, s *Socket) [][]byte {
	t.Helper()
	frames, err := s.Recv() // every socket of the suite has RecvTimeout(interopTimeout)
	if err != nil {
		t.Fatalf("zeroplug %v Recv: %v", s.Type(), err)
	}
	return frames
}

// sendUntilReceived is how the suite waits out the slow joiner: a
// subscription is known to be in place once a message it matches gets
// through. It calls send every 20 ms, from a goroutine, until received
// returns (received waits for the first message), then stops; whatever sync
// messages were still under way arrive later, and the caller skips them.
func sendUntilReceived(t *testing.T, send func() error, received func()) {
	t.Helper()
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			if err := send(); err != nil {
				done <- err
				return
			}
			select {
			case <-stop:
				done <- nil
				return
			case <-tick.C:
			}
		}
	}()
	defer func() { // also when received fails the test
		close(stop)
		if err := <-done; err != nil {
			t.Errorf("sending the sync message: %v", err)
		}
	}()
	received()
}

// checkInteropLeaks fails t when a goroutine started by zeroplug's packages
// (a socket's, or one of the suite's own) outlives it.
func checkInteropLeaks(t *testing.T) {
	before := zeroplugGoroutines()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for {
			var left []string
			for id, stack := range zeroplugGoroutines() {
				if _, ok := before[id]; !ok {
					left = append(left, stack)
				}
			}
			if len(left) == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("%d goroutines of zeroplug outlived the suite:\n%s", len(left), strings.Join(left, "\n\n"))
				return
			}
			time.Sleep(10 * time.Millisecond) // polling for exits, bounded by deadline
		}
	})
}

// zeroplugGoroutines returns the stacks of the goroutines created by
// zeroplug's code, by goroutine id.
func zeroplugGoroutines() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := make(map[string]string)
	for _, g := range strings.Split(string(buf), "\n\n") {
		if !strings.Contains(g, "\ncreated by github.com/zeroplug/zeroplug/") {
			continue
		}
		if f := strings.Fields(g); len(f) > 1 {
			out[f[1]] = g
		}
	}
	return out
}

// readLinesUntil reads the peer's lines up to and including last, leaving
// out every skip line (sync messages) unless skip is empty.
func readLinesUntil(t *testing.T, p *peertest.Proc, last, skip string) []string {
	t.Helper()
	var got []string
	deadline := time.Now().Add(interopTimeout)
	for {
		line, err := p.Line(time.Until(deadline))
		if err != nil {
			t.Fatalf("after %d lines: %v", len(got), err)
		}
		if skip != "" && line == skip {
			continue
		}
		got = append(got, line)
		if line == last {
			return got
		}
	}
}

func expectLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		show := func(l []string) string {
			s := make([]string, len(l))
			for i := range l {
				s[i] = quoteLine(l[i])
			}
			return "[" + strings.Join(s, " ") + "]"
		}
		t.Errorf("%s %s, want %s", what, show(got), show(want))
	}
}
