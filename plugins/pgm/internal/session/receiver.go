package session

import (
	cryptorand "crypto/rand"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/zeroplug/zeroplug/plugins/pgm/internal/wire"
)

// DefaultMaxSources is how many sources (TSIs) a Receiver follows at once unless told
// otherwise. libzmq has no limit; one is needed so that packets with ever new TSIs cannot
// grow memory without bound. A source that stops is forgotten after its FIN or
// PeerExpiry, which frees its place.
const DefaultMaxSources = 64

// spmRestartSlack is how far an SPM's sequence number may fall behind the last one of
// its TSI and still be taken for a reordered SPM, which is dropped; further behind, the
// source restarted with the same TSI (libzmq's GSI is the same in every run, so only its
// random port tells two runs apart) and its session starts afresh.
const spmRestartSlack = 64

// maxFreeBuffers bounds the TSDU buffers a Receiver keeps for reuse.
const maxFreeBuffers = 256

// ReceiverConfig configures a Receiver. The zero values of MaxTPDU, RateKbit,
// RecoveryIvl and MaxSources mean libzmq's defaults (DefaultMaxSources).
type ReceiverConfig struct {
	// DestPort is the endpoint's port: downstream packets for another port are not
	// this receiver's (OpenPGM's dport filter).
	DestPort uint16
	// Group is the multicast group, which NAKs name.
	Group    netip.Addr
	UDPEncap bool // epgm, for the largest TSDU accepted
	MaxTPDU  int  // ZMQ_MULTICAST_MAXTPDU: larger TSDUs are dropped
	// RateKbit (ZMQ_RATE) and RecoveryIvl (ZMQ_RECOVERY_IVL) size the receive window
	// as libzmq sizes it (RXW_SQNS): RECOVERY_IVL worth of RATE in TPDUs.
	RateKbit    int
	RecoveryIvl time.Duration
	// MaxMessageSize is ZMQ_MAXMSGSIZE: a message beyond it resets that source's stream
	// (see wire.NewUnpacker). Zero or negative: no limit, libzmq's default.
	MaxMessageSize int64
	MaxSources     int
	// Rand draws the NAK back-offs; nil means a generator seeded at random.
	Rand *rand.Rand
	// Send is called with each packet the receiver sends: NAKs to the source's NLA,
	// SPMRs to the group (with TTL 1) and to the address data came from. pkt is valid
	// only during the call. It must not call back into the Receiver.
	Send func(pkt []byte, to netip.Addr)
	// Deliver is called with each whole message of a source, in the source's order;
	// the frames are valid only during the call. It must not call back into the
	// Receiver.
	Deliver func(source wire.TSI, msg [][]byte)
}

// ReceiverStats counts what a Receiver did.
type ReceiverStats struct {
	Messages     uint64 // delivered
	Lost         uint64 // sequence numbers declared unrecoverable
	Malformed    uint64 // datagrams that did not parse
	Dropped      uint64 // parsed but refused: out of bounds, too large, empty, too many sources
	Duplicates   uint64 // data already received or delivered
	DecodeErrors uint64 // APDUs libzmq's framing refused (the stream resets)
	NAKs         uint64 // NAK packets sent
	NAKed        uint64 // sequence numbers asked for in them
	SPMRs        uint64 // SPMR packets sent
	Restarts     uint64 // sources that restarted under the same TSI
}

// Receiver is the receiving side of PGM on one group and port: it follows every source
// (TSI) it hears, each with its own window, repairs loss with NAKs, and delivers each
// source's messages in order, whole, through libzmq's framing. A loss that repair does
// not fill is declared unrecoverable and that source's stream resets at its next whole
// message, as libzmq does. A Receiver is not safe for concurrent use.
type Receiver struct {
	cfg        ReceiverConfig
	maxTSDU    int
	windowSize int
	rng        *rand.Rand

	peers map[wire.TSI]*peer
	free  [][]byte
	held  int // bytes of TSDU held in windows

	stats ReceiverStats
	in    wire.Packet
	out   wire.Packet
	buf   []byte
	naks  []wire.SeqNo // reused to batch NAKs
}

