package session

import (
	"github.com/zeroplug/zeroplug/plugins/norm/internal/normtest"

	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/plugins/norm/internal/wire"
)

// testMessage is message i of a sender tagged tag (normtest.Message): frames
// of 9 to 3008 bytes, some longer than a segment; messages tagged libzmqTag
// keep to what libzmq 4.3.4's norm engine takes (normtest.LibzmqSpan).
func testMessage(tag byte, i int) [][]byte {
	span := 3000
	if tag == libzmqTag {
		span = normtest.LibzmqSpan
	}
	return normtest.Message(tag, i, span)
}

// libzmqTag tags the messages that a libzmq peer sends or checks.
const libzmqTag = 'L'

// parseTestMessage returns the tag and index of a delivered message and
// whether it is exactly what testMessage made.
func parseTestMessage(frames [][]byte) (byte, int, bool) {
	if len(frames) == 0 || len(frames[0]) < 9 {
		return 0, 0, false
	}
	tag, i := frames[0][0], int(binary.BigEndian.Uint64(frames[0][1:]))
	if i < 0 || i > 1<<30 {
		return tag, i, false
	}
	want := testMessage(tag, i)
	if len(want) != len(frames) {
		return tag, i, false
	}
	for j := range want {
		if !bytes.Equal(want[j], frames[j]) {
			return tag, i, false
		}
	}
	return tag, i, true
}

// harness is a simulated group of senders and receivers.
type harness struct {
	t   testing.TB
	net *simNet
	// got[receiver][tag] lists the indexes delivered, in order.
	got     map[*simNode]map[byte][]int
	bytes   map[*simNode]int // message bytes delivered
	corrupt int
}

func newHarness(t testing.TB, seed uint64) *harness {
	return &harness{t: t, net: newSimNet(seed), got: make(map[*simNode]map[byte][]int), bytes: make(map[*simNode]int)}
}

func seeded(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed+1)) }

// addSender adds a sender that writes count messages tagged tag, as fast
// as its buffer takes them, from start on.
func (h *harness) addSender(cfg Config, tag byte, count int) (*simNode, *int) {
	n := &simNode{name: fmt.Sprintf("sender %c", tag)}
	if cfg.Rand == nil {
		cfg.Rand = seeded(uint64(tag) * 1000)
	}
	s, err := NewSender(cfg, h.net.now, h.net.sendFunc(&n))
	if err != nil {
		h.t.Fatal(err)
	}
	n.sender = s
	written := new(int)
	n.before = func(now time.Time) {
		for *written < count {
			err := s.WriteMessage(testMessage(tag, *written), now)
			if errors.Is(err, ErrBufferFull) {
				return
			}
			if err != nil {
				h.t.Fatal(err)
			}
			*written++
		}
	}
	h.net.nodes = append(h.net.nodes, n)
	return n, written
}

// addReceiver adds a receiver with node ID id.
func (h *harness) addReceiver(id wire.NodeID, cfg Config) *simNode {
	n := &simNode{name: fmt.Sprintf("receiver %d", id)}
	cfg.NodeID = id
	if cfg.Rand == nil {
		cfg.Rand = seeded(uint64(id) * 7)
	}
	got := make(map[byte][]int)
	h.got[n] = got
	r, err := NewReceiver(cfg, h.net.sendFunc(&n), func(_ wire.NodeID, frames [][]byte) {
		tag, i, ok := parseTestMessage(frames)
		if !ok {
			h.corrupt++
			return
		}
		got[tag] = append(got[tag], i)
		for _, f := range frames {
			h.bytes[n] += len(f)
		}
	})
	if err != nil {
		h.t.Fatal(err)
	}
	n.receiver = r
	h.net.nodes = append(h.net.nodes, n)
	return n
}

// complete reports whether every receiver got count messages tagged tag.
func (h *harness) complete(tag byte, count int, receivers ...*simNode) bool {
	for _, r := range receivers {
		if len(h.got[r][tag]) < count {
			return false
		}
	}
	return true
}

// checkExactlyOnce fails unless r got messages 0..count-1 tagged tag,
// each once, in order, intact.
func (h *harness) checkExactlyOnce(r *simNode, tag byte, count int) {
	h.t.Helper()
	if h.corrupt > 0 {
		h.t.Errorf("%d messages delivered corrupt", h.corrupt)
	}
	got := h.got[r][tag]
	if len(got) != count {
		h.t.Errorf("%s: %d messages of %c, want %d (stats %+v)", r.name, len(got), tag, count, r.receiver.Stats())
	}
	for i, v := range got {
		if v != i {
			h.t.Errorf("%s: message %d of %c is %d", r.name, i, tag, v)
			return
		}
	}
}

// checkOrderedSubset fails unless what r got tagged tag is increasing
// (in order, none twice); it returns how many.
func (h *harness) checkOrderedSubset(r *simNode, tag byte) int {
	h.t.Helper()
	got := h.got[r][tag]
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			h.t.Errorf("%s: message %d after %d", r.name, got[i], got[i-1])
		}
	}
	return len(got)
}

// heldBytes is the memory a receiver holds for stream data: its blocks'
// segment buffers, its free lists and its partial messages.
func (r *Receiver) heldBytes() int {
	total := 0
	for _, rm := range r.remotes {
		for _, blk := range rm.blocks {
			for _, seg := range blk.segs {
				total += cap(seg)
			}
		}
		for _, seg := range rm.free {
			total += cap(seg)
		}
	}
	return total
}

func wireID(i int) wire.NodeID { return wire.NodeID(i) }
