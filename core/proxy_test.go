package core

import (
	"errors"
	"testing"
	"time"
)

// core.Proxy and core.ProxySteerable (libzmq's zmq_proxy and
// zmq_proxy_steerable).

// proxyRig is a PULL frontend and a PUSH backend with a client and a
// worker, all inproc.
type proxyRig struct {
	front, back, client, worker *Socket
}

func newProxyRig(t *testing.T, e *env, frontOpts ...Option) proxyRig {
	t.Helper()
	var r proxyRig
	r.front = e.bound(PULL, tr(t).endpoint(), frontOpts...)
	r.back = e.bound(PUSH, tr(t).endpoint())
	r.client = e.connected(PUSH, []string{r.front.LastEndpoint()})
	r.worker = e.connected(PULL, []string{r.back.LastEndpoint()})
	return r
}

func tr(t *testing.T) transport { return transport{name: "inproc", t: t} }

// proxyRun is a proxy running: done is closed when it returns err.
type proxyRun struct {
	done chan struct{}
	err  error
}

// startProxy runs ProxySteerable and, when the test ends, closes its
// sockets and waits for it.
func startProxy(t *testing.T, r proxyRig, capture, control *Socket) *proxyRun {
	run := &proxyRun{done: make(chan struct{})}
	go func() {
		defer close(run.done)
		run.err = ProxySteerable(r.front, r.back, capture, control)
	}()
	t.Cleanup(func() {
		r.front.Close()
		r.back.Close()
		select {
		case <-run.done:
		case <-time.After(patience):
			t.Error("the proxy did not return when its sockets closed")
		}
	})
	return run
}

// TestProxySteerable: PAUSE stops the flow (messages wait, none is lost),
// RESUME restarts it, STATISTICS answers with the eight counters and
// TERMINATE ends the proxy with nil; the control socket may be a PAIR, or
// a REP (which answers each command, as libzmq's does).
func TestProxySteerable(t *testing.T) {
	for _, ctl := range []struct {
		name          string
		proxy, client Type
	}{
		{"PAIR", PAIR, PAIR},
		{"REP", REP, REQ},
	} {
		t.Run(ctl.name, func(t *testing.T) {
			e := newEnv(t)
			r := newProxyRig(t, e)
			control := e.bound(ctl.proxy, tr(t).endpoint())
			steer := e.connected(ctl.client, []string{control.LastEndpoint()})
			run := startProxy(t, r, nil, control)
			command := func(cmd string) [][]byte {
				t.Helper()
				mustSend(t, steer, cmd)
				if cmd == "STATISTICS" {
					return mustRecv(t, steer)
				}
				if ctl.client == REQ {
					if got := mustRecvString(t, steer); !equalStrings(got, []string{""}) {
						t.Fatalf("REP control answered %s with %q, want an empty message", cmd, got)
					}
				}
				return nil
			}
			stats := func() ProxyStats {
				t.Helper()
				s, ok := ParseProxyStats(command("STATISTICS"))
				if !ok {
					t.Fatal("STATISTICS reply is not eight 8-byte counters")
				}
				return s
			}

			mustSend(t, r.client, "a")
			if got := mustRecvString(t, r.worker); got[0] != "a" {
				t.Fatalf("worker got %q", got)
			}
			command("PAUSE")
			stats() // the control has taken PAUSE in: a barrier
			mustSend(t, r.client, "bb")
			expectNothing(t, r.worker, 100*time.Millisecond)
			if s := stats(); s.BackendOut != 1 || s.BackendOutBytes != 1 {
				t.Fatalf("paused proxy sent on: %+v", s)
			}
			command("RESUME")
			if got := mustRecvString(t, r.worker); got[0] != "bb" {
				t.Fatalf("worker got %q after RESUME", got)
			}
			// The proxy counts a message sent once Send has returned,
			// which may be just after the worker has it.
			want := ProxyStats{FrontendIn: 2, FrontendInBytes: 3, BackendOut: 2, BackendOutBytes: 3}
			eventually(t, func() bool { return stats() == want }, "STATISTICS to reach ", want)
			command("NONSENSE") // ignored, as libzmq 4.3 does not crash either
			command("TERMINATE")
			select {
			case <-run.done:
				if run.err != nil {
					t.Fatalf("TERMINATE: proxy returned %v, want nil", run.err)
				}
			case <-time.After(patience):
				t.Fatal("TERMINATE did not end the proxy")
			}
		})
	}
}

