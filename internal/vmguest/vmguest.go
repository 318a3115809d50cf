// Package vmguest is the guest side of zeroplug's test VM (internal/vmtest):
// what its init runs (Plan), how a test knows it runs there, and the guard
// that keeps vsock tests off every other machine.
//
// The guard fails closed. A test that would open a vsock socket calls
// RequireVsock first, which lets it run only when all of these hold: the
// guest's init set ZEROPLUG_VM_GUEST=1, the kernel was booted with
// zeroplug.vmtest=1 on its command line, and the vsock_loopback module is
// loaded. Elsewhere the test is skipped, saying why: on a machine without
// vsock_loopback, a connect to CID 1 or 2 goes to the hypervisor, outside
// the machine. In the guest, a missing module is a failure, not a skip.
package vmguest

import (
	"os"
	"strings"
)

// The environment the guest's init gives every step.
const (
	// EnvGuest is "1" in the test VM only.
	EnvGuest = "ZEROPLUG_VM_GUEST"
	// EnvPlugins is the directory of the plugin binaries built for the
	// guest: zeroplug-transport-vmci (and its link -vsock) and -tipc.
	EnvPlugins = "ZEROPLUG_VM_PLUGINS"
	// EnvZmqpeer is the path of zmqpeer (libzmq's reference peer, linked
	// against the host's libzmq) in the host's file system, which the
	// guest mounts read-only at HostRoot: run it under chroot there.
	EnvZmqpeer = "ZEROPLUG_VM_ZMQPEER"
	// EnvBench asks the guest test for the benchmark (make bench-vm): its
	// value is the number of rounds.
	EnvBench = "ZEROPLUG_VM_BENCH"
)

// CmdlineMarker is on the guest kernel's command line.
const CmdlineMarker = "zeroplug.vmtest=1"

// HostRoot is where the guest mounts the host's root file system
// (read-only, 9p over virtio).
const HostRoot = "/host"

// vsockLoopback is present when the kernel's vsock_loopback module is
// loaded: CID 1 then stays inside the machine.
var vsockLoopback = "/sys/module/vsock_loopback"

// cmdline is the kernel's command line.
var cmdline = "/proc/cmdline"

// InGuest reports whether this process runs in the test VM: the init's
// environment marker and the kernel's command-line marker are both there.
func InGuest() bool {
	if os.Getenv(EnvGuest) != "1" {
		return false
	}
	b, err := os.ReadFile(cmdline)
	if err != nil {
		return false
	}
	for _, f := range strings.Fields(string(b)) {
		if f == CmdlineMarker {
			return true
		}
	}
	return false
}

// TB is the part of testing.TB the guards use.
type TB interface {
	Helper()
	Skip(args ...any)
	Fatalf(format string, args ...any)
}

// RequireVsock lets a test use vsock only inside the test VM with
// vsock_loopback loaded; anywhere else it skips the test, saying why.
func RequireVsock(t TB) {
	t.Helper()
	if !InGuest() {
		t.Skip("vsock tests run only inside zeroplug's test VM, which `make test` boots (internal/vmtest, TestGuest): " +
			"outside it a vsock connect to CID 1 or 2 can reach the hypervisor, so this test refuses to open a vsock socket here")
		return
	}
	if _, err := os.Stat(vsockLoopback); err != nil {
		t.Fatalf("in the test VM, but the vsock_loopback module is not loaded (%v): refusing to open a vsock socket", err)
	}
}

// RequireTIPC lets a test use TIPC where the kernel has it (the tipc module
// loaded), and fails it in the test VM if TIPC is missing there. It never
// loads a module itself.
func RequireTIPC(t TB) {
	t.Helper()
	_, err := os.Stat("/sys/module/tipc")
	switch {
	case err == nil:
	case InGuest():
		t.Fatalf("in the test VM, but the tipc module is not loaded: %v", err)
	default:
		t.Skip("this kernel has no TIPC (the tipc module is not loaded); `make test` runs the TIPC tests inside zeroplug's test VM (internal/vmtest, TestGuest)")
	}
}

// Plugins is the directory of the plugin binaries built for the guest.
func Plugins(t TB) string {
	t.Helper()
	d := os.Getenv(EnvPlugins)
	if d == "" {
		t.Fatalf("%s is not set: the test VM's init sets it to the directory of the plugin binaries", EnvPlugins)
	}
	return d
}
