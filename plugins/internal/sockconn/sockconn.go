// Package sockconn gives the transports of socket families that Go's net
// package does not know (AF_VSOCK, AF_TIPC) connections and listeners, over
// github.com/mdlayher/socket, which puts their descriptors in Go's poller.
// Both have a SyscallConn method, so that sdk.Serve hands their kernel
// socket to the core, which then does all I/O itself.
//
// Errors follow the net package's conventions, which the core and the
// conformance kit rely on: *net.OpError wrapping the errno, io.EOF at the end
// of a stream, net.ErrClosed after Close, os.ErrDeadlineExceeded past a
// deadline, and the context's error for a dial it ended.
package sockconn

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"sync/atomic"
	"syscall"

	"github.com/mdlayher/socket"
	"golang.org/x/sys/unix"
)

// Family is one socket family: its number, its network name and how its
// addresses print.
type Family struct {
	// Domain is the address family: unix.AF_VSOCK, unix.AF_TIPC.
	Domain int
	// Name is the network of its addresses and errors: "vsock", "tipc".
	Name string
	// Addr turns one of its socket addresses into a net.Addr.
	Addr func(unix.Sockaddr) net.Addr
	// ResetIsEOF makes a read that fails with ECONNRESET the end of the
	// stream, io.EOF. TIPC reports every close of the peer that way, after
	// the data: close(2) has no orderly form there, and shutdown(2) would
	// end the socket for the core too, which holds a copy of it.
	ResetIsEOF bool
}

// Setup configures a socket after it is made and before it connects or
// binds: socket options that must be in place by then.
type Setup func(*socket.Conn) error

// Dial connects a stream socket of the family to sa, under ctx, which bounds
// and can cancel the attempt.
func (f Family) Dial(ctx context.Context, sa unix.Sockaddr, setup Setup) (*Conn, error) {
	remote := f.addr(sa)
	if err := ctx.Err(); err != nil {
		return nil, &net.OpError{Op: "dial", Net: f.Name, Addr: remote, Err: err}
	}
	s, err := socket.Socket(f.Domain, unix.SOCK_STREAM, 0, f.Name, nil)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: f.Name, Addr: remote, Err: unwrap(err)}
	}
	if setup != nil {
		if err := setup(s); err != nil {
			s.Close()
			return nil, &net.OpError{Op: "dial", Net: f.Name, Addr: remote, Err: unwrap(err)}
		}
	}
	rsa, err := connect(ctx, s, sa)
	if err != nil {
		s.Close()
		if cerr := ctx.Err(); cerr != nil {
			err = cerr
		}
		return nil, &net.OpError{Op: "dial", Net: f.Name, Addr: remote, Err: unwrap(err)}
	}
	if rsa == nil {
		rsa = sa
	}
	return f.newConn(s, f.addr(rsa)), nil
}

// connect connects s to sa without blocking a thread: it starts the
// connect, waits until the socket is writable, and reads the outcome in
// SO_ERROR, as Go's net package does. It differs in one case: a connection
// that the peer accepted and closed before this end looked. Go (and
// mdlayher/socket) confirm a connection with getpeername, which a TIPC
// socket in that state refuses while reporting no error and no further
// event, so that the connect would wait for ever; here a socket that
// reports a hang-up is taken as connected, and its first read says the
// rest.
func connect(ctx context.Context, s *socket.Conn, sa unix.Sockaddr) (unix.Sockaddr, error) {
	started := false
	var peer unix.Sockaddr
	err := s.WriteFunc(ctx, "connect", func(fd int) error {
		if !started {
			started = true
			err := unix.Connect(fd, sa)
			if err == nil || err == unix.EISCONN {
				peer, _ = unix.Getpeername(fd)
				return nil
			}
			return err // EINPROGRESS: wait until writable
		}
		n, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
		if err != nil {
			return err
		}
		switch e := unix.Errno(n); e {
		case 0:
		case unix.EINPROGRESS, unix.EALREADY, unix.EINTR:
			return unix.EAGAIN
		default:
			return e
		}
		if p, err := unix.Getpeername(fd); err == nil {
			peer = p
			return nil
		}
		// Not connected by getpeername's account: a wake-up too early, or
		// a connection already closed by the peer.
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
		if n, err := unix.Poll(pfd, 0); err == nil && n > 0 && pfd[0].Revents&unix.POLLHUP != 0 {
			return nil
		}
		return unix.EAGAIN
	})
	return peer, err
}

