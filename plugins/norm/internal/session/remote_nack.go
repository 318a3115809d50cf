package session

import (
	"time"

	"github.com/zeroplug/zeroplug/plugins/norm/internal/wire"
)

// The receiver's NACK cycle (RFC 5740 section 5.3, libnorm's
// NormSenderNode repair timer): on loss, wait a random back-off of up to K
// GRTT (truncated exponential in the group size), listening; at its end
// ask for what is still missing and not already asked for by others or
// being repaired by the sender; then hold off for (K+2) GRTT, the time the
// sender's aggregation and repair take, before a new cycle may start.

type nackPhase int

const (
	nackIdle nackPhase = iota
	nackBackoff
	nackHoldoff
)

type nackState struct {
	phase    nackPhase
	deadline time.Time
}

// shorten brings a timer armed on a longer GRTT within what the new one
// allows: a sender advertises a default GRTT (250 ms) until it has
// measured one, often a few milliseconds, and a receiver that lost data
// in between would otherwise wait a second or more to ask, and as long
// again between asks.
func (n *nackState) shorten(now time.Time, grtt time.Duration, backoff int) {
	limit := time.Duration(backoff) * grtt
	if n.phase == nackHoldoff {
		limit = time.Duration(backoff+2) * grtt
	}
	if n.phase != nackIdle && n.deadline.After(now.Add(limit)) {
		n.deadline = now.Add(limit)
	}
}

// lossCheck starts a repair cycle if something is missing and none runs.
func (rm *remote) lossCheck(now time.Time) {
	if rm.nack.phase != nackIdle || !rm.missing() {
		return
	}
	rm.startBackoff(now)
}

func (rm *remote) startBackoff(now time.Time) {
	for _, blk := range rm.blocks {
		blk.suppressed = false
	}
	maxBackoff := time.Duration(rm.backoff) * rm.grtt
	rm.nack.phase = nackBackoff
	rm.nack.deadline = now.Add(backoffTime(rm.r.cfg.Rand, maxBackoff, rm.groupSize))
}

// missing reports whether a source segment before high is missing.
func (rm *remote) missing() bool {
	return rm.synced && rm.next < rm.high
}

// advance runs the remote's timers and returns its next deadline.
func (rm *remote) advance(now time.Time) time.Time {
	if rm.nack.phase != nackIdle && !now.Before(rm.nack.deadline) {
		switch rm.nack.phase {
		case nackBackoff:
			if rm.sendNack(now) {
				rm.r.stats.NacksSent++
			} else {
				rm.r.stats.NacksHeld++
			}
			rm.nack.phase = nackHoldoff
			rm.nack.deadline = now.Add(time.Duration(rm.backoff+2) * rm.grtt)
		case nackHoldoff:
			rm.nack.phase = nackIdle
			rm.lossCheck(now)
		}
	}
	next := time.Time{}
	if rm.nack.phase != nackIdle {
		next = rm.nack.deadline
	}
	return earliest(next, rm.cc.advance(rm, now))
}

// maxNackContent bounds the repair requests of one NACK so that it fits a
// datagram beside the data (libnorm limits a NACK to a segment size).
func (rm *remote) maxNackContent() int { return max(int(rm.fti.SegmentSize), 256) }

