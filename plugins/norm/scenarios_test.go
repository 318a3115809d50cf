package norm_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/internal/netnstest"
	"github.com/zeroplug/zeroplug/internal/peertest"
)

// received is one "got INDEX TAG OK" line of a receiver.
type received struct {
	index int
	tag   byte
	ok    bool
}

// readReceived reads a receiver's lines up to "done".
func readReceived(t *testing.T, sub *peertest.Proc, others ...*peertest.Proc) []received {
	t.Helper()
	var got []received
	for {
		line, err := sub.Line(60 * time.Second)
		if err != nil {
			var more strings.Builder
			for _, o := range others {
				fmt.Fprintf(&more, "\n%s's stderr:\n%s", o, o.Stderr())
			}
			t.Fatalf("receiver: %v\nstderr:\n%s%s", err, sub.Stderr(), more.String())
		}
		if line == "done" {
			return got
		}
		f := strings.Fields(line)
		if len(f) != 4 || f[0] != "got" {
			t.Fatalf("receiver printed %q", line)
		}
		i, _ := strconv.Atoi(f[1])
		got = append(got, received{index: i, tag: f[2][0], ok: f[3] == "true" || f[3] == "True"})
	}
}

// byTag splits what a receiver got by sender, failing at a corrupt
// message or one out of its sender's order.
func byTag(t *testing.T, got []received) map[byte][]int {
	t.Helper()
	m := make(map[byte][]int)
	for _, r := range got {
		if !r.ok {
			t.Fatalf("message %d of %c is not intact", r.index, r.tag)
		}
		if l := m[r.tag]; len(l) > 0 && r.index <= l[len(l)-1] {
			t.Fatalf("message %d of %c after %d", r.index, r.tag, l[len(l)-1])
		}
		m[r.tag] = append(m[r.tag], r.index)
	}
	return m
}

