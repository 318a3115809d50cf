package core

// The Lazy Pirate of the ZeroMQ Guide (chapter 4, "Client-Side
// Reliability"): a REQ client that polls for each reply with a timeout and,
// when none comes, closes its socket, opens a new one and asks again, since
// a REQ that has lost its reply can never send again. The server is a REP
// that "crashes" on every third request it receives: it closes with the
// request unanswered and binds again at the same endpoint, as lpserver does
// when restarted. It runs as a zeroplug REP and as a pyzmq (libzmq) one.

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/internal/peertest"
)

const (
	pirateRequests   = 6 // with a crash every third request: at least two lost
	pirateCrashEvery = 3
	// pirateTimeout is how long the client waits for a reply before it
	// counts it lost: long enough that a healthy reply on a loaded machine
	// is not taken for a lost one three times running.
	pirateTimeout = time.Second
	pirateRetries = 3
)

// TestLazyPirate runs the client against a flaky zeroplug REP.
func TestLazyPirate(t *testing.T) {
	for _, transport := range []string{"tcp", "ipc"} {
		t.Run(transport, func(t *testing.T) {
			e := newEnv(t)
			ep := "tcp://127.0.0.1:*"
			if transport == "ipc" {
				ep = peertest.IPCEndpoint(t)
			}
			ctx, stop := context.WithCancel(context.Background())
			bound := make(chan string, 1)
			served := make(chan error, 1)
			go func() { served <- flakyREP(ctx, e.ctx, ep, bound) }()
			var endpoint string
			select {
			case endpoint = <-bound:
			case err := <-served:
				t.Fatalf("flaky REP: %v", err)
			}
			lost := lazyPirate(t, e.ctx, endpoint)
			stop()
			if err := <-served; !errors.Is(err, context.Canceled) {
				t.Fatalf("flaky REP: %v", err)
			}
			t.Logf("%d requests lost and sent again", lost)
		})
	}
}

// TestLazyPirateLibzmq runs the client against a flaky libzmq REP (pyzmq).
func TestLazyPirateLibzmq(t *testing.T) {
	for _, transport := range []string{"tcp", "ipc"} {
		t.Run(transport, func(t *testing.T) {
			e := newEnv(t)
			ep := "tcp://127.0.0.1:*"
			if transport == "ipc" {
				ep = peertest.IPCEndpoint(t)
			}
			py := peertest.Start(t, peertest.Python(t), "-c", flakyREPScript, ep, strconv.Itoa(pirateCrashEvery))
			line, err := py.Line(interopTimeout)
			if err != nil {
				t.Fatal(err)
			}
			endpoint, ok := strings.CutPrefix(line, "ready ")
			if !ok {
				t.Fatalf("pyzmq flaky REP: %q, want ready", line)
			}
			lost := lazyPirate(t, e.ctx, endpoint)
			t.Logf("%d requests lost and sent again", lost)
		})
	}
}

// lazyPirate is the Guide's lpclient: it sends pirateRequests numbered
// requests, each until its reply comes, up to pirateRetries times, and
// checks that every reply is its request's. It returns how many requests
// it had to send again; the server's crashes make that at least one.
func lazyPirate(t *testing.T, c *Context, endpoint string) (resent int) {
	t.Helper()
	open := func() *Socket {
		t.Helper()
		// LINGER 0, as in the Guide: the lost request must not hold Close.
		s, err := c.NewSocket(REQ, Linger(0), ReconnectInterval(fastReconnect))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Connect(endpoint); err != nil {
			s.Close()
			t.Fatal(err)
		}
		return s
	}
	client := open()
	defer func() { client.Close() }()
	for seq := 1; seq <= pirateRequests; seq++ {
		request := strconv.Itoa(seq)
		if err := client.SendString(request); err != nil {
			t.Fatalf("request %s: %v", request, err)
		}
		for retries := pirateRetries; ; {
			ev, err := client.Poll(PollIn, pirateTimeout)
			if err != nil {
				t.Fatalf("Poll: %v", err)
			}
			if ev&PollIn != 0 {
				reply, err := client.RecvString()
				if err != nil {
					t.Fatalf("reply to %s: %v", request, err)
				}
				if len(reply) != 1 || reply[0] != request {
					t.Fatalf("reply to %s: %q", request, reply)
				}
				break
			}
			if retries--; retries == 0 {
				t.Fatalf("request %s: no reply after %d tries, abandoning", request, pirateRetries)
			}
			resent++
			client.Close()
			client = open()
			if err := client.SendString(request); err != nil {
				t.Fatalf("request %s again: %v", request, err)
			}
		}
	}
	if resent == 0 {
		t.Fatalf("no request was sent again: the server never crashed")
	}
	return resent
}

// flakyREP echoes requests on a REP bound to ep, but on every
// pirateCrashEvery'th request it receives it closes with the request
// unanswered and binds again at the endpoint it had. It sends that
// endpoint on bound once, and runs until ctx is done.
func flakyREP(ctx context.Context, c *Context, ep string, bound chan<- string) error {
	open := func(ep string) (*Socket, error) {
		s, err := c.NewSocket(REP, Linger(0))
		if err != nil {
			return nil, err
		}
		if err := s.Bind(ep); err != nil {
			s.Close()
			return nil, err
		}
		return s, nil
	}
	rep, err := open(ep)
	if err != nil {
		return err
	}
	defer func() { rep.Close() }()
	ep = rep.LastEndpoint()
	bound <- ep
	for n := 1; ; n++ {
		request, err := rep.RecvContext(ctx)
		if err != nil {
			return err
		}
		if n%pirateCrashEvery == 0 {
			rep.Close()
			next, err := open(ep)
			if err != nil {
				return err // the deferred Close of the closed one is harmless
			}
			rep = next
			continue
		}
		if err := rep.SendContext(ctx, request...); err != nil {
			return err
		}
	}
}

// flakyREPScript is flakyREP in pyzmq:
//
//	python3 -c SCRIPT ENDPOINT CRASH_EVERY
//
// prints "ready LAST_ENDPOINT" and serves until it is killed.
const flakyREPScript = `
import sys, time, zmq
ep, every = sys.argv[1], int(sys.argv[2])
ctx = zmq.Context()
def open_rep(ep):
    s = ctx.socket(zmq.REP)
    s.linger = 0
    # libzmq closes a listener in its I/O thread, after close returns: the
    # port may be taken still for a moment.
    for tries in range(1000):
        try:
            s.bind(ep)
            return s
        except zmq.ZMQError as e:
            if e.errno != zmq.EADDRINUSE:
                raise
            time.sleep(0.01)
    s.bind(ep)
    return s
rep = open_rep(ep)
ep = rep.getsockopt(zmq.LAST_ENDPOINT).decode()
print("ready", ep, flush=True)
n = 0
while True:
    request = rep.recv_multipart()
    n += 1
    if n % every == 0:
        rep.close()
        rep = open_rep(ep)
        continue
    rep.send_multipart(request)
`
