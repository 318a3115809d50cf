package wire

import (
	"bytes"
	"testing"
)

// The seed corpora in testdata/fuzz hold the packets of the libzmq captures (epgm
// datagrams for FuzzParse, raw IP datagrams for FuzzIPv4Payload, ODATA TSDUs for
// FuzzUnpacker) and a sample of every type this package encodes; f.Add adds the samples
// again so that the targets need no files to start from.

// FuzzParse: any datagram parses or fails, never panics; one that parses (and is no
// fragment, which Append refuses) re-encodes into a packet that parses back equal.
func FuzzParse(f *testing.F) {
	for _, typ := range []Type{TypeSPM, TypeODATA, TypeRDATA, TypeNAK, TypeNNAK, TypeNCF, TypeSPMR} {
		p := samplePacket(typ)
		p.Options.SetNAKList([]SeqNo{7, 8})
		p.Options.FIN = true
		b, _ := p.Append(nil)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var p Packet
		if p.Parse(b) != nil || p.Options.HasFragment {
			return
		}
		again, err := p.Append(nil)
		if err != nil {
			t.Fatalf("Append of a parsed %v: %v", p.Type, err)
		}
		var q Packet
		if err := q.Parse(again); err != nil {
			t.Fatalf("Parse of the re-encoded % x: %v", again, err)
		}
		p.SourceNLA, p.GroupNLA = p.SourceNLA.Unmap(), p.GroupNLA.Unmap()
		if !equalPackets(&p, &q) {
			t.Fatalf("re-encoding changed the packet:\n got %+v\nwant %+v", q, p)
		}
	})
}

// FuzzIPv4Payload: any datagram gives the payload after its header or an error, never a
// panic.
func FuzzIPv4Payload(f *testing.F) {
	f.Add([]byte("\x45\x00\x00\x24\x00\x00\x40\x00\x01\x71\x00\x00\x7f\x00\x00\x01\xef\xc0\x01\x01" +
		"\x15\xb3\x15\xb3\x0c\x00\x00\x00\xb7\xc6\xd1\xbc\x03\x8a\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		payload, _, err := IPv4Payload(b)
		if err != nil {
			return
		}
		ihl := int(b[0]&0x0F) * 4
		if ihl+len(payload) > len(b) || !bytes.Equal(payload, b[ihl:ihl+len(payload)]) {
			t.Fatalf("payload of %d bytes is not the one after the header of % x", len(payload), b)
		}
	})
}

// FuzzUnpacker: a stream cut into APDUs (each prefixed in the input by its length byte)
// never panics, and what it delivers keeps to the limit.
func FuzzUnpacker(f *testing.F) {
	seed := func(apdus ...[]byte) []byte {
		var s []byte
		for _, a := range apdus {
			s = append(append(s, byte(len(a))), a...)
		}
		return s
	}
	f.Add(seed([]byte("\x00\x00\x06\x01topic\x06\x00msg-0")), int16(-1))
	f.Add(seed([]byte("\xff\xff\x06\x01"), []byte("\x00\x02ab\x02\x00c"), []byte("\x00\x00\xff\x00\x00\x00\x00\x00\x00\x00\x03")), int16(8))
	f.Fuzz(func(t *testing.T, stream []byte, limit int16) {
		u := NewUnpacker(int64(limit))
		for len(stream) > 0 {
			n := min(int(stream[0]), len(stream)-1)
			apdu := stream[1 : 1+n]
			stream = stream[1+n:]
			u.Feed(apdu, func(msg [][]byte) {
				total := 0
				for _, fr := range msg {
					total += len(fr)
				}
				if limit >= 0 && (total > int(limit) || len(msg) > int(limit)+1) {
					t.Fatalf("message of %d bytes in %d frames beyond the limit %d", total, len(msg), limit)
				}
				if len(msg) == 0 {
					t.Fatal("message without frames")
				}
			})
		}
	})
}

// FuzzPackUnpack: any messages, cut at any APDU size, come out as they went in.
func FuzzPackUnpack(f *testing.F) {
	f.Add([]byte("topic\x00body\x01x"), uint16(1428))
	f.Add(bytes.Repeat([]byte("y"), 600), uint16(3))
	f.Fuzz(func(t *testing.T, raw []byte, size uint16) {
		if size < 3 {
			return
		}
		// raw: frames separated by 0x00 (more) and 0x01 (last of a message).
		var msgs [][][]byte
		var msg [][]byte
		start := 0
		for i, c := range raw {
			if c > 1 {
				continue
			}
			msg = append(msg, raw[start:i])
			start = i + 1
			if c == 1 {
				msgs, msg = append(msgs, msg), nil
			}
		}
		if len(msg) > 0 || start < len(raw) {
			msgs = append(msgs, append(msg, raw[start:]))
		}
		if got := unpackAll(t, packAll(t, int(size), msgs)); !equalMessages(got, msgs) {
			t.Fatalf("got %q, want %q", got, msgs)
		}
	})
}
