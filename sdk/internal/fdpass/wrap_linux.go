package fdpass

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"strconv"
	"sync/atomic"

	"github.com/mdlayher/socket"
	"golang.org/x/sys/unix"
)

// Inspect reads what kind of socket fd is. A descriptor that is not a
// socket is an error wrapping ErrRejected.
func Inspect(fd int) (Socket, error) {
	var s Socket
	var err error
	if s.Type, err = unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE); err != nil {
		if errors.Is(err, unix.ENOTSOCK) {
			return s, rejected("descriptor is not a socket")
		}
		return s, os.NewSyscallError("getsockopt SO_TYPE", err)
	}
	if s.Domain, err = unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_DOMAIN); err != nil {
		return s, os.NewSyscallError("getsockopt SO_DOMAIN", err)
	}
	acc, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN)
	if err != nil {
		return s, os.NewSyscallError("getsockopt SO_ACCEPTCONN", err)
	}
	s.Listening = acc != 0
	return s, nil
}

// families are the socket families the core accepts from a plugin, by the
// network name their addresses report.
var families = map[int]string{
	unix.AF_INET:  "tcp",
	unix.AF_INET6: "tcp",
	unix.AF_UNIX:  "unix",
	unix.AF_VSOCK: "vsock",
	unix.AF_TIPC:  "tipc",
}

// check refuses a descriptor that is not a stream socket of a known family,
// listening exactly when listening is asked for.
func check(fd int, listening bool) (Socket, error) {
	s, err := Inspect(fd)
	if err != nil {
		return s, err
	}
	if _, ok := families[s.Domain]; !ok {
		return s, rejected("socket family %d is not one the core runs ZMTP over", s.Domain)
	}
	if s.Type != unix.SOCK_STREAM {
		return s, rejected("socket type %d is not SOCK_STREAM", s.Type)
	}
	switch {
	case listening && !s.Listening:
		return s, rejected("a listening socket was expected, the socket is not listening")
	case !listening && s.Listening:
		return s, rejected("a connected socket was expected, the socket is listening")
	}
	return s, nil
}

// Conn turns a received connected socket into a net.Conn, taking ownership
// of fd (closed on error too). inet and unix sockets become *net.TCPConn and
// *net.UnixConn, with the plugin's keep-alive settings kept; other families
// are wrapped with mdlayher/socket.
func Conn(fd int) (net.Conn, error) {
	s, err := check(fd, false)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	if _, err := unix.Getpeername(fd); err != nil {
		unix.Close(fd)
		return nil, rejected("socket is not connected: %v", err)
	}
	return wrapConn(fd, s)
}

// ForceGeneric makes Conn and Listener wrap every family with
// mdlayher/socket, as they do vsock and tipc: tests use it to run that path
// on unix sockets.
var ForceGeneric atomic.Bool

func wrapConn(fd int, s Socket) (net.Conn, error) {
	if ForceGeneric.Load() || s.Domain != unix.AF_INET && s.Domain != unix.AF_INET6 && s.Domain != unix.AF_UNIX {
		return genericConn(fd, s.Domain)
	}
	var ka keepAlive
	if s.Domain != unix.AF_UNIX {
		ka = readKeepAlive(fd)
	}
	f := os.NewFile(uintptr(fd), "zeroplug-plugin-conn")
	c, err := net.FileConn(f) // a dup: f still owns fd
	f.Close()
	if err != nil {
		return nil, err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		// net.FileConn turned keep-alive on with Go's defaults; the plugin
		// chose, as the tcp driver does, and its choice stands.
		if err := ka.restore(tc); err != nil {
			tc.Close()
			return nil, err
		}
	}
	return c, nil
}

// keepAlive is a TCP socket's keep-alive settings.
type keepAlive struct {
	read                   bool
	on                     bool
	idle, interval, probes int
}

func readKeepAlive(fd int) keepAlive {
	on, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE)
	if err != nil {
		return keepAlive{}
	}
	k := keepAlive{read: true, on: on != 0}
	k.idle, _ = unix.GetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE)
	k.interval, _ = unix.GetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPINTVL)
	k.probes, _ = unix.GetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPCNT)
	return k
}

func (k keepAlive) restore(c *net.TCPConn) error {
	if !k.read {
		return nil
	}
	if !k.on {
		return c.SetKeepAlive(false)
	}
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		set := func(opt, v int) {
			if serr == nil && v > 0 {
				serr = os.NewSyscallError("setsockopt", unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, opt, v))
			}
		}
		set(unix.TCP_KEEPIDLE, k.idle)
		set(unix.TCP_KEEPINTVL, k.interval)
		set(unix.TCP_KEEPCNT, k.probes)
	})
	if err != nil {
		return err
	}
	return serr
}

// genericConn wraps a socket of any family into Go's poller.
func genericConn(fd, domain int) (net.Conn, error) {
	sc, err := socket.New(fd, "zeroplug-"+familyName(domain))
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	c := &sockConn{Conn: sc, resetIsEOF: domain == unix.AF_TIPC}
	if sa, err := sc.Getsockname(); err == nil {
		c.laddr = sockaddrAddr(domain, sa)
	}
	if sa, err := sc.Getpeername(); err == nil {
		c.raddr = sockaddrAddr(domain, sa)
	}
	return c, nil
}

// sockConn is a net.Conn over mdlayher/socket, which lacks the addresses.
type sockConn struct {
	*socket.Conn
	laddr, raddr net.Addr
	// resetIsEOF: TIPC reports every close of the peer as ECONNRESET,
	// after the data; it has no orderly close to tell apart.
	resetIsEOF bool
}

