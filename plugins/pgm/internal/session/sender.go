package session

import (
	"errors"
	"net/netip"
	"slices"
	"time"

	"github.com/zeroplug/zeroplug/plugins/pgm/internal/wire"
)

// Errors of the Sender.
var (
	// ErrClosed: the Sender was closed.
	ErrClosed = errors.New("pgm session: closed")
	// ErrWouldBlock: the backlog of APDUs waiting for the rate limit is full; call
	// Tick until Writable says so, then send again.
	ErrWouldBlock = errors.New("pgm session: rate limited, backlog full")
)

// maxBacklog is how many APDUs may wait for the rate limit before Send refuses more
// (beyond them, the APDUs of the one message that filled it): libzmq's pgm_sender stops
// taking messages from its pipe while pgm_send says it is rate limited, which leaves
// the backlog to the pipe's high-water mark.
const maxBacklog = 64

// repairInterval is how often at most one sequence number is sent again as RDATA: NAKs
// for it in between are confirmed (NCF) and their repair deferred to the end of the
// interval, so that a storm of NAKs cannot make the source multicast a storm of RDATA.
// OpenPGM queues one repair per sequence number at a time and answers the next NAK as
// soon as that repair is out; half NAK_RDATA_IVL keeps a receiver that lost an RDATA
// served at its next NAK.
const repairInterval = NAKRDataInterval / 2

// SenderConfig configures a Sender. The zero values of MaxTPDU, RateKbit and
// RecoveryIvl mean libzmq's defaults.
type SenderConfig struct {
	// TSI names the session: a random GSI and a random source port other than
	// DestPort, as OpenPGM picks them.
	TSI wire.TSI
	// DestPort is the data-destination port: the endpoint's port.
	DestPort uint16
	// SourceNLA is the source's real unicast address on the interface, which SPMs
	// announce and to which receivers send their NAKs.
	SourceNLA netip.Addr
	// Group is the multicast group the session is sent to.
	Group netip.Addr
	// UDPEncap is true for epgm (PGM in UDP), false for pgm (raw IP).
	UDPEncap    bool
	MaxTPDU     int           // ZMQ_MULTICAST_MAXTPDU, bytes, IP header included
	RateKbit    int           // ZMQ_RATE, kbit/s, for ODATA
	RecoveryIvl time.Duration // ZMQ_RECOVERY_IVL: the transmit window holds this much of RATE
	// Send is called with each packet for the group; pkt is valid only during the
	// call. It must not call back into the Sender.
	Send func(pkt []byte, to netip.Addr)
}

// SenderStats counts what a Sender did.
type SenderStats struct {
	ODATA, RDATA, NCF, SPM uint64 // packets sent
	ODATABytes             uint64 // ODATA bytes as the rate limit counts them: PGM and the headers below
	NAKed                  uint64 // sequence numbers asked for in accepted NAKs
	NAKedOutsideWindow     uint64 // of those, no longer (or not yet) in the window
	Rejected               uint64 // upstream packets refused: malformed, or NLAs not ours
}

// Sender is the source side of one PGM session (one TSI): it lays messages into APDUs
// as libzmq does, sends them as ODATA at RATE, keeps RECOVERY_IVL of them in the transmit
// window, answers NAKs with NCF and RDATA and SPMRs with SPM, and sends SPMs at start,
// as heartbeat after data and as ambient. A Sender is not safe for concurrent use.
type Sender struct {
	cfg      SenderConfig
	maxTSDU  int
	overhead int

	packer  *wire.Packer
	backlog [][]byte // APDUs waiting for the rate limit, oldest first
	window  txWindow
	bucket  *tokenBucket
	repairs []repair // at most one per sequence number in the window

	spmSeq         wire.SeqNo
	nextAmbient    time.Time
	heartbeat      int // index of the next heartbeat interval, or -1 for none pending
	nextHeartbeat  time.Time
	lastSPMRAnswer time.Time
	closed         bool

	stats SenderStats
	in    wire.Packet // reused to parse upstream packets
	out   wire.Packet // reused to encode
	buf   []byte
}

