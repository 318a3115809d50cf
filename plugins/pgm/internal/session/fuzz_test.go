package session

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/plugins/pgm/internal/pgmtest"

	"github.com/zeroplug/zeroplug/plugins/pgm/internal/wire"
)

// libzmqCaptures are the wire package's captures of a libzmq PUB (see its
// capture_test.go): real OpenPGM sessions, the seeds of FuzzReceiver and the input of
// TestReceiverLibzmqCapture.
var libzmqCaptures = []string{"../wire/testdata/libzmq_epgm_capture.txt"}

// fuzzFrames cuts the fuzzer's input into datagrams: each is a 2-byte length, a byte of
// milliseconds to advance the clock by, then the datagram.
func fuzzFrames(data []byte, each func(dt time.Duration, pkt []byte)) {
	for len(data) >= 3 {
		n := int(binary.BigEndian.Uint16(data))
		dt := time.Duration(data[2]) * time.Millisecond
		data = data[3:]
		n = min(n, len(data))
		each(dt, data[:n])
		data = data[n:]
	}
}

func fuzzInput(pkts [][]byte) []byte {
	var in []byte
	for _, p := range pkts {
		in = binary.BigEndian.AppendUint16(in, uint16(len(p)))
		in = append(in, 5)
		in = append(in, p...)
	}
	return in
}

// FuzzReceiver: any sequence of datagrams, at any pace, never panics the receiver, and
// it never follows more than MaxSources sources nor holds more than their windows.
func FuzzReceiver(f *testing.F) {
	for _, path := range libzmqCaptures {
		f.Add(fuzzInput(pgmtest.ReadCapture(f, path)))
	}
	// A session of the Sender here, with a loss, and the same packets reversed.
	var c capture
	s, err := NewSender(SenderConfig{TSI: testTSI, DestPort: simPort, SourceNLA: testNLA, Group: simGroup, UDPEncap: true,
		RateKbit: 10000, Send: c.send(f)}, simStart)
	if err != nil {
		f.Fatal(err)
	}
	for _, m := range testMessages(1, 20, 3000) {
		s.Send(m, simStart)
	}
	s.Flush(simStart)
	s.Close()
	var session [][]byte
	for i, k := range c.pkts {
		if i != 7 {
			session = append(session, k.raw)
		}
	}
	f.Add(fuzzInput(session))
	for i, j := 0, len(session)-1; i < j; i, j = i+1, j-1 {
		session[i], session[j] = session[j], session[i]
	}
	f.Add(fuzzInput(session))
	tsdu, _ := wire.MaxTSDU(DefaultMaxTPDU, true)
	const maxSources = 4
	bound := maxSources * windowSQNs(DefaultRateKbit, DefaultRecoveryIvl, DefaultMaxTPDU) * tsdu
	f.Fuzz(func(t *testing.T, data []byte) {
		now := simStart
		r, err := NewReceiver(ReceiverConfig{
			DestPort: simPort, Group: simGroup, UDPEncap: true, MaxSources: maxSources, MaxMessageSize: 1 << 16,
			Rand:    rand.New(rand.NewPCG(1, 1)),
			Send:    func([]byte, netip.Addr) {},
			Deliver: func(wire.TSI, [][]byte) {},
		})
		if err != nil {
			t.Fatal(err)
		}
		fuzzFrames(data, func(dt time.Duration, pkt []byte) {
			now = now.Add(dt)
			r.HandleDatagram(pkt, testNLA, now)
			r.Tick(now)
			if r.Sources() > maxSources || r.Buffered() > bound || r.Buffered() < 0 {
				t.Fatalf("%d sources holding %d bytes", r.Sources(), r.Buffered())
			}
		})
		// And every timer to its end: nothing is left held.
		for range 10000 {
			next := r.Tick(now)
			if next.IsZero() {
				break
			}
			now = next
		}
		if r.Sources() != 0 || r.Buffered() != 0 {
			t.Fatalf("after every timer: %d sources holding %d bytes", r.Sources(), r.Buffered())
		}
	})
}

// TestReceiverLibzmqCapture: the packets a libzmq PUB sent (the wire package's capture)
// deliver its three messages, the second of 3072 bytes over three APDUs, and its FIN
// SPMs end the session.
func TestReceiverLibzmqCapture(t *testing.T) {
	var c capture
	r, got := newTestReceiver(t, &c, nil)
	for _, pkt := range pgmtest.ReadCapture(t, libzmqCaptures[0]) {
		c.now = c.now.Add(time.Millisecond)
		if err := r.HandleDatagram(pkt, netip.MustParseAddr("127.0.0.1"), c.now); err != nil {
			t.Fatal(err)
		}
	}
	if len(*got) != 3 || string((*got)[0][1]) != "msg-0" || len((*got)[1][1]) != 3072 || string((*got)[2][1]) != "msg-2" {
		t.Fatalf("delivered %d messages: %.80q", len(*got), *got)
	}
	if c.count(wire.TypeNAK) != 0 || c.count(wire.TypeSPMR) != 0 {
		t.Fatalf("sent %d NAKs and %d SPMRs on a lossless session", c.count(wire.TypeNAK), c.count(wire.TypeSPMR))
	}
	c.now = c.now.Add(time.Second)
	r.Tick(c.now)
	if r.Sources() != 0 {
		t.Fatalf("the source is still followed a second after its FIN")
	}
}

// FuzzSender: any sequence of datagrams on the source's port never panics the Sender,
// and what it sends stays bounded: one NCF per datagram at most, and RDATA at most once
// per repair interval for each sequence number of its window.
func FuzzSender(f *testing.F) {
	seed := [][]byte{nakFor(f, []wire.SeqNo{0, 1, 2}, testNLA, simGroup), nakFor(f, []wire.SeqNo{9}, testNLA, simGroup)}
	spmr := wire.Packet{Header: wire.Header{SourcePort: simPort, DestPort: testTSI.SourcePort, Type: wire.TypeSPMR, GSI: testTSI.GSI}}
	b, _ := spmr.Append(nil)
	seed = append(seed, b)
	f.Add(fuzzInput(seed))
	f.Fuzz(func(t *testing.T, data []byte) {
		now := simStart
		var sent int
		s, err := NewSender(SenderConfig{TSI: testTSI, DestPort: simPort, SourceNLA: testNLA, Group: simGroup, UDPEncap: true,
			RateKbit: 10000, Send: func([]byte, netip.Addr) { sent++ }}, now)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 10 {
			s.Send([][]byte{make([]byte, 100*i)}, now)
		}
		s.Flush(now)
		fuzzFrames(data, func(dt time.Duration, pkt []byte) {
			now = now.Add(dt)
			before := s.Stats()
			s.HandleDatagram(pkt, now)
			s.Tick(now)
			if after := s.Stats(); after.NCF > before.NCF+1 {
				t.Fatalf("one datagram drew %d NCFs", after.NCF-before.NCF)
			}
		})
		elapsed := now.Sub(simStart)
		if st := s.Stats(); st.RDATA > 10*uint64(elapsed/repairInterval+2) {
			t.Fatalf("%d RDATA in %v for a window of 10", st.RDATA, elapsed)
		}
	})
}
