package wire

import (
	"bytes"
	"testing"
)

// FuzzParse feeds every parser arbitrary packets: none may panic, and a
// FEC 5 NORM_DATA that parses must encode back to the same bytes (its
// layout has no reserved field to lose). Seeds: testdata/fuzz/FuzzParse,
// the captures of message_test.go.
func FuzzParse(f *testing.F) {
	for _, s := range []string{libzmqData, libnormFlush, libnormCC, libnormNack, ackCC} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		_ = parseAny(msg)
		var d Data
		if d.Parse(msg, 8) == nil && d.FECID == FECRS8 {
			out, err := d.Append(nil, 8)
			if err != nil || !bytes.Equal(out, msg) {
				t.Fatalf("re-encoded %x (%v), parsed from %x", out, err, msg)
			}
		}
	})
}

// FuzzStreamDecoder feeds the decoder arbitrary stream content, cut into
// segments at the lengths the first bytes give: it may not panic, and no
// message it delivers exceeds its limit.
func FuzzStreamDecoder(f *testing.F) {
	var e StreamEncoder
	seed := e.AppendFrame(nil, []byte("topic"), true)
	seed = e.AppendFrame(seed, []byte("msg-0"), false)
	f.Add([]byte{5, 8, 1}, seed)
	f.Add([]byte{3, 0, 200}, e.AppendFrame(nil, bytes.Repeat([]byte{1}, 300), false))
	f.Add([]byte{}, unhex(f, "00 02 ffffffffffffffff 00"))
	f.Fuzz(func(t *testing.T, cuts, stream []byte) {
		const limit = 512
		d := StreamDecoder{MaxMessageSize: limit}
		for i := 0; len(stream) > 0; i++ {
			n := len(stream)
			start := uint16(1)
			if i < len(cuts) {
				n = min(n, int(cuts[i])+1)
				start = uint16(cuts[i] % 4) // 0: no message start in this segment
			}
			_ = d.Write(stream[:n], start, func(frames [][]byte) error {
				total := 0
				for _, fr := range frames {
					total += len(fr)
				}
				if total > limit {
					t.Fatalf("delivered %d bytes, limit %d", total, limit)
				}
				return nil
			})
			stream = stream[n:]
		}
	})
}
