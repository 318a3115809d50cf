package sdk

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// fakeSessions starts sessions on net.Pipe streams, each ending when the
// test says so.
type fakeSessions struct {
	started []chan struct{}
	fail    error
}

func (f *fakeSessions) start() (Session, error) {
	if f.fail != nil {
		return Session{}, f.fail
	}
	done := make(chan struct{})
	f.started = append(f.started, done)
	a, b := net.Pipe()
	go func() { <-done; b.Close() }()
	return Session{Conn: a, Done: done}, nil
}

func TestSessionListenerStartsTheNextWhenOneEnds(t *testing.T) {
	f := &fakeSessions{}
	l, err := SessionListener(Endpoint{Scheme: "mc", Address: "g"}, f.start)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if len(f.started) != 1 {
		t.Fatalf("SessionListener started %d sessions, want the first at once", len(f.started))
	}
	c1, err := l.Accept()
	if err != nil || c1 == nil {
		t.Fatalf("first Accept: %v, %v", c1, err)
	}
	next := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			t.Error(err)
		}
		next <- c
	}()
	select {
	case <-next:
		t.Fatal("a second session started while the first lasts")
	case <-time.After(50 * time.Millisecond):
	}
	close(f.started[0])
	select {
	case c2 := <-next:
		if c2 == nil || c2 == c1 || len(f.started) != 2 {
			t.Fatalf("after the first ended: %v, %d sessions", c2, len(f.started))
		}
		c2.Close()
	case <-time.After(5 * time.Second):
		t.Fatal("no second session after the first ended")
	}
	c1.Close()
	if got := l.Endpoint(); got.Scheme != "mc" || got.Address != "g" {
		t.Errorf("Endpoint() = %v", got)
	}
}

func TestSessionListenerCloseEndsAccept(t *testing.T) {
	f := &fakeSessions{}
	l, err := SessionListener(Endpoint{}, f.start)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := l.Accept()
	defer c.Close()
	errs := make(chan error, 1)
	go func() { _, err := l.Accept(); errs <- err }()
	l.Close()
	if err := <-errs; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after Close: %v, want net.ErrClosed", err)
	}
	close(f.started[0])
	if len(f.started) != 1 {
		t.Errorf("a closed listener started %d sessions", len(f.started))
	}
}

// The first session's error is Listen's; a stream never accepted is closed
// by Close, which ends its session.
func TestSessionListenerFirstErrorAndUnaccepted(t *testing.T) {
	boom := errors.New("no such interface")
	if _, err := SessionListener(Endpoint{}, (&fakeSessions{fail: boom}).start); !errors.Is(err, boom) {
		t.Fatalf("SessionListener: %v, want the first start's error", err)
	}
	f := &fakeSessions{}
	l, err := SessionListener(Endpoint{}, f.start)
	if err != nil {
		t.Fatal(err)
	}
	first := l.(*sessionListener).first
	l.Close()
	if _, err := first.Write([]byte("x")); !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("the unaccepted stream after Close: %v, want it closed", err)
	}
	close(f.started[0])
}
