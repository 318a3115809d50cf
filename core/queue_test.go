package core

import (
	"encoding/binary"
	"testing"
)

func numbered(i int) msg { return msg{body: binary.BigEndian.AppendUint32(nil, uint32(i))} }
func number(m msg) int   { return int(binary.BigEndian.Uint32(m.body)) }

// TestQueueOrderAcrossSegments: messages come out in the order they went
// in, however many segments a backlog spans, through pop and popAll.
func TestQueueOrderAcrossSegments(t *testing.T) {
	for _, n := range []int{0, 1, segLen - 1, segLen, segLen + 1, 5*segLen + 7} {
		q := newQueue(0)
		for i := 0; i < n; i++ {
			q.push(numbered(i))
		}
		for i := 0; i < n; i++ {
			m, ok := q.pop()
			if !ok || number(m) != i {
				t.Fatalf("n=%d: pop %d gave %v, %v", n, i, m.body, ok)
			}
		}
		if _, ok := q.pop(); ok {
			t.Fatalf("n=%d: a message after the last", n)
		}
		q2 := newQueue(0)
		for i := 0; i < n; i++ {
			q2.push(numbered(i))
		}
		i := 0
		for _, seg := range q2.popAll(nil) {
			for _, m := range seg {
				if number(m) != i {
					t.Fatalf("n=%d: popAll gave %d at %d", n, number(m), i)
				}
				i++
			}
		}
		if i != n {
			t.Fatalf("n=%d: popAll gave %d messages", n, i)
		}
	}
}

// TestQueueHighWaterMark: a full queue refuses, and gets room (with word
// to the producer) once the consumer has taken messages and come back.
func TestQueueHighWaterMark(t *testing.T) {
	q := newQueue(3)
	woken := 0
	q.onWritable = func() { woken++ }
	for i := 0; i < 3; i++ {
		if !q.push(numbered(i)) {
			t.Fatalf("push %d refused below the mark", i)
		}
	}
	if q.push(numbered(3)) {
		t.Fatal("push past the mark accepted")
	}
	for i := 0; i < 3; i++ {
		q.pop()
	}
	q.pop() // comes back empty-handed: credits the three it took
	if woken != 1 || q.full() {
		t.Fatalf("woken %d times, full %v; want 1, false", woken, q.full())
	}
	if !q.push(numbered(3)) {
		t.Fatal("push refused after the consumer made room")
	}
}

// TestQueueReusesSegments: a backlog's segments come back for reuse, so a
// producer far ahead of its consumer does not allocate per segment.
func TestQueueReusesSegments(t *testing.T) {
	q := newQueue(0)
	var segs [][]msg
	m := numbered(1)
	fill := func() {
		for i := 0; i < 3*segLen; i++ {
			q.push(m)
		}
		segs = q.popAll(segs)
		for _, s := range segs {
			clear(s)
		}
	}
	fill()
	if allocs := testing.AllocsPerRun(10, fill); allocs > 2 {
		t.Errorf("%v allocations a round, want the segments reused", allocs)
	}
}

// TestQueueRemoveAcrossSegments keeps what remove does not drop, in order,
// and gives back the credit of what it drops.
func TestQueueRemoveAcrossSegments(t *testing.T) {
	q := newQueue(0)
	for i := 0; i < 3*segLen; i++ {
		q.push(numbered(i))
	}
	q.remove(func(m *msg) bool { return number(*m)%2 == 1 })
	if q.count != 3*segLen/2 {
		t.Fatalf("count %d after remove, want %d", q.count, 3*segLen/2)
	}
	for i := 0; i < 3*segLen; i += 2 {
		if m, ok := q.pop(); !ok || number(m) != i {
			t.Fatalf("want %d, got %v %v", i, m.body, ok)
		}
	}
}
