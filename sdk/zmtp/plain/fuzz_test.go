package plain

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/zeroplug/zeroplug/sdk/zmtp"
)

// expected reports whether a handshake error is one a hostile peer may
// cause: a protocol error, a refusal, or the script running out.
func expected(err error) bool {
	return errors.Is(err, zmtp.ErrProtocol) || errors.Is(err, zmtp.ErrAuth) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// FuzzPlainHello feeds a PLAIN server any HELLO body: ParseHello must
// accept exactly what AppendHello makes, and the server must answer with
// WELCOME or ERROR or nothing, never fail otherwise.
func FuzzPlainHello(f *testing.F) {
	f.Add([]byte("\x05admin\x06secret"))
	f.Add([]byte("\x05admin\x05guess"))
	f.Add([]byte("\x00\x00"))
	f.Add([]byte("\x05admin"))
	f.Fuzz(func(t *testing.T, body []byte) {
		u, p, err := ParseHello(body)
		if err == nil {
			back, err := AppendHello(nil, string(u), string(p))
			if err != nil || !bytes.Equal(back, body) {
				t.Fatalf("ParseHello(% x) = %q %q, which encode as % x", body, u, p, back)
			}
		} else if !errors.Is(err, zmtp.ErrProtocol) {
			t.Fatalf("ParseHello error %v is not ErrProtocol", err)
		}
		r := scripted(t, Server{Auth: admin}, false, cmd(CmdHello, string(body)), cmd(CmdInitiate, string(pairReady)))
		if r.Err != nil && !expected(r.Err) {
			t.Fatalf("Handshake error %v", r.Err)
		}
		if r.Err == nil && (string(u) != "admin" || string(p) != "secret") {
			t.Fatalf("server let %q %q in", u, p)
		}
		// At most the mechanism's two commands and Handshake's ERROR
		// for a socket type that may not talk to PAIR.
		if len(r.Sent) > 3 {
			t.Fatalf("server sent %d commands", len(r.Sent))
		}
	})
}

// FuzzPlainInitiate feeds a PLAIN server a good HELLO and then any
// INITIATE body: the metadata parser must survive it, and what it accepts
// must come back out unchanged.
func FuzzPlainInitiate(f *testing.F) {
	f.Add(pairReady)
	f.Add(zmtp.Metadata{{Name: "Socket-Type", Value: []byte("PAIR")}, {Name: "Identity", Value: []byte("peer")}}.Append(nil))
	f.Add([]byte("\x0bSocket-Type\x00\x00\x00\x09PAIR"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, body []byte) {
		r := scripted(t, Server{Auth: admin}, false, cmd(CmdHello, "\x05admin\x06secret"), cmd(CmdInitiate, string(body)))
		if r.Err != nil {
			if !expected(r.Err) {
				t.Fatalf("Handshake error %v", r.Err)
			}
			return
		}
		md, err := zmtp.ParseMetadata(body)
		if err != nil {
			t.Fatalf("accepted INITIATE metadata that does not parse: %v", err)
		}
		if again := md.Append(nil); !bytes.Equal(again, body) {
			t.Fatalf("metadata % x re-encodes as % x", body, again)
		}
		if r.Peer.SocketType != "PAIR" {
			t.Fatalf("socket type %q", r.Peer.SocketType)
		}
	})
}

// FuzzPlainClient feeds a PLAIN client any bytes after the server's
// greeting.
func FuzzPlainClient(f *testing.F) {
	f.Add(bytes.Join([][]byte{cmd(CmdWelcome, ""), cmd(zmtp.CmdReady, string(pairReady))}, nil))
	f.Add(cmd(zmtp.CmdError, "\x03400"))
	f.Add(bytes.Join([][]byte{cmd(CmdWelcome, ""), cmd(zmtp.CmdError, "\x03500")}, nil))
	f.Fuzz(func(t *testing.T, stream []byte) {
		r := scripted(t, Client{"admin", "secret"}, true, stream)
		if r.Err != nil && !expected(r.Err) {
			t.Fatalf("Handshake error %v", r.Err)
		}
		// At most the mechanism's two commands and Handshake's ERROR
		// for a socket type that may not talk to PAIR.
		if len(r.Sent) > 3 {
			t.Fatalf("client sent %d commands", len(r.Sent))
		}
	})
}

// FuzzPlainServer feeds a PLAIN server any bytes after the client's
// greeting.
func FuzzPlainServer(f *testing.F) {
	f.Add(bytes.Join([][]byte{cmd(CmdHello, "\x05admin\x06secret"), cmd(CmdInitiate, string(pairReady))}, nil))
	f.Add(bytes.Join([][]byte{cmd(CmdHello, "\x05admin\x05guess"), cmd(CmdInitiate, string(pairReady))}, nil))
	f.Fuzz(func(t *testing.T, stream []byte) {
		r := scripted(t, Server{Auth: admin}, false, stream)
		if r.Err != nil && !expected(r.Err) {
			t.Fatalf("Handshake error %v", r.Err)
		}
		// At most the mechanism's two commands and Handshake's ERROR
		// for a socket type that may not talk to PAIR.
		if len(r.Sent) > 3 {
			t.Fatalf("server sent %d commands", len(r.Sent))
		}
	})
}
