package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
)

// packAll lays msgs into APDUs of at most maxTSDU bytes and flushes.
func packAll(t testing.TB, maxTSDU int, msgs [][][]byte) [][]byte {
	t.Helper()
	p, err := NewPacker(maxTSDU)
	if err != nil {
		t.Fatal(err)
	}
	var apdus [][]byte
	emit := func(apdu []byte) {
		if len(apdu) > maxTSDU {
			t.Fatalf("APDU of %d bytes, beyond %d", len(apdu), maxTSDU)
		}
		apdus = append(apdus, bytes.Clone(apdu))
	}
	for _, m := range msgs {
		p.AddMessage(m, emit)
	}
	p.Flush(emit)
	if p.Pending() {
		t.Fatal("Pending after Flush")
	}
	return apdus
}

// unpackAll feeds apdus to a new Unpacker and returns the messages it delivered.
func unpackAll(t testing.TB, apdus [][]byte) [][][]byte {
	t.Helper()
	u := NewUnpacker(-1)
	var got [][][]byte
	for i, a := range apdus {
		if err := u.Feed(a, func(msg [][]byte) { got = append(got, cloneMessage(msg)) }); err != nil {
			t.Fatalf("APDU %d: %v", i, err)
		}
	}
	return got
}

func testMessages() [][][]byte {
	return [][][]byte{
		{[]byte("topic"), []byte("body")},
		{{}},
		{[]byte("a"), {}, []byte("c")},
		{bytes.Repeat([]byte{0xAB}, 253)}, // size 254: the largest short frame
		{bytes.Repeat([]byte{0xCD}, 254)}, // size 255: the smallest long frame
		{bytes.Repeat([]byte("xyz"), 3000)},
		{[]byte("last")},
	}
}

// TestPackUnpackRoundTrip: at every APDU size, from the smallest to libzmq's, messages
// come out as they went in, frame boundaries, empty frames and long frames included.
func TestPackUnpackRoundTrip(t *testing.T) {
	msgs := testMessages()
	for _, size := range []int{3, 4, 11, 12, 100, 1428, 1436, 0xFFFF} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			got := unpackAll(t, packAll(t, size, msgs))
			if !equalMessages(got, msgs) {
				t.Fatalf("got %d messages, want %d: %.300q", len(got), len(msgs), got)
			}
		})
	}
}

// TestPackerOffsets: the offset is where the first message (not continuation frame)
// begins in the APDU, 0xFFFF where none does, and a message that ends on an APDU's end
// makes the next message start at offset 0 of the next APDU.
func TestPackerOffsets(t *testing.T) {
	// libzmq's observed ODATA: "00 00 06 01 topic 06 00 msg-0".
	if got := packAll(t, 1428, [][][]byte{{[]byte("topic"), []byte("msg-0")}}); len(got) != 1 ||
		!bytes.Equal(got[0], []byte("\x00\x00\x06\x01topic\x06\x00msg-0")) {
		t.Fatalf("APDU % x", got)
	}
	// A 10-byte APDU holds 8 stream bytes; "abcdef" is 8 bytes framed, so the second
	// message starts at offset 0 of the second APDU, the third message in it too (after
	// the first), and only the third message's tail is in the last APDU.
	apdus := packAll(t, 10, [][][]byte{{[]byte("abcdef")}, {[]byte("gh")}, {[]byte("0123456789")}})
	var offsets []uint16
	for _, a := range apdus {
		offsets = append(offsets, binary.BigEndian.Uint16(a))
	}
	want := []uint16{0, 0, 0xFFFF}
	if fmt.Sprint(offsets) != fmt.Sprint(want) {
		t.Fatalf("offsets %v, want %v (APDUs % x)", offsets, want, apdus)
	}
	// A continuation frame is not a message start.
	apdus = packAll(t, 8, [][][]byte{{[]byte("abcdef"), []byte("gh")}})
	if off := binary.BigEndian.Uint16(apdus[1]); off != 0xFFFF {
		t.Fatalf("offset %#x in the APDU where only a continuation frame begins", off)
	}
}

// TestUnpackerLateJoin: a receiver whose first APDU is in the middle of the stream skips
// what comes before the first message start, and APDUs with none, and delivers only whole
// messages from there (pgm_receiver.cpp).
func TestUnpackerLateJoin(t *testing.T) {
	msgs := testMessages()
	apdus := packAll(t, 100, msgs)
	for from := range apdus {
		got := unpackAll(t, apdus[from:])
		// Whatever it joined at, it got a suffix of the messages, whole.
		if len(got) == 0 && from < len(apdus)-1 {
			t.Fatalf("joining at APDU %d of %d gave nothing", from, len(apdus))
		}
		if !equalMessages(got, msgs[len(msgs)-len(got):]) {
			t.Fatalf("joining at APDU %d: got %.200q", from, got)
		}
	}
}

