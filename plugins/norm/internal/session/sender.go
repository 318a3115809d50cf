package session

import (
	"errors"
	"fmt"
	"time"

	"github.com/zeroplug/zeroplug/plugins/norm/internal/fec"
	"github.com/zeroplug/zeroplug/plugins/norm/internal/wire"
)

// streamObjectID is the transport ID of the one stream object a libzmq
// sender opens (observed on the wire: object 0).
const streamObjectID = 0

// Errors of Sender.WriteMessage.
var (
	// ErrBufferFull reports that the stream buffer holds no room for the
	// message: every block is still waiting to be sent or repaired. Retry
	// after Advance has sent some (libzmq waits for NORM_TX_QUEUE_VACANCY).
	ErrBufferFull = errors.New("norm: stream buffer full")
	// ErrMessageTooLarge reports a message larger than the whole buffer.
	ErrMessageTooLarge = errors.New("norm: message larger than the stream buffer")

	errNoFrames = errors.New("norm: a message has at least one frame")
)

// burstCredit is how far behind its schedule a paced sender may fall and
// still catch up at once: it absorbs timer lateness without bursts.
const burstCredit = 5 * time.Millisecond

// segRef names one segment of the stream: its absolute block number (the
// wire carries the low 24 bits) and its encoding symbol ID.
type segRef struct {
	block  uint32
	symbol uint16
}

func (a segRef) less(b segRef) bool {
	return a.block < b.block || a.block == b.block && a.symbol < b.symbol
}

// txBlock is one block of the stream buffer.
type txBlock struct {
	// segs are the stream payloads (payload header and data) of the source
	// segments written so far.
	segs [][]byte
	// parity accumulates the block's parity segments as the source
	// segments are written (fec.Code.AddSource); it is complete, and may be
	// sent, once the block is full.
	parity [][]byte
	// lastSent is when a segment of the block last went out: flow control
	// keeps the block for receivers to ask for a while after.
	lastSent time.Time
}

// Sender is the sending half of a NORM session for one stream object, as
// libzmq's norm engine opens it: ZMQ messages go in through WriteMessage,
// NORM_DATA, NORM_CMD and repairs go out through the send callback, at the
// rate NORM-CC (or the fixed rate) allows.
type Sender struct {
	cfg      Config
	send     func(pkt []byte)
	instance uint16
	code     *fec.Code
	fti      []byte // the EXT_FTI every NORM_DATA carries
	seq      uint16
	pkt      []byte // scratch for the packet being built
	enc      wire.StreamEncoder
	frame    []byte // scratch for one encoded frame

	// The stream buffer: blocks[i] is block first+i; the last block is the
	// one being filled. written counts the segments written to the stream
	// and sent the segments sent once: both are absolute segment indexes
	// (block*k + symbol).
	blocks    []*txBlock
	first     uint32
	maxBlocks int
	written   uint64
	sent      uint64
	offset    uint32 // the stream offset of the next byte

	autoParity []segRef // proactive parity of completed blocks, to send

	repair repairState
	flush  flushState
	cc     ccState

	nextSend time.Time // when pacing lets the next packet go
	now      time.Time // the time of the Advance in progress

	stats SenderStats
}

// SenderStats counts what a Sender did.
type SenderStats struct {
	DataSent       int // source segments sent the first time
	AutoParitySent int // proactive parity segments
	DataRepairs    int // source segments resent on request
	ParityRepairs  int // parity segments sent on request
	NacksReceived  int
	Squelches      int // CMD(SQUELCH) sent
	Flushes        int // CMD(FLUSH) sent
	Probes         int // CMD(CC) sent
	Feedback       int // CC feedback reports (ACK(CC) and NACK) heard
	Malformed      int // packets addressed to us that did not parse
}

// NewSender returns a sender of one stream with node ID cfg.NodeID and a
// random instance ID. send gets each packet to multicast and must not keep
// it after it returns.
func NewSender(cfg Config, now time.Time, send func(pkt []byte)) (*Sender, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	code, err := fec.New(cfg.BlockSize, cfg.NumParity)
	if err != nil {
		return nil, err
	}
	k := cfg.BlockSize
	s := &Sender{
		cfg:       cfg,
		send:      send,
		instance:  uint16(cfg.Rand.Uint32()),
		code:      code,
		maxBlocks: cfg.BufferSize / (k * cfg.SegmentSize),
	}
	// libnorm advertises the buffer rounded down to whole blocks as the
	// stream's object size (observed: 93 x 16 x 1400 for 2 MiB).
	s.fti, err = wire.AppendFTI(nil, wire.FTI{
		ObjectSize:  uint64(s.maxBlocks * k * cfg.SegmentSize),
		SegmentSize: uint16(cfg.SegmentSize),
		MaxBlockLen: uint16(k),
		NumParity:   uint16(cfg.NumParity),
	}, wire.FECRS8)
	if err != nil {
		return nil, err
	}
	s.cc.init(s, now)
	return s, nil
}

