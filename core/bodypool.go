package core

import (
	"math/bits"
	"sync"
	"unsafe"
)

// Received bodies of more than 512 bytes (smaller ones share a slab in the
// decoder) come from size-classed pools, powers of two from 1 KiB to 1 MiB,
// and go back when the receiver releases them (Msg.Release). Allocating a
// fresh buffer per message makes Go zero it and, with a small live heap,
// collect every few large messages and fault the pages back in: measured,
// that alone made a receiver 2x slower than libzmq at 64 KiB to 1 MiB.
// Released buffers sit in sync.Pools, which the collector empties when
// nobody takes them, so memory still goes back to the system when the
// traffic stops.
const (
	minBodyShift = 10 // 1 KiB
	maxBodyShift = 20 // 1 MiB, the decoder's largest trusted allocation
)

// bodyPools holds, per class, pointers to the first byte of free buffers
// of exactly that capacity: a pointer goes into an interface without an
// allocation, where a slice header would cost one per Put.
var bodyPools [maxBodyShift - minBodyShift + 1]sync.Pool

// bodyClass is the class of a buffer for n bytes, or -1 when n is out of
// the pooled range.
func bodyClass(n int) int {
	if n <= 0 || n > 1<<maxBodyShift {
		return -1
	}
	shift := max(bits.Len(uint(n-1)), minBodyShift)
	return shift - minBodyShift
}

// allocBody returns n bytes for a received body (the decoder's Alloc). The
// contents are whatever the last user left: the decoder overwrites them.
func allocBody(n int) []byte {
	c := bodyClass(n)
	if c < 0 {
		return make([]byte, n)
	}
	size := 1 << (c + minBodyShift)
	if p, ok := bodyPools[c].Get().(unsafe.Pointer); ok {
		return unsafe.Slice((*byte)(p), size)[:n]
	}
	return make([]byte, n, size)
}

// releaseBody hands b's memory to its class's pool. Only a capacity that is
// exactly a class size goes back: anything else (a slab's small body, a
// resliced frame) is left to the collector.
func releaseBody(b []byte) {
	size := cap(b)
	c := bodyClass(size)
	if c < 0 || size != 1<<(c+minBodyShift) {
		return
	}
	bodyPools[c].Put(unsafe.Pointer(unsafe.SliceData(b[:1])))
}
