package pluginhost

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/zeroplug/zeroplug/sdk"
	"github.com/zeroplug/zeroplug/sdk/examples/unixalt"
	"github.com/zeroplug/zeroplug/sdk/internal/fdpass"
	"github.com/zeroplug/zeroplug/sdk/transporttest"
)

// The example plugin, built once for the package's tests into a directory
// that TestMain removes.
var (
	unixaltOnce sync.Once
	unixaltDir  string
	unixaltBin  string
	unixaltErr  error
)

// buildUnixalt copies the example plugin, built once, into dir.
func buildUnixalt(t *testing.T, dir string) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("plugins need Linux")
	}
	unixaltOnce.Do(func() {
		unixaltDir, unixaltErr = os.MkdirTemp("", "pluginhost-test-")
		if unixaltErr != nil {
			return
		}
		unixaltBin = filepath.Join(unixaltDir, sdk.PluginPrefix+"unixalt")
		cmd := execGo(t, "build", "-o", unixaltBin, "github.com/zeroplug/zeroplug/sdk/examples/unixalt/cmd/zeroplug-transport-unixalt")
		if b, err := cmd.CombinedOutput(); err != nil {
			unixaltErr = fmt.Errorf("go build: %v\n%s", err, b)
		}
	})
	if unixaltErr != nil {
		t.Fatal(unixaltErr)
	}
	b, err := os.ReadFile(unixaltBin)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, sdk.PluginPrefix+"unixalt")
	if err := os.WriteFile(out, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMain(m *testing.M) {
	// The description cache of every test goes in a directory of its own.
	cache, err := os.MkdirTemp("", "pluginhost-cache-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("XDG_CACHE_HOME", cache)
	code := m.Run()
	os.RemoveAll(cache)
	if unixaltDir != "" {
		os.RemoveAll(unixaltDir)
	}
	os.Exit(code)
}

// A link to a plugin is the plugin: one process for both names. Its name
// stands for nothing: a scheme is served only if the binary declares it.
func TestLinkSharesProcess(t *testing.T) {
	dir := t.TempDir()
	bin := buildUnixalt(t, dir)
	link := filepath.Join(dir, sdk.PluginPrefix+"unixalt2")
	if err := os.Symlink(sdk.PluginPrefix+"unixalt", link); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ZEROPLUG_UNIXALT_DIR", t.TempDir())
	h := New(Config{Dirs: []string{dir}, TempDir: t.TempDir()})
	defer h.Close()
	p2, err := h.Driver("unixalt")
	if err != nil {
		t.Fatal(err)
	}
	p1, err := h.Open(link)
	if err != nil {
		t.Fatal(err)
	}
	if p1 != p2 || p2.Path() != bin {
		t.Fatalf("the link is %s, the scheme's plugin %s: two plugins", p1.Path(), p2.Path())
	}
	if _, err := h.Driver("unixalt2"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Driver(unixalt2), a scheme no binary declares = %v, want ErrNotFound", err)
	}
	// Started under the link's name, the plugin serves unixalt only.
	_, err = p1.Listen(context.Background(), sdk.Endpoint{Scheme: "unixalt2", Address: "x"}, sdk.Options{})
	if !errors.Is(err, sdk.ErrUnknownScheme) || !strings.Contains(err.Error(), "serves unixalt only") {
		t.Errorf("Listen(unixalt2://x) = %v", err)
	}
	if n := len(h.Running()); n != 1 {
		t.Errorf("%d processes run, want 1", n)
	}
}

// hidden hides the kernel sockets of a driver, as a transport in user space
// would have none: Serve then accepts in the plugin (the Accept call) and
// splices each connection through a stream pair.
type hidden struct{ sdk.Driver }

type hiddenListener struct{ sdk.Listener }

type hiddenConn struct{ net.Conn }

func (d hidden) Listen(ctx context.Context, ep sdk.Endpoint, opts sdk.Options) (sdk.Listener, error) {
	l, err := d.Driver.Listen(ctx, ep, opts)
	if err != nil {
		return nil, err
	}
	return hiddenListener{l}, nil
}

func (d hidden) Dial(ctx context.Context, ep sdk.Endpoint, opts sdk.Options) (net.Conn, error) {
	c, err := d.Driver.Dial(ctx, ep, opts)
	if err != nil {
		return nil, err
	}
	return hiddenConn{c}, nil
}

func (l hiddenListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return hiddenConn{c}, nil
}

func unixaltConfig(t *testing.T) transporttest.Config {
	t.Setenv("ZEROPLUG_UNIXALT_DIR", t.TempDir())
	var n atomic.Int64
	return transporttest.Config{
		Endpoint:     func(testing.TB) string { return fmt.Sprintf("unixalt://c%d", n.Add(1)) },
		Ephemeral:    func(testing.TB) string { return "unixalt://*" },
		BadEndpoints: []string{"unixalt://a/b"},
	}
}

// runInProcess is sdktest.RunInProcess, which this package cannot import.
func runInProcess(t *testing.T, d sdk.Driver, cfg transporttest.Config) {
	if runtime.GOOS != "linux" {
		t.Skip("plugins need Linux")
	}
	h := New(Config{})
	defer h.Close()
	p := h.InProcess(d)
	if _, err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	transporttest.Run(t, p, cfg)
}

func TestUserSpaceTransport(t *testing.T) {
	runInProcess(t, hidden{unixalt.Driver{}}, unixaltConfig(t))
}

// The wrapping that vsock and tipc need (mdlayher/socket), run on unix
// sockets.
func TestGenericWrapping(t *testing.T) {
	fdpass.ForceGeneric.Store(true)
	defer fdpass.ForceGeneric.Store(false)
	runInProcess(t, unixalt.Driver{}, unixaltConfig(t))
}

// liar hands over what it should not: a datagram socket for a connection.
type liar struct{ unixalt.Driver }

func (liar) Dial(context.Context, sdk.Endpoint, sdk.Options) (net.Conn, error) {
	return net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
}

func TestRejectsUnusableDescriptors(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("plugins need Linux")
	}
	h := New(Config{})
	defer h.Close()
	p := h.InProcess(liar{})
	_, err := p.Dial(context.Background(), sdk.Endpoint{Scheme: "unixalt", Address: "x"}, sdk.Options{})
	if !errors.Is(err, fdpass.ErrRejected) || !strings.Contains(err.Error(), "not SOCK_STREAM") {
		t.Errorf("Dial handing over a UDP socket = %v, want it rejected", err)
	}
}

// A plugin's errors keep their class: errors.Is finds the sdk's errors and
// the errno.
func TestErrorsKeepTheirClass(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("plugins need Linux")
	}
	t.Setenv("ZEROPLUG_UNIXALT_DIR", t.TempDir())
	h := New(Config{})
	defer h.Close()
	p := h.InProcess(unixalt.Driver{})
	ctx := context.Background()
	_, err := p.Dial(ctx, sdk.Endpoint{Scheme: "unixalt", Address: "nobody"}, sdk.Options{})
	if !errors.Is(err, syscall.ENOENT) {
		t.Errorf("Dial to a name nobody bound = %v, want ENOENT", err)
	}
	_, err = p.Dial(ctx, sdk.Endpoint{Scheme: "unixalt", Address: "a/b"}, sdk.Options{})
	if !errors.Is(err, sdk.ErrBadEndpoint) || !strings.Contains(err.Error(), "unixalt://a/b") {
		t.Errorf("Dial(unixalt://a/b) = %v, want ErrBadEndpoint", err)
	}
	if err := p.Validate(sdk.Endpoint{Scheme: "unixalt", Address: "*"}, false); !errors.Is(err, sdk.ErrBadEndpoint) {
		t.Errorf("Validate(unixalt://*) = %v, want ErrBadEndpoint", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := p.Dial(cancelled, sdk.Endpoint{Scheme: "unixalt", Address: "x"}, sdk.Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Dial with a cancelled context = %v", err)
	}
}

// Descriptors of requests that were given up are closed, not leaked.
func TestNoDescriptorLeak(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("plugins need Linux")
	}
	t.Setenv("ZEROPLUG_UNIXALT_DIR", t.TempDir())
	h := New(Config{})
	defer h.Close()
	p := h.InProcess(unixalt.Driver{})
	ctx := context.Background()
	l, err := p.Listen(ctx, sdk.Endpoint{Scheme: "unixalt", Address: "leak"}, sdk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	before := openFiles(t)
	for i := range 200 {
		dctx, cancel := context.WithTimeout(ctx, time.Duration(i%20)*50*time.Microsecond)
		if c, err := p.Dial(dctx, sdk.Endpoint{Scheme: "unixalt", Address: "leak"}, sdk.Options{}); err == nil {
			c.Close()
		}
		cancel()
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		after := openFiles(t)
		if after <= before {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d descriptors open before 200 dials (some cancelled), %d after", before, after)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func openFiles(t *testing.T) int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(entries)
}

// Stop ends the process; the next call starts a new one.
func TestStopAndRestart(t *testing.T) {
	dir := t.TempDir()
	bin := buildUnixalt(t, dir)
	t.Setenv("ZEROPLUG_UNIXALT_DIR", t.TempDir())
	tmp := t.TempDir()
	var exits atomic.Int32
	h := New(Config{TempDir: tmp, OnExit: func(Exit) { exits.Add(1) }})
	defer h.Close()
	p, err := h.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	info, err := p.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "unixalt" || info.Version != "v1.0.0" || info.DriverVersion != sdk.DriverVersion || info.Pid == 0 {
		t.Errorf("Info = %+v", info)
	}
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if p.Pid() != 0 {
		t.Error("Pid after Stop")
	}
	l, err := p.Listen(ctx, sdk.Endpoint{Scheme: "unixalt", Address: "again"}, sdk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	if pid := p.Pid(); pid == 0 || pid == info.Pid {
		t.Errorf("after a restart the pid is %d (was %d)", pid, info.Pid)
	}
	if n := exits.Load(); n != 0 {
		t.Errorf("OnExit called %d times for a stop", n)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("left in the temporary directory: %v", left[0].Name())
	}
}

// Run by hand, a plugin says what it is: on standard output and exiting 0
// when asked with -h, on standard error and exiting 1 when it was only run
// without a host (go-plugin would print its own message).
func TestPluginRunByHand(t *testing.T) {
	bin := buildUnixalt(t, t.TempDir())
	for _, arg := range []string{"-h", "--help"} {
		cmd := execCmd(bin, arg)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil || !bytes.Contains(out, []byte(`zeroplug-transport-unixalt is the zeroplug transport plugin "unixalt" for the schemes unixalt.`)) ||
			!bytes.Contains(out, []byte("describe")) || stderr.Len() != 0 {
			t.Errorf("%s: %v\nstdout: %s\nstderr: %s", arg, err, out, stderr.Bytes())
		}
	}
	cmd := execCmd(bin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || len(out) != 0 ||
		!bytes.Contains(stderr.Bytes(), []byte(`transport plugin "unixalt" for the schemes unixalt`)) {
		t.Errorf("run without a host: %v\nstdout: %s\nstderr: %s", err, out, stderr.Bytes())
	}
	out, err = execCmd(bin, "--version").CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("unixalt v1.0.0 (driver interface 1) schemes: unixalt")) {
		t.Errorf("--version: %v\n%s", err, out)
	}
}

// Closing the Host ends every goroutine it started, go-plugin's and gRPC's
// included.
func TestCloseLeavesNoGoroutine(t *testing.T) {
	bin := buildUnixalt(t, t.TempDir())
	t.Setenv("ZEROPLUG_UNIXALT_DIR", t.TempDir())
	before := runtime.NumGoroutine()
	h := New(Config{TempDir: t.TempDir()})
	p, err := h.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	l, err := p.Listen(ctx, sdk.Endpoint{Scheme: "unixalt", Address: "g"}, sdk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := p.Dial(ctx, l.Endpoint(), sdk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	s.Close()
	l.Close()
	h.Close()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines before, %d after Close:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A plugin's log lines reach the host's logger, under the plugin's file
// name, at their own level; the plugin writes only what the host keeps.
func TestPluginLogs(t *testing.T) {
	bin := buildUnixalt(t, t.TempDir())
	t.Setenv("ZEROPLUG_UNIXALT_DIR", t.TempDir())
	var logged lockedBuffer
	h := New(Config{TempDir: t.TempDir(), Logger: hclog.New(&hclog.LoggerOptions{Name: "host", Output: &logged, Level: hclog.Debug})})
	defer h.Close()
	p, err := h.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	l, err := p.Listen(context.Background(), sdk.Endpoint{Scheme: "unixalt", Address: "logs"}, sdk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	deadline := time.Now().Add(5 * time.Second)
	// go-plugin gives the fields in no particular order.
	line := func() bool {
		for _, l := range strings.Split(logged.String(), "\n") {
			if strings.Contains(l, "[DEBUG] host.zeroplug-transport-unixalt: listening:") &&
				strings.Contains(l, " endpoint=unixalt://logs") && strings.Contains(l, " handed_over=true") {
				return true
			}
		}
		return false
	}
	for !line() {
		if time.Now().After(deadline) {
			t.Fatalf("the plugin's debug line is not in the host's log:\n%s", logged.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// lockedBuffer is a log output that tests read while loggers write.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