// sendNack asks for what is missing, as libnorm's NormBlock builds its
// requests: for a block whose erasures the parity can fill, that many
// parity segments (the lowest not yet heard); otherwise the missing source
// segments, as items and ranges. It reports whether a NACK went out.
func (rm *remote) sendNack(now time.Time) bool {
	if !rm.missing() {
		return false
	}
	k := uint64(rm.k)
	p := rm.n - rm.k
	var items, ranges []wire.RepairItem
	size := 0
	full := func() bool { return size >= rm.maxNackContent() }
	item := func(b uint64, sym int) wire.RepairItem {
		return wire.RepairItem{FECID: wire.FECRS8, ObjectID: streamObjectID,
			PayloadID: wire.PayloadID{Block: uint32(b) & blockMask, Symbol: uint16(sym)}}
	}
	addRun := func(b uint64, lo, hi int) {
		if hi == lo {
			items = append(items, item(b, lo))
			size += 8
		} else {
			ranges = append(ranges, item(b, lo), item(b, hi))
			size += 16
		}
	}
	lastBlock := (rm.high - 1) / k
	for b := rm.next / k; b <= lastBlock && !full(); b++ {
		blk := rm.blocks[b]
		if blk != nil && blk.suppressed {
			continue
		}
		end := int(k) // source segments the sender has sent in this block
		if b == lastBlock {
			end = int(rm.high - b*k)
		}
		start := 0
		if b == rm.next/k {
			start = int(rm.next % k)
		}
		erasures, parityHeard := 0, 0
		for sym := start; sym < end; sym++ {
			if blk == nil || blk.segs[sym] == nil {
				erasures++
			}
		}
		if blk != nil {
			parityHeard = blk.parity
			// Segments before start were delivered; they count as present.
		}
		if erasures == 0 {
			continue
		}
		if end == int(k) && erasures <= p {
			need := erasures - parityHeard
			for j := 0; j < p && need > 0; j++ {
				if blk == nil || blk.segs[rm.k+j] == nil {
					addRun(b, rm.k+j, rm.k+j)
					need--
				}
			}
			continue
		}
		for sym := start; sym < end; {
			if blk != nil && blk.segs[sym] != nil {
				sym++
				continue
			}
			lo := sym
			for sym < end && (blk == nil || blk.segs[sym] == nil) {
				sym++
			}
			addRun(b, lo, sym-1)
		}
	}
	if len(items) == 0 && len(ranges) == 0 {
		return false
	}
	var reqs []byte
	var err error
	if len(items) > 0 {
		if reqs, err = wire.AppendRepairRequest(reqs, wire.FormItems, wire.RepairSegment, items, 8); err != nil {
			return false
		}
	}
	if len(ranges) > 0 {
		if reqs, err = wire.AppendRepairRequest(reqs, wire.FormRanges, wire.RepairSegment, ranges, 8); err != nil {
			return false
		}
	}
	sec, usec := rm.cc.grttResponse(now)
	n := wire.Nack{
		Header:           wire.Header{SourceID: rm.r.cfg.NodeID},
		ServerID:         rm.id,
		InstanceID:       rm.instance,
		GRTTResponseSec:  sec,
		GRTTResponseUsec: usec,
		Extensions:       wire.AppendCCFeedback(nil, rm.cc.report(rm, now)),
		Requests:         reqs,
	}
	pkt, err := n.Append(rm.r.pkt[:0])
	if err != nil {
		return false
	}
	rm.r.pkt = pkt
	rm.r.send(pkt)
	return true
}

// otherNack takes the repair requests of another receiver's NACK, or of
// the sender's CMD(REPAIR_ADV), heard during our back-off: a block they
// ask for as much of as we need is being repaired, so we do not ask.
func (rm *remote) otherNack(requests []byte) {
	if rm.nack.phase != nackBackoff || !rm.haveFTI {
		return
	}
	k := uint64(rm.k)
	asked := make(map[uint64]int)
	for rest := requests; len(rest) > 0; {
		req, more, err := wire.NextRepairRequest(rest, 8)
		if err != nil {
			return
		}
		rest = more
		for its := req.Items; len(its) > 0; {
			a, tail, _ := wire.NextRepairItem(its, 8)
			its = tail
			bl := a.PayloadID.Block
			count := 1
			if req.Form == wire.FormRanges && len(its) > 0 {
				var z wire.RepairItem
				z, its, _ = wire.NextRepairItem(its, 8)
				if z.PayloadID.Block != bl {
					count = rm.n // a range over blocks covers each whole
				} else {
					count = int(z.PayloadID.Symbol) - int(a.PayloadID.Symbol) + 1
				}
			}
			if req.Flags&wire.RepairBlock != 0 {
				count = rm.n
			}
			b := rm.absBlock(bl)
			if b < 0 || b < int64(rm.next/k) || b >= int64(rm.next/k)+int64(rm.maxBlocks) {
				continue
			}
			asked[uint64(b)] += count
		}
	}
	for b, count := range asked {
		blk := rm.blocks[b]
		if blk == nil {
			continue
		}
		erasures := rm.k - blk.data
		if count >= erasures-blk.parity || count >= erasures {
			blk.suppressed = true
		}
	}
}
