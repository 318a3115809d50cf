package session

import (
	"time"

	"github.com/zeroplug/zeroplug/plugins/norm/internal/wire"
)

// The receiver's side of NORM-CC (RFC 5740 section 5.5.3, libnorm's
// NormSenderNode): measure the loss event rate of the sender's messages
// (by their header sequence numbers) and the receive rate, and answer the
// sender's CMD(CC) probes with ACK(CC): at once when the probe names this
// receiver as CLR or PLR, otherwise after a random back-off, and only if
// this receiver would slow the sender (or has no RTT yet), unless another
// receiver's report showed a rate as low first.

// rxCC is one remote sender's congestion-control state at a receiver.
type rxCC struct {
	loss lossEstimator

	// The receive rate, measured over windows of at least an RTT.
	windowStart time.Time
	windowBytes int
	windowPkts  int
	recvRate    float64

	// The last probe: its sequence and send time, when it came, and what
	// it said of us.
	probed    bool
	sequence  uint16
	sendSec   uint32
	sendUsec  uint32
	probeAt   time.Time
	rtt       time.Duration // the sender's measure of our RTT
	haveRTT   bool
	listed    uint8   // CCFlagCLR or CCFlagPLR if the probe named us
	senderBps float64 // the sender's advertised rate

	responseDue bool
	responseAt  time.Time
}

// lossEstimator is TFRC's average loss interval (RFC 5348 section 5):
// the loss event rate is the inverse of a weighted mean of the last eight
// intervals, in packets, between loss events; losses within one RTT of an
// event's start belong to it.
type lossEstimator struct {
	started   bool
	lastSeq   uint16
	anyLoss   bool
	history   [8]float64 // closed intervals, most recent first
	closed    int
	current   float64 // packets since the last event began
	lastEvent time.Time
}

var lossWeights = [8]float64{1, 1, 1, 1, 0.8, 0.6, 0.4, 0.2}

// packet takes the sequence number of one sender message. A number at or
// before the last is a duplicate or a reordered message: TFRC would wait
// for three later ones before calling it lost; we count the gap at once,
// which only errs toward caution.
func (e *lossEstimator) packet(seq uint16, now time.Time, rtt time.Duration, seed func() float64) {
	if !e.started {
		e.started, e.lastSeq, e.current = true, seq, 1
		return
	}
	gap := seq - e.lastSeq
	if gap == 0 || gap >= 0x8000 {
		return
	}
	e.lastSeq = seq
	if gap > 1 {
		switch {
		case !e.anyLoss:
			e.anyLoss = true
			e.push(1 / seed())
			e.current, e.lastEvent = 0, now
		case now.Sub(e.lastEvent) > rtt:
			e.push(e.current)
			e.current, e.lastEvent = 0, now
		}
	}
	e.current += float64(gap)
}

func (e *lossEstimator) push(interval float64) {
	copy(e.history[1:], e.history[:7])
	e.history[0] = max(interval, 1)
	e.closed = min(e.closed+1, 8)
}

// rate returns the loss event rate, 0 before any loss.
func (e *lossEstimator) rate() float64 {
	if !e.anyLoss {
		return 0
	}
	// The mean with the open interval counts only if it raises the mean
	// (RFC 5348 section 5.4).
	var with, without, wWith, wWithout float64
	for i := 0; i < e.closed; i++ {
		without += lossWeights[i] * e.history[i]
		wWithout += lossWeights[i]
	}
	with, wWith = lossWeights[0]*e.current, lossWeights[0]
	for i := 0; i < e.closed && i < 7; i++ {
		with += lossWeights[i+1] * e.history[i]
		wWith += lossWeights[i+1]
	}
	mean := max(with/wWith, without/wWithout)
	return 1 / max(mean, 1)
}

// ourRTT is the RTT this receiver uses: the sender's measure of it once a
// probe has named us with one, else the sender's GRTT.
func (c *rxCC) ourRTT(rm *remote) time.Duration {
	if c.haveRTT {
		return c.rtt
	}
	return rm.grtt
}

// packet takes one sender message for the loss and rate estimates.
func (c *rxCC) packet(rm *remote, seq uint16, size int, now time.Time) {
	rtt := c.ourRTT(rm)
	c.loss.packet(seq, now, rtt, func() float64 {
		// At the first loss, seed the history with the interval that gives
		// the rate we receive at (RFC 5348 section 6.3.1).
		return lossForRate(float64(max(int(rm.fti.SegmentSize), 1)), rtt, max(c.recvRate, float64(rm.fti.SegmentSize)))
	})
	if c.windowStart.IsZero() {
		c.windowStart = now
		return
	}
	c.windowBytes += size
	c.windowPkts++
	if elapsed := now.Sub(c.windowStart); elapsed >= rtt && c.windowPkts >= 2 {
		c.recvRate = float64(c.windowBytes) / elapsed.Seconds()
		c.windowStart, c.windowBytes, c.windowPkts = now, 0, 0
	}
}