// peer is what a Receiver knows of one source.
type peer struct {
	tsi        wire.TSI
	nla        netip.Addr // the source's unicast address, from its SPMs
	haveSPM    bool
	spmSeq     wire.SeqNo
	dataFrom   netip.Addr // IP source of its data, for the unicast SPMR
	spmrAt     time.Time  // when to ask for an SPM; zero for never
	lastHeard  time.Time
	finishedAt time.Time // OPT_FIN heard; zero for not
	rx         rxWindow
	unpacker   *wire.Unpacker
}

// NewReceiver returns a Receiver that follows no source yet.
func NewReceiver(cfg ReceiverConfig) (*Receiver, error) {
	if cfg.MaxTPDU == 0 {
		cfg.MaxTPDU = DefaultMaxTPDU
	}
	if cfg.RateKbit == 0 {
		cfg.RateKbit = DefaultRateKbit
	}
	if cfg.RecoveryIvl == 0 {
		cfg.RecoveryIvl = DefaultRecoveryIvl
	}
	if cfg.MaxMessageSize == 0 {
		cfg.MaxMessageSize = -1
	}
	if cfg.MaxSources == 0 {
		cfg.MaxSources = DefaultMaxSources
	}
	switch {
	case cfg.Send == nil || cfg.Deliver == nil:
		return nil, errors.New("pgm session: a Receiver needs Send and Deliver callbacks")
	case !cfg.Group.IsMulticast() || cfg.Group.Zone() != "":
		return nil, errors.New("pgm session: the group must be a multicast address")
	case cfg.RateKbit < 0 || cfg.RecoveryIvl < 0 || cfg.MaxSources < 0:
		return nil, errors.New("pgm session: negative rate, recovery interval or source limit")
	}
	tsdu, err := wire.MaxTSDU(cfg.MaxTPDU, cfg.UDPEncap)
	if err != nil {
		return nil, err
	}
	rng := cfg.Rand
	if rng == nil {
		var seed [16]byte
		cryptorand.Read(seed[:])
		rng = rand.New(rand.NewPCG(binary.LittleEndian.Uint64(seed[:]), binary.LittleEndian.Uint64(seed[8:])))
	}
	return &Receiver{
		cfg:        cfg,
		maxTSDU:    tsdu,
		windowSize: windowSQNs(cfg.RateKbit, cfg.RecoveryIvl, cfg.MaxTPDU),
		rng:        rng,
		peers:      map[wire.TSI]*peer{},
	}, nil
}

// Stats returns the counters so far.
func (r *Receiver) Stats() ReceiverStats { return r.stats }

// Sources returns how many sources the Receiver follows.
func (r *Receiver) Sources() int { return len(r.peers) }

// Buffered returns how many bytes of data the Receiver holds for reordering and repair:
// at most MaxSources x the window size x the largest TSDU, whatever the sources send.
func (r *Receiver) Buffered() int { return r.held }

