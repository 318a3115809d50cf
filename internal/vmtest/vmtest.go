// Package vmtest runs programs in a throwaway virtual machine with a real
// Linux kernel that has what the machine running the tests may lack:
// vsock_loopback (VM sockets inside one machine) and TIPC. It is how
// zeroplug's vsock and tipc transports are tested end to end, and how a
// vsock socket is kept off the host, where a connect to CID 1 or 2 can reach
// the hypervisor.
//
// Run boots Debian's current kernel (the package linux-image-amd64 depends
// on, fetched with apt-get download and kept in the user's cache directory)
// under qemu-system-x86_64 with software emulation (TCG: no KVM needed), two
// CPUs and 1 GiB, no network. The initramfs is built here in Go: the
// guest's init (./vminit), the modules it loads, and the plan of what to
// run. The host's root file system is mounted read-only at /host in the
// guest over 9p, so static test binaries built on the host run there
// directly, and dynamically linked host programs (libzmq's zmqpeer) run
// under chroot /host. The host reads the console from the serial port: the
// steps' output and the init's marker lines, with a hard time limit, so that
// a hung guest fails rather than stalls.
//
// TestGuest builds the project's binaries and runs them this way; it is part
// of `make test`. `make bench-vm` runs the guest benchmark (./benchvm).
package vmtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/zeroplug/zeroplug/internal/vmguest"
)

// Config is one run of the VM.
type Config struct {
	// Init is the path of the built vminit, a static binary.
	Init string
	// Plan is what the guest runs; Run fills in its modules.
	Plan vmguest.Plan
	// CacheDir keeps the kernel between runs; empty means
	// $XDG_CACHE_HOME/zeroplug/vm (~/.cache/zeroplug/vm).
	CacheDir string
	// Timeout is the hard limit of the whole run, boot to power-off
	// (8 minutes when zero): the VM is killed after it.
	Timeout time.Duration
	// Console receives every console line as it arrives (nil: none).
	Console io.Writer
	// Logf reports what the harness does (downloading the kernel...).
	Logf func(format string, args ...any)
}

// Result is what the guest reported.
type Result struct {
	Kernel string // the kernel package booted
	// BootUptime and ReadyUptime are the guest's uptime when its init
	// started and when the modules were loaded and /host mounted.
	BootUptime, ReadyUptime float64
	Wall                    time.Duration // from starting qemu to its exit
	Steps                   []StepResult
	Errors                  []string // the init's VMTEST-ERROR messages
	Exited                  bool     // the init reported the end (VMTEST-EXIT)
	ExitRC                  int
	Console                 []string // every line, kernel messages included
}

// StepResult is one step of the plan as the guest ran it.
type StepResult struct {
	Name    string
	RC      int
	Seconds float64
	Output  []string // the step's lines
	Ended   bool     // its VMTEST-END was seen
}

// Failed lists what went wrong, one line each; nil when the run passed.
func (r *Result) Failed() []string {
	var out []string
	out = append(out, r.Errors...)
	for _, s := range r.Steps {
		if !s.Ended {
			out = append(out, fmt.Sprintf("step %s did not finish", s.Name))
		} else if s.RC != 0 {
			out = append(out, fmt.Sprintf("step %s failed (exit status %d)", s.Name, s.RC))
		}
	}
	if !r.Exited {
		out = append(out, "the guest did not report its end (VMTEST-EXIT)")
	} else if r.ExitRC != 0 && len(out) == 0 {
		out = append(out, fmt.Sprintf("the guest reported exit status %d", r.ExitRC))
	}
	return out
}

// DefaultCacheDir is where the kernel is kept: ~/.cache/zeroplug/vm.
func DefaultCacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "zeroplug", "vm"), nil
}

// Qemu is the emulator's program.
const Qemu = "qemu-system-x86_64"

