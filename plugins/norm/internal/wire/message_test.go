package wire

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// unhex decodes hex with spaces and '|' separators, as the research notes
// print captures.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.NewReplacer(" ", "", "|", "").Replace(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// libzmqData is a NORM_DATA of libzmq 4.3.4's PUB as captured (research
// notes section 5.2): hdr_len 8 words, grtt 0x94, backoff 4, gsize 2, flags
// STREAM, FEC 5, object 0, block 0 symbol 3, EXT_FTI with object size
// 0x1fc980, segment 1400 (0x578), 16 data + 4 parity; then the stream
// payload of the first frame of a message, "topic" with MORE.
const libzmqData = "12 08 0007 00000001 | 1234 94 42 20 05 0000 | 00000003 | 40 03 0000 001fc980 0578 10 04 |" +
	" 0008 0001 00000000 | 00 01 05 746f706963"

func TestDataFromLibzmq(t *testing.T) {
	msg := unhex(t, libzmqData)
	var d Data
	if err := d.Parse(msg, 0); err != nil {
		t.Fatal(err)
	}
	want := ObjectHeader{
		SenderHeader: SenderHeader{
			Header:     Header{Type: TypeData, HeaderLen: 32, Sequence: 7, SourceID: 1},
			InstanceID: 0x1234, GRTT: 0x94, Backoff: 4, GroupSize: 2,
		},
		Flags: FlagStream, FECID: FECRS8, ObjectID: 0,
	}
	if d.ObjectHeader != want {
		t.Errorf("header %+v\nwant %+v", d.ObjectHeader, want)
	}
	if d.PayloadID != (PayloadID{Block: 0, Symbol: 3}) {
		t.Errorf("payload ID %+v", d.PayloadID)
	}
	fti, err := ParseFTI(FindExtension(d.Extensions, ExtFTI), d.FECID)
	if err != nil {
		t.Fatal(err)
	}
	if fti != (FTI{ObjectSize: 2083200, SegmentSize: 1400, MaxBlockLen: 16, NumParity: 4, FieldSize: 8}) {
		t.Errorf("FTI %+v", fti)
	}
	if fti.ObjectSize != 93*16*1400 {
		t.Error("the stream's object size is not 93 blocks of 16 x 1400")
	}
	sp, err := ParseStreamPayload(d.Payload)
	if err != nil {
		t.Fatal(err)
	}
	if sp.MsgStart != 1 || sp.Offset != 0 || !bytes.Equal(sp.Data, unhex(t, "00 01 05 746f706963")) {
		t.Errorf("stream payload %+v", sp)
	}
	if UnquantizeGroupSize(d.GroupSize) != 1000 || QuantizeRTT(0.25) != d.GRTT {
		t.Error("libnorm's default GRTT 0.25 s and group size 1000 do not match the capture")
	}

	// Encoding the parsed message gives the captured bytes back.
	exts, err := AppendFTI(nil, fti, FECRS8)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := AppendStreamPayload(nil, sp)
	if err != nil {
		t.Fatal(err)
	}
	out := Data{ObjectHeader: want, PayloadID: d.PayloadID, Extensions: exts, Payload: payload}
	got, err := out.Append(nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, msg) {
		t.Errorf("encoded\n%x\nwant\n%x", got, msg)
	}
}

// A CMD(FLUSH) as libnorm sends it after data: object 0, block 0, symbol 7
// (hdr_len 20).
const libnormFlush = "13 05 0009 00000001 | 1234 94 42 | 01 05 0000 | 00000007"

func TestFlushFromLibnorm(t *testing.T) {
	msg := unhex(t, libnormFlush)
	var c Cmd
	if err := c.Parse(msg, 0); err != nil {
		t.Fatal(err)
	}
	if c.Flavor != CmdFlush || c.FECID != FECRS8 || c.ObjectID != 0 || c.PayloadID != (PayloadID{Symbol: 7}) || c.HeaderLen != 20 || c.Nodes() != 0 {
		t.Errorf("%+v", c)
	}
	got, err := c.Append(nil, 0)
	if err != nil || !bytes.Equal(got, msg) {
		t.Errorf("re-encoded %x, %v", got, err)
	}
}