func (c *sockConn) LocalAddr() net.Addr  { return c.laddr }
func (c *sockConn) RemoteAddr() net.Addr { return c.raddr }

// Read maps the end of the stream and a closed socket to the errors the
// core tells apart (io.EOF comes from socket.Conn already).
func (c *sockConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if c.resetIsEOF && errors.Is(err, unix.ECONNRESET) {
		return n, io.EOF
	}
	return n, c.opError("read", err)
}

func (c *sockConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	return n, c.opError("write", err)
}

func (c *sockConn) opError(op string, err error) error {
	switch {
	case err == nil, err == io.EOF, errors.Is(err, os.ErrDeadlineExceeded):
		return err
	case errors.Is(err, os.ErrClosed), errors.Is(err, unix.EBADF):
		err = net.ErrClosed
	default:
		err = unwrapSyscall(err)
	}
	return &net.OpError{Op: op, Net: c.network(), Source: c.laddr, Addr: c.raddr, Err: err}
}

func (c *sockConn) network() string {
	if c.laddr != nil {
		return c.laddr.Network()
	}
	return "socket"
}

// Addr is the address of a socket of a family the net package does not
// know (vsock, tipc).
type Addr struct {
	Net  string
	Addr string
}

func (a *Addr) Network() string { return a.Net }
func (a *Addr) String() string  { return a.Addr }

func familyName(domain int) string {
	if n, ok := families[domain]; ok {
		return n
	}
	return "af" + strconv.Itoa(domain)
}

func sockaddrAddr(domain int, sa unix.Sockaddr) net.Addr {
	a := &Addr{Net: familyName(domain)}
	switch sa := sa.(type) {
	case *unix.SockaddrVM:
		a.Addr = fmt.Sprintf("%d:%d", sa.CID, sa.Port)
	case *unix.SockaddrTIPC:
		switch t := sa.Addr.(type) {
		case *unix.TIPCSocketAddr:
			a.Addr = fmt.Sprintf("<%d.%d.%d:%d>", t.Node>>24, t.Node>>12&0xfff, t.Node&0xfff, t.Ref)
		case *unix.TIPCServiceName:
			a.Addr = fmt.Sprintf("{%d,%d}", t.Type, t.Instance)
		case *unix.TIPCServiceRange:
			a.Addr = fmt.Sprintf("{%d,%d,%d}", t.Type, t.Lower, t.Upper)
		}
	case *unix.SockaddrUnix:
		a.Addr = sa.Name
	case *unix.SockaddrInet4:
		a.Addr = net.JoinHostPort(net.IP(sa.Addr[:]).String(), strconv.Itoa(sa.Port))
	case *unix.SockaddrInet6:
		a.Addr = net.JoinHostPort(net.IP(sa.Addr[:]).String(), strconv.Itoa(sa.Port))
	}
	return a
}

// Listener accepts, in the core's process, on a listening socket a plugin
// handed over.
type Listener struct {
	s      *socket.Conn
	domain int
	addr   net.Addr
	path   string // the socket file of a pathname unix socket
	closed atomic.Bool
}

// NewListener wraps a received listening socket, taking ownership of fd
// (closed on error too).
func NewListener(fd int) (*Listener, error) {
	s, err := check(fd, true)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	sc, err := socket.New(fd, "zeroplug-listener-"+familyName(s.Domain))
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	l := &Listener{s: sc, domain: s.Domain}
	if sa, err := sc.Getsockname(); err == nil {
		l.addr = sockaddrAddr(s.Domain, sa)
		if u, ok := sa.(*unix.SockaddrUnix); ok && u.Name != "" && u.Name[0] != '@' && u.Name[0] != 0 {
			l.path = u.Name
		}
	}
	return l, nil
}

// Accept waits for the next connection and wraps it as Conn does. After
// Close it returns an error wrapping net.ErrClosed.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		var nfd int
		err := l.s.ReadFunc(context.Background(), "accept", func(fd int) error {
			n, _, err := unix.Accept4(fd, unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK)
			nfd = n
			return err
		})
		if l.closed.Load() {
			if err == nil {
				unix.Close(nfd)
			}
			return nil, &net.OpError{Op: "accept", Net: familyName(l.domain), Addr: l.addr, Err: net.ErrClosed}
		}
		if err != nil {
			if errors.Is(err, unix.ECONNABORTED) {
				continue // reset before it was accepted
			}
			return nil, &net.OpError{Op: "accept", Net: familyName(l.domain), Addr: l.addr, Err: unwrapSyscall(err)}
		}
		c, err := wrapConn(nfd, Socket{Domain: l.domain, Type: unix.SOCK_STREAM})
		if err != nil {
			return nil, err
		}
		return c, nil
	}
}

// unwrapSyscall takes the errno out of the wrappers os puts around it.
func unwrapSyscall(err error) error {
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

// Close stops accepting here; a blocked Accept returns.
func (l *Listener) Close() error {
	if l.closed.Swap(true) {
		return nil
	}
	return l.s.Close()
}

// Addr is the address bound.
func (l *Listener) Addr() net.Addr { return l.addr }

// Path is the socket file of a unix listener bound to a path, or "".
func (l *Listener) Path() string { return l.path }

// RemoveSocketFile removes path if it is still a socket: what the plugin
// would have done on close, done by the core when the plugin is gone.
func RemoveSocketFile(path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return nil
	}
	return os.Remove(path)
}