// InstanceID returns the sender's instance ID.
func (s *Sender) InstanceID() uint16 { return s.instance }

// Stats returns what the sender has done so far.
func (s *Sender) Stats() SenderStats { return s.stats }

// k is the number of source segments per block.
func (s *Sender) k() uint64 { return uint64(s.cfg.BlockSize) }

// WriteMessage appends one ZMQ message to the stream, as libzmq's norm
// engine writes it: each frame a sync byte and a ZMTP/2.0 frame, flushed
// with an end-of-message mark, so that every frame starts a new segment
// and a receiver can join at any message. The message goes in whole or
// not at all: ErrBufferFull if the buffer has no room for it now. frames
// may be reused when it returns.
func (s *Sender) WriteMessage(frames [][]byte, now time.Time) error {
	if len(frames) == 0 {
		return errNoFrames
	}
	segSize := s.cfg.SegmentSize
	need := uint64(0)
	for _, f := range frames {
		n := len(f) + 3 // sync, flags, 1-byte size
		if len(f) > 255 {
			n += 7 // 8-byte size
		}
		need += uint64((n + segSize - 1) / segSize)
	}
	// One block less than the buffer: the block being filled may be shared
	// with the previous message.
	if need > uint64(s.maxBlocks-1)*s.k() {
		return fmt.Errorf("%w: %d segments", ErrMessageTooLarge, need)
	}
	if !s.makeRoom(need, now) {
		return ErrBufferFull
	}
	for i, f := range frames {
		s.frame = s.enc.AppendFrame(s.frame[:0], f, i < len(frames)-1)
		for start := 0; start < len(s.frame); start += segSize {
			end := min(start+segSize, len(s.frame))
			msgStart := uint16(0)
			if start == 0 {
				msgStart = 1
			}
			s.appendSegment(s.frame[start:end], msgStart)
		}
	}
	if cap(s.frame) > 64<<10 {
		s.frame = nil // do not keep a large message's scratch while idle
	}
	s.flush.dataWritten()
	return nil
}

// flowControlFactor scales how long a sent block stays buffered for
// repair requests before new data may take its place: libnorm's sender
// flow control (NormSetFlowControl, default factor 2), over the time a
// receiver needs to ask, (K+1) GRTT.
const flowControlFactor = 2

// makeRoom releases the oldest blocks until need more segments fit in the
// buffer. A block still waiting to be sent is never released; nor, unless
// Push (NORM_PUSH), one with repairs pending or sent too recently for the
// receivers to have asked for repairs, as libnorm.
func (s *Sender) makeRoom(need uint64, now time.Time) bool {
	hold := time.Duration(flowControlFactor*(DefaultBackoff+1)) * s.cc.grtt
	capacity := uint64(s.maxBlocks) * s.k()
	for s.written+need-uint64(s.first)*s.k() > capacity {
		if len(s.blocks) == 0 {
			return false
		}
		end := (uint64(s.first) + 1) * s.k()
		if s.sent < end || s.written < end {
			return false
		}
		if s.repair.holds(s.first) || now.Sub(s.blocks[0].lastSent) < hold {
			if !s.cfg.Push {
				return false
			}
			s.repair.drop(s.first)
		}
		s.blocks[0] = nil
		s.blocks = s.blocks[1:]
		s.first++
		s.dropAutoParityBefore(s.first)
	}
	return true
}

func (s *Sender) dropAutoParityBefore(block uint32) {
	i := 0
	for i < len(s.autoParity) && s.autoParity[i].block < block {
		i++
	}
	s.autoParity = s.autoParity[i:]
}

