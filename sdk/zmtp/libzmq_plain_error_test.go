package zmtp

import (
	"bytes"
	"errors"
	"testing"
)

// plainErrorConn is a scripted peer for CommandConn: reads come from r,
// writes go to w.
type plainErrorConn struct {
	r *bytes.Reader
	w bytes.Buffer
}

func (c *plainErrorConn) Read(p []byte) (int, error)  { return c.r.Read(p) }
func (c *plainErrorConn) Write(p []byte) (int, error) { return c.w.Write(p) }

// libzmqPlainError400 is what libzmq 4.3.4's PLAIN server sends when its
// ZAP handler answers 400, captured over loopback TCP: a command frame of 9
// bytes, "^RROR" (plain_common.hpp's "\x05ERROR", read by C as the escape
// \x05E and "RROR"), then the reason "400".
var libzmqPlainError400 = unhex("04 09 5e52524f52 03 343030")

// Recv takes libzmq's PLAIN ERROR for the ERROR it means, and nothing else
// that fails to parse.
func TestRecvLibzmqPlainError(t *testing.T) {
	tests := []struct {
		name   string
		wire   []byte
		peer   bool // Recv returns the peer's ERROR, else a protocol error
		reason string
	}{
		{"libzmq 4.3.4 PLAIN, status 400", libzmqPlainError400, true, "400"},
		{"libzmq form, status 500", shortFrame(FlagCommand, []byte("^RROR\x03500")), true, "500"},
		{"libzmq form, empty reason", shortFrame(FlagCommand, []byte("^RROR\x00")), true, ""},
		{"well-formed ERROR", libzmqError, true, "400"},
		{"libzmq form with a byte left over", shortFrame(FlagCommand, []byte("^RROR\x03400x")), false, ""},
		{"libzmq form, reason runs over", shortFrame(FlagCommand, []byte("^RROR\x04400")), false, ""},
		{"libzmq form without a reason", shortFrame(FlagCommand, []byte("^RROR")), false, ""},
		{"another malformed command", shortFrame(FlagCommand, []byte("^RRXR\x03400")), false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn := &plainErrorConn{r: bytes.NewReader(tt.wire)}
			c := &CommandConn{enc: NewEncoder(conn), dec: NewDecoder(conn, 0)}
			cmd, err := c.Recv()
			var pe *PeerError
			if tt.peer {
				if !errors.As(err, &pe) || pe.Reason != tt.reason || !errors.Is(err, ErrAuth) {
					t.Fatalf("Recv = %+v, %v; want the peer's ERROR %q", cmd, err, tt.reason)
				}
				return
			}
			if !errors.Is(err, ErrProtocol) || errors.As(err, &pe) {
				t.Fatalf("Recv = %+v, %v; want a protocol error", cmd, err)
			}
		})
	}
}

// SendFrame writes the frame as given, as a command.
func TestSendFrame(t *testing.T) {
	conn := &plainErrorConn{r: bytes.NewReader(nil)}
	c := &CommandConn{enc: NewEncoder(conn), dec: NewDecoder(conn, 0)}
	if err := c.SendFrame([]byte(LibzmqPlainError + "\x03400")); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(conn.w.Bytes(), libzmqPlainError400) {
		t.Fatalf("SendFrame wrote % x, want % x", conn.w.Bytes(), libzmqPlainError400)
	}
}
