package session

import (
	"time"

	"github.com/zeroplug/zeroplug/plugins/pgm/internal/wire"
)

// txWindow is the source's transmit window (RFC 3208 section 3.2): the APDUs of the last
// capacity ODATA, by sequence number, kept for repair. It starts empty as OpenPGM's does
// (trail 0, lead 0xFFFFFFFF, so the first ODATA is 0); when it is full, the next ODATA
// pushes the oldest out and the trail on. Its ring grows in powers of two as it fills,
// so that a large window (RATE 1 Gbit/s for 10 s is 833 333 packets) costs memory only
// once the traffic fills it.
type txWindow struct {
	slots    []txSlot // a ring indexed by sequence number modulo its length
	capacity int
	trail    wire.SeqNo
	lead     wire.SeqNo
	count    int
	free     [][]byte // buffers of APDUs that left the window, for new ones
}

type txSlot struct {
	apdu       []byte
	queued     bool      // a repair is queued for it
	repairedAt time.Time // its last RDATA, zero for never
}

const minTxSlots = 16

func newTxWindow(capacity int) txWindow {
	return txWindow{slots: make([]txSlot, min(capacity, minTxSlots)), capacity: capacity, trail: 0, lead: 0xFFFFFFFF}
}

// contains reports whether seq is still in the window.
func (w *txWindow) contains(seq wire.SeqNo) bool {
	return w.count > 0 && !seq.Before(w.trail) && !seq.After(w.lead)
}

func (w *txWindow) slot(seq wire.SeqNo) *txSlot { return &w.slots[uint32(seq)%uint32(len(w.slots))] }

// grow doubles the ring (up to what the capacity needs), keeping the slots held.
func (w *txWindow) grow() {
	size := len(w.slots) * 2
	if size >= w.capacity {
		size = w.capacity
	}
	grown := make([]txSlot, size)
	for i := range w.count {
		seq := w.trail + wire.SeqNo(i)
		grown[uint32(seq)%uint32(size)] = *w.slot(seq)
	}
	w.slots = grown
}

// push adds the APDU of the next ODATA, whose buffer the window now owns, and returns its
// sequence number.
func (w *txWindow) push(apdu []byte) wire.SeqNo {
	if w.count == len(w.slots) && len(w.slots) < w.capacity {
		w.grow()
	}
	if w.count == len(w.slots) {
		old := w.slot(w.trail)
		w.free = append(w.free, old.apdu[:0])
		*old = txSlot{}
		w.trail++
		w.count--
	}
	w.lead++
	w.count++
	*w.slot(w.lead) = txSlot{apdu: apdu}
	return w.lead
}

// buffer returns an empty buffer of at least n bytes' capacity, recycled when it can be.
func (w *txWindow) buffer(n int) []byte {
	if k := len(w.free); k > 0 {
		b := w.free[k-1]
		w.free = w.free[:k-1]
		if cap(b) >= n {
			return b
		}
	}
	return make([]byte, 0, n)
}