// appendSegment adds one source segment to the stream buffer.
func (s *Sender) appendSegment(data []byte, msgStart uint16) {
	k := s.k()
	symbol := int(s.written % k)
	if symbol == 0 {
		b := &txBlock{segs: make([][]byte, 0, k)}
		if s.cfg.NumParity > 0 {
			b.parity = make([][]byte, s.cfg.NumParity)
			for j := range b.parity {
				b.parity[j] = make([]byte, s.cfg.SegmentSize+wire.StreamPayloadHeaderLen)
			}
		}
		s.blocks = append(s.blocks, b)
	}
	b := s.blocks[len(s.blocks)-1]
	seg, _ := wire.AppendStreamPayload(make([]byte, 0, wire.StreamPayloadHeaderLen+len(data)),
		wire.StreamPayload{MsgStart: msgStart, Offset: s.offset, Data: data})
	b.segs = append(b.segs, seg)
	if b.parity != nil {
		// The shapes are the code's own, so AddSource cannot fail.
		_ = s.code.AddSource(b.parity, symbol, seg)
	}
	s.offset += uint32(len(data))
	s.written++
}

// block returns the buffered block with absolute number n, or nil.
func (s *Sender) block(n uint32) *txBlock {
	if n < s.first || int(n-s.first) >= len(s.blocks) {
		return nil
	}
	return s.blocks[n-s.first]
}

// complete reports whether block n is full, so that its parity exists.
func (s *Sender) complete(n uint32) bool {
	return uint64(n+1)*s.k() <= s.written
}

// HandlePacket takes one packet heard on the group. Only NACKs and ACKs
// for this sender's instance concern it; anything malformed is dropped.
func (s *Sender) HandlePacket(pkt []byte, now time.Time) {
	h, err := wire.ParseHeader(pkt)
	if err != nil {
		return
	}
	switch h.Type {
	case wire.TypeNack:
		var n wire.Nack
		if err := n.Parse(pkt, 8); err != nil {
			s.countMalformed(pkt)
			return
		}
		if n.ServerID != s.cfg.NodeID || n.InstanceID != s.instance {
			return
		}
		s.stats.NacksReceived++
		s.cc.feedback(s, h.SourceID, n.Extensions, n.GRTTResponseSec, n.GRTTResponseUsec, now)
		s.repair.nack(s, n.Requests, now)
	case wire.TypeAck:
		var a wire.Ack
		if err := a.Parse(pkt, 8); err != nil {
			s.countMalformed(pkt)
			return
		}
		if a.ServerID != s.cfg.NodeID || a.InstanceID != s.instance {
			return
		}
		s.cc.feedback(s, h.SourceID, a.Extensions, a.GRTTResponseSec, a.GRTTResponseUsec, now)
	}
}

// countMalformed counts a malformed NACK or ACK if it names this sender.
func (s *Sender) countMalformed(pkt []byte) {
	if len(pkt) >= 14 && wire.NodeID(uint32(pkt[8])<<24|uint32(pkt[9])<<16|uint32(pkt[10])<<8|uint32(pkt[11])) == s.cfg.NodeID {
		s.stats.Malformed++
	}
}

// Advance runs the sender's timers and sends what is due and what the rate
// allows at now. It returns when it next needs to be called (sooner is
// harmless; so are extra calls after WriteMessage and HandlePacket).
func (s *Sender) Advance(now time.Time) time.Time {
	s.now = now
	s.repair.advance(s, now)
	s.cc.advance(s, now)
	s.flush.advance(s, now)
	for {
		if s.nextSend.After(now) {
			break
		}
		n := s.sendNext(now)
		if n == 0 {
			break
		}
		base := s.nextSend
		if base.Before(now.Add(-burstCredit)) {
			base = now.Add(-burstCredit)
		}
		s.nextSend = base.Add(time.Duration(float64(n) / s.cc.rate * float64(time.Second)))
	}
	next := earliest(s.repair.deadline(), s.cc.deadline())
	next = earliest(next, s.flush.deadline)
	if s.hasQueued() {
		next = earliest(next, s.nextSend)
	}
	return next
}

// hasQueued reports whether a packet waits for the pacer.
func (s *Sender) hasQueued() bool {
	return s.cc.probeDue || s.repair.squelchDue || s.flush.due || len(s.repair.queue) > 0 ||
		len(s.autoParity) > 0 || s.sent < s.written
}

