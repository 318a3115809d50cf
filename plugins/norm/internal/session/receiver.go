package session

import (
	"time"

	"github.com/zeroplug/zeroplug/plugins/norm/internal/wire"
)

// DefaultMaxSenders bounds how many senders a Receiver tracks at once; a
// new one beyond it replaces the one heard from least recently. libnorm has
// no such bound; we keep one so that forged node IDs cannot grow memory.
const DefaultMaxSenders = 32

// DefaultMaxMessageSize caps a received message when Config.MaxMessageSize
// is 0. libzmq's default is no limit; a partial message grows with what a
// sender sends, so we keep one unless the user asks for none (negative).
const DefaultMaxMessageSize = 64 << 20

// Receiver is the receiving half of a NORM session: it follows every
// sender it hears on the group (by node ID; a new instance ID is a
// restarted sender), repairs their streams by NACK and FEC, answers their
// congestion-control probes, and hands up whole ZMQ messages in stream
// order.
type Receiver struct {
	cfg     Config
	send    func(pkt []byte)
	deliver func(from wire.NodeID, frames [][]byte)
	remotes map[wire.NodeID]*remote
	pkt     []byte
	stats   ReceiverStats
}

// ReceiverStats counts what a Receiver did, over every sender.
type ReceiverStats struct {
	Messages       int // delivered
	Segments       int // source segments received
	ParityHeard    int // parity segments received
	FECRecovered   int // source segments rebuilt from parity
	Duplicates     int // segments received twice or too late
	NacksSent      int
	NacksHeld      int // NACKs not sent: others asked, or the sender was repairing
	AcksSent       int // ACK(CC)
	Gaps           int // times a loss could not be repaired and the stream was rejoined
	StreamErrors   int // malformed framing inside a stream
	Malformed      int // packets that did not parse or did not fit the sender's stream
	SendersEvicted int // senders dropped to keep within MaxSenders
	SenderRestarts int // senders heard with a new instance ID
}

// NewReceiver returns a receiver with node ID cfg.NodeID. send gets each
// feedback packet (NACK, ACK) to multicast and must not keep it; deliver
// gets every message, as its frames, which are valid only during the call.
func NewReceiver(cfg Config, send func(pkt []byte), deliver func(from wire.NodeID, frames [][]byte)) (*Receiver, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if cfg.MaxMessageSize == 0 {
		cfg.MaxMessageSize = DefaultMaxMessageSize
	}
	return &Receiver{cfg: cfg, send: send, deliver: deliver, remotes: make(map[wire.NodeID]*remote)}, nil
}

// Stats returns what the receiver has done so far.
func (r *Receiver) Stats() ReceiverStats { return r.stats }

// Senders returns how many senders the receiver follows.
func (r *Receiver) Senders() int { return len(r.remotes) }

// HandlePacket takes one packet heard on the group. Malformed packets are
// counted and dropped.
func (r *Receiver) HandlePacket(pkt []byte, now time.Time) {
	h, err := wire.ParseHeader(pkt)
	if err != nil {
		r.stats.Malformed++
		return
	}
	switch h.Type {
	case wire.TypeData:
		var d wire.Data
		if err := d.Parse(pkt, 8); err != nil {
			r.stats.Malformed++
			return
		}
		if rm := r.remoteFor(h.SourceID, d.InstanceID, now); rm != nil {
			rm.heard(&d.SenderHeader, len(pkt), now)
			rm.data(&d, now)
		}
	case wire.TypeCmd:
		var c wire.Cmd
		if err := c.Parse(pkt, 8); err != nil {
			r.stats.Malformed++
			return
		}
		if rm := r.remoteFor(h.SourceID, c.InstanceID, now); rm != nil {
			rm.heard(&c.SenderHeader, len(pkt), now)
			rm.cmd(&c, now)
		}
	case wire.TypeNack:
		// Another receiver's NACK: it may answer our own losses.
		var n wire.Nack
		if err := n.Parse(pkt, 8); err != nil {
			r.stats.Malformed++
			return
		}
		if h.SourceID == r.cfg.NodeID {
			return
		}
		if rm := r.remotes[n.ServerID]; rm != nil && rm.instance == n.InstanceID {
			rm.otherNack(n.Requests)
			rm.otherFeedback(n.Extensions)
		}
	case wire.TypeAck:
		var a wire.Ack
		if err := a.Parse(pkt, 8); err != nil {
			r.stats.Malformed++
			return
		}
		if h.SourceID == r.cfg.NodeID {
			return
		}
		if rm := r.remotes[a.ServerID]; rm != nil && rm.instance == a.InstanceID {
			rm.otherFeedback(a.Extensions)
		}
	case wire.TypeInfo:
		// A stream object has no NORM_INFO; libzmq never sends one.
	default:
		r.stats.Malformed++
	}
}

// remoteFor returns the state of sender id, creating it for a new sender
// and replacing it for a new instance of a known one.
func (r *Receiver) remoteFor(id wire.NodeID, instance uint16, now time.Time) *remote {
	rm := r.remotes[id]
	if rm != nil && rm.instance == instance {
		return rm
	}
	if rm != nil {
		r.stats.SenderRestarts++
		rm.release()
	} else if len(r.remotes) >= r.maxSenders() {
		var oldest *remote
		for _, o := range r.remotes {
			if oldest == nil || o.lastHeard.Before(oldest.lastHeard) {
				oldest = o
			}
		}
		oldest.release()
		delete(r.remotes, oldest.id)
		r.stats.SendersEvicted++
	}
	rm = newRemote(r, id, instance, now)
	r.remotes[id] = rm
	return rm
}

func (r *Receiver) maxSenders() int { return DefaultMaxSenders }

// Advance runs the receiver's timers (NACK back-off and hold-off, CC
// feedback) at now and returns when it next needs to be called.
func (r *Receiver) Advance(now time.Time) time.Time {
	var next time.Time
	for _, rm := range r.remotes {
		next = earliest(next, rm.advance(now))
	}
	return next
}
