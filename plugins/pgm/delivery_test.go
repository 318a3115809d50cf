package pgm

import (
	"testing"
)

// TestDeliveryQueue: the queue counts the bytes it holds, says it is full at
// deliveryLimit (the session loop then stops reading the group), signals room once
// the writer has written below it, and ends the writer after its last items.
func TestDeliveryQueue(t *testing.T) {
	q := newDeliveryQueue()
	big := make([]byte, 1<<20)
	for range deliveryLimit >> 20 {
		if q.full() {
			t.Fatal("full before the limit")
		}
		q.push(outgoing{frames: [][]byte{big}})
	}
	if !q.full() {
		t.Fatalf("not full at %d bytes", q.bytes)
	}
	items, ok := q.take(nil)
	if !ok || len(items) != deliveryLimit>>20 {
		t.Fatalf("take: %d items, %v", len(items), ok)
	}
	select {
	case <-q.space:
		t.Fatal("room signalled before the writer wrote")
	default:
	}
	q.done(len(big) * len(items))
	select {
	case <-q.space:
	default:
		t.Fatal("no room signalled after the writer wrote")
	}
	if q.full() {
		t.Fatal("still full after the writer wrote")
	}
	q.push(outgoing{command: "PONG", body: []byte("x")})
	q.close()
	q.push(outgoing{frames: [][]byte{big}}) // after close: dropped
	if items, ok := q.take(nil); !ok || len(items) != 1 || items[0].command != "PONG" {
		t.Fatalf("after close: %v %v, want the PONG queued before", items, ok)
	}
	if _, ok := q.take(nil); ok {
		t.Fatal("the writer is not ended once the closed queue is drained")
	}
}

// TestCloneMessage: the frames are copied, whole and apart, into one allocation.
func TestCloneMessage(t *testing.T) {
	a, b := []byte("topic"), []byte("body")
	c := cloneMessage([][]byte{a, b, nil})
	a[0], b[0] = 'X', 'X'
	if string(c[0]) != "topic" || string(c[1]) != "body" || len(c[2]) != 0 {
		t.Fatalf("clone: %q", c)
	}
	c[0] = append(c[0], '!') // must not run into the next frame
	if string(c[1]) != "body" {
		t.Fatalf("frames overlap: %q", c)
	}
}
