// Package sdktest runs the conformance kit (sdk/transporttest) against a
// transport served as a plugin, the way the core runs it: through the plugin
// protocol in-process (RunInProcess), and through the built binary, started
// by a plugin host (RunBinary). A transport's tests call all three:
//
//	func TestConformance(t *testing.T) {
//		cfg := transporttest.Config{Endpoint: ...}
//		t.Run("direct", func(t *testing.T) { transporttest.Run(t, mytransport.Driver{}, cfg) })
//		t.Run("in-process", func(t *testing.T) { sdktest.RunInProcess(t, mytransport.Driver{}, cfg) })
//		t.Run("binary", func(t *testing.T) {
//			bin := sdktest.Build(t, "./cmd/zeroplug-transport-my", "my")
//			sdktest.RunBinary(t, bin, cfg)
//		})
//	}
//
// Build and RunBinary need Linux and the go command; RunBinary skips the
// test elsewhere.
package sdktest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/zeroplug/zeroplug/sdk"
	"github.com/zeroplug/zeroplug/sdk/pluginhost"
	"github.com/zeroplug/zeroplug/sdk/transporttest"
)

// Build builds the main package pkg (an import path, or a directory such as
// "./cmd/zeroplug-transport-my") as a static binary (CGO_ENABLED=0) named
// zeroplug-transport-<scheme> in a temporary directory removed when the test
// ends, and returns its path.
func Build(t testing.TB, pkg, scheme string) string {
	t.Helper()
	return BuildIn(t, t.TempDir(), pkg, scheme)
}

// BuildIn is Build into dir, for a test that builds several plugins into
// one plugin directory.
func BuildIn(t testing.TB, dir, pkg, scheme string) string {
	t.Helper()
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		goCmd = "go"
	}
	out := filepath.Join(dir, sdk.PluginPrefix+scheme)
	cmd := exec.Command(goCmd, "build", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

// RunInProcess runs the conformance kit against d served in this process
// through the plugin protocol: every Listen and Dial is a gRPC call, and
// every connection and listening socket crosses the descriptor hand-off.
func RunInProcess(t *testing.T, d sdk.Driver, cfg transporttest.Config) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("plugins need Linux")
	}
	h := pluginhost.New(pluginhost.Config{Logger: testLogger(t)})
	defer h.Close()
	p := h.InProcess(d)
	start(t, p)
	transporttest.Run(t, p, cfg)
}

// RunBinary runs the conformance kit against the plugin binary at path,
// started by a plugin host as the core starts it. Afterwards it checks that
// closing the host ends the process and leaves no socket file behind.
func RunBinary(t *testing.T, path string, cfg transporttest.Config) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("plugins need Linux")
	}
	tmp := t.TempDir()
	h := pluginhost.New(pluginhost.Config{Logger: testLogger(t), TempDir: tmp})
	defer h.Close()
	p, err := h.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	info := start(t, p)
	t.Run("conformance", func(t *testing.T) { transporttest.Run(t, p, cfg) })
	h.Close()
	if !Gone(info.Pid, 5*time.Second) {
		t.Errorf("plugin process %d still runs after the host closed", info.Pid)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("the plugin left %d files in its temporary directory: %v", len(left), left[0].Name())
	}
}

// start starts p before the kit runs, so that the goroutines of a running
// plugin (go-plugin's, gRPC's) are there before the kit counts them.
func start(t *testing.T, p *pluginhost.Plugin) pluginhost.Info {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	info, err := p.Start(ctx)
	if err != nil {
		t.Fatalf("starting the plugin: %v", err)
	}
	t.Logf("plugin %s %s (pid %d) serves %s, started in %v", info.Name, info.Version, info.Pid, strings.Join(info.Schemes, ", "), info.StartTime)
	return info
}

// testLogger sends the host's and the plugin's log lines to the test's
// log, at the level of $ZEROPLUG_TEST_LOG (warn by default).
func testLogger(t testing.TB) hclog.Logger {
	level := hclog.LevelFromString(os.Getenv("ZEROPLUG_TEST_LOG"))
	if level == hclog.NoLevel {
		level = hclog.Warn
	}
	return hclog.New(&hclog.LoggerOptions{Name: "pluginhost", Level: level, Output: testWriter{t}})
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}