// HandleDatagram takes one datagram's PGM bytes from the group's port and from, the IP
// source address it came from. It returns the parse error of a malformed datagram
// (counted, and otherwise ignored); packets of other ports, upstream packets other than
// SPMR and packets it refuses are counted and ignored.
func (r *Receiver) HandleDatagram(b []byte, from netip.Addr, now time.Time) error {
	p := &r.in
	if err := p.Parse(b); err != nil {
		r.stats.Malformed++
		return err
	}
	if p.Type.Upstream() {
		// Another receiver's multicast SPMR: ours would say the same (OpenPGM's
		// suppression).
		if p.Type == wire.TypeSPMR && p.SourcePort == r.cfg.DestPort {
			if pr := r.peers[p.TSI()]; pr != nil {
				pr.spmrAt = time.Time{}
			}
		}
		return nil
	}
	if p.DestPort != r.cfg.DestPort {
		return nil
	}
	pr := r.peers[p.TSI()]
	if pr == nil {
		if (p.Type != wire.TypeSPM && p.Type != wire.TypeODATA) || p.Options.FIN {
			return nil // repairs, confirmations and goodbyes of a session not followed
		}
		if len(r.peers) >= r.cfg.MaxSources {
			r.stats.Dropped++
			return nil
		}
		pr = &peer{tsi: p.TSI(), unpacker: wire.NewUnpacker(r.cfg.MaxMessageSize)}
		pr.rx.max = r.windowSize
		r.peers[pr.tsi] = pr
	}
	pr.lastHeard = now
	switch p.Type {
	case wire.TypeSPM:
		r.onSPM(pr, p, now)
	case wire.TypeODATA, wire.TypeRDATA:
		r.onData(pr, p, from, now)
	case wire.TypeNCF:
		r.onNCF(pr, p, now)
	}
	r.deliver(pr)
	return nil
}

// onSPM learns the source's NLA and window. An SPM defines a new window at lead+1 (so a
// late joiner never asks for history), announces loss past the last data heard (a
// heartbeat is how the loss of the last ODATA is found) and, with its trail, what the
// source can no longer repair.
func (r *Receiver) onSPM(pr *peer, p *wire.Packet, now time.Time) {
	if pr.haveSPM && !p.Seq.After(pr.spmSeq) {
		if pr.spmSeq.Distance(p.Seq) >= -spmRestartSlack {
			r.stats.Duplicates++
			return // reordered or repeated: RFC 3208 section 9.6 drops it
		}
		r.restart(pr)
	} else if pr.rx.defined && pr.rx.next.Distance(p.Lead+1) < -int32(pr.rx.max) {
		r.restart(pr)
	}
	pr.haveSPM, pr.spmSeq, pr.nla, pr.spmrAt = true, p.Seq, p.SourceNLA, time.Time{}
	if !pr.rx.defined {
		pr.rx.define(p.Lead + 1)
	}
	// RFC 3208 section 9.6: trail 0 with lead 2^31 carries no window.
	if !(p.Trail == 0 && p.Lead == 0x80000000) {
		r.advanceTrail(pr, p.Trail)
		r.extendTo(pr, p.Lead, rxBackoff, now)
	}
	if p.Options.FIN {
		r.finish(pr, now)
	}
}

// onData files one ODATA or RDATA.
func (r *Receiver) onData(pr *peer, p *wire.Packet, from netip.Addr, now time.Time) {
	if len(p.TSDU) == 0 || len(p.TSDU) > r.maxTSDU || p.Options.HasFragment || p.Seq.Before(p.Trail) {
		// libzmq asserts on empty and fragmented APDUs; OpenPGM drops a sequence
		// number behind its own trail as out of bounds.
		r.stats.Dropped++
		return
	}
	// Data far behind the window is old, not a restart: only an SPM can tell a
	// restart from reordering (see onSPM).
	if !pr.rx.defined {
		pr.rx.define(p.Seq)
	}
	// No SPM yet, so no NLA to NAK to: ask for one after SPMR_EXPIRY. OpenPGM asks
	// once; asking again while data keeps coming without an SPM (at most once per
	// SPMR_EXPIRY) gets past a lost SPMR or a lost answer.
	if !pr.haveSPM && pr.spmrAt.IsZero() {
		pr.dataFrom, pr.spmrAt = from, now.Add(SPMRExpiry)
	}
	r.advanceTrail(pr, p.Trail)
	w := &pr.rx
	if p.Seq.Before(w.next) {
		r.stats.Duplicates++
		return
	}
	if p.Seq.After(w.lead) {
		r.extendTo(pr, p.Seq, rxBackoff, now) // and then the slot of p.Seq is filled
	}
	s := w.slot(p.Seq)
	if s.state == rxHave {
		r.stats.Duplicates++
		return
	}
	if s.state == rxLost {
		return // declared lost already; the stream has moved on past it
	}
	s.state, s.data = rxHave, append(r.buffer(), p.TSDU...)
	r.held += len(s.data)
}

