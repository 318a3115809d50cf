package core

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestSmokePushPull(t *testing.T) {
	for _, ep := range []string{"tcp://127.0.0.1:*", "inproc://smoke", "ipc://@zeroplug-smoke"} {
		t.Run(ep, func(t *testing.T) {
			pull, err := NewSocket(PULL, RecvTimeout(5*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			defer pull.Close()
			if err := pull.Bind(ep); err != nil {
				t.Fatal(err)
			}
			push, _ := NewSocket(PUSH)
			defer push.Close()
			if err := push.Connect(pull.LastEndpoint()); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 100; i++ {
				if err := push.Send([]byte(fmt.Sprint(i)), []byte("x")); err != nil {
					t.Fatal(err)
				}
			}
			for i := 0; i < 100; i++ {
				f, err := pull.Recv()
				if err != nil {
					t.Fatal(err)
				}
				if string(f[0]) != fmt.Sprint(i) || len(f) != 2 {
					t.Fatalf("got %q", f)
				}
			}
		})
	}
}

func TestSmokeReqRep(t *testing.T) {
	rep, _ := NewSocket(REP, RecvTimeout(5*time.Second))
	defer rep.Close()
	rep.Bind("tcp://127.0.0.1:*")
	req, _ := NewSocket(REQ, RecvTimeout(5*time.Second))
	defer req.Close()
	req.Connect(rep.LastEndpoint())
	go func() {
		for {
			f, err := rep.Recv()
			if err != nil {
				return
			}
			rep.Send(append([]byte("re:"), f[0]...))
		}
	}()
	for i := 0; i < 10; i++ {
		if err := req.SendString("hi"); err != nil {
			t.Fatal(err)
		}
		f, err := req.Recv()
		if err != nil || string(f[0]) != "re:hi" {
			t.Fatal(f, err)
		}
	}
}

func TestSmokeInprocSubBinds(t *testing.T) {
	ctx := NewContext()
	defer ctx.Close()
	sub, _ := ctx.NewSocket(SUB, RecvTimeout(5*time.Second), Subscribe("a"))
	if err := sub.Bind("inproc://sub-binds"); err != nil {
		t.Fatal(err)
	}
	pub, _ := ctx.NewSocket(PUB)
	if err := pub.Connect("inproc://sub-binds"); err != nil {
		t.Fatal(err)
	}
	pub.SendString("b-skip")
	pub.SendString("a-keep")
	f, err := sub.Recv()
	if err != nil || string(f[0]) != "a-keep" {
		t.Fatalf("got %q, %v", f, err)
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

// TestGarbageSignatureDroppedAtOnce: ten bytes that are not a ZMTP
// signature end the connection at once (HANDSHAKE_FAILED_PROTOCOL), not
// after HANDSHAKE_IVL's 30 seconds, although the peer keeps it open.
func TestGarbageSignatureDroppedAtOnce(t *testing.T) {
	ctx := NewContext(quietLogger())
	defer ctx.Close()
	pull, _ := ctx.NewSocket(PULL)
	events := pull.Monitor(EventHandshakeFailedProtocol)
	pull.Bind("tcp://127.0.0.1:*")
	conn := rawDial(t, pull.LastEndpoint())
	defer conn.Close()
	conn.Write([]byte("GET / HTTP"))
	select {
	case <-events:
	case <-time.After(5 * time.Second):
		t.Fatal("a peer sending a bad signature was not dropped within 5 s")
	}
}

// TestPollerReturnsWhenSocketCloses: a Wait without a deadline returns
// ErrClosed when a socket it watches is closed.
func TestPollerReturnsWhenSocketCloses(t *testing.T) {
	ctx := NewContext()
	defer ctx.Close()
	pull, _ := ctx.NewSocket(PULL)
	p := NewPoller()
	p.Add(pull, PollIn)
	done := make(chan error, 1)
	go func() {
		_, err := p.Wait(t.Context(), -1)
		done <- err
	}()
	time.Sleep(20 * time.Millisecond) // let Wait block: it must return either way
	pull.Close()
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("Wait: %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Wait did not return after its socket closed")
	}
}
