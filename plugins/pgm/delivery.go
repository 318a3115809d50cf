package pgm

import "sync"

// deliveryLimit is how many bytes of messages heard on the group may wait for the
// core to read them. Past it the session loop stops reading the group's socket, as a
// libzmq receiver whose SUB pipe is full stops polling OpenPGM's: the socket's buffer
// (RCVBUF) fills and the kernel drops, and what is dropped is repaired by NAK while
// the source's window (RECOVERY_IVL) still holds it, or else declared lost, the
// source's stream resuming at its next whole message. The queue can exceed the limit
// by what one datagram or one timer releases from a receive window, itself bounded by
// RATE x RECOVERY_IVL.
const deliveryLimit = 4 << 20

// outgoing is one item for the core: a message, or a command (a PONG).
type outgoing struct {
	frames  [][]byte
	command string
	body    []byte
}

// deliveryQueue carries items from the session loop to the stream writer.
type deliveryQueue struct {
	mu     sync.Mutex
	items  []outgoing
	bytes  int
	closed bool
	wake   chan struct{} // the writer's: there are items
	space  chan struct{} // the loop's: the queue fell below the limit
}

func newDeliveryQueue() *deliveryQueue {
	return &deliveryQueue{wake: make(chan struct{}, 1), space: make(chan struct{}, 1)}
}

// push adds an item; it never blocks (see deliveryLimit for the bound).
func (q *deliveryQueue) push(it outgoing) {
	n := len(it.body)
	for _, f := range it.frames {
		n += len(f)
	}
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	q.items = append(q.items, it)
	q.bytes += n
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// full reports whether the queue holds deliveryLimit bytes or more.
func (q *deliveryQueue) full() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.bytes >= deliveryLimit
}

// take returns every item waiting, swapping in spare (emptied) for the next ones, and
// false once the queue is closed and drained.
func (q *deliveryQueue) take(spare []outgoing) ([]outgoing, bool) {
	for {
		q.mu.Lock()
		if len(q.items) > 0 {
			items := q.items
			q.items = spare[:0]
			q.mu.Unlock()
			return items, true
		}
		closed := q.closed
		q.mu.Unlock()
		if closed {
			return nil, false
		}
		<-q.wake
	}
}

// done says the writer has written n bytes of taken items.
func (q *deliveryQueue) done(n int) {
	q.mu.Lock()
	q.bytes -= n
	below := q.bytes < deliveryLimit
	q.mu.Unlock()
	if below {
		select {
		case q.space <- struct{}{}:
		default:
		}
	}
}

// close ends the writer once it has written what is queued.
func (q *deliveryQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}