func finish(t *testing.T, procs ...*peertest.Proc) {
	t.Helper()
	for _, p := range procs {
		p.CloseStdin()
		if err := p.Wait(15 * time.Second); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

// TestLateJoiner: a receiver that joins a stream under way, from a
// zeroplug and from a libzmq sender, delivers whole messages only, from
// the first it can have whole on, each once and in order. A first
// receiver is there from the start (without one, NORM-CC holds a sender
// at its minimum rate); the late one joins once the first has had 100
// messages.
func TestLateJoiner(t *testing.T) {
	for _, kind := range []string{zeroplugPeer, libzmqPeer} {
		t.Run(kind, func(t *testing.T) {
			a, b := netnstest.Pair(t)
			first := startZeroplug(t, b, "sub", "norm://4,vB;"+group, "400")
			expectLine(t, first, "ready", 10*time.Second)
			// 4 s of messages: the joiner comes while they flow, however
			// loaded the machine.
			r := transferRun{pub: kind, count: 400, interval: 10 * time.Millisecond}
			pub := r.start(t, a, kind, "pub", pubEndpoint, "P")
			expectLine(t, pub, "ready", 10*time.Second)
			time.Sleep(300 * time.Millisecond)
			pub.Send("go")
			for n := 0; n < 100; n++ {
				if _, err := first.Line(30 * time.Second); err != nil {
					t.Fatalf("the first receiver: %v\n%s", err, first.Stderr())
				}
			}
			sub := startZeroplug(t, b, "sub", subEndpoint, "100")
			expectLine(t, sub, "ready", 10*time.Second)
			got := byTag(t, readReceived(t, sub, pub))['P']
			if rest := readReceived(t, first, pub); len(rest) != 300 {
				t.Errorf("the first receiver got %d of 400", 100+len(rest))
			}
			finish(t, pub, sub, first)
			if len(got) != 100 {
				t.Fatalf("the late joiner got %d messages; want 100", len(got))
			}
			if got[0] < 100 {
				t.Errorf("the late joiner started at message %d, before it joined", got[0])
			}
			for i := 1; i < len(got); i++ {
				if got[i] != got[i-1]+1 {
					t.Fatalf("message %d after %d: one lost", got[i], got[i-1])
				}
			}
			t.Logf("joined at message %d", got[0])
		})
	}
}

// TestSenderRestart: a sender that stops and starts again with the same
// node id (a new instance) is followed: the receiver gets everything from
// both, in order, and counts the restart.
func TestSenderRestart(t *testing.T) {
	a, b := netnstest.Pair(t)
	sub := startZeroplug(t, b, "sub", subEndpoint, "100")
	expectLine(t, sub, "ready", 10*time.Second)
	for _, tag := range []string{"A", "B"} {
		pub := startZeroplug(t, a, "pub", pubEndpoint, "50", tag)
		expectLine(t, pub, "ready", 10*time.Second)
		time.Sleep(300 * time.Millisecond)
		pub.Send("go")
		expectLine(t, pub, "sent", 10*time.Second)
		finish(t, pub)
	}
	got := byTag(t, readReceived(t, sub))
	finish(t, sub)
	if len(got['A']) != 50 || len(got['B']) != 50 {
		t.Fatalf("got %d of the first instance's 50 and %d of the second's", len(got['A']), len(got['B']))
	}
	if n := mustStat(t, sub.Stderr(), "sender_restarts"); n < 1 {
		t.Errorf("sender_restarts=%v; want the restart counted", n)
	}
}

// TestTwoSenders: two senders on one group, at once: the receiver gets
// every message of each, each sender's in its order.
func TestTwoSenders(t *testing.T) {
	a, b := netnstest.Pair(t)
	b.DropFrom(t, a.Addr, 5)
	sub := startZeroplug(t, b, "sub", subEndpoint, "300")
	expectLine(t, sub, "ready", 10*time.Second)
	pubA := startZeroplug(t, a, "pub", pubEndpoint, "150", "A")
	pubB := startZeroplug(t, a, "pub", "norm://3,vA;"+group, "150", "B")
	expectLine(t, pubA, "ready", 10*time.Second)
	expectLine(t, pubB, "ready", 10*time.Second)
	time.Sleep(300 * time.Millisecond)
	pubA.Send("go")
	pubB.Send("go")
	got := byTag(t, readReceived(t, sub, pubA, pubB))
	finish(t, pubA, pubB, sub)
	if len(got['A']) != 150 || len(got['B']) != 150 {
		t.Fatalf("got %d of A's 150 and %d of B's\nreceiver's stderr:\n%s\nA's stderr:\n%s\nB's stderr:\n%s",
			len(got['A']), len(got['B']), sub.Stderr(), pubA.Stderr(), pubB.Stderr())
	}
}

// TestSlowReceiver: a core SUB that reads far slower than the group
// sends never holds the NORM session up: the plugin keeps a bounded queue
// for it and drops whole messages beyond it, counted; what the SUB gets
// is intact and in order.
func TestSlowReceiver(t *testing.T) {
	a, b := netnstest.Pair(t)
	sub := startZeroplug(t, b, "sub", subEndpoint, "100", "slow=40ms", "RCVHWM=10")
	expectLine(t, sub, "ready", 10*time.Second)
	pub := startZeroplug(t, a, "pub", pubEndpoint, "3000", "P", "interval=0s", "SNDHWM=0")
	expectLine(t, pub, "ready", 10*time.Second)
	time.Sleep(300 * time.Millisecond)
	pub.Send("go")
	got := byTag(t, readReceived(t, sub, pub))['P']
	finish(t, pub, sub)
	if len(got) != 100 {
		t.Fatalf("the slow receiver got %d messages; want 100", len(got))
	}
	dropped := mustStat(t, sub.Stderr(), "dropped")
	t.Logf("the receiver's plugin dropped %v messages for the slow SUB", dropped)
	if dropped == 0 {
		t.Error("nothing dropped: the receiver did not fall behind")
	}
}

// pyGarbage sends COUNT malformed datagrams to the group from IFACE_IP:
// random bytes, NORM headers cut short or claiming more than there is,
// unknown types and versions, commands with nonsense inside.
const pyGarbage = `
import os, random, socket, struct, sys, time
ip, group, port, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(ip))
random.seed(7)
for i in range(count):
    k = i % 6
    if k == 0:
        pkt = os.urandom(random.randrange(0, 64))
    elif k == 1:  # NORM_DATA, cut short
        pkt = bytes([0x12, 8]) + os.urandom(random.randrange(0, 28))
    elif k == 2:  # a header length beyond the packet
        pkt = bytes([0x12, 0xff]) + os.urandom(100)
    elif k == 3:  # unknown type, then unknown version
        pkt = bytes([0x1f, 2]) + os.urandom(30) if i % 12 == 3 else bytes([0x72, 2]) + os.urandom(30)
    elif k == 4:  # NORM_DATA of a stranger, nonsense FEC and extensions
        pkt = struct.pack(">BBHIHBBBBH", 0x12, 8, i, 99, 7, 0x94, 0x42, 0x20, random.randrange(256), 0) + os.urandom(40)
    else:  # NORM_CMD of a stranger, nonsense flavor
        pkt = struct.pack(">BBHIHBBB", 0x13, 4, i, 98, 7, 0x94, 0x42, random.randrange(256)) + os.urandom(20)
    s.sendto(pkt, (group, port))
    time.sleep(0.002)
print("sent", flush=True)
`

// TestMalformedPackets: garbage on the group beside a real sender is
// dropped and counted, never a crash, and the real stream arrives whole.
func TestMalformedPackets(t *testing.T) {
	a, b := netnstest.Pair(t)
	sub := startZeroplug(t, b, "sub", subEndpoint, "100")
	expectLine(t, sub, "ready", 10*time.Second)
	pub := startZeroplug(t, a, "pub", pubEndpoint, "100", "P", "interval=10ms")
	expectLine(t, pub, "ready", 10*time.Second)
	host, port, _ := strings.Cut(group, ":")
	garbage := startPython(t, a, pyGarbage, a.Addr.String(), host, port, "300")
	time.Sleep(300 * time.Millisecond)
	pub.Send("go")
	got := byTag(t, readReceived(t, sub, pub))['P']
	expectLine(t, garbage, "sent", 20*time.Second)
	finish(t, pub, sub, garbage)
	if len(got) != 100 {
		t.Fatalf("got %d of 100 messages", len(got))
	}
	malformed := mustStat(t, sub.Stderr(), "malformed")
	t.Logf("the receiver dropped %v malformed packets", malformed)
	if malformed == 0 {
		t.Error("no malformed packet counted")
	}
}
