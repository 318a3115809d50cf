// Package peertest runs the reference peers of the interop tests: zmqpeer (libzmq, built
// from cmd/zmqpeer/zmqpeer.c), zmq4peer (go-zeromq/zmq4, built from cmd/zmq4peer), pyzmq
// (Debian's /usr/bin/python3) and, for the draft socket types, zeromq.js 6.8 with its
// libzmq 4.3.5 (JSPeer: one socket of any type in a node process, jspeer/jspeer.js).
//
// The peers are built once per test process into a temporary directory. A test package
// that uses peertest removes that directory at the end by calling Main from its TestMain:
//
//	func TestMain(m *testing.M) { peertest.Main(m) }
//
// Interop tests are never skipped: when a C compiler, libzmq, pyzmq, node or zeromq.js is
// missing, the test fails and says to run `make test` or `make deps`, which install them
// (scripts/install-deps.sh).
package peertest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// modulePath is the module whose root holds the peers' sources.
const modulePath = "github.com/zeroplug/zeroplug"

// pythonPath is the interpreter that owns Debian's pyzmq (python3-zmq); another python3
// may come first on PATH without it.
const pythonPath = "/usr/bin/python3"

// buildTimeout bounds one build of a peer.
const buildTimeout = 5 * time.Minute

// howToInstall ends every message about a missing tool.
const howToInstall = "run `make test` (as root), which installs gcc, libzmq3-dev and python3-zmq " +
	"through scripts/install-deps.sh; interop tests are never skipped"

var (
	binMu  sync.Mutex
	binDir string // the temporary directory of the built peers, made on first use

	zmqpeerOnce sync.Once
	zmqpeerPath string
	zmqpeerErr  error

	zmqpeerDraftOnce sync.Once
	zmqpeerDraftPath string
	zmqpeerDraftErr  error

	zmq4peerOnce sync.Once
	zmq4peerPath string
	zmq4peerErr  error

	pythonOnce sync.Once
	pythonErr  error
)

// Main runs the tests of m, removes the peers built for them and exits with the tests'
// status. Call it from TestMain in every test package that uses peertest.
func Main(m *testing.M) { os.Exit(Run(m)) }

// Run is Main without the exit, for a TestMain with checks of its own after the tests: it
// runs the tests of m, removes the peers built for them and returns the tests' status.
func Run(m *testing.M) int {
	code := m.Run()
	cleanup()
	return code
}

// cleanup removes the directory of the built peers.
func cleanup() {
	binMu.Lock()
	defer binMu.Unlock()
	if binDir != "" {
		os.RemoveAll(binDir)
		binDir = ""
	}
}

// outDir returns the directory for built peers, making it on first use.
func outDir() (string, error) {
	binMu.Lock()
	defer binMu.Unlock()
	if binDir == "" {
		dir, err := os.MkdirTemp("", "zeroplug-peertest-")
		if err != nil {
			return "", fmt.Errorf("peertest: %w", err)
		}
		binDir = dir
	}
	return binDir, nil
}

// buildTarget returns the module's root, where a peer is built from, and the
// path in the peers' directory that the peer called name is built to.
func buildTarget(name string) (root, out string, err error) {
	if root, err = ModuleRoot(); err != nil {
		return "", "", err
	}
	dir, err := outDir()
	if err != nil {
		return "", "", err
	}
	return root, filepath.Join(dir, name), nil
}

// Zmqpeer returns the path of a zmqpeer binary, built once per test process from
// cmd/zmqpeer/zmqpeer.c with cc and libzmq. It fails the test when it cannot be built.
func Zmqpeer(t testing.TB) string {
	t.Helper()
	zmqpeerOnce.Do(func() { zmqpeerPath, zmqpeerErr = buildZmqpeer() })
	if zmqpeerErr != nil {
		t.Fatal(zmqpeerErr)
	}
	return zmqpeerPath
}

func buildZmqpeer() (string, error) {
	cc, err := exec.LookPath("cc")
	if err != nil {
		return "", fmt.Errorf("peertest: no C compiler (cc) to build zmqpeer: %v; %s", err, howToInstall)
	}
	root, out, err := buildTarget("zmqpeer")
	if err != nil {
		return "", err
	}
	src := filepath.Join(root, "cmd", "zmqpeer", "zmqpeer.c")
	if err := run(root, cc, "-O2", "-o", out, src, "-lzmq", "-lpthread"); err != nil {
		return "", fmt.Errorf("peertest: cannot build zmqpeer (is libzmq3-dev installed?): %v; %s", err, howToInstall)
	}
	return out, nil
}

