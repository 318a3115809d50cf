package pgm

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/internal/netnstest"
	"github.com/zeroplug/zeroplug/internal/peertest"
)

// streamPublisher starts a zeroplug cat PUB in n that sends lines, one every gap, and
// ends its input after the last.
func streamPublisher(t *testing.T, n *netnstest.Namespace, scheme string, lines []string, gap time.Duration) *peertest.Proc {
	t.Helper()
	pub := startCat(t, n, "-t", "PUB", "-c", endpoint(scheme, n), "-o", "RATE="+testRate, "-o", "RECOVERY_IVL="+testRecovery)
	go func() {
		for _, l := range lines {
			if pub.Send(l) != nil {
				return
			}
			time.Sleep(gap)
		}
		pub.CloseStdin()
	}()
	return pub
}

// startSubscriber starts a zeroplug cat SUB in n and waits for it to join the group.
func startSubscriber(t *testing.T, n *netnstest.Namespace, scheme string, args ...string) *peertest.Proc {
	t.Helper()
	sub := startCat(t, n, append([]string{"-t", "SUB", "-c", endpoint(scheme, n), "-o", "RATE=" + testRate}, args...)...)
	waitJoined(t, n, sub)
	return sub
}

// indexIn returns the index of line in want, or fails.
func indexIn(t *testing.T, want []string, line string) int {
	t.Helper()
	for i, w := range want {
		if w == line {
			return i
		}
	}
	t.Fatalf("received %.60q, which is no whole message sent", line)
	return -1
}

// TestLateJoiner: a SUB that joins while a PUB streams messages of three APDUs each
// starts at a whole message (libzmq's offset field), never asks for what was sent
// before it joined, and from there receives every message in order.
func TestLateJoiner(t *testing.T) {
	for _, scheme := range []string{SchemeEPGM, SchemePGM} {
		t.Run(scheme, func(t *testing.T) {
			t.Parallel()
			a, b := netnstest.Pair(t)
			b.DropFrom(t, a.Addr, 10)
			want := messages(400, 3000)
			streamPublisher(t, a, scheme, want, 5*time.Millisecond)
			time.Sleep(500 * time.Millisecond) // the PUB is well into its stream
			sub := startSubscriber(t, b, scheme, "-n", "100")
			got, err := sub.Lines(100, testTimeout)
			if err != nil {
				t.Fatal(err)
			}
			first := indexIn(t, want, got[0])
			if first == 0 {
				t.Fatal("the late joiner received the first message: it did not join late")
			}
			checkMessages(t, got, want[first:first+100])
			t.Logf("joined at message %d; %d packets dropped", first, b.Dropped(t))
		})
	}
}

