package wire

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestEncoderMatchesLibzmq: the NORM_DATA payloads of libzmq's PUB for the
// message ["topic", "msg-0"] (research notes section 4.3), then the next
// message, which starts with 0x00 again.
func TestEncoderMatchesLibzmq(t *testing.T) {
	var e StreamEncoder
	for _, tc := range []struct {
		body string
		more bool
		want string
	}{
		{"topic", true, "00 01 05 746f706963"},
		{"msg-0", false, "ff 00 05 6d73672d30"},
		{"next", false, "00 00 04 6e657874"},
	} {
		if got := e.AppendFrame(nil, []byte(tc.body), tc.more); !bytes.Equal(got, unhex(t, tc.want)) {
			t.Errorf("%q: %x, want %s", tc.body, got, tc.want)
		}
	}
	large := e.AppendFrame(nil, bytes.Repeat([]byte{7}, 256), false)
	if !bytes.Equal(large[:10], unhex(t, "00 02 0000000000000100")) || len(large) != 10+256 {
		t.Errorf("256-byte frame: %x...", large[:10])
	}
	if f := e.AppendFrame(nil, bytes.Repeat([]byte{7}, 255), false); f[1] != 0 || f[2] != 255 {
		t.Errorf("255-byte frame is not short: %x", f[:3])
	}
}

// segment is one NORM_DATA's stream content as the decoder is fed it.
type segment struct {
	data     []byte
	msgStart uint16
}

// encodeMessages writes msgs as libzmq does, one frame per segment, or
// cutting frames into segments of at most segSize bytes (a frame larger
// than a segment continues in the next ones with msg_start 0).
func encodeMessages(msgs [][]string, segSize int) []segment {
	var e StreamEncoder
	var segs []segment
	for _, m := range msgs {
		for i, f := range m {
			frame := e.AppendFrame(nil, []byte(f), i < len(m)-1)
			for off := 0; off < len(frame); off += segSize {
				s := segment{data: frame[off:min(off+segSize, len(frame))]}
				if off == 0 {
					s.msgStart = 1
				}
				segs = append(segs, s)
			}
		}
	}
	return segs
}

