package session

import (
	"math"
	"slices"
	"time"

	"github.com/zeroplug/zeroplug/plugins/norm/internal/wire"
)

// NORM-CC on the sender (RFC 5740 section 5.5, libnorm's NormSession):
// CMD(CC) probes carry the send time, which receivers echo in their
// feedback so that the sender measures each one's RTT, and hence the
// group's (GRTT). Each report also carries the receiver's loss event rate
// and, in slow start, twice its receive rate; the sender turns those into
// the receiver's TCP-friendly rate, follows the slowest receiver (the
// current limiting receiver, CLR) and names it and the next slowest (PLRs)
// in the probes' node list so that they answer every probe at once.

// GRTT probing without congestion control: libnorm's probe interval grows
// from 1 s to 30 s.
const (
	grttIntervalMin = time.Second
	grttIntervalMax = 30 * time.Second
)

// ccMaxNodes is how many receivers a probe names: the CLR and PLRs.
const ccMaxNodes = 5

// ccSilentProbes is how many probes the CLR may leave unanswered before
// the sender takes it for gone and slows down.
const ccSilentProbes = 4

// ccNode is the sender's view of one receiver's feedback.
type ccNode struct {
	id        wire.NodeID
	rtt       time.Duration // measured here from its grtt_response
	haveRTT   bool
	rate      float64 // its TCP-friendly rate, bytes/s
	slowStart bool
	heard     time.Time
}

type ccState struct {
	enabled  bool
	rate     float64 // bytes per second
	minRate  float64
	maxRate  float64 // 0: none
	grtt     time.Duration
	measured bool          // grtt is measured, not the default
	peak     time.Duration // the largest RTT heard since the last probe
	sequence uint16
	interval time.Duration // between probes
	next     time.Time     // next probe
	probeDue bool
	nodes    []ccNode // sorted by rate: nodes[0] is the CLR
	// sentAt holds the send times of the last probes, sentAt[0] the
	// latest: a CLR silent since the oldest has stopped answering.
	sentAt  [ccSilentProbes]time.Time
	segment float64
	// idle is set while probing at the idle pace (nothing to send):
	// libnorm's grtt_interval, growing from 1 s to 30 s.
	idle    bool
	idleIvl time.Duration
	// libnorm's probe_data_check, once the data is out: while only
	// FLUSHes remain to send, a probe waits until a segment has gone
	// since the last one, so that at a low rate and a short GRTT the
	// probes do not crowd out the FLUSHes (and the repairs they bring).
	sentData, waiting bool
}

// segmentSent notes a NORM_DATA going out: a probe held for it may go,
// and a sender back from idle probes at once, so that its rate follows
// the receivers again.
func (c *ccState) segmentSent() {
	c.sentData = true
	if c.idle || c.waiting {
		c.idle, c.waiting = false, false
		c.probeDue = true
	}
}

func (c *ccState) init(s *Sender, now time.Time) {
	c.enabled = !s.cfg.FixedRate
	c.segment = float64(s.cfg.SegmentSize)
	c.grtt = DefaultGRTT
	c.minRate = c.segment // libnorm never goes below a segment a second
	c.maxRate = s.cfg.Rate
	if c.enabled {
		// libnorm starts slow: one segment per GRTT, at most a segment a
		// second (normSession.cpp), and doubles with feedback.
		c.rate = min(c.segment/c.grtt.Seconds(), c.segment)
		c.interval = c.grtt
	} else {
		c.rate = s.cfg.Rate
		c.interval = grttIntervalMin
	}
	c.next = now // probe at once: receivers learn the sender and answer
}

func (c *ccState) deadline() time.Time { return c.next }

// advance makes a probe due when its time has come.
func (c *ccState) advance(s *Sender, now time.Time) {
	if now.Before(c.next) {
		return
	}
	c.next = now.Add(c.interval)
	if c.enabled && !c.sentData && s.sent == s.written && len(s.repair.queue) == 0 && !s.Idle() {
		c.waiting = true
		return
	}
	c.probeDue = true
}

// sendProbe sends CMD(CC) and, with CC on, adjusts the rate and the GRTT
// as libnorm does at each probe.
func (c *ccState) sendProbe(s *Sender, now time.Time) int {
	c.probeDue, c.sentData = false, false
	c.updateGRTT()
	switch {
	case c.enabled && s.Idle():
		// Nothing to send: probe at libnorm's idle pace, and leave the
		// rate as it is (libnorm adjusts it only while data flows).
		if !c.idle {
			c.idle, c.idleIvl = true, grttIntervalMin
		} else {
			c.idleIvl = min(c.idleIvl*3/2, grttIntervalMax)
		}
		c.interval = c.idleIvl
	case c.enabled:
		c.idle = false
		c.adjustRate(now)
		c.interval = max(c.grtt, minGRTT)
		if len(c.nodes) > 0 && c.nodes[0].haveRTT {
			c.interval = max(c.nodes[0].rtt, minGRTT)
		}
	default:
		c.interval = min(c.interval*2, grttIntervalMax)
	}
	c.next = now.Add(c.interval)
	c.sequence++
	sec, usec := wireTime(now)
	var content []byte
	for i, n := range c.nodes {
		flags := uint8(wire.CCFlagPLR)
		if i == 0 {
			flags = wire.CCFlagCLR
		}
		if n.haveRTT {
			flags |= wire.CCFlagRTT
		}
		if n.slowStart {
			flags |= wire.CCFlagStart
		}
		content = wire.AppendCCNode(content, wire.CCNode{
			NodeID: n.id, Flags: flags, RTT: wire.QuantizeRTT(n.rtt.Seconds()), Rate: wire.QuantizeRate(n.rate),
		})
	}
	s.stats.Probes++
	return s.sendCmd(&wire.Cmd{
		Flavor:      wire.CmdCC,
		CCSequence:  c.sequence,
		SendTimeSec: sec, SendTimeUsec: usec,
		Extensions: wire.AppendCCRate(nil, wire.QuantizeRate(c.rate)),
		Content:    content,
	})
}

