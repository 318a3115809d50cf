package core

import (
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
