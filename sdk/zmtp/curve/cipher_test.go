package curve

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"sync"
	"testing"

	"golang.org/x/crypto/nacl/box"

	"github.com/zeroplug/zeroplug/sdk/zmtp"
)

// pair returns the two ends of a data phase as the handshake leaves them:
// the client's nonces go on after INITIATE (3), the server's after READY
// (2).
func pair(tb testing.TB) (client, server *cipher) {
	k := newVectorKeys(tb)
	return newCipher(k.session, false, 3, 1), newCipher(k.session, true, 2, 2)
}

// sealOne returns the MESSAGE frame (flags and body) that c seals.
func sealOne(tb testing.TB, c *cipher, flags byte, body []byte) (byte, []byte) {
	tb.Helper()
	var wire bytes.Buffer
	enc := zmtp.NewEncoder(&wire)
	if err := c.Seal(enc, flags, body); err != nil {
		tb.Fatal(err)
	}
	enc.Flush()
	f, b, err := zmtp.NewDecoder(&wire, 0).Next()
	if err != nil {
		tb.Fatal(err)
	}
	return f, b
}

func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i%251)
	}
	return b
}

// RFC 26, "The MESSAGE Command": any payload from zero octets up, with the
// MORE flag, and (libzmq) commands, comes out of the box as it went in.
func TestSealOpenRoundTrip(t *testing.T) {
	sizes := []int{0, 1, 15, 16, 17, 255, 256, 511, 512, 513, slabMax - 1, slabMax, slabMax + 1, 16 << 10, 70000, 1 << 20}
	flagSets := []byte{0, zmtp.FlagMore, zmtp.FlagCommand}
	client, server := pair(t)
	for _, n := range sizes {
		for _, fl := range flagSets {
			for _, dir := range []struct{ from, to *cipher }{{client, server}, {server, client}} {
				body := pattern(n, byte(n)+fl)
				wf, frame := sealOne(t, dir.from, fl, body)
				if wf&^zmtp.FlagLong != 0 {
					t.Fatalf("MESSAGE frame flags %#x: libzmq sends none", wf)
				}
				// Name, short nonce, MAC, flags octet: 33 octets of
				// overhead.
				if len(frame) != n+messageMin {
					t.Fatalf("%d-byte body sealed in %d bytes, want %d", n, len(frame), n+messageMin)
				}
				gf, got, err := dir.to.Open(wf, frame)
				if err != nil || gf != fl || !bytes.Equal(got, body) {
					t.Fatalf("%d bytes, flags %#x: Open = %#x, %d bytes, %v", n, fl, gf, len(got), err)
				}
			}
		}
	}
}

// Both sides count their nonces up by one from where the handshake left
// them (libzmq's get_and_inc_nonce).
func TestSealNonces(t *testing.T) {
	client, server := pair(t)
	for i, want := range []uint64{3, 4, 5} {
		_, frame := sealOne(t, client, 0, []byte("x"))
		if got := binary.BigEndian.Uint64(frame[8:]); got != want {
			t.Fatalf("client message %d has nonce %d, want %d", i, got, want)
		}
	}
	_, frame := sealOne(t, server, 0, nil)
	if got := binary.BigEndian.Uint64(frame[8:]); got != 2 {
		t.Fatalf("server's first message has nonce %d, want 2", got)
	}
}

// RFC 26: the peer "SHALL verify that a server connection does use
// correctly incrementing short nonces, and SHALL disconnect from servers
// that reuse a short nonce"; libzmq refuses any nonce not above the last
// (ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE).
func TestOpenRejectsReplay(t *testing.T) {
	client, server := pair(t)
	_, m3 := sealOne(t, client, 0, []byte("three"))
	_, m4 := sealOne(t, client, 0, []byte("four"))
	_, m5 := sealOne(t, client, 0, []byte("five"))
	if _, _, err := server.Open(0, m3); err != nil {
		t.Fatal(err)
	}
	if _, _, err := server.Open(0, m3); !errors.Is(err, zmtp.ErrProtocol) {
		t.Fatalf("replayed MESSAGE: %v, want ErrProtocol", err)
	}
	if _, _, err := server.Open(0, m5); err != nil {
		t.Fatalf("a gap in the nonces is allowed (libzmq): %v", err)
	}
	if _, _, err := server.Open(0, m4); !errors.Is(err, zmtp.ErrProtocol) {
		t.Fatalf("out-of-order MESSAGE: %v, want ErrProtocol", err)
	}
	// A nonce of the handshake (INITIATE's 2) is a replay too.
	_, m2 := sealOne(t, newCipher(client.key, false, 2, 1), 0, nil)
	if _, _, err := newCipher(server.key, true, 2, 2).Open(0, m2); !errors.Is(err, zmtp.ErrProtocol) {
		t.Fatalf("MESSAGE with INITIATE's nonce: %v, want ErrProtocol", err)
	}
}

