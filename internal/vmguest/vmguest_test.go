package vmguest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeTB records what a guard does.
type fakeTB struct{ skipped, failed string }

func (*fakeTB) Helper()                             {}
func (f *fakeTB) Skip(args ...any)                  { f.skipped = sprint(args) }
func (f *fakeTB) Fatalf(format string, args ...any) { f.failed = format }

func sprint(args []any) string { return fmt.Sprint(args...) }

// TestGuard: the vsock guard lets a test through only with the init's
// environment marker, the kernel's command-line marker and vsock_loopback
// all there; without the markers it skips, saying why; in the guest without
// the module it fails.
func TestGuard(t *testing.T) {
	dir := t.TempDir()
	cmdlineFile := filepath.Join(dir, "cmdline")
	module := filepath.Join(dir, "vsock_loopback")
	savedCmdline, savedModule := cmdline, vsockLoopback
	defer func() { cmdline, vsockLoopback = savedCmdline, savedModule }()
	cmdline, vsockLoopback = cmdlineFile, module

	for _, tc := range []struct {
		name            string
		env, cmd        string
		module          bool
		skip, fail, run bool
	}{
		{name: "host", env: "", cmd: "console=ttyS0", module: false, skip: true},
		{name: "host with a loopback module", env: "", cmd: "quiet", module: true, skip: true},
		{name: "environment marker only", env: "1", cmd: "quiet", module: true, skip: true},
		{name: "command-line marker only", env: "", cmd: "quiet " + CmdlineMarker, module: true, skip: true},
		{name: "guest without the module", env: "1", cmd: "quiet " + CmdlineMarker, module: false, fail: true},
		{name: "guest", env: "1", cmd: "quiet " + CmdlineMarker + " panic=-1", module: true, run: true},
	} {
		t.Setenv(EnvGuest, tc.env)
		os.WriteFile(cmdlineFile, []byte(tc.cmd+"\n"), 0o644)
		os.RemoveAll(module)
		if tc.module {
			os.Mkdir(module, 0o755)
		}
		var f fakeTB
		RequireVsock(&f)
		if (f.skipped != "") != tc.skip || (f.failed != "") != tc.fail {
			t.Errorf("%s: skipped %q, failed %q", tc.name, f.skipped, f.failed)
		}
		if tc.skip && !strings.Contains(f.skipped, "hypervisor") {
			t.Errorf("%s: the skip does not say why: %q", tc.name, f.skipped)
		}
	}
}

func TestMark(t *testing.T) {
	line := Mark(MarkEnd, "step", "plugins/vmci", "rc", 0, "seconds", "1.50")
	if line != "VMTEST-END step=plugins/vmci rc=0 seconds=1.50" {
		t.Errorf("Mark = %q", line)
	}
	mark, f, ok := ParseMark("[  3.1] junk " + line + "\r")
	if !ok || mark != MarkEnd || f["step"] != "plugins/vmci" || f["rc"] != "0" || Seconds(f, "seconds") != 1.5 {
		t.Errorf("ParseMark = %q %v %v", mark, f, ok)
	}
	if _, f, ok := ParseMark(MarkError + " msg=loading /modules/x.ko: no such file"); !ok || f["msg"] != "loading /modules/x.ko: no such file" {
		t.Errorf("ParseMark(error) = %v %v", f, ok)
	}
	for _, l := range []string{"VMTEST-NOPE x=1", "=== RUN TestX", ""} {
		if _, _, ok := ParseMark(l); ok {
			t.Errorf("ParseMark(%q) took it for a marker", l)
		}
	}
}
