package peertest_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/internal/peertest"
)

// TestMain runs the tests, then fails if they left a goroutine behind (the zeroplug
// sockets of jspeer_test.go, the peers' readers and reapers).
func TestMain(m *testing.M) {
	before := runtime.NumGoroutine()
	code := peertest.Run(m)
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		fmt.Fprintf(os.Stderr, "%d goroutines left, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
		code = 1
	}
	os.Exit(code)
}

const timeout = 60 * time.Second

// result reads one result line of p and checks its fields: want holds exact values,
// positive names fields that must be numbers above zero.
func result(t *testing.T, p *peertest.Proc, want map[string]string, positive ...string) map[string]string {
	t.Helper()
	line, err := p.Line(timeout)
	if err != nil {
		t.Fatal(err)
	}
	r, err := peertest.ParseResult(line)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range want {
		if r[k] != v {
			t.Errorf("%s: %s=%q, want %q in %q", p, k, r[k], v, line)
		}
	}
	for _, k := range positive {
		if f, err := strconv.ParseFloat(r[k], 64); err != nil || !(f > 0) {
			t.Errorf("%s: %s=%q is not a positive number in %q", p, k, r[k], line)
		}
	}
	if err := p.Wait(timeout); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestZmqpeerLatencyTCP(t *testing.T) {
	t.Parallel()
	p := peertest.Start(t, peertest.Zmqpeer(t), "lat", peertest.FreeTCPEndpoint(t), "16", "100")
	result(t, p, map[string]string{"mode": "lat", "size": "16", "roundtrips": "100"}, "seconds", "one_way_us")
}

func TestZmqpeerThroughputIPC(t *testing.T) {
	t.Parallel()
	p := peertest.Start(t, peertest.Zmqpeer(t), "thr", peertest.IPCEndpoint(t), "16", "1000")
	result(t, p, map[string]string{"mode": "thr", "size": "16", "count": "1000"}, "seconds", "msgs_per_s", "mbit_per_s")
}

// sendRecv runs `sender send PUSH connect` into `receiver recv PULL bind` and checks that
// the lines come out as they went in.
func sendRecv(t *testing.T, sender, receiver, endpoint string, lines ...string) {
	t.Helper()
	recv := peertest.Start(t, receiver, "recv", "PULL", "bind", endpoint, strconv.Itoa(len(lines)))
	send := peertest.Start(t, sender, "send", "PUSH", "connect", endpoint)
	for _, line := range lines {
		if err := send.Send(line); err != nil {
			t.Fatal(err)
		}
	}
	if err := send.CloseStdin(); err != nil {
		t.Fatal(err)
	}
	got, err := recv.Lines(len(lines), timeout)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, lines) {
		t.Errorf("%s received %q, want %q", recv, got, lines)
	}
	for _, p := range []*peertest.Proc{send, recv} {
		if err := p.Wait(timeout); err != nil {
			t.Error(err)
		}
	}
}

func TestZmqpeerSendRecvTCP(t *testing.T) {
	t.Parallel()
	zmqpeer := peertest.Zmqpeer(t)
	sendRecv(t, zmqpeer, zmqpeer, peertest.FreeTCPEndpoint(t), "a|b")
}

// pushPull is a pyzmq PUSH -> PULL exchange in one process; it prints the parts received.
const pushPull = `
import sys, zmq
ctx = zmq.Context()
pull = ctx.socket(zmq.PULL)
pull.bind(sys.argv[1])
push = ctx.socket(zmq.PUSH)
push.connect(sys.argv[1])
push.send_multipart([b"hello", b"world"])
print(repr(pull.recv_multipart()), flush=True)
push.close(linger=0)
pull.close(linger=0)
ctx.term()
`

// pull receives one message with pyzmq and prints its parts.
const pull = `
import sys, zmq
ctx = zmq.Context()
pull = ctx.socket(zmq.PULL)
pull.bind(sys.argv[1])
print("bound", flush=True)
print(repr(pull.recv_multipart()), flush=True)
`

func TestPython(t *testing.T) {
	t.Parallel()
	python := peertest.Python(t)
	t.Run("push-pull", func(t *testing.T) {
		p := peertest.Start(t, python, "-c", pushPull, peertest.IPCEndpoint(t))
		if line, err := p.Line(timeout); err != nil || line != "[b'hello', b'world']" {
			t.Errorf("got %q, %v; want [b'hello', b'world']", line, err)
		}
		if err := p.Wait(timeout); err != nil {
			t.Error(err)
		}
	})
	// zmqpeer's send mode makes a two-part message of "a|b": the receiver prints parts.
	t.Run("zmqpeer-multipart", func(t *testing.T) {
		endpoint := peertest.FreeTCPEndpoint(t)
		py := peertest.Start(t, python, "-c", pull, endpoint)
		if line, err := py.Line(timeout); err != nil || line != "bound" {
			t.Fatalf("got %q, %v; want bound", line, err)
		}
		send := peertest.Start(t, peertest.Zmqpeer(t), "send", "PUSH", "connect", endpoint)
		if err := send.Send("a|b"); err != nil {
			t.Fatal(err)
		}
		send.CloseStdin()
		if line, err := py.Line(timeout); err != nil || line != "[b'a', b'b']" {
			t.Errorf("got %q, %v; want [b'a', b'b']", line, err)
		}
		for _, p := range []*peertest.Proc{send, py} {
			if err := p.Wait(timeout); err != nil {
				t.Error(err)
			}
		}
	})
}

