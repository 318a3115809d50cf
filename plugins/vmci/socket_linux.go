package vmci

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"github.com/mdlayher/socket"
	"github.com/mdlayher/vsock"
	"golang.org/x/sys/unix"

	"github.com/zeroplug/zeroplug/plugins/internal/sockconn"
	"github.com/zeroplug/zeroplug/sdk"
)

// listen makes the listening socket of a bind.
func listen(scheme string, cid, port uint32, st settings) (sdk.Listener, error) {
	l, err := family.Listen(&unix.SockaddrVM{CID: cid, Port: port}, unix.SOMAXCONN, st.setup)
	if err != nil {
		return nil, sdk.WrapOSError(err)
	}
	bound := format(scheme, cid, port)
	if sa, ok := l.Sockaddr().(*unix.SockaddrVM); ok {
		bound = format(scheme, sa.CID, sa.Port)
	}
	return &listener{Listener: l, ep: bound}, nil
}

// dial connects a socket.
func dial(ctx context.Context, cid, port uint32, st settings) (net.Conn, error) {
	c, err := family.Dial(ctx, &unix.SockaddrVM{CID: cid, Port: port}, st.setup)
	if err != nil {
		return nil, sdk.WrapOSError(err) // a nil *Conn would be a non-nil net.Conn
	}
	return c, nil
}

// family is AF_VSOCK, its addresses printed as mdlayher/vsock does
// ("local(1):1025").
var family = sockconn.Family{
	Domain: unix.AF_VSOCK,
	Name:   "vsock",
	Addr: func(sa unix.Sockaddr) net.Addr {
		if vm, ok := sa.(*unix.SockaddrVM); ok {
			return &vsock.Addr{ContextID: vm.CID, Port: vm.Port}
		}
		return nil
	},
}

// listener is a bound endpoint.
type listener struct {
	*sockconn.Listener
	ep sdk.Endpoint
}

// Endpoint is the address bound, with the port the kernel chose.
func (l *listener) Endpoint() sdk.Endpoint { return l.ep }

// setup sets the options on a socket before it connects or binds. The
// maximum goes first: the kernel clamps a size to the maximum in force.
func (s settings) setup(c *socket.Conn) error {
	max := s.bufMax
	if max == 0 && s.bufSize > 0 {
		cur, err := getUint64(c, unix.SO_VM_SOCKETS_BUFFER_MAX_SIZE)
		if err != nil {
			return err
		}
		if s.bufSize > cur {
			max = s.bufSize
		}
	}
	for _, o := range []struct {
		opt int
		v   uint64
	}{
		{unix.SO_VM_SOCKETS_BUFFER_MAX_SIZE, max},
		{unix.SO_VM_SOCKETS_BUFFER_MIN_SIZE, s.bufMin},
		{unix.SO_VM_SOCKETS_BUFFER_SIZE, s.bufSize},
	} {
		if o.v == 0 {
			continue
		}
		if err := setUint64(c, o.opt, o.v); err != nil {
			return err
		}
	}
	if s.connectTimeout > 0 {
		tv := unix.NsecToTimeval(s.connectTimeout.Nanoseconds())
		var serr error
		if err := control(c, func(fd int) {
			serr = unix.SetsockoptTimeval(fd, unix.AF_VSOCK, unix.SO_VM_SOCKETS_CONNECT_TIMEOUT, &tv)
		}); err != nil {
			return err
		}
		if serr != nil {
			return fmt.Errorf("setsockopt SO_VM_SOCKETS_CONNECT_TIMEOUT: %w", serr)
		}
	}
	return nil
}

func setUint64(c *socket.Conn, opt int, v uint64) error {
	var serr error
	if err := control(c, func(fd int) { serr = unix.SetsockoptUint64(fd, unix.AF_VSOCK, opt, v) }); err != nil {
		return err
	}
	if serr != nil {
		return fmt.Errorf("setsockopt %s: %w", optName(opt), serr)
	}
	return nil
}

func getUint64(c *socket.Conn, opt int) (uint64, error) {
	var v uint64
	var serr error
	if err := control(c, func(fd int) { v, serr = unix.GetsockoptUint64(fd, unix.AF_VSOCK, opt) }); err != nil {
		return 0, err
	}
	if serr != nil {
		return 0, fmt.Errorf("getsockopt %s: %w", optName(opt), serr)
	}
	return v, nil
}

func optName(opt int) string {
	switch opt {
	case unix.SO_VM_SOCKETS_BUFFER_SIZE:
		return "SO_VM_SOCKETS_BUFFER_SIZE"
	case unix.SO_VM_SOCKETS_BUFFER_MIN_SIZE:
		return "SO_VM_SOCKETS_BUFFER_MIN_SIZE"
	case unix.SO_VM_SOCKETS_BUFFER_MAX_SIZE:
		return "SO_VM_SOCKETS_BUFFER_MAX_SIZE"
	}
	return strconv.Itoa(opt)
}

// control runs f on c's descriptor.
func control(c *socket.Conn, f func(fd int)) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	return rc.Control(func(fd uintptr) { f(int(fd)) })
}
