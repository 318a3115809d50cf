package norm_test

import (
	"fmt"
	"github.com/zeroplug/zeroplug/plugins/norm/internal/normtest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/internal/netnstest"
	"github.com/zeroplug/zeroplug/internal/peertest"
)

// The tests run every peer inside two network namespaces joined by a veth
// pair (internal/netnstest), a sender in a on vA and a receiver in b on
// vB, nftables dropping a share of what a sends to b: nothing reaches the
// host's interfaces. The zeroplug peers are the test binary in a role
// (roles_test.go), through the core and the plugin binary; the libzmq
// peers are Debian's libzmq 4.3.4 (libnorm 1.5.9) through pyzmq.

const group = "239.192.7.9:5556"

// Endpoints with explicit node ids: in a namespace libnorm's default (the
// host's address) would not tell the two apart reliably.
var (
	pubEndpoint = "norm://1,vA;" + group
	subEndpoint = "norm://2,vB;" + group
)

// pyPub waits for "go", publishes COUNT messages tagged TAG 5 ms apart
// (or INTERVAL seconds), then stays, so that libnorm repairs, until its
// stdin closes.
const pyPub = normtest.PyMessage + `
pub = ctx.socket(zmq.PUB)
pub.connect(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
interval = float(sys.argv[4]) if len(sys.argv) > 4 else 0.005
for i in range(int(sys.argv[2])):
    pub.send_multipart(message(ord(sys.argv[3]), i))
    time.sleep(interval)
print("sent", flush=True)
sys.stdin.readline()
pub.close(0)
os._exit(0)  # libzmq's norm engine may linger in ctx.term()
`

// peer kinds
const (
	zeroplugPeer = "zeroplug"
	libzmqPeer   = "libzmq"
)

// startZeroplug runs the test binary as a zeroplug role in ns.
func startZeroplug(t *testing.T, ns *netnstest.Namespace, role string, args ...string) *peertest.Proc {
	t.Helper()
	env := []string{roleEnv + "=" + role, "ZEROPLUG_PLUGIN_PATH=" + pluginDir}
	return peertest.StartEnv(t, env, "ip", append([]string{"netns", "exec", ns.Name, os.Args[0], "-test.run=^$", "--"}, args...)...)
}

// startPython runs a pyzmq script in ns.
func startPython(t *testing.T, ns *netnstest.Namespace, script string, args ...string) *peertest.Proc {
	t.Helper()
	return peertest.Start(t, "ip", append([]string{"netns", "exec", ns.Name, peertest.Python(t), "-c", script}, args...)...)
}

// transferRun is one sender and one receiver, started as a test says.
type transferRun struct {
	pub, sub         string // peer kinds
	count            int
	loss             int           // percent of a's packets b drops
	interval         time.Duration // between the messages sent (5 ms when zero)
	pubOpts, subOpts []string      // zeroplug options, NAME=VALUE
}

// result is what the receiver printed and both peers' standard error.
type result struct {
	lines              []string
	pubStderr, sub2err string
	dropped            int
}

func (r transferRun) start(t *testing.T, ns *netnstest.Namespace, kind, role, ep, tag string) *peertest.Proc {
	t.Helper()
	if r.interval == 0 {
		r.interval = 5 * time.Millisecond
	}
	if kind == libzmqPeer {
		if role == "pub" {
			return startPython(t, ns, pyPub, ep, strconv.Itoa(r.count), tag, fmt.Sprint(r.interval.Seconds()))
		}
		return startPython(t, ns, normtest.PySub, ep, strconv.Itoa(r.count))
	}
	if role == "pub" {
		opts := append([]string{ep, strconv.Itoa(r.count), tag, "interval=" + r.interval.String()}, r.pubOpts...)
		return startZeroplug(t, ns, role, opts...)
	}
	return startZeroplug(t, ns, role, append([]string{ep, strconv.Itoa(r.count)}, r.subOpts...)...)
}

func expectLine(t *testing.T, p *peertest.Proc, want string, timeout time.Duration) {
	t.Helper()
	line, err := p.Line(timeout)
	if err != nil || line != want {
		t.Fatalf("%s: %q, %v; want %q\nstderr:\n%s", p, line, err, want, p.Stderr())
	}
}

