//go:build linux

// Command vminit is the init (process 1) of zeroplug's test VM, a static
// binary at /init of the initramfs that internal/vmtest builds. It mounts
// /proc, /sys, /dev and /tmp, loads the kernel modules of the plan
// (/plan.json) in order, mounts the host's root file system read-only at
// /host (9p over virtio), runs the plan's steps one after the other with
// their output on the console, and powers the machine off. The host reads
// the console: the steps' own output between marker lines (see
// internal/vmguest).
//
// Linked as /bin/chroot, it is "chroot DIR PROGRAM [ARG]...": it runs a
// program of the host's (libzmq's zmqpeer) in the host's file system.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/zeroplug/zeroplug/internal/vmguest"
)

func main() {
	if filepath.Base(os.Args[0]) == "chroot" {
		os.Exit(chroot(os.Args[1:]))
	}
	if os.Getpid() != 1 {
		fmt.Fprintln(os.Stderr, "vminit is the init of zeroplug's test VM (internal/vmtest), not a program to run by hand")
		os.Exit(2)
	}
	rc := run()
	fmt.Println(vmguest.Mark(vmguest.MarkExit, "rc", rc, "uptime", uptime()))
	unix.Sync()
	unix.Reboot(unix.LINUX_REBOOT_CMD_POWER_OFF)
	select {} // process 1 must not exit
}

// chroot runs argv[1:] with argv[0] as its root directory.
func chroot(args []string) int {
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: chroot DIR PROGRAM [ARG]...")
		return 2
	}
	if err := syscall.Chroot(args[0]); err != nil {
		fmt.Fprintf(os.Stderr, "chroot %s: %v\n", args[0], err)
		return 1
	}
	if err := os.Chdir("/"); err != nil {
		fmt.Fprintf(os.Stderr, "chroot: %v\n", err)
		return 1
	}
	err := syscall.Exec(args[1], args[1:], os.Environ())
	fmt.Fprintf(os.Stderr, "chroot: %s: %v\n", args[1], err)
	return 127
}

func fail(format string, args ...any) {
	fmt.Println(vmguest.Mark(vmguest.MarkError) + " msg=" + fmt.Sprintf(format, args...))
}

// run does the init's work and returns the exit status to report: 0 when
// every step passed.
func run() int {
	for _, m := range []struct{ fs, dir string }{{"proc", "/proc"}, {"sysfs", "/sys"}, {"devtmpfs", "/dev"}, {"tmpfs", "/tmp"}} {
		os.MkdirAll(m.dir, 0o755)
		if err := unix.Mount(m.fs, m.dir, m.fs, 0, ""); err != nil && !errors.Is(err, unix.EBUSY) {
			fail("mount %s on %s: %v", m.fs, m.dir, err)
			return 1
		}
	}
	fmt.Println(vmguest.Mark(vmguest.MarkBoot, "uptime", uptime()))

	b, err := os.ReadFile(vmguest.PlanPath)
	if err != nil {
		fail("%v", err)
		return 1
	}
	var plan vmguest.Plan
	if err := json.Unmarshal(b, &plan); err != nil {
		fail("%s: %v", vmguest.PlanPath, err)
		return 1
	}
	rc := 0
	for _, m := range plan.Modules {
		if err := loadModule(m); err != nil {
			fail("loading %s: %v", m, err)
			rc = 1
		}
	}
	if err := mountHost(); err != nil {
		fail("mounting the host's file system at %s: %v", vmguest.HostRoot, err)
		rc = 1
	}
	fmt.Println(vmguest.Mark(vmguest.MarkReady, "uptime", uptime(), "modules", len(plan.Modules)))

	for i, s := range plan.Steps {
		if !runStep(i, s, plan.Env) {
			rc = 1
		}
	}
	return rc
}

// loadModule loads one module file; one already loaded is fine.
func loadModule(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	err = unix.FinitModule(int(f.Fd()), "", 0)
	if errors.Is(err, unix.EEXIST) {
		return nil
	}
	return err
}

// mountHost mounts the host's root read-only, and on it what a program of
// the host's expects to find when run under chroot there.
func mountHost() error {
	// cache=loose: the host's files do not change while the VM runs, and
	// programs load much faster from the guest's page cache.
	opts := "trans=virtio,version=9p2000.L,msize=262144,cache=loose"
	if err := unix.Mount("hostroot", vmguest.HostRoot, "9p", unix.MS_RDONLY, opts); err != nil {
		return err
	}
	// /var/tmp writable, for the temporary files of programs run there.
	for _, m := range []struct{ fs, dir string }{{"proc", "/proc"}, {"sysfs", "/sys"}, {"devtmpfs", "/dev"}, {"tmpfs", "/var/tmp"}} {
		if err := unix.Mount(m.fs, vmguest.HostRoot+m.dir, m.fs, 0, ""); err != nil {
			return fmt.Errorf("mount %s on %s%s: %w", m.fs, vmguest.HostRoot, m.dir, err)
		}
	}
	return nil
}

// runStep runs one step with its output on the console, and reports it.
func runStep(i int, s vmguest.Step, env []string) bool {
	fmt.Println(vmguest.Mark(vmguest.MarkBegin, "step", s.Name))
	start := time.Now()
	dir := fmt.Sprintf("/tmp/step-%d", i)
	os.MkdirAll(dir, 0o755)
	timeout := time.Duration(s.TimeoutSeconds) * time.Second
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.Path, s.Args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=/bin", "HOME=" + dir, "TMPDIR=" + dir, vmguest.EnvGuest + "=1"}, env...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stdout
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// On timeout, the whole group: the step's plugin processes too.
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	err := startOn(cmd, s.CPUs)
	if err == nil {
		err = cmd.Wait()
	}
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // what the step left behind
	}
	rc := 0
	var ee *exec.ExitError
	switch {
	case err == nil:
	case ctx.Err() != nil:
		fail("step %s did not end within %v: killed", s.Name, timeout)
		rc = 124
	case errors.As(err, &ee):
		rc = ee.ExitCode()
		if rc < 0 {
			rc = 128
		}
	default:
		fail("step %s: %v", s.Name, err)
		rc = 127
	}
	fmt.Println(vmguest.Mark(vmguest.MarkEnd, "step", s.Name, "rc", rc, "seconds", fmt.Sprintf("%.2f", time.Since(start).Seconds())))
	return rc == 0
}

// startOn starts cmd, on the given CPUs only if there are any: the child
// inherits the affinity of the thread that forks it, which is set for the
// while.
func startOn(cmd *exec.Cmd, cpus []int) error {
	if len(cpus) == 0 {
		return cmd.Start()
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var old, set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		return err
	}
	for _, c := range cpus {
		set.Set(c)
	}
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		return fmt.Errorf("sched_setaffinity %v: %w", cpus, err)
	}
	defer unix.SchedSetaffinity(0, &old)
	return cmd.Start()
}

// uptime is the guest's /proc/uptime, in seconds.
func uptime() string {
	b, err := os.ReadFile("/proc/uptime")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}
