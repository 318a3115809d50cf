package wire

import (
	"bytes"
	"encoding/hex"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/plugins/pgm/internal/pgmtest"

	"github.com/zeroplug/zeroplug/internal/peertest"
)

// peerTimeout bounds every wait on the libzmq peer.
const peerTimeout = 30 * time.Second

// peerLine returns the peer's next line, past the log lines OpenPGM prints on stdout
// ("Warn: Interface lo reports as a loopback device.").
func peerLine(peer *peertest.Proc) (string, error) {
	for {
		line, err := peer.Line(peerTimeout)
		if err != nil || !strings.HasPrefix(line, "Warn: ") {
			return line, err
		}
	}
}

// TestInteropLibzmqPublisher decodes what a live libzmq PUB sends over epgm and pgm:
// every packet parses and re-encodes to its bytes, and the messages come out whole. Once
// the last ODATA is out it sends a NAK for the first with an OPT_NAK_LIST for the second,
// encoded here; OpenPGM accepts it (ports, GSI, NLAs, checksum) and answers with NCF and
// RDATA for both.
func TestInteropLibzmqPublisher(t *testing.T) {
	for _, framing := range []string{"epgm", "pgm"} {
		t.Run(framing, func(t *testing.T) {
			raw := framing == "pgm"
			peer := pgmtest.StartLibzmqPeer(t, "testdata/libzmq_pgm_peer.py", "capture", framing, "3")
			var pkts [][]byte
			var p Packet
			nakSent, closed := false, false
			repaired := map[SeqNo]bool{}
			for {
				line, err := peerLine(peer)
				if err != nil {
					t.Fatal(err)
				}
				if line == "done" {
					break
				}
				pkt, err := pgmtest.ParseCaptureLine(line)
				if err != nil {
					t.Fatal(err)
				}
				if pkt == nil {
					continue
				}
				pkts = append(pkts, pkt)
				if raw {
					if pkt, _, err = IPv4Payload(pkt); err != nil {
						t.Fatal(err)
					}
				}
				if err := p.Parse(pkt); err != nil {
					t.Fatal(err)
				}
				switch {
				case p.Type == TypeODATA && p.Seq == 2 && !nakSent:
					nak := Packet{
						Header:    Header{SourcePort: 5555, DestPort: p.SourcePort, Type: TypeNAK, GSI: p.GSI},
						Seq:       0,
						SourceNLA: netip.MustParseAddr("127.0.0.1"),
						GroupNLA:  netip.MustParseAddr("239.192.1.1"),
					}
					nak.Options.SetNAKList([]SeqNo{1})
					b, err := nak.Append(nil)
					if err != nil {
						t.Fatal(err)
					}
					if err := peer.Send("pkt " + hex.EncodeToString(b)); err != nil {
						t.Fatal(err)
					}
					nakSent = true
				case p.Type == TypeRDATA:
					repaired[p.Seq] = true
					if repaired[0] && repaired[1] && !closed {
						if err := peer.Send("close"); err != nil {
							t.Fatal(err)
						}
						closed = true
					}
				}
			}
			if err := peer.Wait(peerTimeout); err != nil {
				t.Fatal(err)
			}
			s := checkLibzmqSession(t, pkts, raw)
			if want := pgmtest.Messages(3); !equalMessages(s.msgs, want) {
				t.Fatalf("decoded %q, want %q", s.msgs, want)
			}
			if !s.ncf[0] || !s.ncf[1] || !s.repaired[0] || !s.repaired[1] {
				t.Fatalf("NCF for %v and RDATA for %v, want both for 0 and 1", s.ncf, s.repaired)
			}
		})
	}
}

// TestInteropLibzmqSubscriber sends a session encoded here (SPMs, then ODATA packed by
// the Packer) to a live libzmq SUB over epgm and pgm; OpenPGM accepts the checksums,
// NLA and windows, and libzmq's decoder delivers every message whole, in order.
func TestInteropLibzmqSubscriber(t *testing.T) {
	for _, framing := range []string{"epgm", "pgm"} {
		t.Run(framing, func(t *testing.T) {
			msgs := [][][]byte{
				{[]byte("topic"), []byte("first")},
				{[]byte("empty"), {}, []byte("after an empty frame")},
				{bytes.Repeat([]byte("0123456789abcdef"), 400)}, // 6400 B: five APDUs
				{[]byte("last")},
			}
			peer := pgmtest.StartLibzmqPeer(t, "testdata/libzmq_pgm_peer.py", "sub", framing, "4")
			if line, err := peerLine(peer); err != nil || line != "ready" {
				t.Fatalf("peer said %q (%v), want ready", line, err)
			}
			for _, pkt := range encodeSession(t, msgs, framing == "epgm") {
				if err := peer.Send("pkt " + hex.EncodeToString(pkt)); err != nil {
					t.Fatal(err)
				}
			}
			for i, m := range msgs {
				line, err := peerLine(peer)
				if err != nil {
					t.Fatal(err)
				}
				var want []string
				for _, f := range m {
					want = append(want, hex.EncodeToString(f))
				}
				if w := "msg " + strings.Join(want, " "); line != w {
					t.Fatalf("message %d: libzmq got %.200q, want %.200q", i, line, w)
				}
			}
			if line, err := peerLine(peer); err != nil || line != "done" {
				t.Fatalf("peer said %q (%v), want done", line, err)
			}
			peer.CloseStdin()
			if err := peer.Wait(peerTimeout); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// encodeSession returns the packets of a source sending msgs to 239.192.1.1:5555 from
// 127.0.0.1, as OpenPGM starts a session: three SPMs announcing an empty window, then
// ODATA from sequence number 0, then an SPM announcing the window.
func encodeSession(t *testing.T, msgs [][][]byte, udpEncap bool) [][]byte {
	t.Helper()
	maxTSDU, err := MaxTSDU(1500, udpEncap)
	if err != nil {
		t.Fatal(err)
	}
	packer, err := NewPacker(maxTSDU)
	if err != nil {
		t.Fatal(err)
	}
	spm := Packet{
		Header:    Header{SourcePort: 40000, DestPort: 5555, Type: TypeSPM, GSI: GSI{0x7a, 0x65, 0x72, 0x6f, 0x70, 0x6c}},
		Trail:     0,
		Lead:      0xFFFFFFFF,
		SourceNLA: netip.MustParseAddr("127.0.0.1"),
	}
	var pkts [][]byte
	appendPacket := func(p *Packet) {
		b, err := p.Append(nil)
		if err != nil {
			t.Fatal(err)
		}
		pkts = append(pkts, b)
	}
	for range 3 {
		appendPacket(&spm)
		spm.Seq++
	}
	data := Packet{Header: spm.Header}
	data.Type = TypeODATA
	emit := func(apdu []byte) {
		data.TSDU = apdu
		appendPacket(&data)
		data.Seq++
	}
	for _, m := range msgs {
		packer.AddMessage(m, emit)
	}
	packer.Flush(emit)
	spm.Lead = data.Seq - 1
	appendPacket(&spm)
	return pkts
}