// TestTwoPublishers: two PUBs on one group, one zeroplug and one libzmq, in the same
// namespace: the SUB tells them apart by TSI and delivers each one's messages whole
// and in its order. Over pgm with 10 % loss too: raw sockets each get a copy of every
// NAK; over epgm the two publishers' sockets share the port with SO_REUSEPORT on one
// host, where the kernel gives a NAK to one of them only (as to two OpenPGM sources),
// so epgm runs without loss here (see the package's notes).
func TestTwoPublishers(t *testing.T) {
	for _, tc := range []struct {
		scheme string
		loss   int
	}{{SchemeEPGM, 0}, {SchemePGM, 0}, {SchemePGM, 10}} {
		t.Run(fmt.Sprintf("%s/loss%d", tc.scheme, tc.loss), func(t *testing.T) {
			t.Parallel()
			a, b := netnstest.Pair(t)
			if tc.loss > 0 {
				b.DropFrom(t, a.Addr, tc.loss)
			}
			const count = 200
			sub := startSubscriber(t, b, tc.scheme, "-n", strconv.Itoa(2*count))
			zeroplugLines := make([]string, count)
			for i := range zeroplugLines {
				zeroplugLines[i] = fmt.Sprintf("zp|%d:%s|end", i, strings.Repeat("z", 900))
			}
			libzmqLines := messages(count, 900)
			lz := startLibzmq(t, a, "pub", libzmqEndpoint(tc.scheme, a), strconv.Itoa(count), "900")
			expectLine(t, lz, "ready")
			zp := streamPublisher(t, a, tc.scheme, zeroplugLines, time.Millisecond)
			if err := lz.Send("go"); err != nil {
				t.Fatal(err)
			}
			got, err := sub.Lines(2*count, testTimeout)
			if err != nil {
				t.Fatal(err)
			}
			var fromZeroplug, fromLibzmq []string
			for _, l := range got {
				if strings.HasPrefix(l, "zp|") {
					fromZeroplug = append(fromZeroplug, l)
				} else {
					fromLibzmq = append(fromLibzmq, l)
				}
			}
			checkMessages(t, fromZeroplug, zeroplugLines)
			checkMessages(t, fromLibzmq, libzmqLines)
			lz.CloseStdin()
			if err := zp.Wait(testTimeout); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestPublisherRestart: a PUB sends, closes (FIN) and a new one starts on the same
// endpoint, zeroplug's and libzmq's: the SUB follows the new session (another TSI) and
// receives both runs' messages, in order.
func TestPublisherRestart(t *testing.T) {
	for _, who := range []string{"zeroplug", "libzmq"} {
		t.Run(who, func(t *testing.T) {
			t.Parallel()
			a, b := netnstest.Pair(t)
			b.DropFrom(t, a.Addr, 10)
			const count = 100
			want := messages(2*count, 1000)
			sub := startSubscriber(t, b, SchemeEPGM, "-n", strconv.Itoa(2*count))
			for run := range 2 {
				part := want[run*count : (run+1)*count]
				if who == "zeroplug" {
					if err := zeroplugPublish(t, a, SchemeEPGM, part).Wait(testTimeout); err != nil {
						t.Fatal(err)
					}
					continue
				}
				// The libzmq peer numbers its messages from 0: the second run's
				// are checked against the first run's bodies.
				pub := startLibzmq(t, a, "pub", libzmqEndpoint(SchemeEPGM, a), strconv.Itoa(count), "1000")
				expectLine(t, pub, "ready")
				pub.Send("go")
				expectLine(t, pub, "sent")
				got, err := sub.Lines(count, testTimeout)
				if err != nil {
					t.Fatalf("run %d: %v", run, err)
				}
				checkMessages(t, got, want[:count])
				pub.CloseStdin()
				expectLine(t, pub, "done")
			}
			if who == "zeroplug" {
				got, err := sub.Lines(2*count, testTimeout)
				if err != nil {
					t.Fatal(err)
				}
				checkMessages(t, got, want)
			}
		})
	}
}

// TestPublisherStops: a PUB killed mid-stream (its plugin dies with it) leaves its
// receivers as they were: the SUB has printed whole messages in order, no partial one,
// and goes on with the next publisher.
func TestPublisherStops(t *testing.T) {
	a, b := netnstest.Pair(t)
	want := messages(1000, 2000)
	sub := startSubscriber(t, b, SchemeEPGM)
	pub := streamPublisher(t, a, SchemeEPGM, want, 2*time.Millisecond)
	before, err := sub.Lines(50, testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	pub.Kill()
	checkMessages(t, before, want[:50])
	// What the killed PUB had sent by then still arrives, whole and in order; then
	// a new PUB is heard.
	after := []string{"after|0|end", "after|1|end", "after|2|end"}
	next := zeroplugPublish(t, a, SchemeEPGM, after)
	for i := 50; ; i++ {
		line, err := sub.Line(testTimeout)
		if err != nil {
			t.Fatal(err)
		}
		if line == after[0] {
			break
		}
		if line != want[i] {
			t.Fatalf("after the kill, message %d is %.40q, want %.40q", i, line, want[i])
		}
	}
	rest, err := sub.Lines(2, testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	checkMessages(t, rest, after[1:])
	if err := next.Wait(testTimeout); err != nil {
		t.Error(err)
	}
}

// injector sends datagrams to the group from inside a namespace: garbage, a truncated
// header, a packet with a wrong checksum, a TSDU length that lies, an unknown type,
// COUNT times each (a Python one-liner: the standard library is enough).
const injector = `
import socket, struct, sys
raw = sys.argv[1] == "pgm"
count = int(sys.argv[2])
if raw:
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 113)
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(sys.argv[3]))
def hdr(t, tsdu, csum=0xbeef):
    return struct.pack("!HHBBH6sH", 40000, 5555, t, 0, csum, b"\x01\x02\x03\x04\x05\x06", tsdu)
bad = [b"\xff" * 7, hdr(4, 0)[:10], hdr(4, 100) + struct.pack("!II", 0, 0) + b"x" * 10,
       hdr(4, 5) + struct.pack("!II", 0, 0) + b"hello", hdr(0x3f, 0), b""]
for _ in range(count):
    for p in bad:
        s.sendto(p, ("239.192.1.1", 5555 if not raw else 0))
`

// TestMalformedPackets: datagrams that do not parse, injected into the group while a
// PUB streams, are dropped and counted (the plugin's warning says how many, through
// cat's standard error) and harm nothing: every message arrives, in order.
func TestMalformedPackets(t *testing.T) {
	for _, scheme := range []string{SchemeEPGM, SchemePGM} {
		t.Run(scheme, func(t *testing.T) {
			t.Parallel()
			a, b := netnstest.Pair(t)
			want := messages(300, 1000)
			sub := startSubscriber(t, b, scheme, "-n", strconv.Itoa(len(want)))
			pub := streamPublisher(t, a, scheme, want, time.Millisecond)
			inject := a.Command(peertest.Python(t), "-c", injector, scheme, "50", a.Addr.String())
			if out, err := inject.CombinedOutput(); err != nil {
				t.Fatalf("injector: %v\n%s", err, out)
			}
			got, err := sub.Lines(len(want), testTimeout)
			if err != nil {
				t.Fatal(err)
			}
			checkMessages(t, got, want)
			if err := sub.Wait(testTimeout); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(sub.Stderr(), "dropped a malformed datagram") || !strings.Contains(sub.Stderr(), "malformed=") {
				t.Fatalf("the SUB's stderr does not count the malformed datagrams:\n%s", sub.Stderr())
			}
			if err := pub.Wait(testTimeout); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestPluginKilled: the SUB's plugin process is SIGKILLed mid-stream. The core logs
// the plugin's exit, its connection to the plugin ends, and the socket reconnects,
// which starts a new plugin process and a new receiver session: the messages sent
// from then on arrive whole and in order. Lost are the messages the dead session held
// or had not yet written to the core, and those sent while no session listened;
// being a late joiner, the new session does not ask for them.
func TestPluginKilled(t *testing.T) {
	a, b := netnstest.Pair(t)
	want := messages(3000, 500)
	sub := startSubscriber(t, b, SchemeEPGM, "-o", "RECONNECT_IVL=50")
	streamPublisher(t, a, SchemeEPGM, want, time.Millisecond)
	before, err := sub.Lines(100, testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	checkMessages(t, before, want[:100])
	plugin := pluginOf(t, b)
	if err := syscall.Kill(plugin, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Every line is a whole message, in order, with a gap where the plugin died.
	last, gaps := 99, 0
	for range 400 {
		line, err := sub.Line(testTimeout)
		if err != nil {
			t.Fatal(err)
		}
		i := indexIn(t, want, line)
		if i <= last {
			t.Fatalf("message %d after %d: out of order or twice", i, last)
		}
		if i > last+1 {
			gaps++
			t.Logf("lost messages %d to %d with the plugin", last+1, i-1)
		}
		last = i
	}
	if gaps != 1 {
		t.Errorf("%d gaps, want the one where the plugin died", gaps)
	}
	if !strings.Contains(sub.Stderr(), "transport plugin exited") {
		t.Errorf("the SUB did not report the plugin's exit:\n%s", sub.Stderr())
	}
	if pluginOf(t, b) == plugin {
		t.Error("the plugin was not restarted")
	}
}

// pluginOf returns the pid of the plugin process in n (the SUB's: the only one there).
func pluginOf(t *testing.T, n *netnstest.Namespace) int {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for time.Now().Before(deadline) {
		out, err := exec.Command("ip", "netns", "pids", n.Name).Output()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range strings.Fields(string(out)) {
			cmdline, _ := os.ReadFile("/proc/" + f + "/cmdline")
			if strings.Contains(string(cmdline), "zeroplug-transport-pgm") {
				if pid, err := strconv.Atoi(f); err == nil {
					return pid
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no plugin process in %s", n.Name)
	return 0
}