// A CMD(CC) as libnorm sends it (hdr_len 28: 24 fixed + EXT_RATE), with
// one node-list entry seen on the wire: node 2, CLR|RTT|START, rtt 0x34,
// rate 0x9843.
const libnormCC = "13 07 000a 00000001 | 1234 94 42 | 04 01 0003 | 65a1b2c3 000f4240 | 80 00 2413 | 00000002 0d 34 9843"

func TestCCFromLibnorm(t *testing.T) {
	msg := unhex(t, libnormCC)
	var c Cmd
	if err := c.Parse(msg, 0); err != nil {
		t.Fatal(err)
	}
	if c.Flavor != CmdCC || c.CCFlags != CCSyn || c.CCSequence != 3 || c.SendTimeSec != 0x65a1b2c3 || c.SendTimeUsec != 1000000 || c.HeaderLen != 28 {
		t.Errorf("%+v", c)
	}
	rate, err := ParseCCRate(FindExtension(c.Extensions, ExtCCRate))
	if err != nil || rate != 0x2413 {
		t.Errorf("EXT_RATE %#x, %v", rate, err)
	}
	if c.CCNodes() != 1 || c.CCNode(0) != (CCNode{NodeID: 2, Flags: CCFlagCLR | CCFlagRTT | CCFlagStart, RTT: 0x34, Rate: 0x9843}) {
		t.Errorf("node list %+v", c.CCNode(0))
	}
	out := Cmd{SenderHeader: c.SenderHeader, Flavor: CmdCC, CCFlags: CCSyn, CCSequence: 3, SendTimeSec: 0x65a1b2c3, SendTimeUsec: 1000000,
		Extensions: AppendCCRate(nil, 0x2413),
		Content:    AppendCCNode(nil, CCNode{NodeID: 2, Flags: 0x0d, RTT: 0x34, Rate: 0x9843})}
	got, err := out.Append(nil, 0)
	if err != nil || !bytes.Equal(got, msg) {
		t.Errorf("encoded %x, %v\nwant    %x", got, err, msg)
	}
}

// A NORM_NACK of libnorm's receiver: EXT_CC_FEEDBACK (hdr_len 36) and the
// request seen on the wire, ITEMS|SEGMENT for object 0 block 0 symbol 16
// (the first parity segment of a 16 + 4 block).
const libnormNack = "14 09 0000 00000002 | 00000001 1234 0000 | 65a1b2c3 00000010 | 03 03 0003 0c 34 0000 9843 0000 |" +
	" 01 01 0008 | 05 00 0000 00000010"

