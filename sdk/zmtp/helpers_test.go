package zmtp

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"testing"
)

// frame is one decoded frame, for comparing streams.
type frame struct {
	flags byte
	body  []byte
}

func (f frame) String() string {
	if len(f.body) <= 16 {
		return fmt.Sprintf("{%#02x %q}", f.flags, f.body)
	}
	return fmt.Sprintf("{%#02x %d bytes}", f.flags, len(f.body))
}

func equalFrames(a, b []frame) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].flags != b[i].flags || !bytes.Equal(a[i].body, b[i].body) {
			return false
		}
	}
	return true
}

// decodeAll reads frames until the first error, which it returns (io.EOF
// at a clean end of stream).
func decodeAll(d *Decoder) ([]frame, error) {
	var fs []frame
	for {
		flags, body, err := d.Next()
		if err != nil {
			return fs, err
		}
		fs = append(fs, frame{flags, body})
	}
}

// encodeAll encodes frames with an Encoder and returns the stream.
func encodeAll(tb testing.TB, fs []frame) []byte {
	tb.Helper()
	var buf bytes.Buffer
	e := NewEncoder(&buf)
	for _, f := range fs {
		e.Frame(f.flags, f.body)
	}
	if n := e.Len(); n == 0 && len(fs) > 0 {
		tb.Fatalf("Len() = 0 after %d frames", len(fs))
	}
	want := e.Len()
	if err := e.Flush(); err != nil {
		tb.Fatal(err)
	}
	if buf.Len() != want {
		tb.Fatalf("Flush wrote %d bytes, Len() said %d", buf.Len(), want)
	}
	return buf.Bytes()
}

// cat concatenates wire fragments.
func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// shortFrame encodes a frame with a one-octet size (RFC 37, "Framing").
func shortFrame(flags byte, body []byte) []byte {
	return cat([]byte{flags, byte(len(body))}, body)
}

// longHeader is a long frame's flags and eight-octet size, whatever the
// body that follows.
func longHeader(flags byte, size uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{flags | FlagLong}, size)
}

// longFrame encodes a frame with an eight-octet size, even a small one.
func longFrame(flags byte, body []byte) []byte {
	return cat(longHeader(flags, uint64(len(body))), body)
}

// pattern is n recognisable bytes; seeds tell bodies apart.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i%251)
	}
	return b
}

// unhex decodes a wire fixture written as hex, spaces allowed.
func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// rawGreeting builds a greeting field by field (RFC 37, "Formal Grammar":
// signature version mechanism as-server filler).
func rawGreeting(major, minor byte, mechanism string, asServer byte) []byte {
	b := make([]byte, GreetingSize)
	b[0], b[9] = 0xFF, 0x7F
	b[10], b[11] = major, minor
	copy(b[12:32], mechanism)
	b[32] = asServer
	return b
}

// readyFrame is a READY command frame with the given properties.
func readyFrame(props ...Property) []byte {
	body := cat([]byte{5}, []byte(CmdReady), Metadata(props).Append(nil))
	if len(body) > 255 {
		return longFrame(FlagCommand, body)
	}
	return shortFrame(FlagCommand, body)
}

func prop(name, value string) Property { return Property{Name: name, Value: []byte(value)} }

// Wire fixtures captured from libzmq 4.3.4 (Debian's libzmq5, driven from
// pyzmq) talking to a scripted ZMTP 3.1 NULL peer over loopback TCP.
var (
	// A DEALER with routing id "peer-1": its greeting carries the ZMTP 1.0
	// identity length plus one (7) in the padding, which RFC 37 says is
	// not significant.
	libzmqGreetingDealer = unhex("ff 00000000000000 07 7f 03 01 4e554c4c" + strings.Repeat("00", 16) + "00" + strings.Repeat("00", 31))
	// Any other socket sends 1 there (an empty identity).
	libzmqGreeting = unhex("ff 00000000000000 01 7f 03 01 4e554c4c" + strings.Repeat("00", 16) + "00" + strings.Repeat("00", 31))

	libzmqReadyDealer = unhex("04 2f 05 5245414459 0b 536f636b65742d54797065 00000006 4445414c4552 08 4964656e74697479 00000006 706565722d31")
	libzmqReadyReq    = unhex("04 26 05 5245414459 0b 536f636b65742d54797065 00000003 524551 08 4964656e74697479 00000000")
	libzmqReadySub    = unhex("04 19 05 5245414459 0b 536f636b65742d54797065 00000003 535542")
	// DEALER's two-part message "hello" "world", then a 300-byte frame,
	// which libzmq sends as a long frame.
	libzmqDealerMessages = cat(unhex("01 05 68656c6c6f 00 05 776f726c64"), longFrame(0, bytes.Repeat([]byte("x"), 300)))
	// REQ's request "ping?" behind its empty delimiter frame.
	libzmqReqMessage = unhex("01 00 00 05 70696e673f")
	libzmqSubscribe  = unhex("04 0f 09 535542534352494245 746f706963")              // SUBSCRIBE "topic"
	libzmqCancel     = unhex("04 0c 06 43414e43454c 746f706963")                    // CANCEL "topic"
	libzmqPing       = unhex("04 07 04 50494e47 001e")                              // ZMQ_HEARTBEAT_TTL 3 s, no context
	libzmqPongEmpty  = unhex("04 05 04 504f4e47")                                   // reply to a PING without context
	libzmqPongCtx    = unhex("04 15 04 504f4e47 6374782d30313233343536373839 6162") // reply to context "ctx-0123456789ab"
	// A ROUTER whose ZAP handler denied the NULL client: status code 400.
	libzmqError = unhex("04 0a 05 4552524f52 03 343030")
)

// fakeConn is the peer's side of a connection as a script: Read serves the
// script then io.EOF, Write records what the local side sent.
type fakeConn struct {
	r    io.Reader
	sent bytes.Buffer
}

func (c *fakeConn) Read(p []byte) (int, error)  { return c.r.Read(p) }
func (c *fakeConn) Write(p []byte) (int, error) { return c.sent.Write(p) }
