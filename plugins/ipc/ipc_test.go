package ipc

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/zeroplug/zeroplug/sdk"
	"github.com/zeroplug/zeroplug/sdk/transporttest"
)

// badEndpoints are malformed for bind and connect alike.
var badEndpoints = []string{
	"ipc:///tmp/" + strings.Repeat("x", 200), // longer than sun_path
	"ipc://@",                                // abstract, without a name
	"ipc:///tmp/nul\x00byte",                 // a zero byte ends a C string
}

func TestConformance(t *testing.T) {
	transporttest.Run(t, Driver{}, transporttest.Config{
		Endpoint:     func(t testing.TB) string { return "ipc://" + filepath.Join(t.TempDir(), "s.sock") },
		Ephemeral:    func(t testing.TB) string { t.Setenv("TMPDIR", t.TempDir()); return "ipc://*" },
		BadEndpoints: badEndpoints,
	})
}

var abstractSeq atomic.Int64

func TestConformanceAbstract(t *testing.T) {
	requireAbstract(t)
	transporttest.Run(t, Driver{}, transporttest.Config{
		Endpoint: func(testing.TB) string {
			return fmt.Sprintf("ipc://@zeroplug-test-%d-%d", os.Getpid(), abstractSeq.Add(1))
		},
	})
}

func TestCheckPath(t *testing.T) {
	dir := t.TempDir()
	longest := filepath.Join(dir, strings.Repeat("x", sunPathLen-1-len(dir)-1))
	tests := []struct {
		name string
		path string
		err  error
	}{
		{"absolute", "/tmp/feed.sock", nil},
		{"relative", "feed.sock", nil},
		{"relative with directories", "run/feed.sock", nil},
		{"abstract", "@feed", nil},
		{"longest path that fits", longest, nil},
		{"one byte too long", longest + "x", sdk.ErrBadEndpoint},
		{"far too long", "/" + strings.Repeat("x", 4096), sdk.ErrBadEndpoint},
		{"abstract name too long", "@" + strings.Repeat("x", sunPathLen), sdk.ErrBadEndpoint},
		{"abstract without a name", "@", sdk.ErrBadEndpoint},
		{"zero byte", "/tmp/a\x00b", sdk.ErrBadEndpoint},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkPath(sdk.Endpoint{Scheme: "ipc", Address: tt.path}, tt.path)
			if tt.err == nil {
				if err != nil && !(tt.path[0] == '@' && errors.Is(err, sdk.ErrNotSupported)) {
					t.Errorf("checkPath(%q) = %v", tt.path, err)
				}
				return
			}
			transporttest.CheckEndpointError(t, err, tt.err)
		})
	}
}

func TestDialWildcard(t *testing.T) {
	_, err := Driver{}.Dial(context.Background(), sdk.Endpoint{Scheme: "ipc", Address: "*"}, sdk.Options{})
	transporttest.CheckEndpointError(t, err, sdk.ErrBadEndpoint)
}

func TestWrongScheme(t *testing.T) {
	_, err := Driver{}.Listen(context.Background(), sdk.Endpoint{Scheme: "tcp", Address: "/tmp/x"}, sdk.Options{})
	transporttest.CheckEndpointError(t, err, sdk.ErrUnknownScheme)
}

// TestWildcard binds "ipc://*": Endpoint names a socket file in a new
// directory under TMPDIR, which Close removes with the file.
func TestWildcard(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	l := mustListen(t, "ipc://*")
	ep := l.Endpoint()
	if ep.Scheme != "ipc" || !strings.HasPrefix(ep.Address, tmp+string(filepath.Separator)) {
		t.Fatalf("Endpoint() = %q; want a path under %s", ep, tmp)
	}
	fi, err := os.Lstat(ep.Address)
	if err != nil || fi.Mode().Type() != fs.ModeSocket {
		t.Fatalf("Endpoint() = %q, which is not a socket: %v %v", ep, fi, err)
	}
	roundTrip(t, l, ep.String())
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Dir(ep.Address)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the directory of %s is still there after Close: %v", ep, err)
	}
	// Two wildcard binds get two endpoints.
	a, b := mustListen(t, "ipc://*"), mustListen(t, "ipc://*")
	if a.Endpoint() == b.Endpoint() {
		t.Errorf("two binds of ipc://* both gave %s", a.Endpoint())
	}
}

// TestRelativePath binds a path relative to the working directory; the
// endpoint stays as written, as libzmq's LAST_ENDPOINT does.
func TestRelativePath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	l := mustListen(t, "ipc://rel.sock")
	if got := l.Endpoint().String(); got != "ipc://rel.sock" {
		t.Errorf("Endpoint() = %q; want ipc://rel.sock", got)
	}
	roundTrip(t, l, "ipc://rel.sock")
	l.Close()
	if _, err := os.Lstat(filepath.Join(dir, "rel.sock")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("rel.sock is still there after Close: %v", err)
	}
}

func TestCloseRemovesSocketFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sock")
	l := mustListen(t, "ipc://"+path)
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("no socket file after Listen: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the socket file is still there after Close: %v", err)
	}
	if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close = %v; want net.ErrClosed", err)
	}
}

// TestStaleSocketReplaced binds over a socket file that a dead listener
// left behind, as libzmq does after a crash.
func TestStaleSocketReplaced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("no stale socket file to test with: %v", err)
	}
	l := mustListen(t, "ipc://"+path)
	roundTrip(t, l, "ipc://"+path)
}