// rate is the rate this receiver reports: in slow start (no loss yet)
// twice what it receives, or two segments a second before it has measured
// that, as libnorm (NormSenderNode::OnRepairTimeout); after, the
// TCP-friendly rate of its loss event rate and RTT.
func (c *rxCC) rate(rm *remote) float64 {
	p := c.loss.rate()
	if p == 0 {
		if c.recvRate == 0 {
			return 2 * float64(rm.fti.SegmentSize)
		}
		return 2 * c.recvRate
	}
	return tfrcRate(float64(rm.fti.SegmentSize), c.ourRTT(rm), p)
}

// report is this receiver's EXT_CC_FEEDBACK.
func (c *rxCC) report(rm *remote, _ time.Time) wire.CCFeedback {
	fb := wire.CCFeedback{Sequence: c.sequence, Flags: c.listed, Loss: wire.QuantizeLoss32(c.loss.rate())}
	if c.haveRTT {
		fb.Flags |= wire.CCFlagRTT
	}
	if !c.loss.anyLoss {
		fb.Flags |= wire.CCFlagStart
	}
	fb.RTT = wire.QuantizeRTT(c.ourRTT(rm).Seconds())
	fb.Rate = wire.QuantizeRate(c.rate(rm))
	return fb
}

// grttResponse is the last probe's send time plus how long we held it:
// what lets the sender measure our RTT. Zero before any probe.
func (c *rxCC) grttResponse(now time.Time) (sec, usec uint32) {
	if !c.probed {
		return 0, 0
	}
	return wireTime(fromWireTime(c.sendSec, c.sendUsec).Add(now.Sub(c.probeAt)))
}

// probe takes a CMD(CC).
func (c *rxCC) probe(rm *remote, cmd *wire.Cmd, now time.Time) {
	c.probed = true
	c.sequence, c.sendSec, c.sendUsec, c.probeAt = cmd.CCSequence, cmd.SendTimeSec, cmd.SendTimeUsec, now
	if ext := wire.FindExtension(cmd.Extensions, wire.ExtCCRate); ext != nil {
		if q, err := wire.ParseCCRate(ext); err == nil {
			c.senderBps = wire.UnquantizeRate(q)
		}
	}
	c.listed = 0
	for i := range cmd.CCNodes() {
		n := cmd.CCNode(i)
		if n.NodeID != rm.r.cfg.NodeID {
			continue
		}
		c.listed = n.Flags & (wire.CCFlagCLR | wire.CCFlagPLR)
		if n.Flags&wire.CCFlagRTT != 0 {
			c.rtt, c.haveRTT = wire.RTTDuration(n.RTT), true
		}
		break
	}
	switch {
	case c.listed != 0:
		c.responseDue, c.responseAt = true, now
	case c.responseDue:
		// A back-off already runs: keep it (probes come faster than it
		// ends); the answer will carry this latest probe.
	case !c.haveRTT || c.rate(rm) < c.senderBps:
		c.responseDue = true
		c.responseAt = now.Add(backoffTime(rm.r.cfg.Rand, time.Duration(rm.backoff)*rm.grtt, rm.groupSize))
	}
}

// otherFeedback takes another receiver's CC report heard on the group: if
// its rate is as low as ours, our pending answer would tell the sender
// nothing new.
func (rm *remote) otherFeedback(exts []byte) {
	c := &rm.cc
	if !c.responseDue || c.listed != 0 {
		return
	}
	ext := wire.FindExtension(exts, wire.ExtCCFeedback)
	if ext == nil {
		return
	}
	fb, err := wire.ParseCCFeedback(ext)
	if err != nil || fb.Sequence != c.sequence {
		return
	}
	if wire.UnquantizeRate(fb.Rate) <= c.rate(rm) {
		c.responseDue = false
	}
}

// advance sends a due ACK(CC) and returns when the next one is due.
func (c *rxCC) advance(rm *remote, now time.Time) time.Time {
	if !c.responseDue {
		return time.Time{}
	}
	if now.Before(c.responseAt) {
		return c.responseAt
	}
	c.responseDue = false
	sec, usec := c.grttResponse(now)
	a := wire.Ack{
		Header:           wire.Header{SourceID: rm.r.cfg.NodeID},
		ServerID:         rm.id,
		InstanceID:       rm.instance,
		Type:             wire.AckCC,
		GRTTResponseSec:  sec,
		GRTTResponseUsec: usec,
		Extensions:       wire.AppendCCFeedback(nil, c.report(rm, now)),
	}
	pkt, err := a.Append(rm.r.pkt[:0])
	if err != nil {
		return time.Time{}
	}
	rm.r.pkt = pkt
	rm.r.send(pkt)
	rm.r.stats.AcksSent++
	return time.Time{}
}
