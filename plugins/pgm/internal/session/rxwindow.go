package session

import (
	"time"

	"github.com/zeroplug/zeroplug/plugins/pgm/internal/wire"
)

// rxState is where one sequence number of the receive window stands (RFC 3208 section
// 5.3, OpenPGM's rxw states).
type rxState uint8

const (
	rxBackoff  rxState = iota // missing: waiting a random back-off before NAKing
	rxWaitNCF                 // missing: NAKed, waiting for the NCF
	rxWaitData                // missing: confirmed (NCF), waiting for the RDATA
	rxHave                    // received, waiting for the ones before it
	rxLost                    // missing for good: delivery resets the stream here
)

type rxSlot struct {
	state       rxState
	deadline    time.Time // of the back-off or wait state
	ncfRetries  int
	dataRetries int
	data        []byte // the TSDU, when rxHave
}

// rxWindow is a receiver's window of one source: every sequence number from next, the
// oldest not yet delivered, to lead, the highest known to exist. Its slots are a ring
// that grows in powers of two as the span does, up to max sequence numbers (libzmq's
// RXW_SQNS); a packet further ahead pushes the window on, declaring what it passes lost.
type rxWindow struct {
	defined bool
	next    wire.SeqNo
	lead    wire.SeqNo // next-1 when nothing is pending
	slots   []rxSlot
	max     int
}

const minRxSlots = 16

func (w *rxWindow) define(start wire.SeqNo) {
	w.defined, w.next, w.lead = true, start, start-1
}

// span is how many sequence numbers the window holds (none before it is defined).
func (w *rxWindow) span() int {
	if !w.defined {
		return 0
	}
	return int(uint32(w.lead - w.next + 1))
}

// contains reports whether seq is in [next, lead].
func (w *rxWindow) contains(seq wire.SeqNo) bool {
	return w.span() > 0 && !seq.Before(w.next) && !seq.After(w.lead)
}

func (w *rxWindow) slot(seq wire.SeqNo) *rxSlot {
	return &w.slots[uint32(seq)&uint32(len(w.slots)-1)]
}

// reserve makes room for a span of n slots (n <= max), keeping the ones held.
func (w *rxWindow) reserve(n int) {
	if n <= len(w.slots) {
		return
	}
	size := max(minRxSlots, len(w.slots))
	for size < n {
		size *= 2
	}
	grown := make([]rxSlot, size)
	for i, span := 0, w.span(); i < span; i++ {
		seq := w.next + wire.SeqNo(i)
		grown[uint32(seq)&uint32(size-1)] = *w.slot(seq)
	}
	w.slots = grown
}

// shrink lets a large ring go once the window is empty, so that one burst of loss does
// not pin its memory.
func (w *rxWindow) shrink() {
	if w.span() == 0 && len(w.slots) > minRxSlots*16 {
		w.slots = nil
	}
}
