package session

import (
	"slices"
	"time"

	"github.com/zeroplug/zeroplug/plugins/norm/internal/wire"
)

// blockMask keeps the 24 bits of a block number that FEC 5's payload ID
// carries.
const blockMask = 0xffffff

// unwrapBlock returns the absolute block number whose low 24 bits are b,
// nearest to the absolute block ref.
func unwrapBlock(b uint32, ref uint32) int64 {
	d := int32((b-ref)<<8) >> 8 // the 24-bit serial difference, signed
	return int64(ref) + int64(d)
}

// repairState is the sender's NACK processing, as libnorm's: the first
// NACK opens an aggregation window of (K+1) GRTT, in which the requests of
// every receiver are merged, so that one repair answers them all; the
// repairs are then queued and, for one GRTT after (the hold-off), requests
// for what was just queued are taken as late copies of the same losses and
// ignored.
type repairState struct {
	aggregate    map[segRef]struct{} // requests merged in the current window
	aggDeadline  time.Time           // end of the aggregation window
	holdoffUntil time.Time
	recent       map[segRef]struct{} // what the last window queued
	queue        []segRef            // repairs to send, in stream order
	queued       map[segRef]struct{}
	squelchDue   bool
}

func (r *repairState) deadline() time.Time {
	if len(r.aggregate) > 0 {
		return r.aggDeadline
	}
	return time.Time{}
}

// holds reports whether a repair of block b is requested or queued.
func (r *repairState) holds(b uint32) bool {
	for ref := range r.aggregate {
		if ref.block == b {
			return true
		}
	}
	for ref := range r.queued {
		if ref.block == b {
			return true
		}
	}
	return false
}

// drop forgets the repairs of block b (released under NORM_PUSH).
func (r *repairState) drop(b uint32) {
	for ref := range r.aggregate {
		if ref.block == b {
			delete(r.aggregate, ref)
		}
	}
	r.queue = slices.DeleteFunc(r.queue, func(ref segRef) bool { return ref.block == b })
	for ref := range r.queued {
		if ref.block == b {
			delete(r.queued, ref)
		}
	}
}

// nack merges the repair requests of one NACK.
func (r *repairState) nack(s *Sender, requests []byte, now time.Time) {
	if r.aggregate == nil {
		r.aggregate = make(map[segRef]struct{})
		r.queued = make(map[segRef]struct{})
		r.recent = make(map[segRef]struct{})
	}
	if len(s.blocks) == 0 {
		return
	}
	last := s.first + uint32(len(s.blocks)) - 1
	inHoldoff := now.Before(r.holdoffUntil)
	add := func(ref segRef) {
		if inHoldoff {
			if _, ok := r.recent[ref]; ok {
				return
			}
		}
		if _, ok := r.queued[ref]; ok {
			return
		}
		if len(r.aggregate) == 0 {
			r.aggDeadline = now.Add(time.Duration(DefaultBackoff+1) * s.cc.grtt)
		}
		r.aggregate[ref] = struct{}{}
	}
	// resolve maps a request item's block into the buffer: false, with a
	// SQUELCH due, if it is older than the buffer; false if it is not yet
	// written (a bogus request).
	resolve := func(it wire.RepairItem) (uint32, bool) {
		b := unwrapBlock(it.PayloadID.Block&blockMask, last)
		if b < int64(s.first) {
			r.squelchDue = true
			return 0, false
		}
		return uint32(b), b <= int64(last)
	}
	k := uint16(s.cfg.BlockSize)
	n := uint16(s.cfg.BlockSize + s.cfg.NumParity)
	for rest := requests; len(rest) > 0; {
		req, more, err := wire.NextRepairRequest(rest, 8)
		if err != nil {
			return // Nack.Parse checked them
		}
		rest = more
		if req.Form == wire.FormErasures || req.Flags&(wire.RepairSegment|wire.RepairBlock) == 0 {
			// A stream has no NORM_INFO, and libnorm never sends erasure
			// counts or object-level requests for a stream it follows.
			continue
		}
		for items := req.Items; len(items) > 0; {
			first, tail, _ := wire.NextRepairItem(items, 8)
			items = tail
			if first.FECID != wire.FECRS8 || first.ObjectID != streamObjectID {
				if req.Form == wire.FormRanges && len(items) > 0 {
					_, items, _ = wire.NextRepairItem(items, 8)
				}
				continue
			}
			lastItem := first
			if req.Form == wire.FormRanges {
				lastItem, items, _ = wire.NextRepairItem(items, 8)
			}
			b0, ok0 := resolve(first)
			b1, ok1 := resolve(lastItem)
			if !ok0 && !ok1 {
				continue
			}
			if !ok0 {
				b0 = s.first
				first.PayloadID.Symbol = 0
			}
			if !ok1 {
				b1, lastItem.PayloadID.Symbol = last, n-1
			}
			if b1 < b0 {
				continue
			}
			if req.Flags&wire.RepairBlock != 0 {
				// A block request asks for the whole block: its source
				// segments.
				for b := b0; b <= b1; b++ {
					for sym := uint16(0); sym < k; sym++ {
						add(segRef{b, sym})
					}
				}
				continue
			}
			s0, s1 := first.PayloadID.Symbol, lastItem.PayloadID.Symbol
			for b := b0; b <= b1; b++ {
				lo, hi := uint16(0), k-1
				if b == b0 {
					lo = s0
				}
				if b == b1 {
					hi = min(s1, n-1)
				} else if lo >= k {
					hi = n - 1 // a parity range runs to the block's end
				}
				for sym := lo; sym <= hi; sym++ {
					add(segRef{b, sym})
				}
			}
		}
	}
}

