package session

import (
	"time"

	"github.com/zeroplug/zeroplug/plugins/norm/internal/fec"
	"github.com/zeroplug/zeroplug/plugins/norm/internal/wire"
)

// rxBlock is one block of a remote sender's stream being received.
type rxBlock struct {
	// segs[i] is encoding symbol i (source below k, then parity), nil
	// while missing. Each is a buffer of segment_size + 8 bytes holding
	// the payload zero-padded, as FEC codes it; lens[i] is the length that
	// arrived.
	segs       [][]byte
	lens       []int
	data       int // source segments present
	parity     int // parity segments present
	suppressed bool
}

// remote is what a Receiver knows of one sender instance.
type remote struct {
	r         *Receiver
	id        wire.NodeID
	instance  uint16
	lastHeard time.Time

	// The stream's shape, from the first EXT_FTI; a sender never changes
	// it within an instance, so a packet with another is dropped.
	fti     wire.FTI
	haveFTI bool
	k, n    int // source and total segments per block
	code    *fec.Code
	dec     *fec.Decoder
	scratch [][]byte
	have    []bool

	// The receive window: next is the absolute index (block*k + symbol)
	// of the next source segment for the stream decoder; high is one past
	// the furthest the sender is known to have sent. Blocks from
	// next/k on are held in blocks, at most maxBlocks of them.
	synced    bool
	next      uint64
	high      uint64
	blocks    map[uint64]*rxBlock
	maxBlocks int
	free      [][]byte // segment buffers of released blocks, for reuse

	stream wire.StreamDecoder

	// The sender's advertisement.
	grtt      time.Duration
	backoff   int
	groupSize float64

	nack nackState
	cc   rxCC
}

func newRemote(r *Receiver, id wire.NodeID, instance uint16, now time.Time) *remote {
	rm := &remote{r: r, id: id, instance: instance, lastHeard: now, blocks: make(map[uint64]*rxBlock),
		grtt: DefaultGRTT, backoff: DefaultBackoff, groupSize: DefaultGroupSize}
	rm.stream.MaxMessageSize = r.cfg.MaxMessageSize
	if rm.stream.MaxMessageSize < 0 {
		rm.stream.MaxMessageSize = -1
	}
	return rm
}

// release drops everything held for the sender.
func (rm *remote) release() {
	clear(rm.blocks)
	rm.free = nil
	rm.stream.Reset()
}

// heard updates what every sender message tells: its GRTT and back-off
// advertisement, and the sequence and size for loss and rate estimation.
func (rm *remote) heard(h *wire.SenderHeader, size int, now time.Time) {
	rm.lastHeard = now
	grtt := min(max(wire.RTTDuration(h.GRTT), minGRTT), MaxGRTT)
	if grtt < rm.grtt {
		rm.nack.shorten(now, grtt, rm.backoff)
	}
	rm.grtt = grtt
	rm.backoff = int(h.Backoff)
	rm.groupSize = wire.UnquantizeGroupSize(h.GroupSize)
	rm.cc.packet(rm, h.Sequence, size, now)
}

// setFTI takes the stream's shape from the first NORM_DATA that has one.
func (rm *remote) setFTI(d *wire.Data) bool {
	ext := wire.FindExtension(d.Extensions, wire.ExtFTI)
	if ext == nil {
		return rm.haveFTI
	}
	fti, err := wire.ParseFTI(ext, d.FECID)
	if err != nil {
		return false
	}
	if rm.haveFTI {
		return fti == rm.fti
	}
	k, p := int(fti.MaxBlockLen), int(fti.NumParity)
	if fti.SegmentSize == 0 || fti.SegmentSize > maxSegmentSize || k < 1 || k+p > fec.MaxSegments {
		return false
	}
	// The window counts source segments, as a sender's buffer does
	// (libnorm's, and ours: NORM_BUFFER_SIZE over block x segment), and
	// one block more: a sender can be no further ahead of a block it has
	// yet to repair, so that a receiver with the same buffer size never
	// has to give up data the sender still holds. Parity comes on top:
	// a sender's memory here is bounded by BufferSize x (k+p)/k.
	maxBlocks := rm.r.cfg.BufferSize/(k*(int(fti.SegmentSize)+wire.StreamPayloadHeaderLen)) + 1
	if maxBlocks < 3 {
		return false // a block this large does not fit the receive buffer twice
	}
	code, err := fec.New(k, p)
	if err != nil {
		return false
	}
	rm.fti, rm.haveFTI = fti, true
	rm.k, rm.n, rm.code, rm.dec, rm.maxBlocks = k, k+p, code, code.NewDecoder(), maxBlocks
	rm.scratch = make([][]byte, k+p)
	rm.have = make([]bool, k+p)
	return true
}