// ZmqpeerDraft returns the path of zmqpeer-draft: zmqpeer with its draft
// patterns (ZMQPEER_PATTERN), linked against zeromq.js's libzmq 4.3.5, which
// has the draft API, built once per test process by
// scripts/build-zmqpeer-draft.sh. It fails the test when zeromq.js is missing
// (make deps installs it) or the build fails.
func ZmqpeerDraft(t testing.TB) string {
	t.Helper()
	ZeromqJS(t)
	zmqpeerDraftOnce.Do(func() { zmqpeerDraftPath, zmqpeerDraftErr = buildZmqpeerDraft() })
	if zmqpeerDraftErr != nil {
		t.Fatal(zmqpeerDraftErr)
	}
	return zmqpeerDraftPath
}

func buildZmqpeerDraft() (string, error) {
	root, out, err := buildTarget("zmqpeer-draft")
	if err != nil {
		return "", err
	}
	jsDir, err := ZeromqJSInstallDir()
	if err != nil {
		return "", err
	}
	cmd := exec.Command("bash", filepath.Join(root, "scripts", "build-zmqpeer-draft.sh"), out)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), zeromqJSDirEnv+"="+jsDir)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("peertest: cannot build zmqpeer-draft: %v\n%s", err, msg)
	}
	return out, nil
}

// Zmq4peer returns the path of a zmq4peer binary (go-zeromq/zmq4), built once per test
// process from ./cmd/zmq4peer. It fails the test when it cannot be built.
func Zmq4peer(t testing.TB) string {
	t.Helper()
	zmq4peerOnce.Do(func() { zmq4peerPath, zmq4peerErr = buildZmq4peer() })
	if zmq4peerErr != nil {
		t.Fatal(zmq4peerErr)
	}
	return zmq4peerPath
}

func buildZmq4peer() (string, error) {
	root, out, err := buildTarget("zmq4peer")
	if err != nil {
		return "", err
	}
	if err := run(root, goCommand(), "build", "-o", out, "./cmd/zmq4peer"); err != nil {
		return "", fmt.Errorf("peertest: cannot build zmq4peer: %v", err)
	}
	return out, nil
}

// goCommand finds the go command: `go test` puts its own on PATH; otherwise GOROOT or the
// usual installation directory.
func goCommand() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if root := os.Getenv("GOROOT"); root != "" {
		return filepath.Join(root, "bin", "go")
	}
	return "/usr/local/go/bin/go"
}

// Python returns the path of the Python interpreter that has pyzmq, /usr/bin/python3,
// after checking that `import zmq` works there. It fails the test otherwise.
func Python(t testing.TB) string {
	t.Helper()
	pythonOnce.Do(func() {
		if err := run("", pythonPath, "-c", "import zmq"); err != nil {
			pythonErr = fmt.Errorf("peertest: %s cannot import zmq (is python3-zmq installed?): %v; %s",
				pythonPath, err, howToInstall)
		}
	})
	if pythonErr != nil {
		t.Fatal(pythonErr)
	}
	return pythonPath
}