type repair struct {
	seq       wire.SeqNo
	notBefore time.Time
}

// NewSender starts a session at now: it sends OpenPGM's three SPMs announcing an empty
// window, as pgm_connect does.
func NewSender(cfg SenderConfig, now time.Time) (*Sender, error) {
	if cfg.MaxTPDU == 0 {
		cfg.MaxTPDU = DefaultMaxTPDU
	}
	if cfg.RateKbit == 0 {
		cfg.RateKbit = DefaultRateKbit
	}
	if cfg.RecoveryIvl == 0 {
		cfg.RecoveryIvl = DefaultRecoveryIvl
	}
	switch {
	case cfg.Send == nil:
		return nil, errors.New("pgm session: no Send callback")
	case !cfg.SourceNLA.IsValid() || cfg.SourceNLA.Zone() != "" || !cfg.Group.IsMulticast() || cfg.Group.Zone() != "":
		return nil, errors.New("pgm session: the source needs its unicast address and a multicast group")
	case cfg.TSI.SourcePort == cfg.DestPort:
		return nil, errors.New("pgm session: the TSI's port must differ from the destination port")
	case cfg.RateKbit < 0 || cfg.RecoveryIvl < 0:
		return nil, errors.New("pgm session: negative rate or recovery interval")
	}
	tsdu, err := wire.MaxTSDU(cfg.MaxTPDU, cfg.UDPEncap)
	if err != nil {
		return nil, err
	}
	packer, err := wire.NewPacker(tsdu)
	if err != nil {
		return nil, err
	}
	s := &Sender{
		cfg:         cfg,
		maxTSDU:     tsdu,
		overhead:    ipOverhead(cfg.UDPEncap),
		packer:      packer,
		window:      newTxWindow(windowSQNs(cfg.RateKbit, cfg.RecoveryIvl, cfg.MaxTPDU)),
		bucket:      newTokenBucket(int64(cfg.RateKbit)*1000/8, ipOverhead(cfg.UDPEncap), cfg.MaxTPDU, now),
		nextAmbient: now.Add(AmbientSPMInterval),
		heartbeat:   -1,
	}
	for range startSPMs {
		s.sendSPM(false)
	}
	return s, nil
}

// Stats returns the counters so far.
func (s *Sender) Stats() SenderStats { return s.stats }

// MaxTSDU is the largest APDU the Sender puts in one ODATA (libzmq's PGM_MSS).
func (s *Sender) MaxTSDU() int { return s.maxTSDU }

// Window returns the transmit window's trail and lead, as SPMs announce them.
func (s *Sender) Window() (trail, lead wire.SeqNo) { return s.window.trail, s.window.lead }

// Writable reports whether Send takes a message now.
func (s *Sender) Writable() bool { return !s.closed && len(s.backlog) < maxBacklog }

// Idle reports whether everything given to the Sender has gone out as ODATA and no
// repair is waiting: a publisher at the end of its input lingers until then, and then
// as long as it wants to answer NAKs (at most RECOVERY_IVL, beyond which the window has
// nothing to repair with anyway).
func (s *Sender) Idle() bool {
	return len(s.backlog) == 0 && !s.packer.Pending() && len(s.repairs) == 0
}

// Send lays one message (its frames) into APDUs. Full APDUs go out as ODATA as soon as
// the rate allows; the last, partial one waits for more messages or Flush, as libzmq
// fills each APDU while its pipe has messages. It returns ErrWouldBlock, taking nothing,
// when the backlog is full, and ErrClosed after Close.
func (s *Sender) Send(frames [][]byte, now time.Time) error {
	if s.closed {
		return ErrClosed
	}
	if !s.Writable() {
		return ErrWouldBlock
	}
	s.packer.AddMessage(frames, s.enqueue)
	s.sendODATA(now)
	return nil
}

