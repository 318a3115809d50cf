package curve

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"testing"

	"golang.org/x/crypto/nacl/box"

	"github.com/zeroplug/zeroplug/sdk/zmtp"
	"github.com/zeroplug/zeroplug/sdk/zmtp/internal/mechtest"
)

// The fuzz targets feed each command parser hostile bytes in two ways: as
// they come (raw), which mostly meets the size and box checks, and sealed
// in a box that opens with the vectors' keys (sealed), which reaches what
// lies inside. Errors must be protocol errors, refusals or the script
// running out; nothing may panic, and what is accepted must be what the
// builders make.

// expected reports whether a handshake error is one a hostile peer may
// cause.
func expected(err error) bool {
	return errors.Is(err, zmtp.ErrProtocol) || errors.Is(err, zmtp.ErrAuth) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

func checkExpected(t *testing.T, err error) {
	t.Helper()
	if err != nil && !expected(err) {
		t.Fatalf("error %v is not a protocol error, a refusal or the end of the script", err)
	}
}

// FuzzCurveHello: a server given any HELLO body.
func FuzzCurveHello(f *testing.F) {
	k := newVectorKeys(f)
	f.Add(unhex(f, vecHello)[6:])
	f.Add(make([]byte, helloSize))
	bad := bytes.Clone(unhex(f, vecHello)[6:])
	bad[10] = 0xFF // non-zero padding, which libzmq ignores
	f.Add(bad)
	f.Fuzz(func(t *testing.T, body []byte) {
		cn, nonce, key, err := openHello(body, &k.s)
		if err != nil {
			if !errors.Is(err, zmtp.ErrProtocol) {
				t.Fatalf("openHello error %v", err)
			}
		} else {
			// An accepted HELLO is the one its fields make, padding
			// aside.
			want := appendHello(nil, &cn, key, nonce)
			if !bytes.Equal(body[:2], want[:2]) || !bytes.Equal(body[2+helloPadding:], want[2+helloPadding:]) {
				t.Fatalf("accepted HELLO % x is not what its fields make", body)
			}
		}
		r := scripted(t, Server{SecretKey: k.s, Rand: mechtest.Fixed(vecServerTransientSecret, vecCookieKey, vecCookieNonce, vecWelcomeNonce)},
			false, mechtest.CommandFrame(CmdHello, body))
		checkExpected(t, r.Err)
		if got := mechtest.Commands(r.Sent); len(got) > 1 || len(got) == 1 && got[0] != CmdWelcome || (err == nil) != (len(got) == 1) {
			t.Fatalf("server sent %q after a HELLO that opens: %v", got, err == nil)
		}
	})
}

// FuzzCurveWelcome: a client given any WELCOME body, raw or with its box
// holding any 128 bytes (S' and the cookie).
func FuzzCurveWelcome(f *testing.F) {
	k := newVectorKeys(f)
	f.Add(unhex(f, vecWelcome)[8:], false)
	f.Add(append(bytes.Clone(vecWelcomeNonce), append(k.snPublic[:], unhex(f, vecCookie)...)...), true)
	f.Add(append(bytes.Clone(vecWelcomeNonce), make([]byte, 128)...), true)
	f.Fuzz(func(t *testing.T, data []byte, sealed bool) {
		body := data
		if sealed {
			if len(data) < 16 {
				return
			}
			body = box.SealAfterPrecomputation(bytes.Clone(data[:16]), data[16:], longNonce(welcomePrefix, data[:16]), k.hello)
		}
		sn, cookie, err := openWelcome(body, k.hello)
		if err == nil {
			if again := appendWelcome(nil, k.hello, body[:16], &sn, cookie); !bytes.Equal(again, body) {
				t.Fatalf("accepted WELCOME % x is not what its fields make", body)
			}
		} else if !errors.Is(err, zmtp.ErrProtocol) {
			t.Fatalf("openWelcome error %v", err)
		}
		cl := Client{ServerKey: k.S, PublicKey: k.C, SecretKey: k.c, Rand: mechtest.Fixed(vecClientTransientSecret, vecVouchNonce)}
		r := scripted(t, cl, true, mechtest.CommandFrame(CmdWelcome, body))
		checkExpected(t, r.Err)
	})
}

// FuzzCurveInitiate: a server, after a good HELLO, given any INITIATE:
// mode 0 a raw body; mode 1 any box contents (C, vouch, metadata) under
// the session key with a good cookie; mode 2 any metadata behind a good C
// and vouch.
func FuzzCurveInitiate(f *testing.F) {
	k := newVectorKeys(f)
	f.Add(unhex(f, vecInitiate)[9:], byte(0))
	f.Add(append(append(k.C[:32:32], make([]byte, vouchSize)...), pairMetadata...), byte(1))
	f.Add(pairMetadata, byte(2))
	f.Add(zmtp.Metadata{{Name: "Socket-Type", Value: []byte("PAIR")}, {Name: "Identity", Value: []byte("x")}}.Append(nil), byte(2))
	f.Add([]byte("\x0bSocket-Type\x00\x00\x00\x09PAIR"), byte(2))
	f.Fuzz(func(t *testing.T, data []byte, mode byte) {
		var sent []byte
		r := serverHandshake(t, Server{}, nil, func(cs *clientSteps) [][]byte {
			switch mode % 3 {
			case 0:
				sent = data
			case 1:
				sent = append(append(bytes.Clone(cs.cookie), 0, 0, 0, 0, 0, 0, 0, 2),
					box.SealAfterPrecomputation(nil, data, shortNonce(initiatePrefix, 2), cs.k.session)...)
			case 2:
				sent = cs.initiateBody(func(in *initiate) { in.metadata = data })
			}
			return [][]byte{mechtest.CommandFrame(CmdInitiate, sent)}
		})
		checkExpected(t, r.Err)
		if r.Err != nil {
			return
		}
		// Accepted: the metadata is well formed and names a PAIR.
		if r.Peer.SocketType != "PAIR" {
			t.Fatalf("accepted a %q", r.Peer.SocketType)
		}
		if mode%3 == 2 {
			md, err := zmtp.ParseMetadata(data)
			if err != nil || !bytes.Equal(md.Append(nil), data) {
				t.Fatalf("accepted metadata % x", data)
			}
		}
	})
}

// FuzzCurveReady: a client, after a good WELCOME, given any READY: raw, or
// any metadata sealed under the session key with any nonce.
func FuzzCurveReady(f *testing.F) {
	k := newVectorKeys(f)
	ss := &serverSteps{k}
	f.Add(unhex(f, vecReady)[6:], false)
	f.Add(append([]byte{0, 0, 0, 0, 0, 0, 0, 1}, pairMetadata...), true)
	f.Add(append([]byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, pairMetadata...), true)
	f.Add([]byte("\x00\x00\x00\x00\x00\x00\x00\x01\x0bSocket-Type\x00\x00\x00\x09PAIR"), true)
	f.Fuzz(func(t *testing.T, data []byte, sealed bool) {
		body := data
		if sealed {
			if len(data) < 8 {
				return
			}
			body = appendReady(nil, k.session, binary.BigEndian.Uint64(data), data[8:])
		}
		nonce, md, err := openReady(body, k.session)
		if err == nil {
			if again := appendReady(nil, k.session, nonce, md.Append(nil)); !bytes.Equal(again, body) {
				t.Fatalf("accepted READY % x is not what its fields make", body)
			}
		} else if !errors.Is(err, zmtp.ErrProtocol) {
			t.Fatalf("openReady error %v", err)
		}
		cl := Client{ServerKey: k.S, PublicKey: k.C, SecretKey: k.c, Rand: mechtest.Fixed(vecClientTransientSecret, vecVouchNonce)}
		r := scripted(t, cl, true, ss.welcome(nil), mechtest.CommandFrame(zmtp.CmdReady, body))
		checkExpected(t, r.Err)
		if r.Err == nil {
			// The data phase goes on after READY's nonce.
			c := r.Peer.Cipher
			if _, _, err := c.Open(0, sealFrom(messageServerPrefix, k.session, nonce, []byte{0})); err == nil {
				t.Fatal("a MESSAGE with READY's nonce opened")
			}
			if nonce < math.MaxUint64 {
				if _, _, err := c.Open(0, sealFrom(messageServerPrefix, k.session, nonce+1, []byte{0})); err != nil {
					t.Fatalf("the MESSAGE after READY: %v", err)
				}
			}
		}
	})
}

// sealFrom boxes a MESSAGE payload, flags octet first, as the side with
// prefix would.
func sealFrom(prefix string, key *[32]byte, nonce uint64, payload []byte) []byte {
	out := append([]byte(messageHeader), binary.BigEndian.AppendUint64(nil, nonce)...)
	return box.SealAfterPrecomputation(out, payload, shortNonce(prefix, nonce), key)
}

// FuzzCurveMessage: the data phase given any MESSAGE frame, raw or with
// any payload (flags octet first) sealed under the session key with the
// client's next nonce.
func FuzzCurveMessage(f *testing.F) {
	f.Add(mustUnhex(vecMessageClient3), byte(0), false)
	f.Add([]byte{0x01, 'H', 'i'}, byte(0), true)
	f.Add([]byte{0x02, 4, 'P', 'I', 'N', 'G', 0, 0}, zmtp.FlagCommand, true)
	f.Add([]byte{0x03}, byte(0), true)
	f.Add([]byte{0x80}, byte(0), true)
	f.Add([]byte{}, zmtp.FlagMore, true)
	f.Fuzz(func(t *testing.T, data []byte, outer byte, sealed bool) {
		_, server := pair(t)
		frame := data
		if sealed {
			frame = sealRaw(server, 3, data)
		}
		flags, body, err := server.Open(outer&(zmtp.FlagMore|zmtp.FlagCommand), frame)
		if err != nil {
			if !errors.Is(err, zmtp.ErrProtocol) {
				t.Fatalf("Open error %v", err)
			}
			return
		}
		// Accepted: seal it again at the same nonce and get the same
		// frame.
		client, _ := pair(t)
		client.seal.nonce = binary.BigEndian.Uint64(frame[8:16])
		_, again := sealOne(t, client, flags, body)
		if !bytes.Equal(again, frame) {
			t.Fatalf("opened %#x % x from % x, which seals as % x", flags, body, frame, again)
		}
	})
}

// FuzzCurveServer and FuzzCurveClient: any bytes after the peer's
// greeting.
func FuzzCurveServer(f *testing.F) {
	f.Add(bytes.Join([][]byte{mechtest.CommandFrame(CmdHello, mustUnhex(vecHello)[6:]), mechtest.CommandFrame(CmdInitiate, mustUnhex(vecInitiate)[9:])}, nil))
	f.Fuzz(func(t *testing.T, stream []byte) {
		k := newVectorKeys(t)
		r := scripted(t, Server{SecretKey: k.s, Rand: mechtest.Fixed(vecServerTransientSecret, vecCookieKey, vecCookieNonce, vecWelcomeNonce)}, false, stream)
		checkExpected(t, r.Err)
	})
}

func FuzzCurveClient(f *testing.F) {
	f.Add(bytes.Join([][]byte{mechtest.CommandFrame(CmdWelcome, mustUnhex(vecWelcome)[8:]), mechtest.CommandFrame(zmtp.CmdReady, mustUnhex(vecReady)[6:])}, nil))
	f.Add(mechtest.CommandFrame(zmtp.CmdError, []byte("\x03400")))
	f.Fuzz(func(t *testing.T, stream []byte) {
		k := newVectorKeys(t)
		cl := Client{ServerKey: k.S, PublicKey: k.C, SecretKey: k.c, Rand: mechtest.Fixed(vecClientTransientSecret, vecVouchNonce)}
		checkExpected(t, scripted(t, cl, true, stream).Err)
	})
}