// A forged nonce does not move the counter: the genuine message still
// opens after a failed one.
func TestOpenFailureKeepsNonce(t *testing.T) {
	client, server := pair(t)
	_, m := sealOne(t, client, 0, []byte("genuine"))
	forged := bytes.Clone(m)
	binary.BigEndian.PutUint64(forged[8:], 1000)
	if _, _, err := server.Open(0, forged); err == nil {
		t.Fatal("forged MESSAGE opened")
	}
	if _, body, err := server.Open(0, m); err != nil || string(body) != "genuine" {
		t.Fatalf("Open after a forgery = %q, %v", body, err)
	}
}

// RFC 26: "The recipient SHALL validate all fields and SHALL reject and
// disconnect from peers who send malformed MESSAGE commands."
func TestOpenRejectsTampered(t *testing.T) {
	client, _ := pair(t)
	_, m := sealOne(t, client, zmtp.FlagMore, []byte("hello, world"))
	for i := range m {
		t.Run("", func(t *testing.T) {
			_, server := pair(t)
			bad := bytes.Clone(m)
			bad[i] ^= 0x20
			if _, _, err := server.Open(0, bad); !errors.Is(err, zmtp.ErrProtocol) {
				t.Fatalf("byte %d flipped: Open error %v, want ErrProtocol", i, err)
			}
		})
	}
	for _, n := range []int{len(m) - 1, messageMin - 1, 16, 8, 0} {
		_, server := pair(t)
		if _, _, err := server.Open(0, m[:n]); !errors.Is(err, zmtp.ErrProtocol) {
			t.Fatalf("cut to %d bytes: Open error %v, want ErrProtocol", n, err)
		}
	}
	_, server := pair(t)
	if _, _, err := server.Open(0, append(bytes.Clone(m), 0)); !errors.Is(err, zmtp.ErrProtocol) {
		t.Fatalf("a byte appended: Open error %v, want ErrProtocol", err)
	}
}

// sealRaw boxes any payload, flags octet included, as a client would.
func sealRaw(c *cipher, nonce uint64, payload []byte) []byte {
	return sealFrom(messageClientPrefix, c.key, nonce, payload)
}

// RFC 26: "Bits 7-1: Reserved ... MUST be zero" (libzmq uses bit 1 for
// COMMAND); a MESSAGE is one frame, its MORE inside; a command is never
// part of a multipart message (RFC 37); anything but MESSAGE is refused.
func TestOpenRejectsMalformed(t *testing.T) {
	client, _ := pair(t)
	tests := []struct {
		name  string
		flags byte
		frame []byte
	}{
		{"reserved flag 0x04", 0, sealRaw(client, 3, []byte{0x04, 'x'})},
		{"reserved flag 0x80", 0, sealRaw(client, 3, []byte{0x80})},
		{"COMMAND with MORE", 0, sealRaw(client, 3, []byte{0x03, 4, 'P', 'I', 'N', 'G', 0, 0})},
		{"empty box", 0, sealRaw(client, 3, nil)},
		{"MESSAGE frame with MORE", zmtp.FlagMore, sealRaw(client, 3, []byte{0})},
		{"a clear PING", zmtp.FlagCommand, zmtp.AppendCommand(nil, zmtp.CmdPing, []byte{0, 0})},
		{"a clear message", 0, []byte("hello")},
		{"a clear ERROR", zmtp.FlagCommand, zmtp.AppendCommand(nil, zmtp.CmdError, []byte("\x03400"))},
		{"MESSAGE from the server's side", 0, func() []byte {
			out := append([]byte(messageHeader), binary.BigEndian.AppendUint64(nil, 3)...)
			return box.SealAfterPrecomputation(out, []byte{0, 'x'}, shortNonce(messageServerPrefix, 3), client.key)
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, server := pair(t)
			if f, b, err := server.Open(tt.flags, tt.frame); !errors.Is(err, zmtp.ErrProtocol) {
				t.Fatalf("Open = %#x %q %v, want ErrProtocol", f, b, err)
			}
		})
	}
	// The same boxes with good flags open, so each case above fails for
	// its own reason.
	_, server := pair(t)
	if _, _, err := server.Open(zmtp.FlagCommand, sealRaw(client, 3, []byte{0x02, 4, 'P', 'I', 'N', 'G', 0, 0})); err != nil {
		t.Fatalf("a boxed command in a frame with the COMMAND flag: %v", err)
	}
}