// Listen makes a listening stream socket of the family, bound to sa unless
// sa is nil (a TIPC socket listens on its own port identity unbound).
func (f Family) Listen(sa unix.Sockaddr, backlog int, setup Setup) (*Listener, error) {
	s, err := socket.Socket(f.Domain, unix.SOCK_STREAM, 0, f.Name, nil)
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: f.Name, Addr: f.addr(sa), Err: unwrap(err)}
	}
	fail := func(err error) (*Listener, error) {
		s.Close()
		return nil, &net.OpError{Op: "listen", Net: f.Name, Addr: f.addr(sa), Err: unwrap(err)}
	}
	if setup != nil {
		if err := setup(s); err != nil {
			return fail(err)
		}
	}
	if sa != nil {
		if err := s.Bind(sa); err != nil {
			return fail(err)
		}
	}
	if err := s.Listen(backlog); err != nil {
		return fail(err)
	}
	l := &Listener{s: s, f: f}
	if lsa, err := s.Getsockname(); err == nil {
		l.sa = lsa
		l.addr = f.addr(lsa)
	}
	return l, nil
}

func (f Family) addr(sa unix.Sockaddr) net.Addr {
	if sa == nil || f.Addr == nil {
		return nil
	}
	return f.Addr(sa)
}

func (f Family) newConn(s *socket.Conn, remote net.Addr) *Conn {
	c := &Conn{Conn: s, net: f.Name, raddr: remote, resetIsEOF: f.ResetIsEOF}
	if sa, err := s.Getsockname(); err == nil {
		c.laddr = f.addr(sa)
	}
	return c
}

// Conn is a connected stream socket: a net.Conn with a SyscallConn method.
type Conn struct {
	*socket.Conn
	net          string
	laddr, raddr net.Addr
	resetIsEOF   bool
}

// LocalAddr is the address of this end.
func (c *Conn) LocalAddr() net.Addr { return c.laddr }

// RemoteAddr is the address of the peer.
func (c *Conn) RemoteAddr() net.Addr { return c.raddr }

// Read reads what the peer sent; io.EOF once it has closed its end.
func (c *Conn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if c.resetIsEOF && errors.Is(err, unix.ECONNRESET) {
		return n, io.EOF
	}
	return n, c.opError("read", err)
}

// Write writes b whole, unless an error stops it.
func (c *Conn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	return n, c.opError("write", err)
}

// Close closes the socket; blocked reads and writes return net.ErrClosed.
func (c *Conn) Close() error {
	return c.opError("close", c.Conn.Close())
}

func (c *Conn) opError(op string, err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	return &net.OpError{Op: op, Net: c.net, Source: c.laddr, Addr: c.raddr, Err: netError(err)}
}

// Listener is a listening stream socket: Accept, Close, Addr, and the
// SyscallConn through which sdk.Serve hands it to the core.
type Listener struct {
	s      *socket.Conn
	f      Family
	sa     unix.Sockaddr
	addr   net.Addr
	closed atomic.Bool
}

// Accept waits for the next connection. After Close it returns an error
// wrapping net.ErrClosed; a connection reset before it was accepted is
// skipped.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		s, rsa, err := l.s.Accept(context.Background(), 0)
		if l.closed.Load() {
			if err == nil {
				s.Close()
			}
			return nil, &net.OpError{Op: "accept", Net: l.f.Name, Addr: l.addr, Err: net.ErrClosed}
		}
		if err != nil {
			if errors.Is(err, unix.ECONNABORTED) {
				continue
			}
			return nil, &net.OpError{Op: "accept", Net: l.f.Name, Addr: l.addr, Err: netError(err)}
		}
		return l.f.newConn(s, l.f.addr(rsa)), nil
	}
}

// Close stops listening; a blocked Accept returns net.ErrClosed.
func (l *Listener) Close() error {
	if l.closed.Swap(true) {
		return nil
	}
	return l.s.Close()
}

// Addr is the address bound.
func (l *Listener) Addr() net.Addr { return l.addr }

// Sockaddr is the address bound, as the kernel reports it.
func (l *Listener) Sockaddr() unix.Sockaddr { return l.sa }

// SyscallConn gives the listening socket, which sdk.Serve hands to the core
// so that it accepts in its own process.
func (l *Listener) SyscallConn() (syscall.RawConn, error) { return l.s.SyscallConn() }

// netError is err as the net package would report it: net.ErrClosed for a
// closed socket, the bare errno or context error otherwise.
func netError(err error) error {
	switch {
	case errors.Is(err, os.ErrClosed), errors.Is(err, unix.EBADF), errors.Is(err, net.ErrClosed):
		return net.ErrClosed
	case errors.Is(err, os.ErrDeadlineExceeded):
		return os.ErrDeadlineExceeded
	}
	return unwrap(err)
}

// unwrap takes the errno (or context error) out of the wrappers os and
// mdlayher/socket put around it.
func unwrap(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var se *os.SyscallError
	if errors.As(err, &se) {
		return se.Err
	}
	return err
}
