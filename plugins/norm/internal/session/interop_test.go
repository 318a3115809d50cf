package session

import (
	"errors"
	"fmt"
	"github.com/zeroplug/zeroplug/plugins/norm/internal/normtest"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/internal/peertest"
	"github.com/zeroplug/zeroplug/plugins/norm/internal/wire"
)

// The state machines against libzmq 4.3.4's norm (libnorm 1.5.9), through
// pyzmq, on the loopback interface of a network namespace of the test's
// own (runInOwnNetNS): a multicast group joined on that lo, which the
// kernel loops back to every member, so that nothing reaches the host's
// interfaces, as the project's rule for multicast says.
// The test does the socket I/O the plugin will do; the state machines do
// the protocol.

const interopGroup = "239.192.77.9"

// netnsEnv marks the re-run of a test inside its own network namespace.
const netnsEnv = "ZEROPLUG_NORM_TEST_NETNS"

// runInOwnNetNS runs the calling test again in a network namespace of its
// own (unshare --net, root mapped so that lo can be brought up there), the
// test binary and its pyzmq peers with it. In the parent it reports true
// once the re-run has passed (the caller returns: the re-run's result is
// the test's); in the re-run it brings lo up and reports false.
func runInOwnNetNS(t *testing.T) bool {
	t.Helper()
	if os.Getenv(netnsEnv) == "1" {
		if out, err := exec.Command("ip", "link", "set", "lo", "up").CombinedOutput(); err != nil {
			t.Fatalf("ip link set lo up: %v\n%s", err, out)
		}
		return false
	}
	cmd := exec.Command("unshare", "--map-root-user", "--net", "--", os.Args[0],
		"-test.run", "^"+t.Name()+"$", "-test.count=1", "-test.v", "-test.timeout=5m")
	cmd.Env = append(os.Environ(), netnsEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s in its own network namespace: %v\n%s", t.Name(), err, out)
	}
	t.Logf("in its own network namespace:\n%s", out)
	return true
}

// pyPub publishes count messages tagged 'L' over norm, then stays (so that
// libnorm repairs) until its stdin closes.
const pyPub = normtest.PyMessage + `
pub = ctx.socket(zmq.PUB)
pub.connect(sys.argv[1])
print("ready", flush=True)
time.sleep(1)
for i in range(int(sys.argv[2])):
    pub.send_multipart(message(ord("L"), i))
    time.sleep(0.005)
print("sent", flush=True)
sys.stdin.readline()
pub.close(0)
os._exit(0)  # libzmq's norm engine may linger in ctx.term()
`

// groupConn is the test's socket on the group: joined on lo, sending to
// the group out of lo (net.ListenMulticastUDP sets IP_MULTICAST_IF).
type groupConn struct {
	conn  *net.UDPConn
	group *net.UDPAddr
	// lose, if set, drops a received (or, for outgoing, sent) packet.
	lose func(pkt []byte, outgoing bool) bool
}

func openGroup(t *testing.T) (*groupConn, int) {
	t.Helper()
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	// A free port: bind one, then share it with libnorm (SO_REUSEADDR).
	probe, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	port := probe.LocalAddr().(*net.UDPAddr).Port
	probe.Close()
	group := &net.UDPAddr{IP: net.ParseIP(interopGroup), Port: port}
	conn, err := net.ListenMulticastUDP("udp4", lo, group)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &groupConn{conn: conn, group: group}, port
}

func (g *groupConn) send(pkt []byte) {
	if g.lose != nil && g.lose(pkt, true) {
		return
	}
	g.conn.WriteToUDP(pkt, g.group)
}

// serve runs one state machine on the socket until stop is closed:
// packets in through handle, timers through advance.
func (g *groupConn) serve(stop <-chan struct{}, handle func([]byte, time.Time), advance func(time.Time) time.Time) {
	buf := make([]byte, 65536)
	next := advance(time.Now())
	for {
		select {
		case <-stop:
			return
		default:
		}
		deadline := time.Now().Add(20 * time.Millisecond)
		if !next.IsZero() && next.Before(deadline) {
			deadline = next
		}
		g.conn.SetReadDeadline(deadline)
		n, _, err := g.conn.ReadFromUDP(buf)
		if err == nil && (g.lose == nil || !g.lose(buf[:n], false)) {
			handle(buf[:n], time.Now())
		} else if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			return
		}
		next = advance(time.Now())
	}
}

// dataLoss drops about one in ten NORM_DATA source segments sent for the
// first time, seeded: loss that the peer must repair.
func dataLoss(seed uint64) func([]byte, bool) bool {
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(seed, seed))
	return func(pkt []byte, _ bool) bool {
		var d wire.Data
		if d.Parse(pkt, 8) != nil || d.Flags&wire.FlagRepair != 0 {
			return false
		}
		mu.Lock()
		defer mu.Unlock()
		return rng.IntN(10) == 0
	}
}