// segLen is the coded length of a segment: the payload header and a full
// segment.
func (rm *remote) segLen() int { return int(rm.fti.SegmentSize) + wire.StreamPayloadHeaderLen }

// absBlock unwraps a 24-bit block number near the receive window.
func (rm *remote) absBlock(b uint32) int64 {
	ref := rm.next / uint64(rm.k)
	return unwrapBlock(b&blockMask, uint32(ref)&blockMask) - int64(uint32(ref)&blockMask) + int64(ref)
}

// data takes one NORM_DATA.
func (rm *remote) data(d *wire.Data, now time.Time) {
	st := &rm.r.stats
	if d.FECID != wire.FECRS8 || d.Flags&wire.FlagStream == 0 || d.ObjectID != streamObjectID || !rm.setFTI(d) {
		// libzmq's sender has one stream object, FEC 5; anything else is
		// not a stream we can follow.
		st.Malformed++
		return
	}
	sym := int(d.PayloadID.Symbol)
	if sym >= rm.n || len(d.Payload) > rm.segLen() {
		st.Malformed++
		return
	}
	if sym < rm.k {
		if _, err := wire.ParseStreamPayload(d.Payload); err != nil {
			st.Malformed++
			return
		}
	}
	repair := d.Flags&wire.FlagRepair != 0
	if !rm.synced {
		if repair || sym >= rm.k {
			return // libnorm never syncs on a repair, nor on parity
		}
		// Join at the start of the block we hear (libnorm's sync to the
		// current block): the segments before this one in it are asked
		// for, and the stream decoder then waits for a message start.
		rm.synced = true
		rm.next = uint64(d.PayloadID.Block&blockMask) * uint64(rm.k)
		rm.high = rm.next
	}
	b := rm.absBlock(d.PayloadID.Block)
	first := int64(rm.next / uint64(rm.k))
	if b < first {
		st.Duplicates++
		return
	}
	if b >= first+int64(rm.maxBlocks) {
		// Beyond the receive buffer: this receiver fell behind. Give up
		// the oldest blocks, as libnorm does when its buffer is full.
		rm.abandon(uint64(b-int64(rm.maxBlocks)+1) * uint64(rm.k))
	}
	blk := rm.blocks[uint64(b)]
	if blk == nil {
		blk = &rxBlock{segs: make([][]byte, rm.n), lens: make([]int, rm.n)}
		rm.blocks[uint64(b)] = blk
	}
	if repair {
		blk.suppressed = true // the sender is repairing this block
	}
	if blk.segs[sym] != nil || (sym < rm.k && uint64(b)*uint64(rm.k)+uint64(sym) < rm.next) {
		st.Duplicates++
		return
	}
	buf := rm.segment()
	copy(buf, d.Payload)
	blk.segs[sym], blk.lens[sym] = buf, len(d.Payload)
	if sym < rm.k {
		blk.data++
		st.Segments++
		rm.high = max(rm.high, uint64(b)*uint64(rm.k)+uint64(sym)+1)
	} else {
		blk.parity++
		st.ParityHeard++
		// Parity exists only for a full block.
		rm.high = max(rm.high, uint64(b+1)*uint64(rm.k))
	}
	rm.decodeBlock(uint64(b), blk)
	rm.deliver()
	rm.lossCheck(now)
}

// segment returns a zeroed buffer for one coded segment.
func (rm *remote) segment() []byte {
	if n := len(rm.free); n > 0 {
		buf := rm.free[n-1]
		rm.free = rm.free[:n-1]
		clear(buf)
		return buf
	}
	return make([]byte, rm.segLen())
}

// decodeBlock rebuilds a full block's missing source segments from parity
// once k of its segments are in.
func (rm *remote) decodeBlock(b uint64, blk *rxBlock) {
	if blk.data == rm.k || blk.data+blk.parity < rm.k || (b+1)*uint64(rm.k) > rm.high {
		return
	}
	for i := range rm.n {
		rm.have[i] = blk.segs[i] != nil
		if rm.have[i] {
			rm.scratch[i] = blk.segs[i]
		} else if i < rm.k {
			rm.scratch[i] = rm.segment()
		} else {
			rm.scratch[i] = nil
		}
	}
	if err := rm.dec.Reconstruct(rm.scratch, rm.have, rm.k); err != nil {
		return
	}
	for i := range rm.k {
		if blk.segs[i] != nil {
			continue
		}
		p, err := wire.ParseStreamPayload(rm.scratch[i])
		if err != nil {
			// Parity that does not decode to a segment: a sender whose
			// parity is not libnorm's. Wait for explicit repairs.
			for j := i; j < rm.k; j++ {
				if blk.segs[j] == nil {
					rm.free = append(rm.free, rm.scratch[j])
				}
			}
			return
		}
		blk.segs[i], blk.lens[i] = rm.scratch[i], wire.StreamPayloadHeaderLen+len(p.Data)
		blk.data++
		rm.r.stats.FECRecovered++
	}
}

