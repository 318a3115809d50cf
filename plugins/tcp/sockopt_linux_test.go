package tcp

import (
	"fmt"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/zeroplug/zeroplug/sdk"
)

// TestSocketOptions reads back, on both ends of a connection, the socket
// options libzmq sets: TCP_NODELAY always, the keep-alive family as
// ZMQ_TCP_KEEPALIVE* ask, and the buffer sizes.
func TestSocketOptions(t *testing.T) {
	tests := []struct {
		name string
		opts sdk.Options
		want map[string]int // option name to value; buffers are minimums
	}{
		{"defaults", sdk.Options{TCPKeepAlive: -1}, map[string]int{"TCP_NODELAY": 1, "SO_KEEPALIVE": 0}},
		{"keep-alive off", sdk.Options{TCPKeepAlive: 0}, map[string]int{"TCP_NODELAY": 1, "SO_KEEPALIVE": 0}},
		{"keep-alive on", sdk.Options{
			TCPKeepAlive: 1, TCPKeepAliveIdle: 30 * time.Second, TCPKeepAliveIntvl: 5 * time.Second, TCPKeepAliveCount: 4,
		}, map[string]int{"TCP_NODELAY": 1, "SO_KEEPALIVE": 1, "TCP_KEEPIDLE": 30, "TCP_KEEPINTVL": 5, "TCP_KEEPCNT": 4}},
		// Below the defaults, so that a value read back shows it was set.
		{"buffers", sdk.Options{SendBuffer: 24 << 10, RecvBuffer: 40 << 10}, map[string]int{"TCP_NODELAY": 1, "SO_SNDBUF": 24 << 10, "SO_RCVBUF": 40 << 10}},
		// ZMQ_TOS and ZMQ_TCP_MAXRT: the accepted end has them from the
		// listening socket, where libzmq sets them too.
		{"type of service", sdk.Options{TOS: 0x28}, map[string]int{"IP_TOS": 0x28}},
		{"max retransmission time", sdk.Options{TCPMaxRT: 1500 * time.Millisecond}, map[string]int{"TCP_USER_TIMEOUT": 1500}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := mustListen(t, "tcp://127.0.0.1:*", tt.opts)
			c, s := dialAccept(t, l, l.Endpoint().String(), tt.opts)
			for end, conn := range map[string]net.Conn{"dialer": c, "listener": s} {
				for name, want := range tt.want {
					got, err := getsockopt(conn, name)
					if err != nil {
						t.Fatalf("%s: %s: %v", end, name, err)
					}
					ok := got == want
					if name == "SO_SNDBUF" || name == "SO_RCVBUF" {
						// Linux doubles what it is given, for its own
						// bookkeeping.
						ok = got >= want && got <= 2*want
					}
					if !ok {
						t.Errorf("%s: %s = %d; want %d", end, name, got, want)
					}
				}
			}
		})
	}
}

var sockopts = map[string][2]int{
	"TCP_NODELAY":      {unix.IPPROTO_TCP, unix.TCP_NODELAY},
	"SO_KEEPALIVE":     {unix.SOL_SOCKET, unix.SO_KEEPALIVE},
	"TCP_KEEPIDLE":     {unix.IPPROTO_TCP, unix.TCP_KEEPIDLE},
	"TCP_KEEPINTVL":    {unix.IPPROTO_TCP, unix.TCP_KEEPINTVL},
	"TCP_KEEPCNT":      {unix.IPPROTO_TCP, unix.TCP_KEEPCNT},
	"SO_SNDBUF":        {unix.SOL_SOCKET, unix.SO_SNDBUF},
	"SO_RCVBUF":        {unix.SOL_SOCKET, unix.SO_RCVBUF},
	"IP_TOS":           {unix.IPPROTO_IP, unix.IP_TOS},
	"IPV6_TCLASS":      {unix.IPPROTO_IPV6, unix.IPV6_TCLASS},
	"TCP_USER_TIMEOUT": {unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT},
}

func getsockopt(c net.Conn, name string) (int, error) {
	o, ok := sockopts[name]
	if !ok {
		return 0, fmt.Errorf("unknown option %s", name)
	}
	rc, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		return 0, err
	}
	var v int
	var serr error
	if err := rc.Control(func(fd uintptr) { v, serr = unix.GetsockoptInt(int(fd), o[0], o[1]) }); err != nil {
		return 0, err
	}
	if v != 0 && (name == "TCP_NODELAY" || name == "SO_KEEPALIVE") {
		v = 1 // some kernels report the flag's bit, not 1
	}
	return v, serr
}

// TestTypeOfServiceIPv6: over IPv6 ZMQ_TOS is the traffic class, as libzmq
// sets IPV6_TCLASS beside IP_TOS.
func TestTypeOfServiceIPv6(t *testing.T) {
	opts := sdk.Options{IPv6: true, TOS: 0x48}
	l := mustListen(t, "tcp://[::1]:*", opts)
	c, s := dialAccept(t, l, l.Endpoint().String(), opts)
	for end, conn := range map[string]net.Conn{"dialer": c, "listener": s} {
		if got, err := getsockopt(conn, "IPV6_TCLASS"); err != nil || got != 0x48 {
			t.Errorf("%s: IPV6_TCLASS = %d, %v; want 0x48", end, got, err)
		}
	}
}

// TestBindToDevice: ZMQ_BINDTODEVICE ties both ends to the interface
// (SO_BINDTODEVICE needs CAP_NET_RAW; the test machines run as root).
func TestBindToDevice(t *testing.T) {
	opts := sdk.Options{BindToDevice: "lo"}
	l := mustListen(t, "tcp://127.0.0.1:*", opts)
	c, s := dialAccept(t, l, l.Endpoint().String(), opts)
	for end, conn := range map[string]net.Conn{"dialer": c, "listener": s} {
		rc, err := conn.(*net.TCPConn).SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var dev string
		var serr error
		rc.Control(func(fd uintptr) { dev, serr = unix.GetsockoptString(int(fd), unix.SOL_SOCKET, unix.SO_BINDTODEVICE) })
		if serr != nil || dev != "lo" {
			t.Errorf("%s: SO_BINDTODEVICE = %q, %v; want lo", end, dev, serr)
		}
	}
}

// TestBindToMissingDevice: a device that does not exist fails the bind.
func TestBindToMissingDevice(t *testing.T) {
	ep, _ := sdk.ParseEndpoint("tcp://127.0.0.1:*")
	l, err := Driver{}.Listen(t.Context(), ep, sdk.Options{BindToDevice: "zeroplug-none0"})
	if err == nil {
		l.Close()
		t.Fatal("Listen with a missing device succeeded")
	}
}

// TestBacklog: ZMQ_BACKLOG is the listening socket's queue length, which
// Linux reports in TCP_INFO's tcpi_sacked for a listening socket.
func TestBacklog(t *testing.T) {
	for _, n := range []int{7, 100} {
		l := mustListen(t, "tcp://127.0.0.1:*", sdk.Options{Backlog: n})
		rc, err := l.(*listener).ln.SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var info *unix.TCPInfo
		var serr error
		rc.Control(func(fd uintptr) { info, serr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO) })
		if serr != nil {
			t.Fatal(serr)
		}
		if int(info.Sacked) != n {
			t.Errorf("backlog %d: the listening socket's queue is %d", n, info.Sacked)
		}
	}
}