// onNCF holds the NAKs of the sequence numbers another receiver's NAK (or ours) asked
// for: the source has promised RDATA.
func (r *Receiver) onNCF(pr *peer, p *wire.Packet, now time.Time) {
	if !pr.rx.defined {
		return
	}
	r.confirm(pr, p.Seq, now)
	for _, seq := range p.Options.NAKList() {
		r.confirm(pr, seq, now)
	}
}

func (r *Receiver) confirm(pr *peer, seq wire.SeqNo, now time.Time) {
	w := &pr.rx
	if seq.Before(w.next) || w.next.Distance(seq) >= int32(w.max) {
		return // delivered, or too far ahead to be a loss of ours
	}
	if seq.After(w.lead) {
		// An NCF for data not yet heard of: a loss too (OpenPGM's rxw_confirm).
		r.extendTo(pr, seq, rxWaitData, now)
	}
	if s := w.slot(seq); s.state <= rxWaitData {
		s.state, s.deadline = rxWaitData, now.Add(NAKRDataInterval)
	}
}

// extendTo adds the sequence numbers after the lead up to last in state (missing ones
// get a random back-off), pushing the window on if last is more than a window ahead.
func (r *Receiver) extendTo(pr *peer, last wire.SeqNo, state rxState, now time.Time) {
	w := &pr.rx
	if !last.After(w.lead) {
		return
	}
	if w.next.Distance(last) >= int32(w.max) {
		r.advanceTrail(pr, last-wire.SeqNo(w.max)+1)
	}
	w.reserve(int(uint32(last-w.next)) + 1)
	for seq := w.lead + 1; ; seq++ {
		s := w.slot(seq)
		*s = rxSlot{state: state}
		switch state {
		case rxBackoff:
			s.deadline = now.Add(r.backoff())
		case rxWaitData:
			s.deadline = now.Add(NAKRDataInterval)
		}
		if seq == last {
			break
		}
	}
	w.lead = last
}

// advanceTrail declares lost every missing sequence number before trail, which the
// source can no longer repair (or which a jump ahead pushed out of the window), delivers
// what that lets through and moves the window's start to trail at least.
func (r *Receiver) advanceTrail(pr *peer, trail wire.SeqNo) {
	w := &pr.rx
	if !trail.After(w.next) {
		return
	}
	for seq := w.next; seq.Before(trail) && !seq.After(w.lead); seq++ {
		if s := w.slot(seq); s.state < rxHave {
			s.state = rxLost
		}
	}
	r.deliver(pr)
	if trail.After(w.next) {
		// Sequence numbers never heard of are gone as well.
		r.stats.Lost += uint64(uint32(trail - w.next))
		pr.unpacker.Reset()
		w.next, w.lead = trail, trail-1
	}
}

// deliver hands the source's in-order data to its Unpacker, through a lost sequence
// number with a reset, and stops at the first one still missing.
func (r *Receiver) deliver(pr *peer) {
	w := &pr.rx
	for w.span() > 0 {
		s := w.slot(w.next)
		switch s.state {
		case rxHave:
			if err := pr.unpacker.Feed(s.data, func(msg [][]byte) {
				r.stats.Messages++
				r.cfg.Deliver(pr.tsi, msg)
			}); err != nil {
				r.stats.DecodeErrors++
			}
			r.recycle(s.data)
		case rxLost:
			// libzmq's pgm_receiver on PGM_IO_STATUS_RESET: the decoder goes, and
			// the next packet where a message starts joins again.
			r.stats.Lost++
			pr.unpacker.Reset()
		default:
			return
		}
		*s = rxSlot{}
		w.next++
	}
	w.shrink()
}