// deliver feeds the stream decoder every source segment in order from
// next, releasing each block it completes.
func (rm *remote) deliver() {
	k := uint64(rm.k)
	for {
		blk := rm.blocks[rm.next/k]
		if blk == nil {
			return
		}
		seg := blk.segs[rm.next%k]
		if seg == nil {
			return
		}
		p, _ := wire.ParseStreamPayload(seg[:blk.lens[rm.next%k]])
		rm.write(p)
		rm.next++
		if rm.next%k == 0 {
			rm.releaseBlock(rm.next/k - 1)
		}
	}
}

// write hands one segment's data to the stream decoder.
func (rm *remote) write(p wire.StreamPayload) {
	err := rm.stream.Write(p.Data, p.MsgStart, func(frames [][]byte) error {
		rm.r.stats.Messages++
		rm.r.deliver(rm.id, frames)
		return nil
	})
	if err != nil {
		rm.r.stats.StreamErrors++
	}
}

func (rm *remote) releaseBlock(b uint64) {
	blk := rm.blocks[b]
	if blk == nil {
		return
	}
	for _, seg := range blk.segs {
		if seg != nil && len(rm.free) < 2*rm.n {
			rm.free = append(rm.free, seg)
		}
	}
	delete(rm.blocks, b)
}

// abandon gives up every source segment before position to: what is there
// is delivered, the gaps are skipped, and the stream decoder rejoins at
// the next whole message.
func (rm *remote) abandon(to uint64) {
	if to <= rm.next {
		return
	}
	k := uint64(rm.k)
	if to-rm.next > uint64(rm.maxBlocks)*k {
		// Far ahead: nothing held can be delivered in order. Drop it all.
		for b := range rm.blocks {
			rm.releaseBlock(b)
		}
		rm.next = to
		rm.stream.Reset()
		rm.r.stats.Gaps++
		rm.high = max(rm.high, to)
		return
	}
	gap := false
	for rm.next < to {
		blk := rm.blocks[rm.next/k]
		var seg []byte
		if blk != nil {
			seg = blk.segs[rm.next%k]
		}
		if seg == nil {
			if !gap {
				// Each run of missing segments breaks the stream: the
				// decoder rejoins at the next message start after it.
				gap = true
				rm.stream.Reset()
				rm.r.stats.Gaps++
			}
		} else {
			gap = false
			p, _ := wire.ParseStreamPayload(seg[:blk.lens[rm.next%k]])
			rm.write(p)
		}
		rm.next++
		if rm.next%k == 0 {
			rm.releaseBlock(rm.next/k - 1)
		}
	}
	rm.high = max(rm.high, to)
	rm.deliver()
}

// cmd takes one NORM_CMD.
func (rm *remote) cmd(c *wire.Cmd, now time.Time) {
	switch c.Flavor {
	case wire.CmdFlush:
		if !rm.synced || !rm.haveFTI || c.FECID != wire.FECRS8 || c.ObjectID != streamObjectID || int(c.PayloadID.Symbol) >= rm.k {
			return
		}
		b := rm.absBlock(c.PayloadID.Block)
		end := uint64(max(b, 0))*uint64(rm.k) + uint64(c.PayloadID.Symbol) + 1
		if b < 0 || end <= rm.high {
			return
		}
		if end > rm.next+uint64(rm.maxBlocks)*uint64(rm.k) {
			rm.abandon(end - uint64(rm.maxBlocks)*uint64(rm.k))
		}
		rm.high = end
		rm.lossCheck(now)
	case wire.CmdSquelch:
		if !rm.synced || !rm.haveFTI || c.FECID != wire.FECRS8 || c.ObjectID != streamObjectID {
			return
		}
		// The sender no longer holds what comes before this point: skip
		// to it, and rejoin at the next whole message.
		b := rm.absBlock(c.PayloadID.Block)
		if to := b * int64(rm.k); to > int64(rm.next) {
			rm.abandon(uint64(to))
			rm.lossCheck(now)
		}
	case wire.CmdRepairAdv:
		rm.otherNack(c.Content)
	case wire.CmdCC:
		rm.cc.probe(rm, c, now)
	case wire.CmdEOT:
		// The sender is leaving (RFC 5740 section 4.2.3.2): what it did
		// not repair it never will. Forget it; a new instance starts over.
		rm.release()
		delete(rm.r.remotes, rm.id)
	}
}