// TestLibzmqPubToReceiver: messages of a libzmq PUB over norm arrive at
// a Receiver once, in order, intact; with 10 % of the data lost on the
// way in, libnorm's repairs (parity, where the Receiver asks for it)
// restore them. The Receiver's ACK(CC) keeps libnorm's congestion control
// from throttling the PUB.
func TestLibzmqPubToReceiver(t *testing.T) {
	if runInOwnNetNS(t) {
		return
	}
	for _, loss := range []bool{false, true} {
		t.Run(fmt.Sprintf("loss %v", loss), func(t *testing.T) {
			const count = 60
			g, port := openGroup(t)
			if loss {
				g.lose = dataLoss(5)
			}
			var mu sync.Mutex
			var got []int
			corrupt := 0
			r, err := NewReceiver(Config{NodeID: 2}, g.send, func(_ wire.NodeID, frames [][]byte) {
				tag, i, ok := parseTestMessage(frames)
				mu.Lock()
				defer mu.Unlock()
				if !ok || tag != libzmqTag {
					corrupt++
					return
				}
				got = append(got, i)
			})
			if err != nil {
				t.Fatal(err)
			}
			stop, stopped := make(chan struct{}), make(chan struct{})
			go func() {
				defer close(stopped)
				g.serve(stop, r.HandlePacket, r.Advance)
			}()
			var once sync.Once
			halt := func() { once.Do(func() { close(stop); <-stopped }) }
			defer halt()

			ep := fmt.Sprintf("norm://1,lo;%s:%d", interopGroup, port)
			py := peertest.Start(t, peertest.Python(t), "-c", pyPub, ep, fmt.Sprint(count))
			if line, err := py.Line(10 * time.Second); err != nil || line != "ready" {
				t.Fatalf("pub: %q %v", line, err)
			}
			deadline := time.Now().Add(40 * time.Second)
			for time.Now().Before(deadline) {
				mu.Lock()
				n := len(got)
				mu.Unlock()
				if n >= count {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			py.CloseStdin()
			if err := py.Wait(10 * time.Second); err != nil {
				t.Error(err)
			}
			halt()
			mu.Lock()
			defer mu.Unlock()
			if corrupt > 0 {
				t.Errorf("%d messages corrupt", corrupt)
			}
			if len(got) != count {
				t.Errorf("%d of %d messages; stats %+v", len(got), count, r.Stats())
			}
			for i, v := range got {
				if v != i {
					t.Fatalf("message %d is %d", i, v)
				}
			}
			st := r.Stats()
			t.Logf("stats %+v", st)
			if st.AcksSent == 0 {
				t.Error("no ACK(CC) sent to libnorm")
			}
			if loss && st.FECRecovered == 0 {
				t.Error("no segment rebuilt from libnorm's parity")
			}
		})
	}
}

// TestSenderToLibzmqSub: a Sender's stream reaches a libzmq SUB over norm:
// every message once, in order, intact; with 10 % of its first
// transmissions lost, libnorm NACKs and the Sender's repairs, parity
// where libnorm asks for it, restore them.
func TestSenderToLibzmqSub(t *testing.T) {
	if runInOwnNetNS(t) {
		return
	}
	for _, loss := range []bool{false, true} {
		t.Run(fmt.Sprintf("loss %v", loss), func(t *testing.T) {
			const count = 60
			g, port := openGroup(t)
			if loss {
				g.lose = func(pkt []byte, outgoing bool) bool { return outgoing && lose10(pkt) }
			}
			ep := fmt.Sprintf("norm://2,lo;%s:%d", interopGroup, port)
			py := peertest.Start(t, peertest.Python(t), "-c", normtest.PySub, ep, fmt.Sprint(count), "30")
			if line, err := py.Line(10 * time.Second); err != nil || line != "ready" {
				t.Fatalf("sub: %q %v", line, err)
			}
			time.Sleep(500 * time.Millisecond) // let libnorm's receiver start

			s, err := NewSender(Config{NodeID: 1}, time.Now(), g.send)
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex // the Sender is the serving goroutine's while it runs
			written := 0
			stop, stopped := make(chan struct{}), make(chan struct{})
			go func() {
				defer close(stopped)
				g.serve(stop, func(pkt []byte, now time.Time) {
					mu.Lock()
					defer mu.Unlock()
					s.HandlePacket(pkt, now)
				}, func(now time.Time) time.Time {
					mu.Lock()
					defer mu.Unlock()
					for written < count && s.WriteMessage(testMessage(libzmqTag, written), now) == nil {
						written++
					}
					return s.Advance(now)
				})
			}()
			var got []string
			for {
				line, err := py.Line(40 * time.Second)
				if err != nil {
					t.Errorf("sub: %v", err)
					break
				}
				if line == "done" {
					break
				}
				got = append(got, line)
			}
			close(stop)
			<-stopped
			py.CloseStdin()
			if err := py.Wait(10 * time.Second); err != nil {
				t.Error(err)
			}
			for i, line := range got {
				if want := fmt.Sprintf("got %d %c True", i, libzmqTag); line != want {
					t.Fatalf("line %d: %q, want %q", i, line, want)
				}
			}
			st := s.Stats()
			t.Logf("%d messages; sender %+v, rate %.0f B/s, GRTT %v", len(got), st, s.Rate(), s.GRTT())
			if len(got) != count {
				t.Errorf("libzmq got %d of %d", len(got), count)
			}
			if st.Feedback == 0 {
				t.Error("no CC feedback from libnorm")
			}
			if loss && st.ParityRepairs == 0 {
				t.Error("libnorm asked for no parity")
			}
		})
	}
}

var loss10 = dataLoss(9)

func lose10(pkt []byte) bool { return loss10(pkt, true) }
