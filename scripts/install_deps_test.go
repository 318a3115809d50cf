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
	testPackages = demoPackages + " python3-zmq g++ libnorm-dev qemu-system-x86 iproute2 nftables"
	// nodePackages are installed by the test mode only when the node and npm commands
	// are missing.
	nodePackages = "nodejs npm"
)

// npmInstall is the npm command line that installs zeromq.js into dir.
func npmInstall(dir string) string {
	return "install --prefix " + dir + " --ignore-scripts --no-save --no-audit --no-fund zeromq@6.8.0"
}

// fakeSystem is a Debian in a directory: dpkg-query, apt-get, apt-cache and
// id as shell scripts that install-deps.sh finds first on PATH, and nothing
// else on PATH but a few tools (so that the machine's node is not found).
// apt-get records its calls and "installs" what it is asked for; installing
// nodejs or npm puts a fake node or npm on PATH. The fake npm records its calls
// and "installs" zeromq.js (the version FAKE_NPM_VERSION says, 6.8.0 by
// default); the fake node passes install-deps.sh's check when that version
// is what is installed.
type fakeSystem struct {
	t   *testing.T
	dir string
	env []string // added to the script's environment
}

// sysTools are the real programs the script and the fakes run.
var sysTools = []string{"grep", "mkdir", "cp", "cat"}

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
	for p in "$@"; do
		: >"$FAKE/installed/$p"
		if [ -e "$FAKE/pkg/$p" ]; then cp "$FAKE/pkg/$p"/* "$FAKE/bin/"; fi
	done
fi
`)
	f.write("bin/apt-cache", "#!/bin/sh\n"+depends+"\n")
	f.write("bin/id", fmt.Sprintf("#!/bin/sh\necho %d\n", uid)) // id -u
	// node -e CHECK VERSION
	f.write("pkg/nodejs/node", `#!/bin/sh
if [ "$(cat "$NODE_PATH/zeromq/version" 2>/dev/null)" = "$3" ]; then exit 0; fi
echo "Error: zeromq.js is not $3" >&2
exit 1
`)
	// npm install --prefix DIR ... zeromq@VERSION
	f.write("pkg/npm/npm", `#!/bin/sh
echo "$*" >>"$FAKE/npm.calls"
mkdir -p "$3/node_modules/zeromq"
echo "${FAKE_NPM_VERSION:-6.8.0}" >"$3/node_modules/zeromq/version"
`)
	for _, tool := range sysTools {
		path, err := exec.LookPath(tool)
		if err != nil {
			t.Fatalf("%s: %v", tool, err)
		}
		if err := os.MkdirAll(filepath.Join(f.dir, "sys"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(path, filepath.Join(f.dir, "sys", tool)); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range installed {
		if p == "nodejs" || p == "npm" {
			f.provide(p)
		}
	}
	return f
}

// provide puts the command of package p (nodejs: node, npm: npm) on PATH
// without dpkg knowing p, as when node comes from elsewhere.
func (f *fakeSystem) provide(p string) {
	f.t.Helper()
	entries, err := os.ReadDir(filepath.Join(f.dir, "pkg", p))
	if err != nil {
		f.t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(f.dir, "pkg", p, e.Name()))
		if err != nil {
			f.t.Fatal(err)
		}
		f.write("bin/"+e.Name(), string(b))
	}
}

// cacheDir is where the script installs zeromq.js by default: the fake
// system's XDG_CACHE_HOME is its cache directory.
func (f *fakeSystem) cacheDir() string { return filepath.Join(f.dir, "cache", "zeroplug", "zeromqjs") }

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
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ZEROPLUG_ZEROMQJS_DIR=") && !strings.HasPrefix(kv, "FAKE_NPM_VERSION=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "FAKE="+f.dir, "XDG_CACHE_HOME="+filepath.Join(f.dir, "cache"),
		"PATH="+filepath.Join(f.dir, "bin")+":"+filepath.Join(f.dir, "sys"))
	cmd.Env = append(cmd.Env, f.env...)
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
func (f *fakeSystem) aptCalls() string { return f.calls("apt-get.calls") }

// npmCalls are the npm command lines run, one a line.
func (f *fakeSystem) npmCalls() string { return f.calls("npm.calls") }

// forgetCalls clears the records of apt-get's and npm's calls.
func (f *fakeSystem) forgetCalls() {
	os.Remove(filepath.Join(f.dir, "apt-get.calls"))
	os.Remove(filepath.Join(f.dir, "npm.calls"))
}

func (f *fakeSystem) calls(name string) string {
	b, err := os.ReadFile(filepath.Join(f.dir, name))
	if os.IsNotExist(err) {
		return ""
	}
	if err != nil {
		f.t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// TestInstallDepsModes: each mode installs what it needs, and only that,
// on a machine that has none of it (as a fresh Debian with only Go): the
// test mode node, npm and zeromq.js as well.
func TestInstallDepsModes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
		npm  bool // zeromq.js is installed
	}{
		{nil, testPackages + " " + nodePackages, true},
		{[]string{"test"}, testPackages + " " + nodePackages, true},
		{[]string{"demo"}, demoPackages, false},
	} {
		t.Run(strings.Join(append([]string{"mode"}, tc.args...), " "), func(t *testing.T) {
			f := newFakeSystem(t, 0, nil, true)
			code, out := f.run(tc.args...)
			want := "update\ninstall -y --no-install-recommends " + tc.want
			wantNPM := ""
			if tc.npm {
				wantNPM = npmInstall(f.cacheDir())
			}
			if code != 0 || f.aptCalls() != want || f.npmCalls() != wantNPM {
				t.Errorf("status %d, apt-get calls %q, npm calls %q; want 0, %q and %q\n%s",
					code, f.aptCalls(), f.npmCalls(), want, wantNPM, out)
			}
			// Run again: everything is there, nothing is done (node and npm are
			// on PATH now: the test mode does not ask for them again).
			f.forgetCalls()
			code, out = f.run(tc.args...)
			if code != 0 || f.aptCalls() != "" || f.npmCalls() != "" ||
				!strings.Contains(out, "all present: "+strings.TrimSuffix(tc.want, " "+nodePackages)) {
				t.Errorf("second run: status %d, apt-get calls %q, npm calls %q\n%s", code, f.aptCalls(), f.npmCalls(), out)
			}
			if tc.npm && !strings.Contains(out, "zeromq.js 6.8.0 present in "+f.cacheDir()) {
				t.Errorf("second run does not say zeromq.js is present\n%s", out)
			}
		})
	}
}

// TestInstallDepsNodeFromElsewhere: node and npm on PATH, from a package
// dpkg does not know (NodeSource, nvm), are enough: apt installs neither.
func TestInstallDepsNodeFromElsewhere(t *testing.T) {
	f := newFakeSystem(t, 0, strings.Fields(testPackages), true)
	f.provide("nodejs")
	f.provide("npm")
	code, out := f.run("test")
	if code != 0 || f.aptCalls() != "" || f.npmCalls() != npmInstall(f.cacheDir()) {
		t.Errorf("status %d, apt-get calls %q, npm calls %q; want 0, none and the zeromq.js install\n%s",
			code, f.aptCalls(), f.npmCalls(), out)
	}
}

// TestInstallDepsZeromqJS: ZEROPLUG_ZEROMQJS_DIR chooses the directory; a
// user who is not root installs there too (npm needs no root); a zeromq.js
// of another version is replaced, and one that still fails the check after
// npm install is an error.
func TestInstallDepsZeromqJS(t *testing.T) {
	installed := append(strings.Fields(testPackages), "nodejs", "npm")
	t.Run("dir-not-root", func(t *testing.T) {
		f := newFakeSystem(t, 1000, installed, true)
		dir := filepath.Join(f.dir, "elsewhere")
		f.env = []string{"ZEROPLUG_ZEROMQJS_DIR=" + dir}
		code, out := f.run("test")
		if code != 0 || f.aptCalls() != "" || f.npmCalls() != npmInstall(dir) {
			t.Errorf("status %d, apt-get calls %q, npm calls %q; want 0, none, %q\n%s",
				code, f.aptCalls(), f.npmCalls(), npmInstall(dir), out)
		}
	})
	t.Run("other-version", func(t *testing.T) {
		f := newFakeSystem(t, 0, installed, true)
		f.env = []string{"FAKE_NPM_VERSION=6.7.0"}
		if code, out := f.run("test"); code != 1 || !strings.Contains(out, "does not load with the draft API") {
			t.Errorf("npm installing 6.7.0: status %d; want 1 and the reason\n%s", code, out)
		}
		f.forgetCalls()
		f.env = nil
		if code, out := f.run("test"); code != 0 || f.npmCalls() != npmInstall(f.cacheDir()) {
			t.Errorf("with 6.7.0 there: status %d, npm calls %q; want 0 and an install\n%s", code, f.npmCalls(), out)
		}
	})
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
	all := append(strings.Fields(testPackages), "nodejs", "npm")
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

// TestInstallDepsNodeMissing: dpkg has nodejs but node is not on PATH: an
// error that says so, not a shell's "command not found".
func TestInstallDepsNodeMissing(t *testing.T) {
	f := newFakeSystem(t, 0, append(strings.Fields(testPackages), "nodejs", "npm"), true)
	if err := os.Remove(filepath.Join(f.dir, "bin", "node")); err != nil {
		t.Fatal(err)
	}
	code, out := f.run("test")
	if code != 1 || f.npmCalls() != "" || !strings.Contains(out, "node not found on PATH") {
		t.Errorf("status %d, npm calls %q; want 1, none and the reason\n%s", code, f.npmCalls(), out)
	}
}