// Run boots the VM, runs the plan and returns what the guest reported. An
// error means the VM could not run (no qemu, no kernel) or did not finish in
// time; a step that failed is in the Result.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 8 * time.Minute
	}
	qemu, err := exec.LookPath(Qemu)
	if err != nil {
		return nil, ErrNoQemu
	}
	if cfg.CacheDir == "" {
		if cfg.CacheDir, err = DefaultCacheDir(); err != nil {
			return nil, err
		}
	}
	k, err := fetchKernel(cfg.CacheDir, cfg.Logf)
	if err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "zeroplug-vm-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	initrd := filepath.Join(work, "initramfs.cpio")
	if err := buildInitramfs(initrd, cfg.Init, k.Modules, cfg.Plan); err != nil {
		return nil, err
	}

	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, qemu,
		"-accel", "tcg", "-cpu", "max", "-smp", "2", "-m", "1G",
		"-nodefaults", "-no-user-config", "-display", "none", "-no-reboot", "-nic", "none",
		"-kernel", k.Image, "-initrd", initrd,
		"-append", "console=ttyS0 quiet loglevel=3 panic=-1 "+vmguest.CmdlineMarker,
		"-serial", "stdio",
		"-virtfs", "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap",
	)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	res := &Result{Kernel: k.Package}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("vmtest: starting %s: %w", qemu, err)
	}
	res.read(out, cfg.Console)
	werr := cmd.Wait()
	res.Wall = time.Since(start)
	switch {
	case ctx.Err() != nil:
		return res, fmt.Errorf("vmtest: the guest did not finish within %v: killed (%d console lines read)", cfg.Timeout, len(res.Console))
	case werr != nil && !res.Exited:
		return res, fmt.Errorf("vmtest: %s: %v\n%s", qemu, werr, strings.TrimSpace(stderr.String()))
	}
	return res, nil
}

// read takes the console's lines until the VM ends.
func (r *Result) read(out io.Reader, console io.Writer) {
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var cur *StepResult
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		r.Console = append(r.Console, line)
		if console != nil {
			fmt.Fprintln(console, line)
		}
		mark, f, ok := vmguest.ParseMark(line)
		if !ok {
			if cur != nil {
				cur.Output = append(cur.Output, line)
			}
			continue
		}
		switch mark {
		case vmguest.MarkBoot:
			r.BootUptime = vmguest.Seconds(f, "uptime")
		case vmguest.MarkReady:
			r.ReadyUptime = vmguest.Seconds(f, "uptime")
		case vmguest.MarkBegin:
			r.Steps = append(r.Steps, StepResult{Name: f["step"], RC: -1})
			cur = &r.Steps[len(r.Steps)-1]
		case vmguest.MarkEnd:
			if cur != nil {
				fmt.Sscan(f["rc"], &cur.RC)
				cur.Seconds = vmguest.Seconds(f, "seconds")
				cur.Ended = true
			}
			cur = nil
		case vmguest.MarkError:
			r.Errors = append(r.Errors, f["msg"])
		case vmguest.MarkExit:
			r.Exited = true
			fmt.Sscan(f["rc"], &r.ExitRC)
		}
	}
	io.Copy(io.Discard, out)
}

// buildInitramfs writes the initramfs: the init (also as /bin/chroot), the
// modules and the plan, uncompressed (the kernel takes a plain cpio).
func buildInitramfs(path, initBin string, modules []string, plan vmguest.Plan) error {
	init, err := os.ReadFile(initBin)
	if err != nil {
		return fmt.Errorf("vmtest: the guest's init: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	c := &cpioWriter{w: w}
	for _, d := range []string{"bin", "dev", "proc", "sys", "tmp", "modules", strings.TrimPrefix(vmguest.HostRoot, "/")} {
		c.dir(d)
	}
	c.char("dev/console", 5, 1)
	c.file("init", init, 0o755)
	c.symlink("bin/chroot", "/init")
	plan.Modules = nil
	for _, m := range modules {
		b, err := os.ReadFile(m)
		if err != nil {
			return err
		}
		name := "modules/" + filepath.Base(m)
		c.file(name, b, 0o644)
		plan.Modules = append(plan.Modules, "/"+name)
	}
	pj, err := json.MarshalIndent(plan, "", "  ")
	if err != nil {
		return err
	}
	c.file(strings.TrimPrefix(vmguest.PlanPath, "/"), pj, 0o644)
	if err := c.close(); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// ErrNoQemu is the error of a machine without the emulator.
var ErrNoQemu = errors.New("vmtest: " + Qemu + " not found: run `make deps` (as root), which installs qemu-system-x86")