func TestZmq4peerInterop(t *testing.T) {
	t.Parallel()
	zmqpeer, zmq4peer := peertest.Zmqpeer(t), peertest.Zmq4peer(t)
	t.Run("zmq4-push-connect-to-libzmq-pull", func(t *testing.T) {
		sendRecv(t, zmq4peer, zmqpeer, peertest.FreeTCPEndpoint(t), "hello", "a|b", "", "x|y|z")
	})
	t.Run("libzmq-push-connect-to-zmq4-pull", func(t *testing.T) {
		sendRecv(t, zmqpeer, zmq4peer, peertest.IPCEndpoint(t), "hello", "a|b")
	})
	t.Run("lat-libzmq-req-zmq4-rep", func(t *testing.T) {
		endpoint := peertest.FreeTCPEndpoint(t)
		rep := peertest.Start(t, zmq4peer, "lat-rep", endpoint, "32", "100")
		req := peertest.Start(t, zmqpeer, "lat-req", endpoint, "32", "100")
		result(t, req, map[string]string{"mode": "lat", "size": "32", "roundtrips": "100"}, "one_way_us")
		if err := rep.Wait(timeout); err != nil {
			t.Error(err)
		}
	})
}

func TestZmq4peerModes(t *testing.T) {
	t.Parallel()
	zmq4peer := peertest.Zmq4peer(t)
	t.Run("lat", func(t *testing.T) {
		p := peertest.Start(t, zmq4peer, "lat", peertest.FreeTCPEndpoint(t), "16", "100")
		result(t, p, map[string]string{"mode": "lat", "size": "16", "roundtrips": "100"}, "seconds", "one_way_us")
	})
	t.Run("thr", func(t *testing.T) {
		p := peertest.Start(t, zmq4peer, "thr", peertest.IPCEndpoint(t), "16", "1000")
		result(t, p, map[string]string{"mode": "thr", "size": "16", "count": "1000"}, "msgs_per_s")
	})
	t.Run("curve-refused", func(t *testing.T) {
		p := peertest.StartEnv(t, []string{"ZMQPEER_CURVE=1"}, zmq4peer, "thr", peertest.FreeTCPEndpoint(t), "16", "10")
		err := p.Wait(timeout)
		if err == nil || !strings.Contains(err.Error(), "exit status 2") || !strings.Contains(err.Error(), "CURVE") {
			t.Errorf("zmq4peer with ZMQPEER_CURVE: %v, want exit status 2 naming CURVE", err)
		}
	})
}

func TestProc(t *testing.T) {
	t.Parallel()
	t.Run("failure-quotes-stderr", func(t *testing.T) {
		p := peertest.Start(t, "/bin/sh", "-c", "echo out; echo oops >&2; exit 3")
		if line, err := p.Line(timeout); err != nil || line != "out" {
			t.Fatalf("got %q, %v; want out", line, err)
		}
		if _, err := p.Line(timeout); !errors.Is(err, io.EOF) || !strings.Contains(err.Error(), "oops") {
			t.Errorf("Line after the end: %v, want EOF quoting stderr", err)
		}
		if err := p.Wait(timeout); err == nil || !strings.Contains(err.Error(), "exit status 3") ||
			!strings.Contains(err.Error(), "oops") {
			t.Errorf("Wait: %v, want exit status 3 quoting stderr", err)
		}
	})
	t.Run("env-and-stdin", func(t *testing.T) {
		p := peertest.StartEnv(t, []string{"PEERTEST_X=x1"}, "/bin/sh", "-c", `echo "$PEERTEST_X"; cat`)
		p.Send("one")
		p.Send("two")
		p.CloseStdin()
		got, err := p.Lines(3, timeout)
		if err != nil || !reflect.DeepEqual(got, []string{"x1", "one", "two"}) {
			t.Errorf("got %q, %v", got, err)
		}
		if err := p.Wait(timeout); err != nil {
			t.Error(err)
		}
	})
	t.Run("timeouts-kill", func(t *testing.T) {
		p := peertest.Start(t, "/bin/sh", "-c", "sleep 60 & sleep 60")
		if _, err := p.Line(50 * time.Millisecond); err == nil {
			t.Error("Line returned without a line")
		}
		start := time.Now()
		if err := p.Wait(100 * time.Millisecond); err == nil || !strings.Contains(err.Error(), "killed") {
			t.Errorf("Wait: %v, want a timeout", err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("Wait took %v", d)
		}
	})
}

func TestEndpoints(t *testing.T) {
	t.Parallel()
	if ep := peertest.FreeTCPEndpoint(t); !strings.HasPrefix(ep, "tcp://127.0.0.1:") {
		t.Errorf("FreeTCPEndpoint = %q", ep)
	}
	a, b := peertest.IPCEndpoint(t), peertest.IPCEndpoint(t)
	if !strings.HasPrefix(a, "ipc:///") || a == b || len(a)-len("ipc://") > 107 {
		t.Errorf("IPCEndpoint = %q, %q", a, b)
	}
	if _, err := peertest.ParseResult("mode=thr oops"); err == nil {
		t.Error("ParseResult accepted a field without =")
	}
}
