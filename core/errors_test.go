package core

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/zeroplug/zeroplug/internal/peertest"
	"github.com/zeroplug/zeroplug/sdk"
)

// The errors of the operating system a transport meets: each with a libzmq
// errno is that errno's sentinel, and still the system's errno too.

// TestErrorsAreSDKs: core's sentinels are sdk's, one identity for the
// drivers linked in, the plugins and inproc alike.
func TestErrorsAreSDKs(t *testing.T) {
	for _, tc := range []struct {
		name          string
		inCore, inSDK error
	}{
		{"ErrAddrInUse", ErrAddrInUse, sdk.ErrAddrInUse},
		{"ErrAddrNotAvailable", ErrAddrNotAvailable, sdk.ErrAddrNotAvailable},
		{"ErrConnRefused", ErrConnRefused, sdk.ErrConnRefused},
		{"ErrHostUnreachable", ErrHostUnreachable, sdk.ErrHostUnreachable},
		{"ErrNetUnreachable", ErrNetUnreachable, sdk.ErrNetUnreachable},
	} {
		if tc.inCore != tc.inSDK {
			t.Errorf("core.%s is not sdk.%[1]s", tc.name)
		}
	}
}

// checkAddrInUse says whether err is what a bind to an address in use
// must give: ErrAddrInUse, syscall.EADDRINUSE, and the address in the text.
func checkAddrInUse(t *testing.T, err error, address string) {
	t.Helper()
	if !errors.Is(err, ErrAddrInUse) || !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("Bind to an address in use: %v; want ErrAddrInUse and syscall.EADDRINUSE", err)
	}
	if err != nil && !strings.Contains(err.Error(), address) {
		t.Errorf("Bind to an address in use: %q does not name %s", err, address)
	}
	var op *net.OpError
	if !errors.As(err, &op) {
		t.Errorf("Bind to an address in use: %v has no *net.OpError", err)
	}
}

// TestBindAddrInUse binds, over tcp and ipc, where a socket is bound
// already: the first socket keeps its address, the second fails.
func TestBindAddrInUse(t *testing.T) {
	e := newEnv(t)
	t.Run("tcp", func(t *testing.T) {
		first := e.bound(PULL, "tcp://127.0.0.1:*")
		ep := first.LastEndpoint()
		checkAddrInUse(t, e.socket(PULL).Bind(ep), strings.TrimPrefix(ep, "tcp://"))
	})
	t.Run("ipc abstract", func(t *testing.T) {
		// An abstract name cannot be unlinked, so a second bind is
		// refused as in libzmq; a path's socket file is replaced instead.
		ep := "ipc://@zeroplug-errors-test-" + filepath.Base(t.TempDir())
		e.bound(PULL, ep)
		checkAddrInUse(t, e.socket(PULL).Bind(ep), strings.TrimPrefix(ep, "ipc://"))
	})
	t.Run("ipc over a file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "data")
		if err := os.WriteFile(path, []byte("not a socket"), 0o600); err != nil {
			t.Fatal(err)
		}
		checkAddrInUse(t, e.socket(PULL).Bind("ipc://"+path), path)
		if b, err := os.ReadFile(path); err != nil || string(b) != "not a socket" {
			t.Errorf("the file bound over: %q, %v", b, err)
		}
	})
}

// TestBindAddrInUseByLibzmq: a port libzmq (pyzmq) has bound is
// ErrAddrInUse to zeroplug, and zeroplug's port is EADDRINUSE to libzmq:
// the two report the same errno for the same condition.
func TestBindAddrInUseByLibzmq(t *testing.T) {
	const script = `
import sys, zmq
ctx = zmq.Context()
s = ctx.socket(zmq.PULL)
s.linger = 0
if sys.argv[1] == "bind":
    s.bind("tcp://127.0.0.1:*")
    print("bound " + s.getsockopt_string(zmq.LAST_ENDPOINT), flush=True)
    sys.stdin.readline()
else:
    try:
        s.bind(sys.argv[2])
        print("bound", flush=True)
    except zmq.ZMQError as e:
        print("errno " + str(e.errno == zmq.EADDRINUSE), flush=True)
s.close()
ctx.term()
`
	e := newEnv(t)
	t.Run("libzmq first", func(t *testing.T) {
		py := peertest.Start(t, peertest.Python(t), "-c", script, "bind")
		line, err := py.Line(interopTimeout)
		if err != nil {
			t.Fatal(err)
		}
		ep, ok := strings.CutPrefix(line, "bound ")
		if !ok {
			t.Fatalf("pyzmq: %q", line)
		}
		checkAddrInUse(t, e.socket(PULL).Bind(ep), strings.TrimPrefix(ep, "tcp://"))
		if err := py.CloseStdin(); err != nil {
			t.Error(err)
		}
	})
	t.Run("zeroplug first", func(t *testing.T) {
		ep := e.bound(PULL, "tcp://127.0.0.1:*").LastEndpoint()
		py := peertest.Start(t, peertest.Python(t), "-c", script, "try", ep)
		line, err := py.Line(interopTimeout)
		if err != nil {
			t.Fatal(err)
		}
		if line != "errno True" {
			t.Errorf("pyzmq's bind to %s, bound by zeroplug: %q, want EADDRINUSE", ep, line)
		}
	})
}

// TestConnectRefused: a connect where nobody listens goes on retrying, as
// libzmq's; the monitor's CONNECT_DELAYED says why, ErrConnRefused and
// ECONNREFUSED, as libzmq's event carries the errno.
func TestConnectRefused(t *testing.T) {
	e := newEnv(t)
	stale := filepath.Join(t.TempDir(), "stale.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: stale, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close() // the file stays, with nobody behind it
	for name, ep := range map[string]string{
		"tcp": peertest.FreeTCPEndpoint(t),
		"ipc": "ipc://" + stale,
	} {
		t.Run(name, func(t *testing.T) {
			s := e.socket(PUSH)
			events := s.Monitor(EventConnectDelayed)
			if err := s.Connect(ep); err != nil {
				t.Fatalf("Connect(%s): %v; want nil, the attempts go on in the background", ep, err)
			}
			ev := waitEvent(t, events, EventConnectDelayed)
			if !errors.Is(ev.Err, ErrConnRefused) || !errors.Is(ev.Err, syscall.ECONNREFUSED) {
				t.Errorf("CONNECT_DELAYED %s: %v; want ErrConnRefused and syscall.ECONNREFUSED", ep, ev.Err)
			}
		})
	}
}
