package norm_test

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/internal/netnstest"
	"github.com/zeroplug/zeroplug/internal/peertest"
)

var (
	zeroplugOnce sync.Once
	zeroplugBin  string
	zeroplugErr  error
)

// zeroplugCommand builds cmd/zeroplug once, beside the plugin.
func zeroplugCommand(t *testing.T) string {
	t.Helper()
	zeroplugOnce.Do(func() {
		zeroplugBin = filepath.Join(filepath.Dir(pluginDir), "zeroplug")
		build := exec.Command(goCommand(), "build", "-o", zeroplugBin, "github.com/zeroplug/zeroplug/cmd/zeroplug")
		if out, err := build.CombinedOutput(); err != nil {
			zeroplugErr = fmt.Errorf("building zeroplug: %v\n%s", err, out)
		}
	})
	if zeroplugErr != nil {
		t.Fatal(zeroplugErr)
	}
	return zeroplugBin
}

// startCat runs zeroplug cat in ns with the plugin.
func startCat(t *testing.T, ns *netnstest.Namespace, args ...string) *peertest.Proc {
	t.Helper()
	return peertest.StartEnv(t, []string{"ZEROPLUG_PLUGIN_PATH=" + pluginDir}, "ip",
		append([]string{"netns", "exec", ns.Name, zeroplugCommand(t), "cat"}, args...)...)
}

// TestCat: zeroplug cat over norm as over tcp, with 10 % of the
// publisher's packets lost on the way: the SUB prints every line once, in
// order; the publisher, at the end of its input, stays while the SUB
// repairs, and then exits by itself.
func TestCat(t *testing.T) {
	a, b := netnstest.Pair(t)
	b.DropFrom(t, a.Addr, 10)
	const n = 200
	sub := startCat(t, b, "-t", "SUB", "-b", subEndpoint, "-n", fmt.Sprint(n))
	// A PUB's pipe to a multicast transport is subscribed to everything from
	// the start (libzmq's subscribe_to_all), so that nothing it sends is
	// dropped before its plugin's stream is up; what is left to wait for is
	// the SUB's session. Its first CC feedback comes after a back-off of up to
	// K x the default GRTT (1 s): from then on the sender advertises the GRTT
	// it measured, and the SUB's repair timers are milliseconds, not seconds,
	// so that what the publisher sends is repaired within the time its
	// plugin has once the publisher's context closes (the host stops a
	// plugin within 2 s).
	pub := startCat(t, a, "-t", "PUB", "-c", pubEndpoint)
	time.Sleep(2500 * time.Millisecond)
	var input strings.Builder
	for i := range n {
		fmt.Fprintf(&input, "line %d|%s\n", i, strings.Repeat("x", i*7))
	}
	if err := pub.Send(strings.TrimSuffix(input.String(), "\n")); err != nil {
		t.Fatal(err)
	}
	pub.CloseStdin()
	eof := time.Now()
	for i := range n {
		line, err := sub.Line(30 * time.Second)
		if want := fmt.Sprintf("line %d|%s", i, strings.Repeat("x", i*7)); err != nil || line != want {
			t.Fatalf("line %d: %q, %v; want %q\nSUB's stderr:\n%s\nPUB's stderr:\n%s", i, line, err, want, sub.Stderr(), pub.Stderr())
		}
	}
	if err := sub.Wait(10 * time.Second); err != nil {
		t.Errorf("SUB: %v", err)
	}
	if err := pub.Wait(10 * time.Second); err != nil {
		t.Errorf("PUB: %v", err)
	}
	t.Logf("%d packets dropped; the PUB exited %v after the end of its input", b.Dropped(t), time.Since(eof).Round(time.Millisecond))
}

// TestCatRefusesREQ: a REQ cannot bind norm://: cat says which types can.
func TestCatRefusesREQ(t *testing.T) {
	a, _ := netnstest.Pair(t)
	req := startCat(t, a, "-t", "REQ", "-b", pubEndpoint)
	err := req.Wait(10 * time.Second)
	if err == nil || !strings.Contains(req.Stderr(), "norm:// serves PUB, XPUB, SUB and XSUB sockets only, not REQ") {
		t.Fatalf("REQ bound norm://: %v; stderr:\n%s", err, req.Stderr())
	}
}

// TestCatNoRoute: with no route to the group and no interface named,
// bind fails with the reason, where libzmq's session aborts the process.
func TestCatNoRoute(t *testing.T) {
	a, _ := netnstest.Pair(t)
	a.IP(t, "route", "del", "224.0.0.0/4")
	sub := startCat(t, a, "-t", "SUB", "-b", "norm://"+group)
	err := sub.Wait(10 * time.Second)
	if err == nil || !strings.Contains(sub.Stderr(), "no route to 239.192.7.9") {
		t.Fatalf("SUB bound a group without a route: %v; stderr:\n%s", err, sub.Stderr())
	}
}