// transfer runs r: the receiver in b, then the sender in a, and returns
// what the receiver got.
func (r transferRun) transfer(t *testing.T) result {
	t.Helper()
	a, b := netnstest.Pair(t)
	if r.loss > 0 {
		b.DropFrom(t, a.Addr, r.loss)
	}
	sub := r.start(t, b, r.sub, "sub", subEndpoint, "")
	expectLine(t, sub, "ready", 10*time.Second)
	pub := r.start(t, a, r.pub, "pub", pubEndpoint, "P")
	expectLine(t, pub, "ready", 10*time.Second)
	time.Sleep(500 * time.Millisecond) // the receiver's core subscribes, libnorm starts
	if err := pub.Send("go"); err != nil {
		t.Fatal(err)
	}
	var res result
	for {
		line, err := sub.Line(60 * time.Second)
		if err != nil {
			t.Fatalf("receiver: %v\nstderr:\n%s\nsender's stderr:\n%s", err, sub.Stderr(), pub.Stderr())
		}
		if line == "done" {
			break
		}
		res.lines = append(res.lines, line)
	}
	expectLine(t, pub, "sent", 10*time.Second)
	pub.CloseStdin()
	if err := pub.Wait(15 * time.Second); err != nil {
		t.Errorf("sender: %v", err)
	}
	sub.CloseStdin()
	if err := sub.Wait(15 * time.Second); err != nil {
		t.Errorf("receiver: %v", err)
	}
	res.pubStderr, res.sub2err = pub.Stderr(), sub.Stderr()
	res.dropped = b.Dropped(t)
	return res
}

// checkAll fails unless the receiver got every message once, in order,
// intact.
func (res result) checkAll(t *testing.T, count int, tag byte) {
	t.Helper()
	for i, line := range res.lines {
		if want := fmt.Sprintf("got %d %c %s", i, tag, okText); line != want && line != fmt.Sprintf("got %d %c True", i, tag) {
			t.Fatalf("message %d: %q; want %q\nreceiver's stderr:\n%s\nsender's stderr:\n%s", i, line, want, res.sub2err, res.pubStderr)
		}
	}
	if len(res.lines) != count {
		t.Fatalf("%d of %d messages\nreceiver's stderr:\n%s\nsender's stderr:\n%s", len(res.lines), count, res.sub2err, res.pubStderr)
	}
}

const okText = "true"

var statRE = regexp.MustCompile(`([a-z_]+)=([0-9.]+)`)

// stat returns the last value of a statistic the plugin logged at the
// end of an endpoint ("fec_recovered=3"), and whether one was logged.
func stat(stderr, name string) (float64, bool) {
	v, found := 0.0, false
	for _, line := range strings.Split(stderr, "\n") {
		if !strings.Contains(line, " done: ") {
			continue
		}
		for _, m := range statRE.FindAllStringSubmatch(line, -1) {
			if m[1] == name {
				v, _ = strconv.ParseFloat(m[2], 64)
				found = true
			}
		}
	}
	return v, found
}

func mustStat(t *testing.T, stderr, name string) float64 {
	t.Helper()
	v, ok := stat(stderr, name)
	if !ok {
		t.Fatalf("no %s in the plugin's statistics:\n%s", name, stderr)
	}
	return v
}

// TestInterop: zeroplug to zeroplug, libzmq to zeroplug and zeroplug to
// libzmq, without loss and with 10 % of the sender's packets lost: every
// message once, in order, multipart intact. With loss, the repairs came
// from parity where the peer offers it: a zeroplug receiver rebuilds
// segments from libnorm's parity, and libnorm asks a zeroplug sender for
// parity, which it rebuilds from.
func TestInterop(t *testing.T) {
	for _, c := range []struct{ pub, sub string }{
		{zeroplugPeer, zeroplugPeer}, {libzmqPeer, zeroplugPeer}, {zeroplugPeer, libzmqPeer},
	} {
		for _, loss := range []int{0, 10} {
			t.Run(fmt.Sprintf("%s to %s, %d%% loss", c.pub, c.sub, loss), func(t *testing.T) {
				r := transferRun{pub: c.pub, sub: c.sub, count: 100, loss: loss}
				res := r.transfer(t)
				res.checkAll(t, r.count, 'P')
				t.Logf("%d packets dropped", res.dropped)
				if loss == 0 {
					return
				}
				if res.dropped == 0 {
					t.Fatal("nothing was dropped")
				}
				if c.sub == zeroplugPeer {
					t.Logf("receiver: fec_recovered=%v nacks_sent=%v acks_sent=%v gaps=%v",
						mustStat(t, res.sub2err, "fec_recovered"), mustStat(t, res.sub2err, "nacks_sent"),
						mustStat(t, res.sub2err, "acks_sent"), mustStat(t, res.sub2err, "gaps"))
					if mustStat(t, res.sub2err, "fec_recovered") == 0 {
						t.Error("no segment was rebuilt from parity")
					}
				}
				if c.pub == zeroplugPeer {
					t.Logf("sender: parity_repairs=%v data_repairs=%v nacks=%v",
						mustStat(t, res.pubStderr, "parity_repairs"), mustStat(t, res.pubStderr, "data_repairs"),
						mustStat(t, res.pubStderr, "nacks"))
					if mustStat(t, res.pubStderr, "parity_repairs") == 0 {
						t.Error("no parity was asked for and sent")
					}
				}
			})
		}
	}
}
