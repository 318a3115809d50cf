package pgm

import (
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/internal/netnstest"
	"github.com/zeroplug/zeroplug/internal/peertest"
)

// The namespace tests run `zeroplug cat` with the plugin binary beside it (the core
// looks for plugins next to its executable) and the libzmq peer
// (testdata/libzmq_peer.py) inside the two namespaces of a netnstest.Pair: A at
// 10.231.7.1 on vA publishes, B at 10.231.7.2 on vB subscribes, and B drops a share of
// what A sends when a test asks for loss.
const (
	group       = "239.192.1.1"
	port        = "5555"
	peerScript  = "testdata/libzmq_peer.py"
	testTimeout = 30 * time.Second
	// testRate is the RATE both ends use (kbit/s): the receive window is sized from
	// RATE x RECOVERY_IVL as in libzmq, so a receiver at the default 100 kbit/s
	// would hold only 80 packets.
	testRate = "10000"
	// testRecovery is the publisher's RECOVERY_IVL (ms): how long a zeroplug PUB
	// lingers after its last message to answer NAKs.
	testRecovery = "2000"
)

var built struct {
	once sync.Once
	dir  string
	err  error
}

// binaries builds zeroplug and the plugin into one directory, once per test binary,
// readable by every user (a test runs them as nobody), and returns zeroplug's path.
// Under -race they are built with the race detector, which makes a race in them an
// exit status 66 and its report on cat's standard error.
func binaries(t testing.TB) string {
	t.Helper()
	built.once.Do(func() {
		root, err := peertest.ModuleRoot()
		if err != nil {
			built.err = err
			return
		}
		dir, err := os.MkdirTemp("", "zeroplug-pgm-test-")
		if err != nil {
			built.err = err
			return
		}
		built.dir = dir
		if err := os.Chmod(dir, 0o755); err != nil {
			built.err = err
			return
		}
		goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(goCmd); err != nil {
			goCmd = "go"
		}
		for _, b := range []struct{ out, pkg string }{
			{"zeroplug", "./cmd/zeroplug"},
			{"zeroplug-transport-pgm", "./plugins/pgm/cmd/zeroplug-transport-pgm"},
		} {
			args := []string{"build", "-o", filepath.Join(dir, b.out)}
			env := "CGO_ENABLED=0"
			if raceEnabled {
				args, env = append(args, "-race"), "CGO_ENABLED=1"
			}
			cmd := exec.Command(goCmd, append(args, b.pkg)...)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), env)
			if out, err := cmd.CombinedOutput(); err != nil {
				built.err = fmt.Errorf("go build %s: %v\n%s", b.pkg, err, out)
				return
			}
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return filepath.Join(built.dir, "zeroplug")
}

func removeBuilt() {
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
}

// endpoint is the zeroplug side's endpoint in a namespace: the interface by name,
// which OpenPGM could not resolve there (it asks DNS first).
func endpoint(scheme string, n *netnstest.Namespace) string {
	return scheme + "://" + n.Dev + ";" + group + ":" + port
}

// libzmqEndpoint is the libzmq side's: the interface by its address.
func libzmqEndpoint(scheme string, n *netnstest.Namespace) string {
	return scheme + "://" + n.Addr.String() + ";" + group + ":" + port
}

// startCat runs zeroplug cat with args inside n.
func startCat(t *testing.T, n *netnstest.Namespace, args ...string) *peertest.Proc {
	t.Helper()
	return checkRaces(t, peertest.Start(t, "ip", append([]string{"netns", "exec", n.Name, binaries(t), "cat"}, args...)...))
}

// checkRaces fails the test, when it ends, if the race detector reported on cat's
// standard error (where the plugin's standard error goes too).
func checkRaces(t *testing.T, p *peertest.Proc) *peertest.Proc {
	t.Cleanup(func() {
		if strings.Contains(p.Stderr(), "WARNING: DATA RACE") {
			t.Errorf("%s raced:\n%s", p, p.Stderr())
		}
	})
	return p
}

// startLibzmq runs the libzmq peer with args inside n, with RATE and RECOVERY_IVL.
func startLibzmq(t *testing.T, n *netnstest.Namespace, args ...string) *peertest.Proc {
	t.Helper()
	py := peertest.Python(t)
	return peertest.StartEnv(t, []string{"PGM_RATE=" + testRate, "PGM_RECOVERY_IVL=" + testRecovery},
		"ip", append([]string{"netns", "exec", n.Name, py, peerScript}, args...)...)
}

// waitJoined waits until a socket in n has joined the group (/proc/net/igmp lists
// it), so that a publisher started next is heard from its first packet.
func waitJoined(t *testing.T, n *netnstest.Namespace, p *peertest.Proc) {
	t.Helper()
	const igmpGroup = "0101C0EF" // 239.192.1.1 as the kernel prints it
	deadline := time.Now().Add(testTimeout)
	for time.Now().Before(deadline) {
		out, err := n.Command("cat", "/proc/net/igmp").Output()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(out), igmpGroup) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s has not joined %s in %v; stderr:\n%s", p, group, testTimeout, p.Stderr())
}

// messages are the test's messages as cat's lines: three frames, the middle one
// numbered and padded to size bytes.
func messages(count, size int) []string {
	lines := make([]string, count)
	for i := range lines {
		body := fmt.Sprintf("%d:", i)
		body += strings.Repeat(".", max(0, size-len(body)))
		lines[i] = "pgm|" + body + "|end"
	}
	return lines
}

// fromLibzmqLine turns the libzmq peer's "msg <hex>|<hex>..." into cat's form.
func fromLibzmqLine(t *testing.T, line string) string {
	t.Helper()
	hexFrames, ok := strings.CutPrefix(line, "msg ")
	if !ok {
		t.Fatalf("libzmq peer: %q, want a message", line)
	}
	var frames []string
	for _, h := range strings.Split(hexFrames, "|") {
		b, err := hex.DecodeString(h)
		if err != nil {
			t.Fatalf("libzmq peer: %q: %v", line, err)
		}
		frames = append(frames, string(b))
	}
	return strings.Join(frames, "|")
}

// checkMessages fails unless got is want, once each, in order, saying where they part.
func checkMessages(t *testing.T, got, want []string) {
	t.Helper()
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			t.Fatalf("message %d is %.40q, want %.40q (%d messages received, %d sent)", i, got[i], want[i], len(got), len(want))
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d messages received, %d sent", len(got), len(want))
	}
}

// startCatIn is startCat, run as nobody with no capability when args begin with the
// nobody marker (asNobody).
func startCatIn(t *testing.T, n *netnstest.Namespace, args ...string) *peertest.Proc {
	t.Helper()
	if len(args) == 0 || args[0] != nobody {
		return startCat(t, n, args...)
	}
	cache := t.TempDir()
	if err := os.Chmod(cache, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Dir(cache), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := []string{"netns", "exec", n.Name, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
		"--inh-caps=-all", "--bounding-set=-all", "env", "HOME=" + cache, "XDG_CACHE_HOME=" + cache, binaries(t), "cat"}
	return checkRaces(t, peertest.Start(t, "ip", append(cmd, args[1:]...)...))
}
