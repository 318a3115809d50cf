package session

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/plugins/norm/internal/wire"
)

// hostileData is a well-formed NORM_DATA of a sender that lies: any node
// ID, block and symbol, and a stream payload declaring a huge frame.
func hostileData(t testing.TB, rng *rand.Rand, node wire.NodeID, fti wire.FTI) []byte {
	t.Helper()
	exts, err := wire.AppendFTI(nil, fti, wire.FECRS8)
	if err != nil {
		t.Fatal(err)
	}
	body := make([]byte, int(fti.SegmentSize))
	for i := range body {
		body[i] = byte(rng.Uint32())
	}
	msgStart := uint16(0)
	if rng.IntN(4) == 0 {
		// A message start declaring a frame of 2^40 bytes.
		body[0], body[1] = wire.SyncMessageStart, 0x02
		binary.BigEndian.PutUint64(body[2:], 1<<40)
		msgStart = 1
	}
	payload, err := wire.AppendStreamPayload(nil, wire.StreamPayload{MsgStart: msgStart, Offset: rng.Uint32(), Data: body})
	if err != nil {
		t.Fatal(err)
	}
	d := wire.Data{
		ObjectHeader: wire.ObjectHeader{
			SenderHeader: wire.SenderHeader{Header: wire.Header{Sequence: uint16(rng.Uint32()), SourceID: node},
				InstanceID: uint16(rng.IntN(3)), GRTT: uint8(rng.Uint32()), Backoff: uint8(rng.IntN(16))},
			Flags: wire.FlagStream, FECID: wire.FECRS8,
		},
		PayloadID:  wire.PayloadID{Block: rng.Uint32() & blockMask, Symbol: uint16(rng.IntN(int(fti.MaxBlockLen + fti.NumParity)))},
		Extensions: exts,
		Payload:    payload,
	}
	pkt, err := d.Append(nil, 8)
	if err != nil {
		t.Fatal(err)
	}
	return pkt
}

// TestHostileSendersMemoryBounded: senders that forge node IDs, jump
// around the block space, restart all the time and declare huge frames
// hold a receiver to its bounds: at most DefaultMaxSenders senders, each
// within its receive buffer, and nothing delivered that was not sent.
func TestHostileSendersMemoryBounded(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const bufferSize = 256 << 10
	delivered := 0
	r, err := NewReceiver(Config{NodeID: 99, BufferSize: bufferSize, MaxMessageSize: 1 << 20, Rand: seeded(5)},
		func([]byte) {}, func(wire.NodeID, [][]byte) { delivered++ })
	if err != nil {
		t.Fatal(err)
	}
	ftis := []wire.FTI{
		{ObjectSize: 1 << 40, SegmentSize: 1400, MaxBlockLen: 16, NumParity: 4},
		{ObjectSize: 1, SegmentSize: 8000, MaxBlockLen: 200, NumParity: 55}, // a block beyond the buffer
		{ObjectSize: 1 << 20, SegmentSize: 64, MaxBlockLen: 1, NumParity: 0},
	}
	now := epoch
	maxHeld := 0
	for i := range 20000 {
		node := wire.NodeID(rng.IntN(200))
		if i%3 != 0 {
			node = wire.NodeID(rng.IntN(4)) // a few persistent ones
		}
		r.HandlePacket(hostileData(t, rng, node, ftis[rng.IntN(len(ftis))]), now)
		now = now.Add(time.Duration(rng.IntN(2000)) * time.Microsecond)
		r.Advance(now)
		maxHeld = max(maxHeld, r.heldBytes())
		if r.Senders() > DefaultMaxSenders {
			t.Fatalf("%d senders tracked", r.Senders())
		}
	}
	// Each sender's blocks stay within its buffer (source segments; the
	// parity on top, (k+p)/k of it, and one block more), plus the free
	// list of two blocks' worth of segments.
	perSender := bufferSize*20/16 + 3*20*(1400+8)
	if limit := DefaultMaxSenders * perSender; maxHeld > limit {
		t.Errorf("held %d bytes, bound %d", maxHeld, limit)
	}
	if delivered != 0 {
		t.Errorf("%d messages delivered from noise", delivered)
	}
	t.Logf("held at most %d bytes; %+v", maxHeld, r.Stats())

	// One steady sender that fills its window with segments that never
	// complete a block (symbol 0 never comes): the receiver holds at most
	// its buffer for it, abandoning the oldest as the sender runs ahead.
	r, err = NewReceiver(Config{NodeID: 99, BufferSize: bufferSize, Rand: seeded(6)}, func([]byte) {}, func(wire.NodeID, [][]byte) {})
	if err != nil {
		t.Fatal(err)
	}
	fti := ftis[0]
	base := uint32(1000)
	maxHeld = 0
	for i := range 20000 {
		pkt := hostileData(t, rng, 7, fti)
		// Instance 1, blocks just past the window and creeping up, symbol
		// 1..19.
		binary.BigEndian.PutUint16(pkt[8:], 1)
		binary.BigEndian.PutUint32(pkt[16:], (base+uint32(i/400)+uint32(rng.IntN(12)))<<8|uint32(1+rng.IntN(19)))
		r.HandlePacket(pkt, now)
		now = now.Add(100 * time.Microsecond)
		r.Advance(now)
		maxHeld = max(maxHeld, r.heldBytes())
	}
	if limit := perSender; maxHeld > limit || maxHeld < bufferSize/2 {
		t.Errorf("one sender: held %d bytes, bound %d", maxHeld, limit)
	}
	t.Logf("one sender: held at most %d bytes; %+v", maxHeld, r.Stats())
}

// TestMalformedPacketsCounted: packets that are not NORM, or are NORM cut
// short, are counted and dropped.
func TestMalformedPacketsCounted(t *testing.T) {
	r, err := NewReceiver(Config{NodeID: 2}, func([]byte) {}, func(wire.NodeID, [][]byte) { t.Error("delivered") })
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSender(Config{NodeID: 1}, epoch, func([]byte) {})
	if err != nil {
		t.Fatal(err)
	}
	good := hostileData(t, rand.New(rand.NewPCG(1, 1)), 1, wire.FTI{SegmentSize: 1400, MaxBlockLen: 16, NumParity: 4})
	for _, pkt := range [][]byte{nil, {0x12}, []byte("GET / HTTP/1.1\r\n"), good[:20], good[:len(good)-1][:31]} {
		r.HandlePacket(pkt, epoch)
		s.HandlePacket(pkt, epoch)
	}
	if st := r.Stats(); st.Malformed != 5 {
		t.Errorf("%d malformed counted, want 5", st.Malformed)
	}
}
