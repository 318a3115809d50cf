package wire

import (
	"bufio"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// The captures in testdata were printed by testdata/libzmq_pgm_peer.py ("capture"
// mode): Debian's libzmq 4.3.4 (OpenPGM 5.3.128) PUB sending three messages, the second
// of 3072 bytes, on epgm and pgm://127.0.0.1;239.192.1.1:5555 in a namespace of its own,
// then closing. Each holds, in order: three SPMs at start, three ODATA, heartbeat SPMs,
// and three SPMs with OPT_FIN from pgm_close.
const (
	epgmCaptureFile = "testdata/libzmq_epgm_capture.txt"
	pgmCaptureFile  = "testdata/libzmq_pgm_capture.txt"
)

// captureMessages are the messages the capturing PUB sent.
func captureMessages(n int) [][][]byte {
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

// readCapture returns the datagrams of a capture file ("pkt <hex>" lines).
func readCapture(t testing.TB, path string) [][]byte {
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
		pkt, err := parseCaptureLine(sc.Text())
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

// parseCaptureLine returns the datagram of a "pkt <hex>" line, nil for any other line.
func parseCaptureLine(line string) ([]byte, error) {
	hexPkt, ok := strings.CutPrefix(line, "pkt ")
	if !ok {
		return nil, nil
	}
	return hex.DecodeString(hexPkt)
}
