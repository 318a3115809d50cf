package peertest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// ZeromqJSVersion is the zeromq.js release the draft tests run against: its prebuilt
// libzmq 4.3.5 has the draft API (SERVER, CLIENT, RADIO, DISH, GATHER, SCATTER, DGRAM).
const ZeromqJSVersion = "6.8.0"

// zeromqJSDirEnv overrides the directory zeromq.js is installed in.
const zeromqJSDirEnv = "ZEROPLUG_ZEROMQJS_DIR"

// howToInstallZeromqJS ends every message about a missing zeromq.js.
const howToInstallZeromqJS = "run `make deps` (scripts/install-deps.sh), which installs node and npm " +
	"and zeromq@" + ZeromqJSVersion + " there; interop tests are never skipped"

var (
	zeromqJSOnce sync.Once
	zeromqJSPath string
	zeromqJSErr  error
)

// ZeromqJSInstallDir returns the directory scripts/install-deps.sh installs zeromq.js into
// (its node_modules holds the package): $ZEROPLUG_ZEROMQJS_DIR when set, else
// zeroplug/zeromqjs in the user's cache directory ($XDG_CACHE_HOME or ~/.cache), the
// same rule as the script's.
func ZeromqJSInstallDir() (string, error) {
	if dir := os.Getenv(zeromqJSDirEnv); dir != "" {
		return dir, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("peertest: no cache directory for zeromq.js (set %s): %w", zeromqJSDirEnv, err)
	}
	return filepath.Join(cache, "zeroplug", "zeromqjs"), nil
}

// ZeromqJS returns the directory of the zeromq.js module (…/node_modules/zeromq), after
// checking once per test process that node loads it, that it is ZeromqJSVersion and that
// its libzmq has the draft API. It fails the test, never skips it, otherwise.
func ZeromqJS(t testing.TB) string {
	t.Helper()
	zeromqJSOnce.Do(func() { zeromqJSPath, zeromqJSErr = checkZeromqJS() })
	if zeromqJSErr != nil {
		t.Fatal(zeromqJSErr)
	}
	return zeromqJSPath
}

// zeromqJSCheck is what scripts/install-deps.sh checks too: the version, and that the
// native addon loads and reports the draft API.
const zeromqJSCheck = `
const version = require("zeromq/package.json").version;
if (version !== process.argv[1]) {
	console.error("zeromq.js is " + version + ", want " + process.argv[1]);
	process.exit(1);
}
if (require("zeromq").capability.draft !== true) {
	console.error("zeromq.js's libzmq has no draft API");
	process.exit(1);
}
`

func checkZeromqJS() (string, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return "", fmt.Errorf("peertest: node not found: %v; %s", err, howToInstallZeromqJS)
	}
	dir, err := ZeromqJSInstallDir()
	if err != nil {
		return "", err
	}
	modules := filepath.Join(dir, "node_modules")
	cmd := exec.Command(node, "-e", zeromqJSCheck, ZeromqJSVersion)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("peertest: zeromq.js %s in %s: %v\n%s\n%s", ZeromqJSVersion, modules, err,
			strings.TrimSpace(string(out)), howToInstallZeromqJS)
	}
	return filepath.Join(modules, "zeromq"), nil
}
