//go:build linux

package vmci

import (
	"context"
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/zeroplug/zeroplug/internal/vmguest"
	"github.com/zeroplug/zeroplug/sdk"
	"github.com/zeroplug/zeroplug/sdk/sdktest"
	"github.com/zeroplug/zeroplug/sdk/transporttest"
)

// The tests in this file open vsock sockets: each begins with
// vmguest.RequireVsock, which lets it run only in zeroplug's test VM, where
// vsock_loopback keeps CID 1 inside the machine.

func config(scheme string) transporttest.Config {
	return transporttest.Config{
		Endpoint:     func(testing.TB) string { return freshEndpoint(scheme) },
		Ephemeral:    func(testing.TB) string { return scheme + "://1:*" },
		BadEndpoints: badEndpoints,
		// Software emulation is slow: the kit's 4 MiB frames and 64 peers
		// need more than its default 10 s on a loaded machine.
		Timeout: 60 * time.Second,
		Prompt:  5 * time.Second,
	}
}

// TestConformance: the kit three ways, over vsock; through the binary over
// vmci:// with "@" too.
func TestConformance(t *testing.T) {
	vmguest.RequireVsock(t)
	t.Run("direct", func(t *testing.T) { transporttest.Run(t, Driver{}, config(SchemeVsock)) })
	t.Run("in-process", func(t *testing.T) { sdktest.RunInProcess(t, Driver{}, config(SchemeVsock)) })
	bin := pluginBinary(t)
	t.Run("binary", func(t *testing.T) { sdktest.RunBinary(t, bin, config(SchemeVsock)) })
	t.Run("binary-vmci", func(t *testing.T) {
		cfg := config(SchemeVMCI)
		cfg.Ephemeral = func(testing.TB) string { return "vmci://@:*" }
		sdktest.RunBinary(t, bin, cfg)
	})
}

// TestWildcards: "*" binds every CID and stays "*" in the endpoint, as in
// libzmq; the port chosen for "*" is reported as a number; "@" is CID 1.
func TestWildcards(t *testing.T) {
	vmguest.RequireVsock(t)
	for _, tt := range []struct{ bind, prefix, dial string }{
		{"vsock://*:*", "vsock://*:", "vsock://1:"},
		{"vsock://@:*", "vsock://1:", "vsock://1:"},
		{"vmci://@:*", "vmci://1:", "vmci://1:"},
		{"vsock://1:0", "vsock://1:", "vsock://1:"},
	} {
		ep, _ := sdk.ParseEndpoint(tt.bind)
		l, err := Driver{}.Listen(context.Background(), ep, sdk.Options{})
		if err != nil {
			t.Fatalf("Listen(%s): %v", tt.bind, err)
		}
		got := l.Endpoint().String()
		port, ok := strings.CutPrefix(got, tt.prefix)
		if !ok || port == "*" || port == "0" {
			t.Errorf("Listen(%s) reports %s; want %s<port>", tt.bind, got, tt.prefix)
		}
		dep, _ := sdk.ParseEndpoint(tt.dial + port)
		c, err := Driver{}.Dial(context.Background(), dep, sdk.Options{})
		if err != nil {
			t.Errorf("Dial(%s) after Listen(%s): %v", dep, tt.bind, err)
		} else {
			c.Close()
		}
		l.Close()
	}
}

// TestBufferOptions: the VMCI buffer options reach the dialing socket, and
// the accepted one through the listening socket; a size above the maximum
// raises it.
func TestBufferOptions(t *testing.T) {
	vmguest.RequireVsock(t)
	opts := sdk.Options{ConnectTimeout: 7 * time.Second, Extra: map[string]string{
		OptBufferSize: "1048576", OptBufferMinSize: "65536",
	}}
	ep, _ := sdk.ParseEndpoint(freshEndpoint(SchemeVsock))
	l, err := Driver{}.Listen(context.Background(), ep, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := l.Accept()
		accepted <- c
	}()
	c, err := Driver{}.Dial(context.Background(), l.Endpoint(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s := <-accepted
	if s == nil {
		t.Fatal("Accept failed")
	}
	defer s.Close()
	for name, conn := range map[string]net.Conn{"dialed": c, "accepted": s} {
		for opt, want := range map[int]uint64{
			unix.SO_VM_SOCKETS_BUFFER_SIZE:     1 << 20,
			unix.SO_VM_SOCKETS_BUFFER_MIN_SIZE: 65536,
			unix.SO_VM_SOCKETS_BUFFER_MAX_SIZE: 1 << 20,
		} {
			if got := sockopt(t, conn, opt); got != want {
				t.Errorf("%s connection: %s = %d, want %d", name, optName(opt), got, want)
			}
		}
	}
	var tv unix.Timeval
	rc, _ := c.(syscall.Conn).SyscallConn()
	rc.Control(func(fd uintptr) {
		var got *unix.Timeval
		got, err = unix.GetsockoptTimeval(int(fd), unix.AF_VSOCK, unix.SO_VM_SOCKETS_CONNECT_TIMEOUT)
		if got != nil {
			tv = *got
		}
	})
	if err != nil || tv.Sec != 7 {
		t.Errorf("SO_VM_SOCKETS_CONNECT_TIMEOUT = %+v, %v; want 7 s from ConnectTimeout", tv, err)
	}
}

func sockopt(t *testing.T, c net.Conn, opt int) uint64 {
	t.Helper()
	rc, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var v uint64
	var serr error
	rc.Control(func(fd uintptr) { v, serr = unix.GetsockoptUint64(int(fd), unix.AF_VSOCK, opt) })
	if serr != nil {
		t.Fatalf("getsockopt %s: %v", optName(opt), serr)
	}
	return v
}

// TestDialErrors: a connect nobody accepts fails at once with the system's
// error; a cancelled one with the context's.
func TestDialErrors(t *testing.T) {
	vmguest.RequireVsock(t)
	ep, _ := sdk.ParseEndpoint(freshEndpoint(SchemeVsock))
	start := time.Now()
	_, err := Driver{}.Dial(context.Background(), ep, sdk.Options{})
	var errno syscall.Errno
	if !errors.As(err, &errno) || time.Since(start) > 5*time.Second {
		t.Errorf("Dial(%s) with no listener = %v after %v; want a prompt errno", ep, err, time.Since(start))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (Driver{}).Dial(ctx, ep, sdk.Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Dial under a cancelled context = %v", err)
	}
}
