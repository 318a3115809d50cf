package core

import "sync"

// queue is a bounded message queue with one consumer and any number of
// producers: between a socket's Send and an engine's writer, or between an
// engine's reader (or an inproc peer) and a socket's Recv.
//
// It is libzmq's ypipe idea in Go: the consumer takes everything queued in
// one swap under the lock and then works through its batch without locking,
// and each side wakes the other only on the transitions that matter (empty
// to not empty, full to not full), never once per message.
//
// Messages are kept in segments of at most segLen. A producer running far
// ahead of its consumer (a high-water mark of 0) fills segment after
// segment instead of growing one slice, so a deep backlog is never copied,
// and emptied segments come back for reuse.
type queue struct {
	mu      sync.Mutex
	filled  [][]msg // filled segments, oldest first: the producers' side
	items   []msg   // the segment being filled
	spare   [][]msg // emptied segments, for the producers to reuse
	count   int     // messages pushed and not yet credited by the consumer
	hwm     int     // the high-water mark; 0 means no limit
	idle    bool    // the consumer found the queue empty and waits for word
	blocked bool    // a producer found the queue full and waits for word

	// The consumer's side, touched only by the consumer: the segment it
	// reads, the segments it took with it, the ones it has read (given
	// back at the next refill), and how many messages it has taken since.
	batch   []msg
	head    int
	pending [][]msg
	used    [][]msg
	taken   int

	// onReadable is called, outside the lock, when a push ends the
	// consumer's idleness; onWritable when a full queue gets room.
	onReadable func()
	onWritable func()
}

const (
	segLen   = 1024 // messages in a segment set aside by a producer
	maxSpare = 4    // emptied segments a queue keeps for reuse
)

func newQueue(hwm int) *queue { return &queue{hwm: hwm, idle: true} }

// add appends one message to the producers' side; q.mu is held.
func (q *queue) add(m msg) {
	if len(q.items) == segLen {
		// A backlog: its next segment will fill too, so it starts at
		// full size rather than growing by doubling.
		q.filled = append(q.filled, q.items)
		if q.items = q.takeSpare(); q.items == nil {
			q.items = make([]msg, 0, segLen)
		}
	}
	q.items = append(q.items, m)
}

func (q *queue) takeSpare() []msg {
	if n := len(q.spare); n > 0 {
		s := q.spare[n-1]
		q.spare[n-1] = nil
		q.spare = q.spare[:n-1]
		return s
	}
	return nil
}

// giveBack keeps an emptied (cleared) segment for reuse; q.mu is held.
func (q *queue) giveBack(s []msg) {
	if cap(s) > 0 && len(q.spare) < maxSpare {
		q.spare = append(q.spare, s[:0])
	}
}

// push appends m, or reports false when the queue is at its high-water
// mark; the producer then waits for onWritable and tries again.
func (q *queue) push(m msg) bool {
	q.mu.Lock()
	if q.hwm > 0 && q.count >= q.hwm {
		q.blocked = true
		q.mu.Unlock()
		return false
	}
	q.appendUnlock(m)
	return true
}

// appendUnlock appends m with q.mu held, unlocks, and wakes a consumer
// that found the queue empty.
func (q *queue) appendUnlock(m msg) {
	q.add(m)
	q.count++
	wake := q.idle
	q.idle = false
	q.mu.Unlock()
	if wake && q.onReadable != nil {
		q.onReadable()
	}
}

// claim reports whether the queue holds fewer than limit messages (0: no
// limit), for a producer that then appends with pushOver (XPUB's inbox,
// whose producer must know there is room before it acts on a message, and
// whose limit is the socket's current RCVHWM). When there is no room the
// producer gets onWritable once the consumer has taken some.
func (q *queue) claim(limit int) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if limit > 0 && q.count >= limit {
		q.blocked = true
		return false
	}
	return true
}

// pushOver appends m whatever the high-water mark: after a claim, or for
// what the socket itself must not lose (the cancellations of a departed
// peer's subscriptions).
func (q *queue) pushOver(m msg) {
	q.mu.Lock()
	q.appendUnlock(m)
}

// pushSome appends as many of ms as fit and returns how many did.
func (q *queue) pushSome(ms []msg) int {
	q.mu.Lock()
	n := len(ms)
	if q.hwm > 0 && q.count+n > q.hwm {
		n = max(q.hwm-q.count, 0)
		q.blocked = true
	}
	if n == 0 {
		q.mu.Unlock()
		return 0
	}
	for i := range ms[:n] {
		q.add(ms[i])
	}
	q.count += n
	wake := q.idle
	q.idle = false
	q.mu.Unlock()
	if wake && q.onReadable != nil {
		q.onReadable()
	}
	return n
}

