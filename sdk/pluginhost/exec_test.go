package pluginhost

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// execGo runs the go command of the toolchain running the tests, building
// static binaries.
func execGo(t testing.TB, args ...string) *exec.Cmd {
	t.Helper()
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		goCmd = "go"
	}
	cmd := exec.Command(goCmd, args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	return cmd
}

// execCmd runs a plugin binary as a user would, outside any host.
func execCmd(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	var env []string
	for _, kv := range os.Environ() {
		if len(kv) < 9 || kv[:9] != "ZEROPLUG_" {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	return cmd
}