// TestUnpackerOffsetAtEnd: libzmq may send an offset equal to the data length when a
// message ends the APDU (observed: TSDU 167, offset 165); the join then starts at the next
// APDU's first byte.
func TestUnpackerOffsetAtEnd(t *testing.T) {
	u := NewUnpacker(-1)
	var got [][][]byte
	deliver := func(m [][]byte) { got = append(got, cloneMessage(m)) }
	if err := u.Feed([]byte("\x00\x03\x02\x00x"), deliver); err != nil || !u.Joined() || len(got) != 0 {
		t.Fatalf("Feed = %v, joined %v, %q", err, u.Joined(), got)
	}
	if err := u.Feed([]byte("\xff\xff\x02\x00y"), deliver); err != nil || !equalMessages(got, [][][]byte{{[]byte("y")}}) {
		t.Fatalf("Feed = %v, %q", err, got)
	}
}

// TestUnpackerResetRejoins: after Reset (data loss) the partial message is gone and the
// next message start rejoins.
func TestUnpackerResetRejoins(t *testing.T) {
	msgs := [][][]byte{{bytes.Repeat([]byte("a"), 50)}, {[]byte("b")}, {bytes.Repeat([]byte("c"), 50)}, {[]byte("d")}}
	apdus := packAll(t, 20, msgs)
	u := NewUnpacker(-1)
	var got [][][]byte
	deliver := func(m [][]byte) { got = append(got, cloneMessage(m)) }
	for i, a := range apdus {
		if i == 1 { // lose the middle of the first message
			u.Reset()
			continue
		}
		if err := u.Feed(a, deliver); err != nil {
			t.Fatal(err)
		}
	}
	if !equalMessages(got, msgs[1:]) {
		t.Fatalf("got %q, want the messages after the loss", got)
	}
}

func TestUnpackerRejects(t *testing.T) {
	for _, tc := range []struct {
		name  string
		limit int64
		apdu  []byte
		want  error
	}{
		{"no offset", -1, []byte{0}, ErrTruncated},
		{"offset beyond the APDU", -1, []byte{0, 3, 1, 0}, ErrMalformed},
		{"frame of size 0", -1, []byte{0, 0, 0}, ErrMalformed},
		{"long frame of size 0", -1, []byte{0, 0, 0xff, 0, 0, 0, 0, 0, 0, 0, 0}, ErrMalformed},
		{"frame beyond the limit", 4, []byte{0, 0, 6, 0}, ErrTooLarge},
		{"message beyond the limit", 4, []byte{0, 0, 3, 1, 'a', 'b', 4, 0}, ErrTooLarge},
		{"too many frames", 2, []byte{0, 0, 1, 1, 1, 1, 1, 1, 1, 0}, ErrTooLarge},
		{"announced size beyond memory", -1, []byte{0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := NewUnpacker(tc.limit)
			delivered := false
			err := u.Feed(tc.apdu, func([][]byte) { delivered = true })
			if !errors.Is(err, tc.want) || delivered || u.Joined() {
				t.Fatalf("Feed = %v (delivered %v, joined %v), want %v", err, delivered, u.Joined(), tc.want)
			}
			// It rejoins at the next message start.
			var got [][][]byte
			if err := u.Feed([]byte{0, 0, 2, 0, 'z'}, func(m [][]byte) { got = append(got, cloneMessage(m)) }); err != nil ||
				!equalMessages(got, [][][]byte{{[]byte("z")}}) {
				t.Fatalf("after the error: %v, %q", err, got)
			}
		})
	}
	t.Run("message at the limit", func(t *testing.T) {
		u := NewUnpacker(3)
		n := 0
		if err := u.Feed([]byte{0, 0, 2, 1, 'a', 3, 0, 'b', 'c'}, func([][]byte) { n++ }); err != nil || n != 1 {
			t.Fatalf("Feed = %v, %d messages", err, n)
		}
	})
}

// TestUnpackerSteadyStateAllocatesNothing: once its buffers have grown, the Unpacker
// decodes without allocating.
func TestUnpackerSteadyStateAllocatesNothing(t *testing.T) {
	apdus := packAll(t, 1428, [][][]byte{{[]byte("topic"), []byte("msg")}, {bytes.Repeat([]byte("x"), 3000)}})
	u := NewUnpacker(-1)
	deliver := func([][]byte) {}
	allocs := testing.AllocsPerRun(100, func() {
		for _, a := range apdus {
			if err := u.Feed(a, deliver); err != nil {
				t.Fatal(err)
			}
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per round, want 0", allocs)
	}
}

func TestNewPackerRejectsSizes(t *testing.T) {
	for _, n := range []int{-1, 0, 2, 0x10000} {
		if _, err := NewPacker(n); !errors.Is(err, ErrTooLarge) {
			t.Errorf("NewPacker(%d) = %v, want ErrTooLarge", n, err)
		}
	}
}