// Flush sends the partial APDU, once the caller has no more messages for now.
func (s *Sender) Flush(now time.Time) {
	if s.closed {
		return
	}
	s.packer.Flush(s.enqueue)
	s.sendODATA(now)
}

// enqueue copies a finished APDU into the backlog.
func (s *Sender) enqueue(apdu []byte) {
	s.backlog = append(s.backlog, append(s.window.buffer(s.maxTSDU), apdu...))
}

// HandleDatagram takes one datagram's PGM bytes from the session's port. It acts on the
// NAKs and SPMRs for its TSI and ignores every other session's packets and every
// downstream packet; it returns the parse error of a malformed packet (counted and
// otherwise ignored).
func (s *Sender) HandleDatagram(b []byte, now time.Time) error {
	p := &s.in
	if err := p.Parse(b); err != nil {
		s.stats.Rejected++
		return err
	}
	if s.closed || !p.Type.Upstream() || p.TSI() != s.cfg.TSI || p.SourcePort != s.cfg.DestPort {
		return nil
	}
	switch p.Type {
	case wire.TypeNAK:
		s.onNAK(p, now)
	case wire.TypeSPMR:
		// Answered at most once per spmrAnswerInterval (see there).
		if s.lastSPMRAnswer.IsZero() || now.Sub(s.lastSPMRAnswer) >= spmrAnswerInterval {
			s.lastSPMRAnswer = now
			s.sendSPM(false)
		}
	}
	return nil
}

// onNAK does what OpenPGM's pgm_on_nak does: it drops a NAK whose NLAs are not the
// source's address and group, confirms every sequence number the NAK asks for with one
// NCF (in the window or not: OpenPGM confirms before it looks), and queues a repair for
// each one still in the window. A sequence number no longer in the window gets no RDATA:
// the receiver learns from the trail of the next SPM or data that it is gone.
func (s *Sender) onNAK(p *wire.Packet, now time.Time) {
	if p.SourceNLA.Unmap() != s.cfg.SourceNLA.Unmap() || p.GroupNLA.Unmap() != s.cfg.Group.Unmap() {
		s.stats.Rejected++
		return
	}
	ncf := s.packet(wire.TypeNCF)
	ncf.Seq, ncf.SourceNLA, ncf.GroupNLA = p.Seq, p.SourceNLA, p.GroupNLA
	ncf.Options.SetNAKList(p.Options.NAKList())
	s.emit(ncf)
	s.stats.NCF++
	s.queueRepair(p.Seq, now)
	for _, seq := range p.Options.NAKList() {
		s.queueRepair(seq, now)
	}
	s.sendRepairs(now)
}

func (s *Sender) queueRepair(seq wire.SeqNo, now time.Time) {
	s.stats.NAKed++
	if !s.window.contains(seq) {
		s.stats.NAKedOutsideWindow++
		return
	}
	slot := s.window.slot(seq)
	if slot.queued {
		return
	}
	slot.queued = true
	notBefore := now
	if !slot.repairedAt.IsZero() {
		notBefore = later(now, slot.repairedAt.Add(repairInterval))
	}
	s.repairs = append(s.repairs, repair{seq: seq, notBefore: notBefore})
}

// sendRepairs sends the RDATA that are due, with the current trail.
func (s *Sender) sendRepairs(now time.Time) {
	s.repairs = slices.DeleteFunc(s.repairs, func(r repair) bool {
		if !s.window.contains(r.seq) {
			return true // pushed out of the window while it waited
		}
		if r.notBefore.After(now) {
			return false
		}
		slot := s.window.slot(r.seq)
		slot.queued, slot.repairedAt = false, now
		rdata := s.packet(wire.TypeRDATA)
		rdata.Seq, rdata.Trail, rdata.TSDU = r.seq, s.window.trail, slot.apdu
		s.emit(rdata)
		s.stats.RDATA++
		return true
	})
}

