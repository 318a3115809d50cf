package vmtest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/internal/peertest"
	"github.com/zeroplug/zeroplug/internal/vmguest"
)

func TestMain(m *testing.M) { peertest.Main(m) }

// EnvRun, when set, is passed to the guest's test binaries as -test.run: a
// way to run some of the guest's tests while working on them
// (ZEROPLUG_VM_RUN=TestLookupDomain go test -run TestGuest ./internal/vmtest).
const EnvRun = "ZEROPLUG_VM_RUN"

// TestGuest boots the test VM and runs there the tests that need vsock or
// TIPC: the vmci and tipc plugins' conformance through their binaries, every
// pattern of the core over both, a plugin killed mid-stream, and libzmq over
// tipc. It skips nothing: without qemu it fails, saying to run `make deps`.
// Every test in the guest must pass, and none may skip there.
func TestGuest(t *testing.T) {
	if _, err := exec.LookPath(Qemu); err != nil {
		t.Fatal(ErrNoQemu)
	}
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	t0 := time.Now()
	bins, err := Build(ctx, root, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	zmqpeer := peertest.Zmqpeer(t)
	t.Logf("built the guest's binaries in %v", time.Since(t0).Round(time.Millisecond))

	cache, err := DefaultCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	var console bytes.Buffer
	res, err := Run(ctx, Config{
		Init:     bins.Init,
		Plan:     TestPlan(bins, zmqpeer, os.Getenv(EnvRun)),
		CacheDir: cache,
		Console:  &console,
		Logf:     t.Logf,
	})
	logPath := filepath.Join(cache, "last-console.log")
	if werr := os.WriteFile(logPath, console.Bytes(), 0o644); werr == nil {
		t.Logf("the guest's console: %s", logPath)
	}
	if err != nil {
		t.Fatalf("%v\nthe console's last lines:\n%s", err, tail(res, 60))
	}
	t.Logf("guest: %s; init started at %.2f s of uptime, ready at %.2f s; %d steps; %v from qemu's start to power-off",
		res.Kernel, res.BootUptime, res.ReadyUptime, len(res.Steps), res.Wall.Round(time.Millisecond))

	skip := regexp.MustCompile(`^\s*--- SKIP: `)
	summary := regexp.MustCompile(`^(--- (PASS|FAIL)|PASS$|FAIL$|ok |panic:)`)
	for _, s := range res.Steps {
		t.Run(strings.ReplaceAll(s.Name, "/", "_"), func(t *testing.T) {
			var skipped []string
			for i, l := range s.Output {
				if skip.MatchString(l) {
					reason := ""
					if i+1 < len(s.Output) {
						reason = strings.TrimSpace(s.Output[i+1])
					}
					skipped = append(skipped, strings.TrimSpace(l)+" "+reason)
				}
				if summary.MatchString(l) {
					t.Log(l)
				}
			}
			if len(skipped) > 0 {
				t.Errorf("%d tests skipped in the guest, where everything must run:\n%s", len(skipped), strings.Join(skipped, "\n"))
			}
			switch {
			case !s.Ended:
				t.Errorf("did not finish; its output:\n%s", strings.Join(s.Output, "\n"))
			case s.RC != 0:
				t.Errorf("failed in the guest (exit status %d) after %.1f s; its output:\n%s", s.RC, s.Seconds, strings.Join(s.Output, "\n"))
			default:
				t.Logf("passed in the guest in %.1f s", s.Seconds)
			}
		})
	}
	if len(res.Steps) != len(guestTests) {
		t.Errorf("the guest ran %d steps, want %d", len(res.Steps), len(guestTests))
	}
	for _, f := range res.Failed() {
		t.Error(f)
	}
}

// tail is the end of the console, for a run that went wrong.
func tail(res *Result, n int) string {
	if res == nil {
		return ""
	}
	c := res.Console
	if len(c) > n {
		c = c[len(c)-n:]
	}
	return strings.Join(c, "\n")
}

// TestCpio: the writer's archive reads back, names, modes and contents,
// each header and body on a 4-byte boundary.
func TestCpio(t *testing.T) {
	var b bytes.Buffer
	c := &cpioWriter{w: &b}
	c.dir("bin")
	c.char("dev/console", 5, 1)
	c.file("init", []byte("#!hello"), 0o755)
	c.symlink("bin/chroot", "/init")
	c.file("x", nil, 0o644)
	if err := c.close(); err != nil {
		t.Fatal(err)
	}
	type ent struct {
		name  string
		mode  uint32
		data  string
		major uint32
	}
	var got []ent
	a := b.Bytes()
	for len(a) > 0 {
		if len(a) < 110 || string(a[:6]) != "070701" {
			t.Fatalf("bad header at %d: %q", b.Len()-len(a), a[:min(len(a), 110)])
		}
		field := func(i int) uint32 {
			v, err := strconv.ParseUint(string(a[6+8*i:14+8*i]), 16, 32)
			if err != nil {
				t.Fatal(err)
			}
			return uint32(v)
		}
		mode, size, major, namesize := field(1), field(6), field(9), field(11)
		name := string(a[110 : 110+namesize-1])
		off := (110 + int(namesize) + 3) &^ 3
		data := string(a[off : off+int(size)])
		got = append(got, ent{name, mode, data, major})
		a = a[(off+int(size)+3)&^3:]
	}
	want := []ent{
		{"bin", modeDir | 0o755, "", 0}, {"dev/console", modeChar | 0o600, "", 5},
		{"init", modeRegular | 0o755, "#!hello", 0}, {"bin/chroot", modeSymlink | 0o777, "/init", 0},
		{"x", modeRegular | 0o644, "", 0}, {"TRAILER!!!", 0, "", 0},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("read back\n%v\nwant\n%v", got, want)
	}
}

// TestResolveOrder: dependencies come first, each module once, built-in
// ones without a file; a circle is an error.
func TestResolveOrder(t *testing.T) {
	deps := map[string][]string{
		"tipc": {"udp_tunnel", "ip6_udp_tunnel"}, "udp_tunnel": nil, "ip6_udp_tunnel": nil,
		"vsock_loopback":                    {"vsock", "vmw_vsock_virtio_transport_common"},
		"vmw_vsock_virtio_transport_common": {"vsock"}, "vsock": nil, "builtin": nil,
	}
	lookup := func(name string) (string, []string, error) {
		d, ok := deps[name]
		if !ok {
			return "", nil, fmt.Errorf("no module %s", name)
		}
		if name == "builtin" {
			return "", nil, nil
		}
		return name + ".ko", d, nil
	}
	got, err := resolveOrder([]string{"vsock-loopback", "tipc", "builtin"}, lookup)
	if err != nil {
		t.Fatal(err)
	}
	want := "vsock.ko vmw_vsock_virtio_transport_common.ko vsock_loopback.ko udp_tunnel.ko ip6_udp_tunnel.ko tipc.ko"
	if strings.Join(got, " ") != want {
		t.Errorf("order %q, want %q", got, want)
	}
	deps["vsock"] = []string{"vsock_loopback"}
	if _, err := resolveOrder([]string{"vsock_loopback"}, lookup); err == nil || !strings.Contains(err.Error(), "circle") {
		t.Errorf("a circle: %v", err)
	}
	if _, err := resolveOrder([]string{"nosuch"}, lookup); err == nil {
		t.Error("a missing module was accepted")
	}
}

// TestRead: the console's marker lines become the result, kernel messages
// and all; a step that never ended and a missing VMTEST-EXIT are failures.
func TestRead(t *testing.T) {
	console := strings.Join([]string{
		"[    0.000000] Linux version 6.1.0",
		vmguest.Mark(vmguest.MarkBoot, "uptime", "2.58") + "\r",
		vmguest.Mark(vmguest.MarkReady, "uptime", "3.41", "modules", 16),
		vmguest.Mark(vmguest.MarkBegin, "step", "plugins/vmci"),
		"=== RUN   TestParse",
		"--- PASS: TestParse (0.00s)",
		vmguest.Mark(vmguest.MarkEnd, "step", "plugins/vmci", "rc", 0, "seconds", "12.50"),
		vmguest.Mark(vmguest.MarkBegin, "step", "plugins/tipc"),
		vmguest.Mark(vmguest.MarkError) + " msg=step plugins/tipc: no such file",
		vmguest.Mark(vmguest.MarkEnd, "step", "plugins/tipc", "rc", 127, "seconds", "0.01"),
		vmguest.Mark(vmguest.MarkBegin, "step", "hung"),
		"[   70.1] reboot: Power down",
	}, "\n")
	var r Result
	r.read(strings.NewReader(console), nil)
	if r.BootUptime != 2.58 || r.ReadyUptime != 3.41 || len(r.Steps) != 3 {
		t.Fatalf("read %+v", r)
	}
	if s := r.Steps[0]; s.Name != "plugins/vmci" || s.RC != 0 || s.Seconds != 12.5 || !s.Ended || len(s.Output) != 2 {
		t.Errorf("first step %+v", s)
	}
	if s := r.Steps[1]; s.RC != 127 || len(r.Errors) != 1 || r.Errors[0] != "step plugins/tipc: no such file" {
		t.Errorf("second step %+v, errors %q", s, r.Errors)
	}
	failed := strings.Join(r.Failed(), "\n")
	for _, want := range []string{"no such file", "plugins/tipc failed (exit status 127)", "step hung did not finish", "did not report its end"} {
		if !strings.Contains(failed, want) {
			t.Errorf("Failed() = %q, which lacks %q", failed, want)
		}
	}
}