func collect(t *testing.T, d *StreamDecoder, segs []segment) ([]string, []error) {
	t.Helper()
	var got []string
	var errs []error
	for _, s := range segs {
		err := d.Write(s.data, s.msgStart, func(frames [][]byte) error {
			parts := make([]string, len(frames))
			for i, f := range frames {
				parts[i] = string(f)
			}
			got = append(got, strings.Join(parts, "+"))
			return nil
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	return got, errs
}

func TestDecoderWholeMessages(t *testing.T) {
	big := strings.Repeat("x", 3000)
	msgs := [][]string{{"topic", "msg-0"}, {"single"}, {"", "empty first"}, {"a", "b", "c"}, {big, "tail"}}
	want := []string{"topic+msg-0", "single", "+empty first", "a+b+c", big + "+tail"}
	for _, segSize := range []int{1, 7, 1400, 1 << 20} {
		t.Run(fmt.Sprint(segSize), func(t *testing.T) {
			d := StreamDecoder{MaxMessageSize: -1}
			got, errs := collect(t, &d, encodeMessages(msgs, segSize))
			if len(errs) != 0 || strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("got %d messages %v, errors %v", len(got), len(got), errs)
			}
		})
	}
}

// TestDecoderLateJoiner: a receiver that starts mid-message, or on a
// continuation frame, delivers only the whole messages after it.
func TestDecoderLateJoiner(t *testing.T) {
	segs := encodeMessages([][]string{{"a1", "a2", "a3"}, {"b1", "b2"}, {"c"}}, 1400)
	for start, want := range map[int]string{0: "a1+a2+a3|b1+b2|c", 1: "b1+b2|c", 2: "b1+b2|c", 3: "b1+b2|c", 4: "c", 5: "c"} {
		d := StreamDecoder{MaxMessageSize: -1}
		got, errs := collect(t, &d, segs[start:])
		if strings.Join(got, "|") != want || len(errs) != 0 {
			t.Errorf("joining at segment %d: %v %v, want %s", start, got, errs, want)
		}
	}
	// Joining inside a frame cut over several segments: the segments
	// without a message start are skipped.
	segs = encodeMessages([][]string{{strings.Repeat("y", 100)}, {"z"}}, 30)
	d := StreamDecoder{MaxMessageSize: -1}
	if got, _ := collect(t, &d, segs[1:]); strings.Join(got, "|") != "z" {
		t.Errorf("joining inside a frame: %q", got)
	}
}

// TestDecoderReset: after a gap that will not be repaired, the partial
// message is dropped and the next whole message is delivered.
func TestDecoderReset(t *testing.T) {
	segs := encodeMessages([][]string{{"a1", "a2", "a3"}, {"b"}}, 1400)
	d := StreamDecoder{MaxMessageSize: -1}
	got, _ := collect(t, &d, segs[:1])
	d.Reset()
	if d.Synced() {
		t.Error("synced after Reset")
	}
	more, _ := collect(t, &d, segs[2:])
	if len(got) != 0 || strings.Join(more, "|") != "b" {
		t.Errorf("%v then %v", got, more)
	}
}

// TestDecoderMalformed: bad framing is reported, the message dropped, and
// the decoder carries on at the next message start.
func TestDecoderMalformed(t *testing.T) {
	good := encodeMessages([][]string{{"ok"}}, 1400)
	for _, tc := range []struct {
		name      string
		seg       segment
		want      error
		delivered string
	}{
		{"continuation sync at a message start", segment{unhex(t, "00 00 01 41 ff 00 01 42"), 1}, ErrStream, "A|"},
		{"new message inside a message", segment{unhex(t, "00 01 01 41 00 00 01 42"), 1}, ErrStream, ""},
		{"unknown sync byte", segment{unhex(t, "00 01 01 41 7f 00 01 42"), 1}, ErrStream, ""},
		{"command frame", segment{unhex(t, "00 04 01 41"), 1}, ErrStream, ""},
		{"larger than the limit", segment{unhex(t, "00 02 0000000000000011"), 1}, ErrMessageTooLarge, ""},
		{"declared 2^64-1 bytes", segment{unhex(t, "00 02 ffffffffffffffff"), 1}, ErrMessageTooLarge, ""},
		{"message over the limit in total", segment{unhex(t, "00 01 0a 30313233343536373839 ff 00 07"), 1}, ErrMessageTooLarge, ""},
	} {
		d := StreamDecoder{MaxMessageSize: 16}
		got, errs := collect(t, &d, append([]segment{tc.seg}, good...))
		if len(errs) != 1 || !errors.Is(errs[0], tc.want) || strings.Join(got, "|") != tc.delivered+"ok" {
			t.Errorf("%s: %v %v", tc.name, got, errs)
		}
	}
	// A message start past the data is not a start.
	d := StreamDecoder{MaxMessageSize: 16}
	if got, errs := collect(t, &d, []segment{{[]byte{0}, 2}}); len(got)+len(errs) != 0 || d.Synced() {
		t.Errorf("msg_start past the data: %v %v", got, errs)
	}
}

func TestDecoderDeliverError(t *testing.T) {
	stop := errors.New("stop")
	d := StreamDecoder{MaxMessageSize: -1}
	seg := encodeMessages([][]string{{"a"}}, 1400)[0]
	if err := d.Write(seg.data, seg.msgStart, func([][]byte) error { return stop }); err != stop {
		t.Errorf("Write returned %v", err)
	}
}

// TestDecoderMemoryFollowsData: a frame that declares a huge size holds
// only the bytes that arrived, and a large message's buffer is let go.
func TestDecoderMemoryFollowsData(t *testing.T) {
	d := StreamDecoder{MaxMessageSize: -1}
	seg := unhex(t, "00 02 00000000ffffffff 41424344")
	if err := d.Write(seg, 1, func([][]byte) error { t.Error("delivered"); return nil }); err != nil {
		t.Fatal(err)
	}
	if cap(d.buf) > 64 {
		t.Errorf("buffer of %d bytes for 4 received", cap(d.buf))
	}
	d.Reset()
	big := encodeMessages([][]string{{strings.Repeat("b", 200000)}}, 1<<20)
	if got, _ := collect(t, &d, big); len(got) != 1 || d.buf != nil {
		t.Errorf("large message: %d delivered, buffer kept %d", len(got), cap(d.buf))
	}
}

func BenchmarkStreamDecode(b *testing.B) {
	segs := encodeMessages([][]string{{"topic", strings.Repeat("m", 1000)}}, 1400)
	d := StreamDecoder{MaxMessageSize: -1}
	n := 0
	for _, s := range segs {
		n += len(s.data)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range segs {
			_ = d.Write(s.data, s.msgStart, func([][]byte) error { return nil })
		}
	}
}
