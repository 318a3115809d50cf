package zeroplug_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// pluginDir holds the example transport plugin, zeroplug-transport-unixalt,
// which TestMain builds for ExampleWithPluginPath.
var pluginDir string

// TestMain builds the example plugin, runs the tests and examples, then
// fails if they left a goroutine behind, and removes what it built.
func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "zeroplug-root-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	pluginDir = filepath.Join(dir, "plugins")
	// unixalt keeps its socket files here rather than in the shared
	// temporary directory, so that removing dir removes them.
	os.Setenv("ZEROPLUG_UNIXALT_DIR", filepath.Join(dir, "unixalt"))
	build := exec.Command(goCommand(), "build", "-o", pluginDir+"/",
		"github.com/zeroplug/zeroplug/sdk/examples/unixalt/cmd/zeroplug-transport-unixalt")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the unixalt plugin: %v\n%s", err, out)
		return 1
	}
	before := runtime.NumGoroutine()
	code := m.Run()
	if n := goroutinesLeft(before); n > before {
		buf := make([]byte, 1<<20)
		fmt.Fprintf(os.Stderr, "%d goroutines left, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
		return 1
	}
	return code
}

// goroutinesLeft waits a little for the goroutine count to come back down to
// want, since closed sockets' goroutines end just after Close returns, and
// returns the count.
func goroutinesLeft(want int) int {
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > want && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	return runtime.NumGoroutine()
}

// goCommand finds the go command: `go test` puts its own on PATH; otherwise
// GOROOT or the usual installation directory.
func goCommand() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if root := os.Getenv("GOROOT"); root != "" {
		return filepath.Join(root, "bin", "go")
	}
	return "/usr/local/go/bin/go"
}