// RFC 26: "The client SHALL NOT send more than 2^64-1 commands in one
// connection."
func TestSealNonceExhausted(t *testing.T) {
	client, _ := pair(t)
	client.seal.nonce = math.MaxUint64 - 1
	var wire bytes.Buffer
	enc := zmtp.NewEncoder(&wire)
	if err := client.Seal(enc, 0, nil); err != nil {
		t.Fatalf("the last nonce: %v", err)
	}
	if err := client.Seal(enc, 0, nil); !errors.Is(err, zmtp.ErrProtocol) {
		t.Fatalf("past the last nonce: %v, want ErrProtocol", err)
	}
}

// Frames sealed in a batch stay intact until the encoder flushes them,
// whatever their sizes (small ones are copied, large ones referenced), and
// bodies opened earlier stay intact while later ones are opened.
func TestBatchedFramesStayIntact(t *testing.T) {
	client, server := pair(t)
	var wire bytes.Buffer
	enc := zmtp.NewEncoder(&wire)
	var bodies [][]byte
	for i := range 400 {
		n := []int{10, 300, slabMax, slabMax + 10, 20 << 10, 3000}[i%6]
		b := pattern(n, byte(i))
		bodies = append(bodies, b)
		if err := client.Seal(enc, 0, b); err != nil {
			t.Fatal(err)
		}
	}
	enc.Flush()
	dec := zmtp.NewDecoder(&wire, 0)
	var opened [][]byte
	for i := range bodies {
		f, frame, err := dec.Next()
		if err != nil {
			t.Fatal(err)
		}
		_, body, err := server.Open(f, frame)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		opened = append(opened, body)
	}
	for i := range bodies {
		if !bytes.Equal(opened[i], bodies[i]) {
			t.Fatalf("frame %d changed", i)
		}
	}
	// An opened body has no room to grow into its neighbour.
	if b := opened[0]; cap(b) != len(b) {
		t.Fatalf("opened body of %d bytes has capacity %d", len(b), cap(b))
	}
}

// zmtp.Cipher: "A Cipher is used by one writer (Seal) and one reader (Open)
// at the same time" (run with -race).
func TestSealAndOpenConcurrently(t *testing.T) {
	client, server := pair(t)
	const n = 2000
	frames := make(chan []byte, 64)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // the server's writer seals to the client
		defer wg.Done()
		var wire bytes.Buffer
		enc := zmtp.NewEncoder(&wire)
		for i := range n {
			server.Seal(enc, 0, pattern(64, byte(i)))
			enc.Flush()
			wire.Reset()
		}
	}()
	go func() { // the client seals to the server's reader
		defer wg.Done()
		defer close(frames)
		for i := range n {
			_, f := sealOne(t, client, 0, pattern(64, byte(i)))
			frames <- f
		}
	}()
	i := 0
	for f := range frames {
		_, body, err := server.Open(0, f)
		if err != nil || !bytes.Equal(body, pattern(64, byte(i))) {
			t.Fatalf("frame %d: %v", i, err)
		}
		i++
	}
	wg.Wait()
}