func TestNackFromLibnorm(t *testing.T) {
	msg := unhex(t, libnormNack)
	var n Nack
	if err := n.Parse(msg, 0); err != nil {
		t.Fatal(err)
	}
	if n.SourceID != 2 || n.ServerID != 1 || n.InstanceID != 0x1234 || n.GRTTResponseSec != 0x65a1b2c3 || n.GRTTResponseUsec != 16 || n.HeaderLen != 36 {
		t.Errorf("%+v", n)
	}
	fb, err := ParseCCFeedback(FindExtension(n.Extensions, ExtCCFeedback))
	if err != nil || fb != (CCFeedback{Sequence: 3, Flags: CCFlagRTT | CCFlagStart, RTT: 0x34, Rate: 0x9843}) {
		t.Errorf("feedback %+v, %v", fb, err)
	}
	req, rest, err := NextRepairRequest(n.Requests, 0)
	if err != nil || len(rest) != 0 || req.Form != FormItems || req.Flags != RepairSegment {
		t.Fatalf("request %+v rest %x: %v", req, rest, err)
	}
	item, rest, err := NextRepairItem(req.Items, 0)
	if err != nil || len(rest) != 0 || item != (RepairItem{FECID: FECRS8, PayloadID: PayloadID{Symbol: 16}}) {
		t.Errorf("item %+v: %v", item, err)
	}
	reqs, err := AppendRepairRequest(nil, FormItems, RepairSegment, []RepairItem{item}, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := Nack{Header: Header{SourceID: 2}, ServerID: 1, InstanceID: 0x1234, GRTTResponseSec: 0x65a1b2c3, GRTTResponseUsec: 16,
		Extensions: AppendCCFeedback(nil, fb), Requests: reqs}
	got, err := out.Append(nil)
	if err != nil || !bytes.Equal(got, msg) {
		t.Errorf("encoded %x, %v\nwant    %x", got, err, msg)
	}
}

// The NORM_ACK(CC) that answers a CMD(CC), as the research prototype sent
// it to libnorm (which then lifted its rate): grtt_response echoes the
// probe's send time; EXT_CC_FEEDBACK says START|RTT, loss 0.
const ackCC = "15 09 0000 00000002 | 00000001 1234 01 00 | 65a1b2c3 000f4240 | 03 03 0003 0c 4c 0000 2006 0000"

func TestAckCC(t *testing.T) {
	msg := unhex(t, ackCC)
	var a Ack
	if err := a.Parse(msg, 0); err != nil {
		t.Fatal(err)
	}
	if a.Type != AckCC || a.ServerID != 1 || a.InstanceID != 0x1234 || a.GRTTResponseSec != 0x65a1b2c3 || a.GRTTResponseUsec != 1000000 || len(a.Content) != 0 {
		t.Errorf("%+v", a)
	}
	fb, err := ParseCCFeedback(FindExtension(a.Extensions, ExtCCFeedback))
	if err != nil {
		t.Fatal(err)
	}
	if fb.RTT != QuantizeRTT(0.001) || fb.Rate != QuantizeRate(10e6/8) || fb.Flags != CCFlagStart|CCFlagRTT {
		t.Errorf("feedback %+v", fb)
	}
	got, err := a.Append(nil)
	if err != nil || !bytes.Equal(got, msg) {
		t.Errorf("re-encoded %x, %v", got, err)
	}
}

// roundTrip encodes with enc, parses with dec into a fresh value and
// compares.
func TestRoundTrips(t *testing.T) {
	sender := SenderHeader{Header: Header{Sequence: 0xfffe, SourceID: 0xdeadbeef}, InstanceID: 77, GRTT: QuantizeRTT(0.05), Backoff: 4, GroupSize: 10}
	fti2, _ := AppendFTI(nil, FTI{ObjectSize: 1<<40 + 5, FieldSize: 16, GroupSize: 1, SegmentSize: 8000, MaxBlockLen: 600, NumParity: 40}, FECRS)
	fti129, _ := AppendFTI(nil, FTI{ObjectSize: 99, InstanceID: 3, SegmentSize: 1024, MaxBlockLen: 64, NumParity: 32}, FECSmallBlock)

	t.Run("data FEC 2 m=16 from its FTI", func(t *testing.T) {
		in := Data{ObjectHeader: ObjectHeader{SenderHeader: sender, Flags: FlagRepair | FlagExplicit, FECID: FECRS, ObjectID: 65535},
			PayloadID: PayloadID{Block: 0xffff, Symbol: 639}, Extensions: fti2, Payload: []byte("segment")}
		b, err := in.Append([]byte("prefix"), 16)
		if err != nil {
			t.Fatal(err)
		}
		var out Data
		if err := out.Parse(b[6:], 0); err != nil { // m comes from EXT_FTI
			t.Fatal(err)
		}
		in.Header.Type, in.Header.HeaderLen = TypeData, out.HeaderLen
		if !reflect.DeepEqual(in, out) {
			t.Errorf("\n%+v\n%+v", in, out)
		}
	})
	t.Run("data FEC 129", func(t *testing.T) {
		in := Data{ObjectHeader: ObjectHeader{SenderHeader: sender, FECID: FECSmallBlock, ObjectID: 1},
			PayloadID: PayloadID{Block: 0xfffffff0, BlockLen: 64, Symbol: 70}, Extensions: fti129, Payload: []byte{}}
		b, err := in.Append(nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		var out Data
		if err := out.Parse(b, 0); err != nil {
			t.Fatal(err)
		}
		f, err := ParseFTI(FindExtension(out.Extensions, ExtFTI), FECSmallBlock)
		if err != nil || f.InstanceID != 3 || f.MaxBlockLen != 64 {
			t.Errorf("FTI %+v %v", f, err)
		}
		in.Header.Type, in.Header.HeaderLen = TypeData, out.HeaderLen
		if !reflect.DeepEqual(in, out) {
			t.Errorf("\n%+v\n%+v", in, out)
		}
	})
	t.Run("info", func(t *testing.T) {
		fti5, _ := AppendFTI(nil, FTI{ObjectSize: 10, SegmentSize: 1400, MaxBlockLen: 16, NumParity: 4}, FECRS8)
		in := Info{ObjectHeader: ObjectHeader{SenderHeader: sender, Flags: FlagInfo | FlagFile, FECID: FECRS8, ObjectID: 9}, Extensions: fti5, Payload: []byte("name.txt")}
		b, err := in.Append(nil)
		if err != nil {
			t.Fatal(err)
		}
		var out Info
		if err := out.Parse(b); err != nil {
			t.Fatal(err)
		}
		in.Header.Type, in.Header.HeaderLen = TypeInfo, out.HeaderLen
		if !reflect.DeepEqual(in, out) {
			t.Errorf("\n%+v\n%+v", in, out)
		}
	})
	for _, in := range []Cmd{
		{Flavor: CmdFlush, FECID: FECRS8, ObjectID: 4, PayloadID: PayloadID{Block: 0xffffff, Symbol: 15}, Content: AppendNodeID(AppendNodeID(nil, 5), 6)},
		{Flavor: CmdSquelch, FECID: FECSmallBlock, ObjectID: 4, PayloadID: PayloadID{Block: 8, BlockLen: 16, Symbol: 1}, Content: AppendObjectID(AppendObjectID(nil, 1), 2)},
		{Flavor: CmdEOT},
		{Flavor: CmdCC, CCSequence: 9, SendTimeSec: 1, SendTimeUsec: 999999, Extensions: AppendCCRate(nil, QuantizeRate(1e6)), Content: AppendCCNode(nil, CCNode{NodeID: 1, Flags: CCFlagCLR, RTT: 1, Rate: 2})},
		{Flavor: CmdRepairAdv, RepairAdvFlags: RepairAdvLimit, Content: mustRequest(t, FormRanges, RepairSegment, RepairItem{FECID: FECRS8, PayloadID: PayloadID{Block: 1, Symbol: 0}}, RepairItem{FECID: FECRS8, PayloadID: PayloadID{Block: 1, Symbol: 9}})},
		{Flavor: CmdAckReq, AckType: AckAppBase + 1, AckID: 200, Content: AppendNodeID(nil, 42)},
		{Flavor: CmdApplication, Content: []byte("app")},
	} {
		t.Run("cmd flavor "+string(rune('0'+in.Flavor)), func(t *testing.T) {
			in.SenderHeader = sender
			b, err := in.Append(nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			var out Cmd
			if err := out.Parse(b, 0); err != nil {
				t.Fatal(err)
			}
			in.Header.Type, in.Header.HeaderLen = TypeCmd, out.HeaderLen
			if in.Extensions == nil {
				in.Extensions = []byte{}
			}
			if in.Content == nil {
				in.Content = []byte{}
			}
			if !reflect.DeepEqual(in, out) {
				t.Errorf("\n%+v\n%+v", in, out)
			}
		})
	}
	t.Run("ack flush", func(t *testing.T) {
		content, _ := AppendRepairItem(nil, RepairItem{FECID: FECRS, ObjectID: 3, PayloadID: PayloadID{Block: 7, Symbol: 300}}, 16)
		in := Ack{Header: Header{SourceID: 3}, ServerID: 4, InstanceID: 5, Type: AckFlush, ID: 6, Content: content}
		b, err := in.Append(nil)
		if err != nil {
			t.Fatal(err)
		}
		var out Ack
		if err := out.Parse(b, 16); err != nil {
			t.Fatal(err)
		}
		in.Header.Type, in.Header.HeaderLen, in.Extensions = TypeAck, 24, []byte{}
		if !reflect.DeepEqual(in, out) {
			t.Errorf("\n%+v\n%+v", in, out)
		}
		it, _, _ := NextRepairItem(out.Content, 16)
		if it.PayloadID.Symbol != 300 {
			t.Errorf("item %+v", it)
		}
	})
}

func mustRequest(t *testing.T, form RepairForm, flags uint8, items ...RepairItem) []byte {
	b, err := AppendRepairRequest(nil, form, flags, items, 0)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMalformed: each is refused with the error class named.
func TestMalformed(t *testing.T) {
	data := unhex(t, libzmqData)
	with := func(b []byte, i int, v byte) []byte { b = bytes.Clone(b); b[i] = v; return b }
	var d Data
	var c Cmd
	var n Nack
	var a Ack
	var info Info
	for _, tc := range []struct {
		name  string
		parse func() error
		want  error
	}{
		{"empty", func() error { return d.Parse(nil, 0) }, ErrTruncated},
		{"version 2", func() error { return d.Parse(with(data, 0, 0x22), 0) }, ErrVersion},
		{"hdr_len past the end", func() error { return d.Parse(with(data, 1, 0x40), 0) }, ErrTruncated},
		{"hdr_len below the common header", func() error { return d.Parse(with(data, 1, 1), 0) }, ErrMalformed},
		{"hdr_len without payload ID", func() error { return d.Parse(with(data, 1, 4), 0) }, ErrMalformed},
		{"type CMD parsed as DATA", func() error { return d.Parse(with(data, 0, 0x13), 0) }, ErrMalformed},
		{"unknown FEC", func() error { return d.Parse(with(data, 13, 7), 0) }, ErrFEC},
		{"FEC 2 without m", func() error { return d.Parse(with(with(data[:20], 13, 2), 1, 5), 0) }, ErrFEC},
		{"extension length 0", func() error { return d.Parse(with(data, 21, 0), 0) }, ErrMalformed},
		{"extension past hdr_len", func() error { return d.Parse(with(data, 21, 4), 0) }, ErrTruncated},
		{"info: truncated", func() error { return info.Parse(unhex(t, "11 04 0000 00000001 1234 9442")) }, ErrTruncated},
		{"cmd: unknown flavor", func() error { return c.Parse(with(unhex(t, libnormFlush), 12, 9), 0) }, ErrMalformed},
		{"cmd: flush node list not whole", func() error { return c.Parse(append(unhex(t, libnormFlush), 1, 2), 0) }, ErrMalformed},
		{"cmd: CC hdr_len short", func() error { return c.Parse(with(unhex(t, libnormCC), 1, 5), 0) }, ErrMalformed},
		{"cmd: CC node list not whole", func() error { return c.Parse(unhex(t, libnormCC)[:33], 0) }, ErrMalformed},
		{"cmd: squelch unknown FEC", func() error { return c.Parse(with(with(unhex(t, libnormFlush), 12, 3), 13, 0), 0) }, ErrFEC},
		{"nack: request longer than message", func() error { return n.Parse(with(unhex(t, libnormNack), 39, 9), 0) }, ErrTruncated},
		{"nack: form 0", func() error { return n.Parse(with(unhex(t, libnormNack), 36, 0), 0) }, ErrMalformed},
		{"nack: odd range", func() error { return n.Parse(with(unhex(t, libnormNack), 36, byte(FormRanges)), 0) }, ErrMalformed},
		{"nack: item of unknown FEC", func() error { return n.Parse(with(unhex(t, libnormNack), 40, 9), 0) }, ErrFEC},
		{"nack: header truncated", func() error { return n.Parse(unhex(t, libnormNack)[:20], 0) }, ErrTruncated},
		{"ack: flush without item", func() error { return a.Parse(with(unhex(t, ackCC), 14, byte(AckFlush)), 0) }, ErrTruncated},
		{"ack: as nack", func() error { return n.Parse(unhex(t, ackCC), 0) }, ErrMalformed},
		{"stream payload: length past the end", func() error { _, err := ParseStreamPayload(unhex(t, "0009 0001 00000000 0001057465")); return err }, ErrTruncated},
		{"stream payload: msg_start past length", func() error { _, err := ParseStreamPayload(unhex(t, "0001 0002 00000000 00")); return err }, ErrMalformed},
		{"stream payload: short header", func() error { _, err := ParseStreamPayload(unhex(t, "0001 0002 0000")); return err }, ErrTruncated},
		{"FTI of the wrong length", func() error { _, err := ParseFTI(unhex(t, "40 03 0000 001fc980 0578 10 04"), FECRS); return err }, ErrMalformed},
		{"CC feedback short", func() error { _, err := ParseCCFeedback(unhex(t, "03 02 0003 0c 34 0000")); return err }, ErrMalformed},
	} {
		if err := tc.parse(); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

// TestEveryPrefix: no prefix of a valid message makes a parser panic, and
// every prefix shorter than hdr_len is an error.
func TestEveryPrefix(t *testing.T) {
	for _, s := range []string{libzmqData, libnormFlush, libnormCC, libnormNack, ackCC} {
		msg := unhex(t, s)
		for i := range msg {
			err := parseAny(msg[:i])
			if i < int(msg[1])*4 && err == nil {
				t.Errorf("%x: accepted", msg[:i])
			}
		}
	}
}

// parseAny runs every parser that msg could be for; it is the fuzz body.
func parseAny(msg []byte) error {
	h, err := ParseHeader(msg)
	if err != nil {
		return err
	}
	for _, m := range []uint8{8, 16} {
		switch h.Type {
		case TypeData:
			var d Data
			if err = d.Parse(msg, m); err == nil {
				if ext := FindExtension(d.Extensions, ExtFTI); ext != nil {
					_, _ = ParseFTI(ext, d.FECID)
				}
				if d.Flags&FlagStream != 0 {
					_, _ = ParseStreamPayload(d.Payload)
				}
			}
		case TypeInfo:
			var i Info
			err = i.Parse(msg)
		case TypeCmd:
			var c Cmd
			if err = c.Parse(msg, m); err == nil {
				for i := 0; i < c.Nodes() && (c.Flavor == CmdFlush || c.Flavor == CmdAckReq); i++ {
					_ = c.Node(i)
				}
				for i := 0; i < c.CCNodes() && c.Flavor == CmdCC; i++ {
					_ = c.CCNode(i)
				}
				for i := 0; i < c.InvalidObjects() && c.Flavor == CmdSquelch; i++ {
					_ = c.InvalidObject(i)
				}
			}
		case TypeNack:
			var n Nack
			if err = n.Parse(msg, m); err == nil {
				for rest := n.Requests; len(rest) > 0; {
					var r RepairRequest
					if r, rest, err = NextRepairRequest(rest, m); err != nil {
						return err
					}
					for items := r.Items; len(items) > 0; {
						if _, items, err = NextRepairItem(items, m); err != nil {
							return err
						}
					}
				}
				if ext := FindExtension(n.Extensions, ExtCCFeedback); ext != nil {
					_, _ = ParseCCFeedback(ext)
				}
			}
		case TypeAck:
			var a Ack
			err = a.Parse(msg, m)
		default:
			return ErrMalformed
		}
	}
	return err
}

func TestAppendRefusesWhatCannotBeEncoded(t *testing.T) {
	if _, err := AppendPayloadID(nil, PayloadID{Block: 1 << 24}, FECRS8, 0); err == nil {
		t.Error("25-bit block accepted for FEC 5")
	}
	if _, err := AppendPayloadID(nil, PayloadID{Symbol: 256}, FECRS8, 0); err == nil {
		t.Error("symbol 256 accepted for m = 8")
	}
	if _, err := AppendPayloadID(nil, PayloadID{Block: 1 << 16}, FECRS, 16); err == nil {
		t.Error("17-bit block accepted for m = 16")
	}
	if _, err := AppendPayloadID(nil, PayloadID{}, FECRS, 12); !errors.Is(err, ErrFEC) {
		t.Error("m = 12 accepted")
	}
	if _, err := AppendFTI(nil, FTI{MaxBlockLen: 256}, FECRS8); err == nil {
		t.Error("FEC 5 block of 256 accepted")
	}
	if _, err := AppendFTI(nil, FTI{ObjectSize: 1 << 48}, FECRS8); err == nil {
		t.Error("49-bit object size accepted")
	}
	if _, err := AppendStreamPayload(nil, StreamPayload{MsgStart: 2, Data: []byte{1}}); err == nil {
		t.Error("msg_start past the data accepted")
	}
	d := Data{ObjectHeader: ObjectHeader{FECID: FECRS8}, Extensions: []byte{1, 2, 3}}
	if b, err := d.Append([]byte("keep"), 0); err == nil || string(b) != "keep" {
		t.Errorf("partial extension accepted: %q %v", b, err)
	}
	big := make([]byte, 0, 1100)
	for len(big) < 1100 {
		big = AppendCCRate(big, 1)
	}
	if _, err := (&Nack{Extensions: big}).Append(nil); err == nil {
		t.Error("hdr_len beyond 255 words accepted")
	}
	if _, err := (&Cmd{Flavor: 0}).Append(nil, 0); err == nil {
		t.Error("flavor 0 encoded")
	}
}

func TestParseAllocatesNothing(t *testing.T) {
	data, nack, cc := unhex(t, libzmqData), unhex(t, libnormNack), unhex(t, libnormCC)
	var d Data
	var n Nack
	var c Cmd
	buf := make([]byte, 0, 256)
	allocs := testing.AllocsPerRun(100, func() {
		_ = d.Parse(data, 0)
		_ = n.Parse(nack, 0)
		_ = c.Parse(cc, 0)
		buf, _ = d.Append(buf[:0], 0)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per parse and encode", allocs)
	}
}
