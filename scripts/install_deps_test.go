// Package scripts holds the tests of the shell scripts beside them.
package scripts

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var (
	demoPackages = "gcc libc6-dev make pkg-config libzmq3-dev"
	testPackages = demoPackages + " python3-zmq qemu-system-x86"
)

// fakeSystem is a Debian in a directory: dpkg-query, apt-get, apt-cache and
// id as shell scripts that install-deps.sh finds first on PATH. apt-get
// records its calls and "installs" what it is asked for.
type fakeSystem struct {
	t   *testing.T
	dir string
}

func newFakeSystem(t *testing.T, uid int, installed []string, kernelKnown bool) *fakeSystem {
	t.Helper()
	f := &fakeSystem{t: t, dir: t.TempDir()}
	for _, p := range installed {
		f.write("installed/"+p, "")
	}
	depends := ""
	if kernelKnown {
		depends = `echo "  Depends: linux-image-6.1.0-28-amd64"`
	}
	f.write("bin/dpkg-query", `#!/bin/sh
# dpkg-query -W -f=FORMAT PACKAGE
if [ -e "$FAKE/installed/$3" ]; then printf installed; else printf not-installed; fi
`)
	f.write("bin/apt-get", `#!/bin/sh
echo "$*" >>"$FAKE/apt-get.calls"
if [ "$1" = install ]; then
	shift 3 # install -y --no-install-recommends
	for p in "$@"; do : >"$FAKE/installed/$p"; done
fi
`)
	f.write("bin/apt-cache", "#!/bin/sh\n"+depends+"\n")
	f.write("bin/id", fmt.Sprintf("#!/bin/sh\necho %d\n", uid)) // id -u
	return f
}

func (f *fakeSystem) write(name, content string) {
	f.t.Helper()
	path := filepath.Join(f.dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
		f.t.Fatal(err)
	}
}

// run runs install-deps.sh with args and returns its exit status and output.
func (f *fakeSystem) run(args ...string) (int, string) {
	f.t.Helper()
	if err := os.MkdirAll(filepath.Join(f.dir, "installed"), 0o755); err != nil {
		f.t.Fatal(err)
	}
	cmd := exec.Command("bash", append([]string{"install-deps.sh"}, args...)...)
	cmd.Env = append(os.Environ(), "FAKE="+f.dir, "PATH="+filepath.Join(f.dir, "bin")+":"+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		}
		f.t.Fatalf("install-deps.sh: %v", err)
	}
	return 0, string(out)
}

// aptCalls are the apt-get command lines run, one a line.
func (f *fakeSystem) aptCalls() string {
	b, err := os.ReadFile(filepath.Join(f.dir, "apt-get.calls"))
	if os.IsNotExist(err) {
		return ""
	}
	if err != nil {
		f.t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// TestInstallDepsModes: each mode installs what it needs, and only that,
// on a machine that has none of it (as a fresh Debian with only Go).
func TestInstallDepsModes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, testPackages},
		{[]string{"test"}, testPackages},
		{[]string{"demo"}, demoPackages},
	} {
		t.Run(strings.Join(append([]string{"mode"}, tc.args...), " "), func(t *testing.T) {
			f := newFakeSystem(t, 0, nil, true)
			code, out := f.run(tc.args...)
			want := "update\ninstall -y --no-install-recommends " + tc.want
			if code != 0 || f.aptCalls() != want {
				t.Errorf("status %d, apt-get calls %q; want 0 and %q\n%s", code, f.aptCalls(), want, out)
			}
			// Run again: everything is there, nothing is done.
			os.Remove(filepath.Join(f.dir, "apt-get.calls"))
			code, out = f.run(tc.args...)
			if code != 0 || f.aptCalls() != "" || !strings.Contains(out, "all present: "+tc.want) {
				t.Errorf("second run: status %d, apt-get calls %q\n%s", code, f.aptCalls(), out)
			}
		})
	}
}

// TestInstallDepsPartial installs only what is missing.
func TestInstallDepsPartial(t *testing.T) {
	f := newFakeSystem(t, 0, []string{"gcc", "libc6-dev", "make"}, true)
	code, out := f.run("demo")
	want := "update\ninstall -y --no-install-recommends pkg-config libzmq3-dev"
	if code != 0 || f.aptCalls() != want {
		t.Errorf("status %d, apt-get calls %q; want %q\n%s", code, f.aptCalls(), want, out)
	}
}

// TestInstallDepsKernelLists: the test VM's kernel must be known to apt,
// so the test mode updates stale package lists; the demo boots no VM and
// leaves them alone.
func TestInstallDepsKernelLists(t *testing.T) {
	all := strings.Fields(testPackages)
	f := newFakeSystem(t, 0, all, false)
	if code, out := f.run("demo"); code != 0 || f.aptCalls() != "" {
		t.Errorf("demo with stale lists: status %d, apt-get calls %q\n%s", code, f.aptCalls(), out)
	}
	// The fake lists stay stale after the update, which the script
	// reports as a failure.
	if code, out := f.run("test"); code != 1 || f.aptCalls() != "update" {
		t.Errorf("test with stale lists: status %d, apt-get calls %q; want 1 after an update\n%s", code, f.aptCalls(), out)
	}
}

// TestInstallDepsNotRoot: without root a missing package is an error that
// names the command to run, and nothing is installed.
func TestInstallDepsNotRoot(t *testing.T) {
	f := newFakeSystem(t, 1000, nil, true)
	code, out := f.run("demo")
	if code != 1 || f.aptCalls() != "" ||
		!strings.Contains(out, "apt-get install -y --no-install-recommends "+demoPackages) {
		t.Errorf("status %d, apt-get calls %q; want 1, none, and the command to run\n%s", code, f.aptCalls(), out)
	}
}

// TestInstallDepsBadMode: a mode that does not exist is a usage error.
func TestInstallDepsBadMode(t *testing.T) {
	f := newFakeSystem(t, 0, nil, true)
	code, out := f.run("everything")
	if code != 2 || f.aptCalls() != "" || !strings.Contains(out, "usage:") {
		t.Errorf("status %d, apt-get calls %q; want 2 and a usage line\n%s", code, f.aptCalls(), out)
	}
}