// run runs a build or check command in dir and returns its output in the error.
func run(dir, name string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

// ModuleRoot returns the directory holding the go.mod of github.com/zeroplug/zeroplug. It
// walks up from the working directory, which `go test` sets to the package's directory,
// and falls back to `go env GOMOD`.
func ModuleRoot() (string, error) {
	if wd, err := os.Getwd(); err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			if isModuleRoot(dir) {
				return dir, nil
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	out, err := exec.Command(goCommand(), "env", "GOMOD").Output()
	if err == nil {
		if gomod := strings.TrimSpace(string(out)); gomod != "" && gomod != os.DevNull {
			if dir := filepath.Dir(gomod); isModuleRoot(dir) {
				return dir, nil
			}
		}
	}
	return "", errors.New("peertest: cannot find the root of module " + modulePath +
		" (run the tests from inside the repository)")
}

// isModuleRoot reports whether dir holds the go.mod of modulePath.
func isModuleRoot(dir string) bool {
	f, err := os.Open(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) >= 2 && fields[0] == "module" {
			return strings.Trim(fields[1], `"`) == modulePath
		}
	}
	return false
}

// FreeTCPEndpoint returns tcp://127.0.0.1:PORT for a loopback port that was free a moment
// ago. The port is drawn at random below the kernel's ephemeral range (32768 and up on
// Linux): a port the kernel handed out for ":0" is soon handed out again, to an outgoing
// connection or another test's wildcard bind, whereas no one else picks these, so the port
// stays free between this check and the caller's bind (test packages run in parallel).
func FreeTCPEndpoint(t testing.TB) string {
	t.Helper()
	return "tcp://" + freePort(t, func(addr string) (io.Closer, error) { return net.Listen("tcp", addr) })
}

// handedOut holds the ports freePort has returned in this process. A port is released
// before its user (often a child process) binds it, so without this record two parallel
// tests could draw the same one and the later bind fail with EADDRINUSE.
var handedOut struct {
	sync.Mutex
	ports map[int]bool
}

// freePort finds a loopback port below the ephemeral range that listen can take and that
// this process has not handed out before, and releases it.
func freePort(t testing.TB, listen func(addr string) (io.Closer, error)) string {
	t.Helper()
	return freePorts(t, 1, listen)
}

// FreeUDPEndpointPair returns a udp endpoint on 127.0.0.1 whose port and the next one
// are free and handed out to nobody else: `bench lat --pattern radio-dish` uses both.
func FreeUDPEndpointPair(t testing.TB) string {
	t.Helper()
	return "udp://" + freePorts(t, 2, func(addr string) (io.Closer, error) { return net.ListenPacket("udp", addr) })
}

// FreeTCPEndpointPair is FreeUDPEndpointPair for tcp.
func FreeTCPEndpointPair(t testing.TB) string {
	t.Helper()
	return "tcp://" + freePorts(t, 2, func(addr string) (io.Closer, error) { return net.Listen("tcp", addr) })
}

// freePorts is freePort for n ports in a row; it returns the first one's address.
func freePorts(t testing.TB, n int, listen func(addr string) (io.Closer, error)) string {
	t.Helper()
	const low, high = 20000, 32768
	handedOut.Lock()
	defer handedOut.Unlock()
	if handedOut.ports == nil {
		handedOut.ports = make(map[int]bool)
	}
	err := errors.New("every port drawn was handed out already")
draw:
	for range 100 {
		port := low + rand.IntN(high-n-low)
		for p := port; p < port+n; p++ {
			if handedOut.ports[p] {
				continue draw
			}
		}
		var held []io.Closer
		for p := port; p < port+n; p++ {
			l, lerr := listen(fmt.Sprintf("127.0.0.1:%d", p))
			if lerr != nil {
				err = lerr
				break
			}
			held = append(held, l)
		}
		for _, l := range held {
			l.Close()
		}
		if len(held) == n {
			for p := port; p < port+n; p++ {
				handedOut.ports[p] = true
			}
			return fmt.Sprintf("127.0.0.1:%d", port)
		}
	}
	t.Fatalf("peertest: no free loopback port below %d: %v", high, err)
	return ""
}

// maxIPCPath is the longest path that fits a unix socket address (sun_path less its NUL).
const maxIPCPath = 107

// IPCEndpoint returns ipc:// and a fresh path in t.TempDir(), or, when that path is too
// long for a unix socket, in a shorter temporary directory removed at the end of the test.
func IPCEndpoint(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "peer.ipc")
	if len(path) > maxIPCPath {
		dir, err := os.MkdirTemp("", "zp")
		if err != nil {
			t.Fatalf("peertest: %v", err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		path = filepath.Join(dir, "peer.ipc")
	}
	return "ipc://" + path
}

// ParseResult reads a result line of the peers and of `zeroplug bench`, key=value pairs
// separated by spaces, such as "mode=thr size=16 count=1000 seconds=... msgs_per_s=...".
func ParseResult(line string) (map[string]string, error) {
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return nil, fmt.Errorf("peertest: empty result line")
	}
	r := make(map[string]string, len(fields))
	for _, f := range fields {
		k, v, ok := strings.Cut(f, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("peertest: %q in result line %q is not key=value", f, line)
		}
		r[k] = v
	}
	return r, nil
}

// FreeUDPEndpoint returns udp://127.0.0.1:PORT for a loopback UDP port that was free a
// moment ago (libzmq's udp transport takes no wildcard port), drawn as FreeTCPEndpoint's.
func FreeUDPEndpoint(t testing.TB) string {
	t.Helper()
	return "udp://" + freePort(t, func(addr string) (io.Closer, error) { return net.ListenPacket("udp", addr) })
}
