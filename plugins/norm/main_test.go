package norm_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/zeroplug/zeroplug/internal/peertest"
)

// pluginDir holds the plugin binary, zeroplug-transport-norm, which
// TestMain builds for every test: the tests run the core with it, as a
// user's program does.
var pluginDir string

// TestMain runs a role when the test binary is one of the tests' peers
// (roles_test.go); otherwise it builds the plugin, runs the tests and
// removes what they built.
func TestMain(m *testing.M) {
	if role := os.Getenv(roleEnv); role != "" {
		os.Exit(runRole(role, roleArgs()))
	}
	os.Exit(run(m))
}

// roleArgs are the arguments after "--".
func roleArgs() []string {
	for i, a := range os.Args {
		if a == "--" {
			return os.Args[i+1:]
		}
	}
	return nil
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "zeroplug-norm-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	pluginDir = filepath.Join(dir, "plugins")
	build := exec.Command(goCommand(), "build", "-o", pluginDir+"/",
		"github.com/zeroplug/zeroplug/plugins/norm/cmd/zeroplug-transport-norm")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the norm plugin: %v\n%s", err, out)
		return 1
	}
	return peertest.Run(m)
}

func goCommand() string {
	if root := os.Getenv("GOROOT"); root != "" {
		return filepath.Join(root, "bin", "go")
	}
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "/usr/local/go/bin/go"
}
