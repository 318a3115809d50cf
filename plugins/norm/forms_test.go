package norm_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/internal/netnstest"
	"github.com/zeroplug/zeroplug/internal/peertest"
)

// summaryOf runs a sender of count messages of size bytes (one frame) to
// a receiver and returns the receiver's summary: how many arrived, in
// order without a gap.
func summaryOf(t *testing.T, a, b *netnstest.Namespace, pubEP, subEP, subKind string, count, size, loss int, subOpts ...string) (int, bool) {
	t.Helper()
	if loss > 0 {
		b.DropFrom(t, a.Addr, loss)
	}
	var sub *peertest.Proc
	if subKind == libzmqPeer {
		sub = startPython(t, b, pyBenchSub, subEP, strconv.Itoa(count), "20")
	} else {
		sub = startZeroplug(t, b, "sub", append([]string{subEP, strconv.Itoa(count), "summary=1", "quiet=20s"}, subOpts...)...)
	}
	expectLine(t, sub, "ready", 10*time.Second)
	pub := startZeroplug(t, a, "pub", pubEP, strconv.Itoa(count), "P", "interval=1ms", "size="+strconv.Itoa(size))
	expectLine(t, pub, "ready", 10*time.Second)
	time.Sleep(300 * time.Millisecond)
	pub.Send("go")
	line, err := sub.Line(60 * time.Second)
	if err != nil {
		t.Fatalf("receiver: %v\n%s\nsender:\n%s", err, sub.Stderr(), pub.Stderr())
	}
	f := strings.Fields(line)
	if len(f) != 4 || f[0] != "summary" {
		t.Fatalf("receiver printed %q", line)
	}
	expectLine(t, sub, "done", 10*time.Second)
	finish(t, pub, sub)
	n, _ := strconv.Atoi(f[1])
	return n, f[3] == "true" || f[3] == "True"
}

// TestLargeMessages: messages of 100 kB, each frame spread over 72
// segments, reach a zeroplug and a libzmq receiver whole, at 10 % loss.
// (A libzmq sender cannot be tested so: libzmq 4.3.4's norm PUB sends
// nothing more after a frame larger than its 2048-byte buffer, even to a
// libzmq SUB; the other tests keep its frames under 2048 bytes.)
func TestLargeMessages(t *testing.T) {
	for _, kind := range []string{zeroplugPeer, libzmqPeer} {
		t.Run(kind, func(t *testing.T) {
			a, b := netnstest.Pair(t)
			const count = 40
			n, inOrder := summaryOf(t, a, b, pubEndpoint, subEndpoint, kind, count, 100_000, 10)
			if n != count || !inOrder {
				t.Fatalf("%s got %d of %d messages of 100 kB (in order: %v)", kind, n, count, inOrder)
			}
		})
	}
}

// TestUnicast: libzmq's unicast form, norm://[ID,][IFACE;]HOST:PORT: a
// sender sends to the receiver's address, and the receiver's feedback
// goes to the sender's, as libnorm's NormSetDefaultUnicastNack; a libzmq
// receiver takes it too. With 10 % loss, the repairs come.
func TestUnicast(t *testing.T) {
	for _, kind := range []string{zeroplugPeer, libzmqPeer} {
		t.Run(kind, func(t *testing.T) {
			a, b := netnstest.Pair(t)
			const count = 300
			target := b.Addr.String() + ":5557"
			n, inOrder := summaryOf(t, a, b, "norm://1,vA;"+target, "norm://2,vB;"+target, kind, count, 200, 10)
			if n != count || !inOrder {
				t.Fatalf("%s got %d of %d messages over unicast (in order: %v)", kind, n, count, inOrder)
			}
		})
	}
}

// TestUnicastNack: NORM_UNICAST_NACK on a multicast session: the
// receiver's NACKs and ACKs go to the sender's address, not the group,
// and repair as well.
func TestUnicastNack(t *testing.T) {
	a, b := netnstest.Pair(t)
	const count = 300
	n, inOrder := summaryOf(t, a, b, pubEndpoint, subEndpoint, zeroplugPeer, count, 200, 10, "NORM_UNICAST_NACK=1")
	if n != count || !inOrder {
		t.Fatalf("got %d of %d messages with unicast NACKs (in order: %v)", n, count, inOrder)
	}
}
