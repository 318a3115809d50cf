// Package pgmtest holds what the pgm packages' tests share: the libzmq peer
// (testdata/libzmq_pgm_peer.py of the wire package) run in a network
// namespace of its own, the captures it printed, and the messages it sends.
package pgmtest

import (
	"bufio"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/zeroplug/zeroplug/internal/peertest"
)

// StartLibzmqPeer runs the peer script under pyzmq in a network namespace of
// its own with only lo up, so that its multicast never leaves it. The
// namespace is made in a user namespace where the peer is root, so that
// pgm's raw sockets (CAP_NET_RAW) work without the test being root.
func StartLibzmqPeer(t *testing.T, script string, args ...string) *peertest.Proc {
	t.Helper()
	sh := "ip link set lo up && exec " + peertest.Python(t) + " " + script + " " + strings.Join(args, " ")
	return peertest.Start(t, "unshare", "--map-root-user", "--net", "sh", "-c", sh)
}

// Messages are the first n messages the peer's PUB sends: ["topic",
// "msg-i"], but for message 1, ["big", 3072 bytes counting 0 to 255 twelve
// times].
func Messages(n int) [][][]byte {
	big := make([]byte, 0, 3072)
	for range 12 {
		for b := range 256 {
			big = append(big, byte(b))
		}
	}
	msgs := make([][][]byte, n)
	for i := range msgs {
		if i == 1 {
			msgs[i] = [][]byte{[]byte("big"), big}
		} else {
			msgs[i] = [][]byte{[]byte("topic"), []byte("msg-" + string(rune('0'+i)))}
		}
	}
	return msgs
}

// ReadCapture returns the datagrams of a capture file ("pkt <hex>" lines).
func ReadCapture(t testing.TB, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var pkts [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		pkt, err := ParseCaptureLine(sc.Text())
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if pkt != nil {
			pkts = append(pkts, pkt)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(pkts) == 0 {
		t.Fatalf("%s holds no packet", path)
	}
	return pkts
}

// ParseCaptureLine returns the datagram of a "pkt <hex>" line, nil for any
// other line.
func ParseCaptureLine(line string) ([]byte, error) {
	hexPkt, ok := strings.CutPrefix(line, "pkt ")
	if !ok {
		return nil, nil
	}
	return hex.DecodeString(hexPkt)
}