// TestProxyIgnoresRecvTimeout: a proxy waits for traffic however long it
// takes; RCVTIMEO on its sockets does not end it (libzmq's proxy polls).
func TestProxyIgnoresRecvTimeout(t *testing.T) {
	e := newEnv(t)
	r := newProxyRig(t, e, RecvTimeout(10*time.Millisecond))
	r.back.SetOption(RecvTimeout(10 * time.Millisecond))
	control := e.bound(PAIR, tr(t).endpoint(), RecvTimeout(10*time.Millisecond))
	run := startProxy(t, r, nil, control)
	select {
	case <-run.done:
		t.Fatalf("proxy ended while idle: %v", run.err)
	case <-time.After(100 * time.Millisecond): // ten RCVTIMEOs
	}
	mustSend(t, r.client, "late")
	if got := mustRecvString(t, r.worker); got[0] != "late" {
		t.Fatalf("worker got %q", got)
	}
}

// TestProxyCapture: every message the proxy moves is copied to the
// capture socket.
func TestProxyCapture(t *testing.T) {
	e := newEnv(t)
	r := newProxyRig(t, e)
	capture := e.bound(PUSH, tr(t).endpoint())
	tap := e.connected(PULL, []string{capture.LastEndpoint()})
	startProxy(t, r, capture, nil)
	mustSend(t, r.client, "one", "two")
	if got := mustRecvString(t, r.worker); !equalStrings(got, []string{"one", "two"}) {
		t.Fatalf("worker got %q", got)
	}
	if got := mustRecvString(t, tap); !equalStrings(got, []string{"one", "two"}) {
		t.Fatalf("capture got %q", got)
	}
}

// TestProxyEndsWithItsSockets: Proxy returns ErrClosed when a socket it
// serves is closed.
func TestProxyEndsWithItsSockets(t *testing.T) {
	e := newEnv(t)
	r := newProxyRig(t, e)
	done := make(chan error, 1)
	go func() { done <- Proxy(r.front, r.back, nil) }()
	mustSend(t, r.client, "x")
	mustRecv(t, r.worker)
	r.back.Close()
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("Proxy returned %v, want ErrClosed", err)
		}
	case <-time.After(patience):
		t.Fatal("Proxy did not return")
	}
}

// TestProxyCaptureWaitsForPeer: libzmq's zmq_proxy sends to its capture
// socket with a blocking send, so a copy waits for the capture's first peer.
func TestProxyCaptureWaitsForPeer(t *testing.T) {
	ctx := NewContext()
	defer ctx.Close()
	sock := func(typ Type) *Socket {
		s, _ := ctx.NewSocket(typ, Linger(0), RecvTimeout(3*time.Second))
		return s
	}
	front, back, capture := sock(PULL), sock(PUSH), sock(PUSH)
	front.Bind("inproc://front")
	back.Bind("inproc://back")
	capture.Bind("inproc://capture")
	done := make(chan error, 1)
	go func() { done <- Proxy(front, back, capture) }()
	in, out := sock(PUSH), sock(PULL)
	in.Connect("inproc://front")
	out.Connect("inproc://back")
	in.SendString("hello")
	tap := sock(PULL)
	tap.Connect("inproc://capture") // the capture's first peer, after the message
	if f, err := tap.Recv(); err != nil || string(f[0]) != "hello" {
		t.Errorf("capture got %q, %v; want the copy of hello", f, err)
	}
	if f, err := out.Recv(); err != nil || string(f[0]) != "hello" {
		t.Errorf("backend got %q, %v", f, err)
	}
	for _, s := range []*Socket{in, out, tap, front, back, capture} {
		s.Close()
	}
	<-done
}
