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
type queue struct {
	mu      sync.Mutex
	items   []msg // the producers' side
	count   int   // messages pushed and not yet credited by the consumer
	hwm     int   // the high-water mark; 0 means no limit
	idle    bool  // the consumer found the queue empty and waits for word
	blocked bool  // a producer found the queue full and waits for word

	// The consumer's batch, touched only by the consumer.
	batch []msg
	head  int

	// onReadable is called, outside the lock, when a push ends the
	// consumer's idleness; onWritable when a full queue gets room.
	onReadable func()
	onWritable func()
}

func newQueue(hwm int) *queue { return &queue{hwm: hwm, idle: true} }

// push appends m, or reports false when the queue is at its high-water
// mark; the producer then waits for onWritable and tries again.
func (q *queue) push(m msg) bool {
	q.mu.Lock()
	if q.hwm > 0 && q.count >= q.hwm {
		q.blocked = true
		q.mu.Unlock()
		return false
	}
	q.items = append(q.items, m)
	q.count++
	wake := q.idle
	q.idle = false
	q.mu.Unlock()
	if wake && q.onReadable != nil {
		q.onReadable()
	}
	return true
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
	q.items = append(q.items, ms[:n]...)
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
	if q.head < len(q.batch) || q.refill() {
		m := q.batch[q.head]
		q.batch[q.head] = msg{}
		q.head++
		return m, true
	}
	return msg{}, false
}

// ready reports whether pop would return a message (consumer only).
func (q *queue) ready() bool { return q.head < len(q.batch) || q.refill() }

// refill credits the batch the consumer has worked through and swaps in
// what the producers queued since.
func (q *queue) refill() bool {
	q.mu.Lock()
	q.count -= len(q.batch)
	wake := q.blocked && (q.hwm == 0 || q.count < q.hwm)
	if wake {
		q.blocked = false
	}
	q.batch = q.batch[:0]
	q.head = 0
	got := len(q.items) > 0
	if got {
		q.batch, q.items = q.items, q.batch
	} else {
		q.idle = true
	}
	q.mu.Unlock()
	if wake && q.onWritable != nil {
		q.onWritable()
	}
	return got
}

// popAll hands the consumer everything queued, reusing dst's storage for
// the producers' next batch; dst must have been cleared by the caller.
func (q *queue) popAll(dst []msg) []msg {
	q.mu.Lock()
	if len(q.items) == 0 {
		q.idle = true
		q.mu.Unlock()
		return dst[:0]
	}
	out := q.items
	q.items = dst[:0]
	q.count -= len(out)
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

// full reports whether a push would fail now.
func (q *queue) full() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.hwm > 0 && q.count >= q.hwm
}

// empty reports whether nothing waits in the producers' side (the
// consumer's batch aside); for linger, which waits on the writer's queue.
func (q *queue) empty() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items) == 0
}

// remove drops the queued messages for which drop says so (consumer's
// batch aside), and gives their credit back.
func (q *queue) remove(drop func(*msg) bool) {
	q.mu.Lock()
	kept := q.items[:0]
	for i := range q.items {
		if !drop(&q.items[i]) {
			kept = append(kept, q.items[i])
		}
	}
	clear(q.items[len(kept):])
	q.count -= len(q.items) - len(kept)
	q.items = kept
	q.mu.Unlock()
}
