package vmtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/zeroplug/zeroplug/internal/vmguest"
	"github.com/zeroplug/zeroplug/sdk"
)

// Binaries are the programs built for the guest, all static
// (CGO_ENABLED=0), in one directory of the host's that the guest sees under
// /host.
type Binaries struct {
	Dir  string // on the host
	Init string // vminit
	// Tests maps a step's name, the package's path in the module, to its
	// test binary (go test -c).
	Tests map[string]string
}

// guestTests are the packages whose tests run in the guest, in this order.
var guestTests = []string{"plugins/vmci", "plugins/tipc", "internal/vmtest/guest"}

// guestPlugins are the plugin binaries, by scheme; a plugin's other schemes
// (vmci's vsock) are found by what it declares, with no link.
var guestPlugins = []struct{ scheme, pkg string }{
	{"vmci", "plugins/vmci/cmd/zeroplug-transport-vmci"},
	{"tipc", "plugins/tipc/cmd/zeroplug-transport-tipc"},
}

// Build builds the guest's init, the plugin binaries and the test binaries
// of the module at root into dir, in parallel.
func Build(ctx context.Context, root, dir string) (*Binaries, error) {
	b := &Binaries{Dir: dir, Init: filepath.Join(dir, "vminit"), Tests: map[string]string{}}
	type job struct {
		args []string
	}
	jobs := []job{{[]string{"build", "-o", b.Init, "./internal/vmtest/vminit"}}}
	for _, p := range guestPlugins {
		jobs = append(jobs, job{[]string{"build", "-o", filepath.Join(dir, sdk.PluginPrefix+p.scheme), "./" + p.pkg}})
	}
	for _, pkg := range guestTests {
		out := filepath.Join(dir, strings.ReplaceAll(pkg, "/", "_")+".test")
		b.Tests[pkg] = out
		jobs = append(jobs, job{[]string{"test", "-c", "-o", out, "./" + pkg}})
	}
	var wg sync.WaitGroup
	errs := make([]error, len(jobs))
	for i, j := range jobs {
		wg.Go(func() {
			cmd := exec.CommandContext(ctx, goCommand(), j.args...)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("go %s: %v\n%s", strings.Join(j.args, " "), err, out)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return b, nil
}

// goCommand is the go command of the running toolchain.
func goCommand() string {
	g := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(g); err == nil {
		return g
	}
	return "go"
}

// ModuleRoot is the root of the module the go command sees from the
// working directory.
func ModuleRoot() (string, error) {
	out, err := exec.Command(goCommand(), "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("vmtest: go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("vmtest: not inside zeroplug's module")
	}
	return filepath.Dir(mod), nil
}

// guestPath is where the guest sees a file of the host's.
func guestPath(p string) string { return vmguest.HostRoot + p }

// TestPlan is the plan of the guest's test run: each package's tests,
// verbose, with the plugins and zmqpeer (a host path, run under chroot)
// given in the environment. The benchmark is left out. run, when not empty,
// is passed to every test binary as -test.run, to run some tests only.
func TestPlan(b *Binaries, zmqpeer, run string) vmguest.Plan {
	p := vmguest.Plan{Env: []string{
		vmguest.EnvPlugins + "=" + guestPath(b.Dir),
		vmguest.EnvZmqpeer + "=" + zmqpeer,
	}}
	for _, pkg := range guestTests {
		args := []string{"-test.v", "-test.count=1", "-test.timeout=170s"}
		if pkg == "internal/vmtest/guest" {
			args = append(args, "-test.skip=^TestBench$")
		}
		if run != "" {
			args = append(args, "-test.run="+run)
		}
		p.Steps = append(p.Steps, vmguest.Step{Name: pkg, Path: guestPath(b.Tests[pkg]), Args: args, TimeoutSeconds: 180})
	}
	return p
}

// BenchPlan is the plan of the guest benchmark (make bench-vm): the
// guest package's TestBench, rounds rounds, pinned to the first vCPU.
func BenchPlan(b *Binaries, rounds int) vmguest.Plan {
	pkg := "internal/vmtest/guest"
	return vmguest.Plan{
		Env: []string{vmguest.EnvPlugins + "=" + guestPath(b.Dir), vmguest.EnvBench + "=" + strconv.Itoa(rounds)},
		Steps: []vmguest.Step{{Name: "bench", Path: guestPath(b.Tests[pkg]),
			Args: []string{"-test.v", "-test.count=1", "-test.run=^TestBench$", "-test.timeout=25m"}, TimeoutSeconds: 1560,
			// On one vCPU: under software emulation, wake-ups across CPUs
			// make a run's timing vary by a third; on one, the runs of a
			// figure agree within a few per cent.
			CPUs: []int{0}}},
	}
}
