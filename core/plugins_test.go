package core

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/zeroplug/zeroplug/sdk"
	"github.com/zeroplug/zeroplug/sdk/pluginhost"
	"github.com/zeroplug/zeroplug/sdk/sdktest"
)

// The plugin binaries the tests build, by scheme.
var testPlugins = map[string]string{
	"tcpplug": "github.com/zeroplug/zeroplug/plugins/tcp/cmd/zeroplug-transport-tcpplug",
	"unixalt": "github.com/zeroplug/zeroplug/sdk/examples/unixalt/cmd/zeroplug-transport-unixalt",
}

// pluginDir builds the test plugins into a directory of the test's. It also
// points TMPDIR at a directory of the test's, so that a socket file left
// behind shows.
func pluginDir(t *testing.T) (dir, tmp string) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("transport plugins need Linux")
	}
	dir = t.TempDir()
	for scheme, pkg := range testPlugins {
		sdktest.BuildIn(t, dir, pkg, scheme)
	}
	tmp = t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv("ZEROPLUG_UNIXALT_DIR", filepath.Join(tmp, "unixalt"))
	t.Setenv(pluginhost.EnvPath, "")
	t.Setenv(pluginhost.EnvManifest, "")
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	return dir, tmp
}

// noFilesLeft fails if dir holds anything but what keep names.
func noFilesLeft(t *testing.T, dir string, keep ...string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || p == dir {
			return nil
		}
		for _, k := range keep {
			if p == filepath.Join(dir, k) {
				return nil
			}
		}
		if !d.IsDir() {
			t.Errorf("left behind: %s", p)
		}
		return nil
	})
}

// pluginPid is the pid of the one plugin process of c.
func pluginPid(t *testing.T, c *Context) int {
	t.Helper()
	running := c.drivers.plugins.Running()
	if len(running) != 1 {
		t.Fatalf("%d plugin processes run, want 1", len(running))
	}
	return running[0].Pid()
}

func TestPlugins(t *testing.T) {
	dir, tmp := pluginDir(t)
	t.Run("PushPull", func(t *testing.T) {
		for _, ep := range []string{"tcpplug://127.0.0.1:*", "unixalt://*"} {
			t.Run(ep[:strings.Index(ep, ":")], func(t *testing.T) { testPluginPushPull(t, dir, ep) })
		}
		noFilesLeft(t, tmp, "unixalt")
	})
	t.Run("Lazy", func(t *testing.T) { testPluginLazy(t, dir) })
	t.Run("KilledMidStream", func(t *testing.T) { testPluginKilled(t, dir) })
	t.Run("Checksum", func(t *testing.T) { testPluginChecksum(t, dir) })
	t.Run("ByDeclaredScheme", func(t *testing.T) { testPluginByDeclaredScheme(t, dir) })
	t.Run("UnknownScheme", func(t *testing.T) { testPluginUnknown(t, dir) })
	t.Run("DiesWithHost", func(t *testing.T) { testPluginDiesWithHost(t, dir) })
	noFilesLeft(t, tmp, "unixalt")
}

