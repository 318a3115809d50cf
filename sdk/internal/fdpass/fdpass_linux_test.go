package fdpass

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// pair is a channel as a host and its plugin hold it.
func pair(t *testing.T) (*Receiver, *net.UnixConn) {
	t.Helper()
	host, childFile, err := Socketpair()
	if err != nil {
		t.Fatal(err)
	}
	child, err := FileConn(childFile)
	if err != nil {
		t.Fatal(err)
	}
	r := NewReceiver(host)
	t.Cleanup(func() { child.Close(); r.Close() })
	return r, child
}

// isOpen reports whether fd is an open descriptor.
func isOpen(fd int) bool {
	_, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	return err == nil
}

// connected is a fresh connected unix stream socket; the other end is closed
// with the test.
func connected(t *testing.T) int {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fds[1]) })
	return fds[0]
}

func TestSendReceive(t *testing.T) {
	r, child := pair(t)
	p := r.Expect(7)
	fd := connected(t)
	if err := Send(child, 7, fd); err != nil {
		t.Fatal(err)
	}
	unix.Close(fd)
	got, err := p.Wait(context.Background(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Conn(got)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}

// A descriptor for a token nobody waits for, or for a request given up, is
// closed; so is every descriptor of a malformed message.
func TestUnwantedDescriptorsAreClosed(t *testing.T) {
	r, child := pair(t)

	// No one expects token 1: the Receiver closes what arrives. The
	// descriptor number it had in this process is reused, so what is
	// checked is that the copy received here is closed: the peer of the
	// socket sees EOF once every copy of this end is closed.
	fds, _ := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	defer unix.Close(fds[1])
	Send(child, 1, fds[0])
	unix.Close(fds[0])
	waitEOF(t, fds[1])

	// Two descriptors in one message: both closed.
	a, _ := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	defer unix.Close(a[1])
	p := r.Expect(2)
	var b [TokenSize]byte
	binary.LittleEndian.PutUint64(b[:], 2)
	if _, _, err := child.WriteMsgUnix(b[:], unix.UnixRights(a[0], a[0]), nil); err != nil {
		t.Fatal(err)
	}
	unix.Close(a[0])
	waitEOF(t, a[1])
	if _, err := p.Wait(context.Background(), 50*time.Millisecond); err == nil {
		t.Error("a message with two descriptors was delivered")
	}

	// Cancelled after the descriptor arrived: Cancel closes it.
	c, _ := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	defer unix.Close(c[1])
	p = r.Expect(3)
	Send(child, 3, c[0])
	unix.Close(c[0])
	time.Sleep(20 * time.Millisecond)
	p.Cancel()
	waitEOF(t, c[1])
}

// waitEOF fails unless a read on fd sees the end of the stream soon.
func waitEOF(t *testing.T, fd int) {
	t.Helper()
	unix.SetNonblock(fd, true)
	deadline := time.Now().Add(2 * time.Second)
	for {
		n, err := unix.Read(fd, make([]byte, 1))
		if n == 0 && err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the descriptor was not closed: read %d, %v", n, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// When the plugin's end closes, waiters learn it at once.
func TestChannelEnd(t *testing.T) {
	r, child := pair(t)
	p := r.Expect(9)
	child.Close()
	if _, err := p.Wait(context.Background(), 2*time.Second); !errors.Is(err, ErrGone) {
		t.Errorf("Wait after the plugin's end closed = %v, want ErrGone", err)
	}
	<-r.Done()
	if _, err := r.Expect(10).Wait(context.Background(), time.Second); !errors.Is(err, ErrGone) {
		t.Errorf("Expect after the end = %v, want ErrGone", err)
	}
}

func TestChecks(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	pipeFd, _ := unix.Dup(int(pr.Fd()))
	pr.Close()
	udp, _ := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	ln, _ := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	unix.Bind(ln, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}})
	unix.Listen(ln, 1)
	ln2, _ := unix.Dup(ln)
	unconnected, _ := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	for _, tc := range []struct {
		name string
		fd   int
		wrap func(int) error
		says string
	}{
		{"pipe", pipeFd, func(fd int) error { _, err := Conn(fd); return err }, "not a socket"},
		{"datagram", udp, func(fd int) error { _, err := Conn(fd); return err }, "not SOCK_STREAM"},
		{"listening as a connection", ln, func(fd int) error { _, err := Conn(fd); return err }, "the socket is listening"},
		{"unconnected", unconnected, func(fd int) error { _, err := Conn(fd); return err }, "not connected"},
		{"connection as a listener", connected(t), func(fd int) error { _, err := NewListener(fd); return err }, "not listening"},
	} {
		err := tc.wrap(tc.fd)
		if !errors.Is(err, ErrRejected) || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: %v, want a rejection that says %q", tc.name, err, tc.says)
		}
		if isOpen(tc.fd) {
			t.Errorf("%s: the rejected descriptor is still open", tc.name)
		}
	}
	l, err := NewListener(ln2)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := l.Accept(); done <- err }()
	time.Sleep(20 * time.Millisecond)
	l.Close()
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close = %v, want net.ErrClosed", err)
	}
}