// finish acts on OPT_FIN: the source has closed and will repair nothing more. What is
// missing gets one last NAK_RDATA_IVL for reordered data, then it is lost and the source
// forgotten. OpenPGM ignores OPT_FIN and keeps NAKing a closed source until its retries
// run out; there is nobody left to answer.
func (r *Receiver) finish(pr *peer, now time.Time) {
	if !pr.finishedAt.IsZero() {
		return
	}
	pr.finishedAt = now
	w := &pr.rx
	for i, span := 0, w.span(); i < span; i++ {
		if s := w.slot(w.next + wire.SeqNo(i)); s.state < rxHave {
			s.state, s.deadline = rxWaitData, now.Add(NAKRDataInterval)
			s.ncfRetries, s.dataRetries = NAKNCFRetries, NAKDataRetries
		}
	}
}

// restart forgets the window of a source that restarted under the same TSI, delivering
// what it can of the old session first. onSPM calls it when an SPM's sequence number
// falls back by more than spmRestartSlack, or its lead by more than a window: a
// restarted OpenPGM source counts both from 0 again. Until such an SPM arrives (a
// restarted source sends three at once, then heartbeats), the new session's data looks
// old and is dropped, so a receiver that loses them all joins the new session as a late
// joiner does. A restart within one window of the old session's start is not told from
// reordering (nor is it by OpenPGM, which never detects one).
func (r *Receiver) restart(pr *peer) {
	r.stats.Restarts++
	r.flush(pr)
	pr.rx.defined, pr.haveSPM, pr.finishedAt = false, false, time.Time{}
	pr.unpacker.Reset()
}

// flush declares lost everything missing and delivers what is held.
func (r *Receiver) flush(pr *peer) {
	w := &pr.rx
	for i, span := 0, w.span(); i < span; i++ {
		if s := w.slot(w.next + wire.SeqNo(i)); s.state < rxHave {
			s.state = rxLost
		}
	}
	r.deliver(pr)
}

// Tick runs the timers due at now: NAKs after their back-off, retries, losses whose
// retries ran out, SPMRs, and the forgetting of sources gone silent or finished. It
// returns when it wants to be called next (zero: no timer).
func (r *Receiver) Tick(now time.Time) time.Time {
	var next time.Time
	for tsi, pr := range r.peers {
		if expires := r.expiry(pr); !now.Before(expires) {
			r.flush(pr)
			delete(r.peers, tsi)
			continue
		}
		if !pr.spmrAt.IsZero() && !now.Before(pr.spmrAt) {
			pr.spmrAt = time.Time{}
			r.sendSPMR(pr)
		}
		r.runNAKTimers(pr, now)
		r.deliver(pr)
		next = earliest(next, r.expiry(pr))
		next = earliest(next, pr.spmrAt)
		w := &pr.rx
		for i, span := 0, w.span(); i < span; i++ {
			if s := w.slot(w.next + wire.SeqNo(i)); s.state < rxHave {
				next = earliest(next, s.deadline)
			}
		}
	}
	return next
}

func (r *Receiver) expiry(pr *peer) time.Time {
	if !pr.finishedAt.IsZero() {
		return pr.finishedAt.Add(2 * NAKRDataInterval)
	}
	return pr.lastHeard.Add(PeerExpiry)
}

