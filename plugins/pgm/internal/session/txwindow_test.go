package session

import (
	"fmt"
	"testing"

	"github.com/zeroplug/zeroplug/plugins/pgm/internal/wire"
)

// TestTxWindow: the window keeps exactly the last capacity APDUs, each under its
// sequence number, while its ring grows from 16 slots to the capacity; the trail follows.
func TestTxWindow(t *testing.T) {
	for _, capacity := range []int{1, 16, 80, 1000} {
		t.Run(fmt.Sprint(capacity), func(t *testing.T) {
			w := newTxWindow(capacity)
			if w.contains(0) {
				t.Fatal("an empty window holds 0")
			}
			const n = 2500
			for i := range n {
				apdu := append(w.buffer(8), fmt.Sprint(i)...)
				if seq := w.push(apdu); seq != wire.SeqNo(i) {
					t.Fatalf("push %d got sequence number %d", i, seq)
				}
				if len(w.slots) > capacity {
					t.Fatalf("%d slots for a capacity of %d", len(w.slots), capacity)
				}
			}
			if want := wire.SeqNo(n - capacity); w.trail != want || w.lead != n-1 {
				t.Fatalf("trail %d lead %d, want %d and %d", w.trail, w.lead, want, n-1)
			}
			for i := range n {
				seq := wire.SeqNo(i)
				in := i >= n-capacity
				if w.contains(seq) != in {
					t.Fatalf("contains(%d) = %v, want %v", i, !in, in)
				}
				if in && string(w.slot(seq).apdu) != fmt.Sprint(i) {
					t.Fatalf("slot %d holds %q", i, w.slot(seq).apdu)
				}
			}
		})
	}
}