// TestNonSocketFileKept refuses to bind over a file that is not a socket,
// where libzmq would delete it.
func TestNonSocketFileKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data")
	if err := os.WriteFile(path, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := Driver{}.Listen(context.Background(), sdk.Endpoint{Scheme: "ipc", Address: path}, sdk.Options{})
	if err == nil {
		l.Close()
	}
	if !errors.Is(err, syscall.EADDRINUSE) || !errors.Is(err, sdk.ErrAddrInUse) {
		t.Errorf("Listen over a regular file = %v; want EADDRINUSE and sdk.ErrAddrInUse", err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "precious" {
		t.Errorf("the file now holds %q, %v", b, err)
	}
}

// TestCloseKeepsReplacement: when a second listener has bound the same path
// (replacing the file, as in libzmq), closing the first must not remove the
// second's socket file.
func TestCloseKeepsReplacement(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sock")
	first := mustListen(t, "ipc://"+path)
	second := mustListen(t, "ipc://"+path)
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("closing the first listener removed the second's socket file: %v", err)
	}
	roundTrip(t, second, "ipc://"+path)
	second.Close()
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the socket file is still there after the second Close: %v", err)
	}
}

// TestAbstract binds a Linux abstract name: no file appears anywhere.
func TestAbstract(t *testing.T) {
	requireAbstract(t)
	dir := t.TempDir()
	t.Chdir(dir)
	name := fmt.Sprintf("@zeroplug-abstract-%d", os.Getpid())
	l := mustListen(t, "ipc://"+name)
	if got := l.Endpoint().String(); got != "ipc://"+name {
		t.Errorf("Endpoint() = %q; want ipc://%s", got, name)
	}
	roundTrip(t, l, "ipc://"+name)
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("binding %s made files in the working directory: %v", name, entries)
	}
}

func TestDialMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nobody.sock")
	_, err := Driver{}.Dial(context.Background(), sdk.Endpoint{Scheme: "ipc", Address: path}, sdk.Options{})
	if !errors.Is(err, syscall.ENOENT) {
		t.Errorf("Dial to a missing path = %v; want ENOENT", err)
	}
}

// TestDialRefused dials a socket file that nobody listens on any more:
// ECONNREFUSED, which is sdk.ErrConnRefused.
func TestDialRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stale.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	_, err = Driver{}.Dial(context.Background(), sdk.Endpoint{Scheme: "ipc", Address: path}, sdk.Options{})
	if !errors.Is(err, syscall.ECONNREFUSED) || !errors.Is(err, sdk.ErrConnRefused) {
		t.Errorf("Dial to a stale socket file = %v; want ECONNREFUSED and sdk.ErrConnRefused", err)
	}
}

// TestListenAbstractInUse binds an abstract name twice: it cannot be
// replaced as a file can, so the second bind is sdk.ErrAddrInUse.
func TestListenAbstractInUse(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("abstract socket names exist on Linux only")
	}
	ep := sdk.Endpoint{Scheme: "ipc", Address: "@zeroplug-ipc-test-" + filepath.Base(t.TempDir())}
	l, err := Driver{}.Listen(context.Background(), ep, sdk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l2, err := Driver{}.Listen(context.Background(), ep, sdk.Options{})
	if err == nil {
		l2.Close()
	}
	if !errors.Is(err, syscall.EADDRINUSE) || !errors.Is(err, sdk.ErrAddrInUse) {
		t.Errorf("second Listen(%s) = %v; want EADDRINUSE and sdk.ErrAddrInUse", ep, err)
	}
}

func TestBuffers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sock")
	// Below the defaults and below net.core.[rw]mem_max, so that the value
	// read back shows it was set and was not capped.
	opts := sdk.Options{SendBuffer: 24 << 10, RecvBuffer: 40 << 10}
	l, err := Driver{}.Listen(context.Background(), sdk.Endpoint{Scheme: "ipc", Address: path}, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c, s := dialAccept(t, l, "ipc://"+path, opts)
	for _, conn := range []net.Conn{c, s} {
		if err := checkBuffers(conn, opts); err != nil {
			t.Error(err)
		}
	}
}

func mustListen(t testing.TB, s string) sdk.Listener {
	t.Helper()
	ep, err := sdk.ParseEndpoint(s)
	if err != nil {
		t.Fatal(err)
	}
	l, err := Driver{}.Listen(context.Background(), ep, sdk.Options{})
	if err != nil {
		t.Fatalf("Listen(%s): %v", s, err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func requireAbstract(t testing.TB) {
	t.Helper()
	if runtime.GOOS != "linux" && runtime.GOOS != "android" {
		t.Skip("abstract unix socket names exist on Linux only")
	}
}

// dialAccept dials s with the ipc driver while l accepts.
func dialAccept(t testing.TB, l sdk.Listener, s string, opts sdk.Options) (client, server net.Conn) {
	t.Helper()
	ep, err := sdk.ParseEndpoint(s)
	if err != nil {
		t.Fatal(err)
	}
	return transporttest.DialAccept(t, Driver{}, l, ep, opts, transporttest.DefaultTimeout)
}

// roundTrip dials s, accepts on l and passes a message.
func roundTrip(t testing.TB, l sdk.Listener, s string) {
	t.Helper()
	c, srv := dialAccept(t, l, s, sdk.Options{})
	transporttest.RoundTrip(t, c, srv)
}