// sendNext sends the most urgent packet and returns its length, or 0 if
// nothing waits. Commands come first, then repairs (the oldest blocks
// first, as libnorm serves the lowest pending block), then proactive
// parity of a completed block, then new data.
func (s *Sender) sendNext(now time.Time) int {
	switch {
	case s.cc.probeDue:
		return s.cc.sendProbe(s, now)
	case s.repair.squelchDue:
		return s.repair.sendSquelch(s)
	case len(s.repair.queue) > 0:
		return s.repair.sendRepair(s)
	case len(s.autoParity) > 0:
		for len(s.autoParity) > 0 {
			ref := s.autoParity[0]
			s.autoParity = s.autoParity[1:]
			if n := s.sendSegment(ref, 0); n > 0 {
				s.stats.AutoParitySent++
				return n
			}
		}
		return s.sendNext(now)
	case s.sent < s.written:
		ref := segRef{block: uint32(s.sent / s.k()), symbol: uint16(s.sent % s.k())}
		s.sent++
		s.stats.DataSent++
		if int(ref.symbol) == s.cfg.BlockSize-1 {
			for j := 0; j < s.cfg.NumAutoParity; j++ {
				s.autoParity = append(s.autoParity, segRef{block: ref.block, symbol: uint16(s.cfg.BlockSize + j)})
			}
		}
		s.flush.dataSent()
		return s.sendSegment(ref, 0)
	case s.flush.due:
		return s.flush.send(s, now)
	}
	return 0
}

// senderHeader is the header of the next sender message.
func (s *Sender) senderHeader() wire.SenderHeader {
	s.seq++
	return wire.SenderHeader{
		Header:     wire.Header{Sequence: s.seq, SourceID: s.cfg.NodeID},
		InstanceID: s.instance,
		GRTT:       wire.QuantizeRTT(s.cc.grtt.Seconds()),
		Backoff:    DefaultBackoff,
		GroupSize:  wire.QuantizeGroupSize(DefaultGroupSize),
	}
}

// sendSegment sends one buffered segment, source or parity, with extra
// flags (FlagRepair for a repair). It returns the packet length, or 0 if
// the segment is no longer buffered.
func (s *Sender) sendSegment(ref segRef, flags uint8) int {
	b := s.block(ref.block)
	if b == nil {
		return 0
	}
	var payload []byte
	if k := s.cfg.BlockSize; int(ref.symbol) < k {
		if int(ref.symbol) >= len(b.segs) {
			return 0
		}
		payload = b.segs[ref.symbol]
	} else {
		j := int(ref.symbol) - k
		if j >= len(b.parity) || !s.complete(ref.block) {
			return 0
		}
		payload = b.parity[j]
	}
	b.lastSent = s.now
	s.cc.segmentSent()
	d := wire.Data{
		ObjectHeader: wire.ObjectHeader{
			SenderHeader: s.senderHeader(),
			Flags:        wire.FlagStream | flags,
			FECID:        wire.FECRS8,
			ObjectID:     streamObjectID,
		},
		PayloadID:  wire.PayloadID{Block: ref.block & blockMask, Symbol: ref.symbol},
		Extensions: s.fti,
		Payload:    payload,
	}
	return s.emit(d.Append(s.pkt[:0], 8))
}

// sendCmd sends a NORM_CMD.
func (s *Sender) sendCmd(c *wire.Cmd) int {
	c.SenderHeader = s.senderHeader()
	return s.emit(c.Append(s.pkt[:0], 8))
}

func (s *Sender) emit(pkt []byte, err error) int {
	if err != nil {
		// Every field comes from a validated Config: an encoding error is
		// a bug here, not a peer's doing.
		panic(err)
	}
	s.pkt = pkt
	s.send(pkt)
	return len(pkt)
}

// lastPosition is the position of the last segment written, for FLUSH.
func (s *Sender) lastPosition() segRef {
	last := s.written - 1
	return segRef{block: uint32(last / s.k()), symbol: uint16(last % s.k())}
}

// Idle reports whether the sender has nothing left to do for its
// receivers: every segment sent, no repair asked for or queued, and the
// closing FLUSHes sent (robust factor times, 2 GRTT apart), so that a
// receiver that lost the tail has had its chance to ask. A socket that
// closes keeps its sender running until then.
func (s *Sender) Idle() bool {
	return s.sent == s.written && len(s.repair.aggregate) == 0 && len(s.repair.queue) == 0 &&
		!s.repair.squelchDue && len(s.autoParity) == 0 && (s.written == 0 || s.flush.count >= DefaultRobustFactor)
}

// Unsent returns how many segments have been written to the stream but
// not yet sent once: a writer that waits while it is above a block or so
// keeps its messages queued before the session, where its own flow
// control and high-water mark apply, rather than in the stream buffer.
func (s *Sender) Unsent() int { return int(s.written - s.sent) }