// sendODATA sends the backlog's APDUs while the rate allows.
func (s *Sender) sendODATA(now time.Time) {
	for len(s.backlog) > 0 {
		apdu := s.backlog[0]
		if !s.bucket.take(s.odataLen(apdu), now) {
			return
		}
		s.backlog[0] = nil
		s.backlog = s.backlog[1:]
		seq := s.window.push(apdu)
		odata := s.packet(wire.TypeODATA)
		odata.Seq, odata.Trail, odata.TSDU = seq, s.window.trail, apdu
		n := s.emit(odata)
		s.stats.ODATA++
		s.stats.ODATABytes += uint64(n + s.overhead)
		// OpenPGM's reset_heartbeat_spm: the heartbeat schedule restarts after
		// every ODATA.
		s.heartbeat, s.nextHeartbeat = 1, now.Add(heartbeatSPMIntervals[0])
	}
	if len(s.backlog) == 0 {
		s.backlog = s.backlog[:0:0] // let the drained array go
	}
}

// odataLen is the PGM length of the ODATA that carries apdu (no options).
func (s *Sender) odataLen(apdu []byte) int { return wire.HeaderLen + 8 + len(apdu) }

// Tick runs the timers due at now (ODATA the rate now allows, deferred repairs,
// heartbeat and ambient SPMs) and returns when it wants to be called next.
func (s *Sender) Tick(now time.Time) time.Time {
	if s.closed {
		return time.Time{}
	}
	s.sendODATA(now)
	s.sendRepairs(now)
	// OpenPGM's timer: an ambient SPM when due, else a heartbeat.
	switch {
	case !now.Before(s.nextAmbient):
		s.sendSPM(false)
		s.nextAmbient = now.Add(AmbientSPMInterval)
	case s.heartbeat >= 0 && !now.Before(s.nextHeartbeat):
		s.sendSPM(false)
		if s.heartbeat < len(heartbeatSPMIntervals) {
			s.nextHeartbeat = now.Add(heartbeatSPMIntervals[s.heartbeat])
			s.heartbeat++
		} else {
			s.heartbeat = -1
		}
	}
	next := s.nextAmbient
	if s.heartbeat >= 0 {
		next = earlier(next, s.nextHeartbeat)
	}
	if len(s.backlog) > 0 {
		next = earlier(next, s.bucket.ready(s.odataLen(s.backlog[0]), now))
	}
	for _, r := range s.repairs {
		next = earlier(next, r.notBefore)
	}
	return next
}

// Close ends the session as pgm_close does: three SPMs with OPT_FIN. What is still in
// the backlog or the packer is dropped (libzmq's engine drops what OpenPGM has not
// taken); wait for Idle first to send it all. The Sender sends nothing after.
func (s *Sender) Close() {
	if s.closed {
		return
	}
	for range finSPMs {
		s.sendSPM(true)
	}
	s.closed = true
	s.backlog, s.repairs = nil, nil
}

func (s *Sender) sendSPM(fin bool) {
	spm := s.packet(wire.TypeSPM)
	spm.Seq, spm.Trail, spm.Lead, spm.SourceNLA = s.spmSeq, s.window.trail, s.window.lead, s.cfg.SourceNLA
	spm.Options.FIN = fin
	s.emit(spm)
	s.spmSeq++
	s.stats.SPM++
}

// packet returns the reusable outgoing packet, reset to a downstream packet of type t.
func (s *Sender) packet(t wire.Type) *wire.Packet {
	s.out = wire.Packet{Header: wire.Header{
		SourcePort: s.cfg.TSI.SourcePort, DestPort: s.cfg.DestPort, Type: t, GSI: s.cfg.TSI.GSI,
	}}
	return &s.out
}

// emit encodes p and sends it to the group, returning its length. The packets a Sender
// builds always encode: their fields come from the configuration, checked in
// NewSender, and from APDUs within the TSDU limit.
func (s *Sender) emit(p *wire.Packet) int {
	b, err := p.Append(s.buf[:0])
	if err != nil {
		panic("pgm session: encoding a " + p.Type.String() + ": " + err.Error())
	}
	s.buf = b
	s.cfg.Send(b, s.cfg.Group)
	return len(b)
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
