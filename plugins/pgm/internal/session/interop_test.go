package session

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/plugins/pgm/internal/pgmtest"

	"github.com/zeroplug/zeroplug/plugins/pgm/internal/wire"
)

// The interop tests run the wire package's libzmq peer (pyzmq on Debian's libzmq 4.3.4
// and OpenPGM 5.3.128) in a network namespace of its own with only lo, inside a user
// namespace where it may open pgm's raw sockets. See ../wire/testdata/libzmq_pgm_peer.py.
const (
	peerScript  = "../wire/testdata/libzmq_pgm_peer.py"
	peerTimeout = 30 * time.Second
)

var (
	loopback  = netip.MustParseAddr("127.0.0.1")
	peerGroup = netip.MustParseAddr("239.192.1.1")
)

// TestInteropLibzmqPublisherRepair: a Receiver follows a live libzmq PUB over epgm and
// pgm, and the first time the PUB's ODATA 1 arrives the test drops it. The Receiver NAKs
// it to the PUB's NLA (the test hands the NAK to the peer, which sends it to the PUB);
// OpenPGM accepts the NAK, confirms with an NCF and repairs with RDATA, and the Receiver
// delivers every message whole and in order.
func TestInteropLibzmqPublisherRepair(t *testing.T) {
	for _, framing := range []string{"epgm", "pgm"} {
		t.Run(framing, func(t *testing.T) {
			raw := framing == "pgm"
			const count = 4
			peer := pgmtest.StartLibzmqPeer(t, peerScript, "capture", framing, "4")
			var got [][][]byte
			var naks [][]byte
			r, err := NewReceiver(ReceiverConfig{
				DestPort: 5555, Group: peerGroup, UDPEncap: !raw,
				Send: func(pkt []byte, to netip.Addr) {
					var p wire.Packet
					if p.Parse(pkt) == nil && p.Type == wire.TypeNAK && to == loopback {
						naks = append(naks, bytes.Clone(pkt))
					}
				},
				Deliver: func(_ wire.TSI, msg [][]byte) { got = append(got, cloneMessage(msg)) },
			})
			if err != nil {
				t.Fatal(err)
			}
			dropped, closed := false, false
			var p wire.Packet
			deadline := time.Now().Add(peerTimeout)
			for time.Now().Before(deadline) {
				line, err := peer.Line(10 * time.Millisecond)
				now := time.Now()
				switch {
				case errors.Is(err, io.EOF):
					t.Fatal(err)
				case err != nil: // no line yet: run the timers
				case line == "done":
					deadline = now
				case strings.HasPrefix(line, "pkt "):
					pkt, err := hex.DecodeString(line[4:])
					if err != nil {
						t.Fatal(err)
					}
					from := loopback
					if raw {
						if pkt, from, err = wire.IPv4Payload(pkt); err != nil {
							t.Fatal(err)
						}
					}
					if p.Parse(pkt) == nil && p.Type == wire.TypeODATA && p.Seq == 1 && !dropped {
						dropped = true
						continue
					}
					if err := r.HandleDatagram(pkt, from, now); err != nil {
						t.Fatalf("a libzmq packet did not parse: %v", err)
					}
				}
				r.Tick(now)
				for _, nak := range naks {
					if err := peer.Send("pkt " + hex.EncodeToString(nak)); err != nil {
						t.Fatal(err)
					}
				}
				naks = naks[:0]
				if len(got) == count && !closed {
					closed = true
					peer.Send("close")
				}
			}
			if !dropped {
				t.Fatal("the PUB sent no ODATA 1")
			}
			want := pgmtest.Messages(count)
			sameMessages(t, "from libzmq", got, want)
			st := r.Stats()
			if st.NAKs == 0 || st.Lost != 0 {
				t.Fatalf("receiver stats %+v, want NAKs and no loss", st)
			}
			peer.CloseStdin()
			if err := peer.Wait(peerTimeout); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestInteropSenderToLibzmq: what a Sender sends (its start SPMs, ODATA at RATE with the
// trail, heartbeat SPMs announcing its window, FIN SPMs at close) reaches a live libzmq
// SUB over epgm and pgm, which delivers every message whole and in order.
func TestInteropSenderToLibzmq(t *testing.T) {
	for _, framing := range []string{"epgm", "pgm"} {
		t.Run(framing, func(t *testing.T) {
			raw := framing == "pgm"
			msgs := testMessages(21, 12, 4000)
			var c capture
			s, err := NewSender(SenderConfig{
				TSI:      wire.TSI{GSI: wire.GSI{0x7a, 0x65, 0x72, 0x6f, 0x70, 0x6c}, SourcePort: 40000},
				DestPort: 5555, SourceNLA: loopback, Group: peerGroup, UDPEncap: !raw, Send: c.send(t),
			}, simStart)
			if err != nil {
				t.Fatal(err)
			}
			c.now = simStart
			for _, m := range msgs {
				for s.Send(m, c.now) == ErrWouldBlock {
					c.now = s.Tick(c.now)
				}
			}
			s.Flush(c.now)
			for !s.Idle() {
				c.now = s.Tick(c.now)
			}
			runSender(s, &c, c.now.Add(2*time.Second))
			s.Close()
			peer := pgmtest.StartLibzmqPeer(t, peerScript, "sub", framing, "12")
			for {
				line, err := peer.Line(peerTimeout)
				if err != nil {
					t.Fatal(err)
				}
				if line == "ready" {
					break
				}
			}
			for _, k := range c.pkts {
				if err := peer.Send("pkt " + hex.EncodeToString(k.raw)); err != nil {
					t.Fatal(err)
				}
			}
			for i, m := range msgs {
				var line string
				for {
					if line, err = peer.Line(peerTimeout); err != nil {
						t.Fatalf("message %d: %v", i, err)
					}
					if !strings.HasPrefix(line, "Warn: ") {
						break
					}
				}
				var want []string
				for _, f := range m {
					want = append(want, hex.EncodeToString(f))
				}
				if w := "msg " + strings.Join(want, " "); line != w {
					t.Fatalf("message %d: libzmq got %.120q, want %.120q", i, line, w)
				}
			}
			peer.CloseStdin()
			if err := peer.Wait(peerTimeout); err != nil {
				t.Fatal(err)
			}
		})
	}
}