// pop takes the next message (consumer only). When it reports false the
// queue is empty and onReadable will be called after the next push.
func (q *queue) pop() (msg, bool) {
	if q.head < len(q.batch) || q.next() {
		m := q.batch[q.head]
		q.batch[q.head] = msg{}
		q.head++
		q.taken++
		// Under a high-water mark the producer gets its room back every
		// half mark read, and when the consumer has read all it took
		// (libzmq's reader does the same with its low-water mark), not
		// only when the consumer next comes back for more.
		if q.hwm > 0 && (2*q.taken >= q.hwm || q.head == len(q.batch) && len(q.pending) == 0) {
			q.credit()
		}
		return m, true
	}
	return msg{}, false
}

// credit gives the producers the room of what the consumer has taken.
func (q *queue) credit() {
	q.mu.Lock()
	q.count -= q.taken
	q.taken = 0
	wake := q.blocked && q.count < q.hwm
	if wake {
		q.blocked = false
	}
	q.mu.Unlock()
	if wake && q.onWritable != nil {
		q.onWritable()
	}
}

// holds reports whether the consumer has a message in hand, taken by its
// last refill: pop returns it without a lock (consumer only).
func (q *queue) holds() bool { return q.head < len(q.batch) }

// ready reports whether pop would return a message (consumer only).
func (q *queue) ready() bool { return q.head < len(q.batch) || q.next() }

// next moves the consumer to its next segment, refilling from the
// producers' side when it has none left.
func (q *queue) next() bool {
	if q.batch != nil {
		q.used = append(q.used, q.batch)
		q.batch, q.head = nil, 0
	}
	for len(q.pending) > 0 {
		q.batch = q.pending[0]
		q.pending[0] = nil
		q.pending = q.pending[1:]
		if len(q.batch) > 0 {
			return true
		}
	}
	return q.refill()
}

// refill credits what the consumer has taken, gives back the segments it
// has read, and takes every segment the producers filled since.
func (q *queue) refill() bool {
	q.mu.Lock()
	q.count -= q.taken
	q.taken = 0
	wake := q.blocked && (q.hwm == 0 || q.count < q.hwm)
	if wake {
		q.blocked = false
	}
	for i, s := range q.used {
		q.giveBack(s)
		q.used[i] = nil
	}
	q.used = q.used[:0]
	got := len(q.items) > 0 || len(q.filled) > 0
	if got {
		q.pending = append(q.pending[:0], q.filled...)
		clear(q.filled)
		q.filled = q.filled[:0]
		if len(q.items) > 0 {
			q.pending = append(q.pending, q.items)
			q.items = q.takeSpare()
		}
		q.batch = q.pending[0]
		q.pending[0] = nil
		q.pending = q.pending[1:]
	} else {
		q.idle = true
	}
	q.mu.Unlock()
	if wake && q.onWritable != nil {
		q.onWritable()
	}
	return got
}

// popAll hands the writer every segment queued. done are the segments
// the last popAll returned, which the writer has worked through and
// cleared: they are taken back for reuse.
func (q *queue) popAll(done [][]msg) [][]msg {
	q.mu.Lock()
	for i, s := range done {
		q.giveBack(s)
		done[i] = nil
	}
	out := append(done[:0], q.filled...)
	clear(q.filled)
	q.filled = q.filled[:0]
	if len(q.items) > 0 {
		out = append(out, q.items)
		q.items = q.takeSpare()
	}
	n := 0
	for _, s := range out {
		n += len(s)
	}
	if n == 0 {
		q.idle = true
	}
	q.count -= n
	wake := q.blocked && (q.hwm == 0 || q.count < q.hwm)
	if wake {
		q.blocked = false
	}
	q.mu.Unlock()
	if wake && q.onWritable != nil {
		q.onWritable()
	}
	return out
}

// full reports whether a push would fail now. When it would, the queue
// counts itself blocked, as a failed push does, so that a producer that
// waits on full instead of on a push (XPUB_NODROP) gets onWritable too.
func (q *queue) full() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	full := q.hwm > 0 && q.count >= q.hwm
	if full {
		q.blocked = true
	}
	return full
}

// empty reports whether nothing waits in the producers' side (the
// consumer's batch aside); for linger, which waits on the writer's queue.
func (q *queue) empty() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items) == 0 && len(q.filled) == 0
}

// remove drops the queued messages for which drop says so (consumer's
// batch aside), and gives their credit back.
func (q *queue) remove(drop func(*msg) bool) {
	q.mu.Lock()
	filter := func(s []msg) []msg {
		kept := s[:0]
		for i := range s {
			if !drop(&s[i]) {
				kept = append(kept, s[i])
			}
		}
		clear(s[len(kept):])
		q.count -= len(s) - len(kept)
		return kept
	}
	for i := range q.filled {
		q.filled[i] = filter(q.filled[i])
	}
	q.items = filter(q.items)
	q.mu.Unlock()
}