// updateGRTT moves the GRTT toward what the last probe interval measured:
// up at once (feedback handles that), down slowly, as libnorm lets it decay
// so that one quick answer does not shorten every receiver's timers.
func (c *ccState) updateGRTT() {
	if c.peak > 0 && c.peak < c.grtt {
		c.grtt = max(time.Duration(0.9*float64(c.grtt)+0.1*float64(c.peak)), minGRTT)
	}
	c.peak = 0
}

// adjustRate follows the CLR: down at once, up at most doubling per probe
// (slow start's doubling, and TFRC's bound of twice the receive rate);
// with no word from the CLR for a few probes, it halves each probe down to
// the minimum, as libnorm does when feedback stops.
func (c *ccState) adjustRate(now time.Time) {
	oldest := c.sentAt[ccSilentProbes-1]
	copy(c.sentAt[1:], c.sentAt[:ccSilentProbes-1])
	c.sentAt[0] = now
	if len(c.nodes) == 0 || c.nodes[0].heard.Before(oldest) {
		c.rate = max(c.rate/2, c.minRate)
		// A receiver silent that long is gone: forget it, so that the next
		// report elects a new CLR.
		c.nodes = slices.DeleteFunc(c.nodes, func(n ccNode) bool { return n.heard.Before(oldest) })
		return
	}
	target := c.nodes[0].rate
	if target > c.rate {
		target = min(target, 2*c.rate)
	}
	c.rate = max(target, c.minRate)
	if c.maxRate > 0 {
		c.rate = min(c.rate, c.maxRate)
	}
}

// feedback takes one receiver's report: the grtt_response of a NACK or an
// ACK, and its EXT_CC_FEEDBACK if it carries one.
func (c *ccState) feedback(s *Sender, from wire.NodeID, exts []byte, sec, usec uint32, now time.Time) {
	var rtt time.Duration
	if sec != 0 || usec != 0 {
		rtt = now.Sub(fromWireTime(sec, usec))
		if rtt < 0 || rtt > MaxGRTT {
			rtt = 0 // not an echo of our probe: a clock or a peer gone wrong
		}
	}
	if rtt > 0 {
		c.peak = max(c.peak, rtt)
		if !c.measured || rtt > c.grtt {
			c.grtt = min(max(rtt, minGRTT), MaxGRTT)
			c.measured = true
		}
	}
	ext := wire.FindExtension(exts, wire.ExtCCFeedback)
	if ext == nil {
		return
	}
	fb, err := wire.ParseCCFeedback(ext)
	if err != nil {
		return
	}
	s.stats.Feedback++
	if !c.enabled || fb.Flags&wire.CCFlagLeave != 0 {
		c.nodes = slices.DeleteFunc(c.nodes, func(n ccNode) bool { return n.id == from })
		return
	}
	i := slices.IndexFunc(c.nodes, func(n ccNode) bool { return n.id == from })
	var n ccNode
	if i >= 0 {
		n = c.nodes[i]
	} else {
		n = ccNode{id: from}
	}
	if rtt > 0 {
		if n.haveRTT {
			n.rtt = (n.rtt + rtt) / 2
		} else {
			n.rtt, n.haveRTT = rtt, true
		}
	}
	r := n.rtt
	if !n.haveRTT {
		r = wire.RTTDuration(fb.RTT)
	}
	n.slowStart = fb.Flags&wire.CCFlagStart != 0
	if n.slowStart {
		n.rate = wire.UnquantizeRate(fb.Rate)
	} else {
		n.rate = tfrcRate(c.segment, r, wire.UnquantizeLoss32(fb.Loss))
	}
	if math.IsInf(n.rate, 0) || math.IsNaN(n.rate) {
		n.rate = wire.UnquantizeRate(fb.Rate)
	}
	n.heard = now
	if i >= 0 {
		c.nodes[i] = n
	} else if len(c.nodes) < ccMaxNodes {
		c.nodes = append(c.nodes, n)
	} else if last := len(c.nodes) - 1; n.rate < c.nodes[last].rate {
		c.nodes[last] = n
	}
	slices.SortStableFunc(c.nodes, func(a, b ccNode) int {
		switch {
		case a.rate < b.rate:
			return -1
		case a.rate > b.rate:
			return 1
		}
		return 0
	})
}

// Rate returns the sender's transmission rate in bytes per second.
func (s *Sender) Rate() float64 { return s.cc.rate }

// GRTT returns the group round-trip time the sender advertises.
func (s *Sender) GRTT() time.Duration { return s.cc.grtt }