// testPluginPushPull: messages cross a connection that a plugin made, both
// ends bound and connected through the plugin, and the plugin process ends
// with the context.
func testPluginPushPull(t *testing.T, dir, endpoint string) {
	c := NewContext(WithPluginPath(dir))
	pull, _ := c.NewSocket(PULL, RecvTimeout(10*time.Second))
	if err := pull.Bind(endpoint); err != nil {
		t.Fatal(err)
	}
	push, _ := c.NewSocket(PUSH)
	if err := push.Connect(pull.LastEndpoint()); err != nil {
		t.Fatal(err)
	}
	pid := pluginPid(t, c)
	for i := range 100 {
		if err := push.Send([]byte(strconv.Itoa(i)), make([]byte, 1000)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 100 {
		f, err := pull.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if string(f[0]) != strconv.Itoa(i) || len(f) != 2 || len(f[1]) != 1000 {
			t.Fatalf("message %d: %q", i, f[0])
		}
	}
	c.Close()
	if !sdktest.Gone(pid, 5*time.Second) {
		t.Errorf("plugin process %d still runs after the context closed", pid)
	}
}

// testPluginLazy: a context starts no plugin until a bind or connect needs
// one, and starts one process for any number of them.
func testPluginLazy(t *testing.T, dir string) {
	c := NewContext(WithPluginPath(dir))
	defer c.Close()
	s, _ := c.NewSocket(PULL)
	if err := s.Bind("tcp://127.0.0.1:*"); err != nil {
		t.Fatal(err)
	}
	if n := len(c.drivers.plugins.Running()); n != 0 {
		t.Fatalf("%d plugin processes run before any plugin scheme was used", n)
	}
	for range 3 {
		if err := s.Bind("tcpplug://127.0.0.1:*"); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Connect("tcpplug://127.0.0.1:1"); err != nil {
		t.Fatal(err)
	}
	pluginPid(t, c)
}

// testPluginKilled: a plugin killed with SIGKILL mid-stream leaves the
// connections it made working, the sockets get EventPluginCrashed, and the
// next connect starts it again.
func testPluginKilled(t *testing.T, dir string) {
	var logged lockedBuffer
	c := NewContext(WithPluginPath(dir), WithLogger(hclog.New(&hclog.LoggerOptions{Output: &logged, Level: hclog.Warn})))
	defer c.Close()
	pull, _ := c.NewSocket(PULL, RecvTimeout(10*time.Second))
	if err := pull.Bind("tcpplug://127.0.0.1:*"); err != nil {
		t.Fatal(err)
	}
	events := pull.Monitor(EventPluginCrashed)
	push, _ := c.NewSocket(PUSH, SendTimeout(10*time.Second))
	if err := push.Connect(pull.LastEndpoint()); err != nil {
		t.Fatal(err)
	}
	pid := pluginPid(t, c)

	// A sender that never stops until told; the receiver checks order.
	var stop atomic.Bool
	type result struct {
		n   int
		err error
	}
	sent := make(chan result, 1)
	go func() {
		i := 0
		for ; !stop.Load(); i++ {
			if err := push.Send([]byte(strconv.Itoa(i))); err != nil {
				sent <- result{i, err}
				return
			}
		}
		sent <- result{i, nil}
	}()
	next := 0
	recv := func(n int) {
		t.Helper()
		for range n {
			f, err := pull.Recv()
			if err != nil {
				t.Fatalf("after %d messages: %v", next, err)
			}
			if got := string(f[0]); got != strconv.Itoa(next) {
				t.Fatalf("message %d is %q", next, got)
			}
			next++
		}
	}
	recv(1000)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if !sdktest.Gone(pid, 5*time.Second) {
		t.Fatalf("plugin %d survived SIGKILL", pid)
	}
	select {
	case ev := <-events:
		if !errors.Is(ev.Err, pluginhost.ErrExited) || !strings.Contains(ev.Err.Error(), "killed") {
			t.Errorf("event %v: want an error wrapping ErrExited that says the plugin was killed", ev)
		}
	case <-time.After(5 * time.Second):
		t.Error("no PLUGIN_CRASHED event within 5s of the kill")
	}
	if want := fmt.Sprintf("transport plugin exited; connections made through it keep working, the next bind or connect restarts it: plugin=zeroplug-transport-tcpplug pid=%d schemes=tcpplug status=\"signal: killed\"", pid); !strings.Contains(logged.String(), want) {
		t.Errorf("the log says %q; want a line with %q", logged.String(), want)
	}
	recv(10000) // the stream goes on over the connection the plugin made
	stop.Store(true)
	r := <-sent
	if r.err != nil {
		t.Fatal(r.err)
	}
	recv(r.n - next)

	// The listening socket was handed over too: a new peer still connects
	// to it, and that connect starts the plugin again.
	push2, _ := c.NewSocket(PUSH)
	if err := push2.Connect(pull.LastEndpoint()); err != nil {
		t.Fatal(err)
	}
	if err := push2.Send([]byte("after the restart")); err != nil {
		t.Fatal(err)
	}
	f, err := pull.Recv()
	if err != nil || string(f[0]) != "after the restart" {
		t.Fatalf("after the restart: %q, %v", f, err)
	}
	if pid2 := pluginPid(t, c); pid2 == pid {
		t.Errorf("the plugin's pid is still %d", pid)
	}
}

// testPluginChecksum: a manifest pins the plugins; a binary whose checksum
// differs, or that is not listed, is refused with a clear error.
func testPluginChecksum(t *testing.T, dir string) {
	sum, err := pluginhost.Checksum(filepath.Join(dir, sdk.PluginPrefix+"tcpplug"))
	if err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(t.TempDir(), "SHA256SUMS")
	write := func(content string) {
		if err := os.WriteFile(manifest, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bad := sum[:len(sum):len(sum)]
	bad = append([]byte(nil), bad...)
	bad[0] ^= 0xff

	for _, tc := range []struct {
		name, manifest string
		want           error
		says           string
	}{
		{"match", fmt.Sprintf("# pinned\n%x  zeroplug-transport-tcpplug\n", sum), nil, ""},
		{"mismatch", fmt.Sprintf("%x  zeroplug-transport-tcpplug\n", bad), pluginhost.ErrChecksum, fmt.Sprintf("has sha256 %x", sum)},
		{"unlisted", fmt.Sprintf("%x  zeroplug-transport-other\n", sum), pluginhost.ErrNotPinned, "not in the manifest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			write(tc.manifest)
			c := NewContext(WithPluginPath(dir), WithPluginManifest(manifest))
			defer c.Close()
			s, _ := c.NewSocket(PUSH)
			for _, op := range []func(string) error{s.Bind, s.Connect} {
				err := op("tcpplug://127.0.0.1:5999")
				if tc.want == nil {
					if err != nil {
						t.Fatal(err)
					}
					continue
				}
				if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.says) || !strings.Contains(err.Error(), manifest) {
					t.Errorf("got %v; want an error wrapping %v that says %q and names the manifest", err, tc.want, tc.says)
				}
			}
			if tc.want != nil && len(c.drivers.plugins.Running()) != 0 {
				t.Error("a refused plugin runs")
			}
		})
	}
}

// testPluginByDeclaredScheme: a binary is found by the schemes it declares,
// whatever its file name: unixalt:// through zeroplug-transport-renamed.
func testPluginByDeclaredScheme(t *testing.T, dir string) {
	b, err := os.ReadFile(filepath.Join(dir, sdk.PluginPrefix+"unixalt"))
	if err != nil {
		t.Fatal(err)
	}
	renamed := t.TempDir()
	if err := os.WriteFile(filepath.Join(renamed, sdk.PluginPrefix+"renamed"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	testPluginPushPull(t, renamed, "unixalt://*")
}

// testPluginUnknown: the error of a scheme nobody serves lists the schemes
// known, the plugins found and the directories searched.
func testPluginUnknown(t *testing.T, dir string) {
	c := NewContext(WithPluginPath(dir))
	defer c.Close()
	s, _ := c.NewSocket(PUSH)
	err := s.Connect("nosuch://x")
	if !errors.Is(err, sdk.ErrUnknownScheme) {
		t.Fatalf("Connect(nosuch://x) = %v, want ErrUnknownScheme", err)
	}
	for _, want := range []string{"known schemes: inproc, ipc, tcp", "plugins found: zeroplug-transport-tcpplug (serves tcpplug), zeroplug-transport-unixalt (serves unixalt)",
		"directories searched: " + dir + ", "} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error %q does not say %q", err, want)
		}
	}
}

// testPluginDiesWithHost: a helper process (this test binary again) starts
// a plugin and is killed with SIGKILL; the plugin must not survive it.
func testPluginDiesWithHost(t *testing.T, dir string) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestPluginHelperHost$")
	cmd.Env = append(os.Environ(), "ZEROPLUG_TEST_HELPER_HOST="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	pid, perr := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "plugin pid ")))
	if err != nil || perr != nil {
		t.Fatalf("helper said %q (%v)", line, err)
	}
	if !sdktest.Alive(pid) {
		t.Fatalf("plugin %d is not running", pid)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if !sdktest.Gone(pid, 5*time.Second) {
		syscall.Kill(pid, syscall.SIGKILL)
		t.Fatalf("plugin %d survived its host", pid)
	}
}

// TestPluginHelperHost is the host process of testPluginDiesWithHost: it
// binds through a plugin, prints the plugin's pid and waits to be killed.
func TestPluginHelperHost(t *testing.T) {
	dir := os.Getenv("ZEROPLUG_TEST_HELPER_HOST")
	if dir == "" {
		t.Skip("run by TestPlugins/DiesWithHost")
	}
	c := NewContext(WithPluginPath(dir))
	s, _ := c.NewSocket(PULL)
	if err := s.Bind("tcpplug://127.0.0.1:*"); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("plugin pid %d\n", c.drivers.plugins.Running()[0].Pid())
	time.Sleep(time.Minute)
	os.Exit(1)
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
