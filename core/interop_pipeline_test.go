package core

// Interop cases of PUSH/PULL and PAIR, and the echo case that the
// request-reply patterns share.

import (
	"strconv"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/internal/peertest"
)

// pushToPython: a zeroplug PUSH sends, a libzmq PULL (pyzmq) receives.
func pushToPython(t *testing.T, e *interopEnv) {
	push := e.socket(PUSH)
	py := e.linkPython(push, "PULL")
	for _, m := range interopMessages() {
		zpSend(t, push, m...)
	}
	for _, want := range interopMessages() {
		expectFrames(t, "libzmq PULL received", py.recv(), want)
	}
}

// pushFromPython: a libzmq PUSH (pyzmq) sends, a zeroplug PULL receives.
func pushFromPython(t *testing.T, e *interopEnv) {
	pull := e.socket(PULL)
	py := e.linkPython(pull, "PUSH")
	for _, m := range interopMessages() {
		py.send(m...)
	}
	for _, want := range interopMessages() {
		expectFrames(t, "zeroplug PULL received", zpRecv(t, pull), want)
	}
}

// pushBurstToPython: a zeroplug PUSH sends burstSize messages of every
// size up to 700 bytes; the libzmq PULL (pyzmq) checks each.
func pushBurstToPython(t *testing.T, e *interopEnv) {
	push := e.socket(PUSH)
	py := e.linkPython(push, "PULL")
	if err := py.p.Send("check " + strconv.Itoa(burstSize)); err != nil {
		t.Fatal(err)
	}
	for i := range burstSize {
		zpSend(t, push, burstMessage(i)...)
	}
	line, err := py.p.Line(interopTimeout)
	if err != nil {
		t.Fatal(err)
	}
	if line != "ok" {
		t.Errorf("libzmq PULL: %s", line)
	}
}

// pushBurstFromPython: a libzmq PUSH (pyzmq) sends burstSize messages of
// every size up to 700 bytes; the zeroplug PULL checks each.
func pushBurstFromPython(t *testing.T, e *interopEnv) {
	pull := e.socket(PULL)
	py := e.linkPython(pull, "PUSH")
	if err := py.p.Send("burst " + strconv.Itoa(burstSize)); err != nil {
		t.Fatal(err)
	}
	for i := range burstSize {
		got := zpRecv(t, pull)
		if want := burstMessage(i); !sameFrames(got, want) {
			t.Fatalf("zeroplug PULL: message %d is %s, want %s", i, quoteFrames(got), quoteFrames(want))
		}
	}
	if line, err := py.p.Line(interopTimeout); err != nil || line != "ok" {
		t.Errorf("libzmq PUSH: %q, %v", line, err)
	}
}

// echoPeer: a zeroplug socket of type zp sends every message of the suite
// to the peer program's `echo PEERTYPE` and gets it back unchanged. The
// echo is zmq_msg for zmq_msg, so this checks both directions byte for
// byte. messages defaults to interopMessages.
func echoPeer(zp Type, peerType string, opts ...Option) func(*testing.T, *interopEnv) {
	return echoPeerWith(zp, peerType, interopMessages, opts...)
}

func echoPeerWith(zp Type, peerType string, messages func() [][][]byte, opts ...Option) func(*testing.T, *interopEnv) {
	return func(t *testing.T, e *interopEnv) {
		s := e.socket(zp, opts...)
		e.linkRef(s, nil, "echo", peerType)
		want := messages()
		for i, m := range messages() {
			zpSend(t, s, m...)
			expectFrames(t, "zeroplug "+zp.String()+" got back", zpRecv(t, s), want[i])
		}
	}
}

// pairFromPython: a libzmq PAIR (pyzmq) speaks first; the zeroplug PAIR
// answers each message with the same frames and one more.
func pairFromPython(t *testing.T, e *interopEnv) {
	pair := e.socket(PAIR)
	py := e.linkPython(pair, "PAIR")
	want := interopMessages()
	for i, m := range interopMessages() {
		py.send(m...)
		got := zpRecv(t, pair)
		expectFrames(t, "zeroplug PAIR received", got, want[i])
		zpSend(t, pair, append(got, []byte("re"))...)
		expectFrames(t, "libzmq PAIR received", py.recv(), append(want[i], []byte("re")))
	}
}

// TestInteropLibzmqLingerDelivers: messages a zeroplug PUSH queued before
// Close, for a peer not there yet, reach a libzmq PULL (pyzmq) that binds
// only after the Close, and the socket's linger then ends.
func TestInteropLibzmqLingerDelivers(t *testing.T) {
	for _, transport := range []string{"tcp", "ipc"} {
		t.Run(transport, func(t *testing.T) {
			e := newInteropEnv(t, interopSuite{peer: libzmqImpl}, transport, false)
			ep := peertest.IPCEndpoint(t)
			if transport == "tcp" {
				ep = peertest.FreeTCPEndpoint(t)
			}
			push := e.socket(PUSH, Linger(-1), ReconnectInterval(10*time.Millisecond))
			if err := push.Connect(ep); err != nil {
				t.Fatal(err)
			}
			for _, m := range interopMessages() {
				zpSend(t, push, m...)
			}
			closeAtOnce(t, push)
			py := e.startPython("PULL", "bind", ep)
			for _, want := range interopMessages() {
				expectFrames(t, "libzmq PULL received", py.recv(), want)
			}
			select {
			case <-push.Done():
			case <-time.After(interopTimeout):
				t.Fatal("the linger did not end once libzmq had every message")
			}
		})
	}
}