// runNAKTimers moves each missing sequence number whose timer expired through OpenPGM's
// NAK states and sends the NAKs that are due, up to 63 sequence numbers to a NAK.
func (r *Receiver) runNAKTimers(pr *peer, now time.Time) {
	w := &pr.rx
	r.naks = r.naks[:0]
	for i, span := 0, w.span(); i < span; i++ {
		s := w.slot(w.next + wire.SeqNo(i))
		if s.state >= rxHave || now.Before(s.deadline) {
			continue
		}
		if !pr.finishedAt.IsZero() {
			s.state = rxLost // the source has closed: nobody will repair it
			continue
		}
		switch s.state {
		case rxBackoff:
			if !pr.nla.IsValid() {
				// No SPM yet, so nowhere to send a NAK. OpenPGM declares the loss
				// at once; waiting another back-off (counted against the NCF
				// retries) gives the SPMR's answer or a heartbeat time to come.
				s.ncfRetries++
				s.deadline = now.Add(r.backoff())
			} else {
				r.naks = append(r.naks, w.next+wire.SeqNo(i))
				s.state, s.deadline = rxWaitNCF, now.Add(NAKRepeatInterval)
			}
		case rxWaitNCF:
			s.ncfRetries++
			s.state, s.deadline = rxBackoff, now.Add(r.backoff())
		case rxWaitData:
			s.dataRetries++
			s.state, s.deadline = rxBackoff, now.Add(r.backoff())
		}
		if s.ncfRetries > NAKNCFRetries || s.dataRetries > NAKDataRetries {
			s.state = rxLost
		}
	}
	for seqs := r.naks; len(seqs) > 0; {
		n := min(len(seqs), 1+wire.MaxNAKList)
		r.sendNAK(pr, seqs[:n])
		seqs = seqs[n:]
	}
}

// sendNAK sends one NAK for seqs (the first in the header, the rest in OPT_NAK_LIST)
// to the source's NLA, with the upstream ports and the source's GSI.
func (r *Receiver) sendNAK(pr *peer, seqs []wire.SeqNo) {
	p := r.upstream(wire.TypeNAK, pr)
	p.Seq, p.SourceNLA, p.GroupNLA = seqs[0], pr.nla, r.cfg.Group
	p.Options.SetNAKList(seqs[1:])
	if b, ok := r.encode(p); ok {
		r.cfg.Send(b, pr.nla)
		r.stats.NAKs++
		r.stats.NAKed += uint64(len(seqs))
	}
}

// sendSPMR asks a source for an SPM: to the group, which also suppresses the other
// receivers' SPMRs, and to the address its data came from.
func (r *Receiver) sendSPMR(pr *peer) {
	b, ok := r.encode(r.upstream(wire.TypeSPMR, pr))
	if !ok {
		return
	}
	r.cfg.Send(b, r.cfg.Group)
	r.stats.SPMRs++
	if pr.dataFrom.IsValid() && pr.dataFrom != r.cfg.Group {
		r.cfg.Send(b, pr.dataFrom)
		r.stats.SPMRs++
	}
}

func (r *Receiver) upstream(t wire.Type, pr *peer) *wire.Packet {
	r.out = wire.Packet{Header: wire.Header{
		SourcePort: r.cfg.DestPort, DestPort: pr.tsi.SourcePort, Type: t, GSI: pr.tsi.GSI,
	}}
	return &r.out
}

// encode encodes p into the reused buffer. It fails only for an NLA a source announced
// that cannot be sent back (an IPv6 address with a zone never parses, so in practice
// never); such a NAK is not sent.
func (r *Receiver) encode(p *wire.Packet) ([]byte, bool) {
	b, err := p.Append(r.buf[:0])
	if err != nil {
		return nil, false
	}
	r.buf = b
	return b, true
}

// backoff draws a NAK back-off in (0, NAK_BO_IVL].
func (r *Receiver) backoff() time.Duration {
	return time.Duration(1 + r.rng.Int64N(int64(NAKBackoffInterval)))
}

func (r *Receiver) buffer() []byte {
	if k := len(r.free); k > 0 {
		b := r.free[k-1]
		r.free = r.free[:k-1]
		return b
	}
	return make([]byte, 0, r.maxTSDU)
}

func (r *Receiver) recycle(b []byte) {
	if b == nil {
		return
	}
	r.held -= len(b)
	if len(r.free) < maxFreeBuffers && cap(b) >= r.maxTSDU {
		r.free = append(r.free, b[:0])
	}
}

// earliest is the earlier of two times, a zero time meaning none.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}