// advance closes the aggregation window when it is due.
func (r *repairState) advance(s *Sender, now time.Time) {
	if len(r.aggregate) == 0 || now.Before(r.aggDeadline) {
		return
	}
	clear(r.recent)
	for ref := range r.aggregate {
		if s.block(ref.block) == nil {
			continue
		}
		r.queue = append(r.queue, ref)
		r.queued[ref] = struct{}{}
		r.recent[ref] = struct{}{}
	}
	clear(r.aggregate)
	slices.SortFunc(r.queue, func(a, b segRef) int {
		switch {
		case a.less(b):
			return -1
		case b.less(a):
			return 1
		}
		return 0
	})
	r.holdoffUntil = now.Add(s.cc.grtt)
}

// sendRepair sends the first queued repair that is still buffered.
func (r *repairState) sendRepair(s *Sender) int {
	for len(r.queue) > 0 {
		ref := r.queue[0]
		r.queue = r.queue[1:]
		delete(r.queued, ref)
		n := s.sendSegment(ref, wire.FlagRepair)
		if n == 0 {
			continue
		}
		if int(ref.symbol) < s.cfg.BlockSize {
			s.stats.DataRepairs++
		} else {
			s.stats.ParityRepairs++
		}
		s.flush.dataSent()
		return n
	}
	return 0
}

// sendSquelch tells receivers that asked for released data where the
// buffer now starts (RFC 5740 section 4.2.3.4).
func (r *repairState) sendSquelch(s *Sender) int {
	r.squelchDue = false
	if len(s.blocks) == 0 {
		return 0
	}
	s.stats.Squelches++
	return s.sendCmd(&wire.Cmd{
		Flavor:    wire.CmdSquelch,
		FECID:     wire.FECRS8,
		ObjectID:  streamObjectID,
		PayloadID: wire.PayloadID{Block: s.first & blockMask},
	})
}

// flushState repeats CMD(FLUSH) while the sender is idle: libnorm's active
// flush, robust factor times, 2 GRTT apart, so that a receiver that lost
// the last segments learns that they exist and asks for them.
type flushState struct {
	count    int       // flushes sent since the last data
	deadline time.Time // when the next flush is due (zero: none pending)
	due      bool      // a flush waits for the pacer
	idle     bool      // data was sent and the queue has since emptied
}

func (f *flushState) dataWritten() { f.count, f.deadline, f.due = 0, time.Time{}, false }

func (f *flushState) dataSent() { f.count, f.deadline, f.due, f.idle = 0, time.Time{}, false, false }

func (f *flushState) advance(s *Sender, now time.Time) {
	if s.written == 0 || s.sent < s.written || len(s.repair.queue) > 0 || f.count >= DefaultRobustFactor {
		return
	}
	if !f.idle {
		f.idle, f.due = true, true
		return
	}
	if !f.deadline.IsZero() && !now.Before(f.deadline) {
		f.deadline, f.due = time.Time{}, true
	}
}

func (f *flushState) send(s *Sender, now time.Time) int {
	f.due = false
	f.count++
	if f.count < DefaultRobustFactor {
		f.deadline = now.Add(2 * s.cc.grtt)
	}
	last := s.lastPosition()
	s.stats.Flushes++
	return s.sendCmd(&wire.Cmd{
		Flavor:    wire.CmdFlush,
		FECID:     wire.FECRS8,
		ObjectID:  streamObjectID,
		PayloadID: wire.PayloadID{Block: last.block & blockMask, Symbol: last.symbol},
	})
}
