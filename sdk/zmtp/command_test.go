package zmtp

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestParseCommand(t *testing.T) {
	tests := []struct {
		name     string
		frame    []byte
		wantName string
		wantBody []byte
	}{
		// command-body = command-name command-data;
		// command-name = short-size 1*255command-name-char
		{"libzmq READY", libzmqReadyReq[2:], CmdReady, libzmqReadyReq[8:]},
		{"libzmq SUBSCRIBE", libzmqSubscribe[2:], CmdSubscribe, []byte("topic")},
		{"libzmq CANCEL", libzmqCancel[2:], CmdCancel, []byte("topic")},
		{"libzmq PING", libzmqPing[2:], CmdPing, []byte{0x00, 0x1e}},
		{"libzmq PONG without context", libzmqPongEmpty[2:], CmdPong, nil},
		{"libzmq ERROR", libzmqError[2:], CmdError, []byte("\x03400")},
		// command-data = *OCTET: it may be empty.
		{"name only", []byte("\x09SUBSCRIBE"), CmdSubscribe, nil},
		{"255-byte name", cat([]byte{255}, bytes.Repeat([]byte("A"), 255), []byte("data")), strings.Repeat("A", 255), []byte("data")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd, err := ParseCommand(tt.frame)
			if err != nil {
				t.Fatalf("ParseCommand: %v", err)
			}
			if cmd.Name != tt.wantName || !bytes.Equal(cmd.Body, tt.wantBody) {
				t.Errorf("ParseCommand = %q %q, want %q %q", cmd.Name, cmd.Body, tt.wantName, tt.wantBody)
			}
		})
	}
}

func TestParseCommandRejects(t *testing.T) {
	tests := []struct {
		name  string
		frame []byte
	}{
		{"empty frame", nil},
		// 1*255command-name-char: a name has at least one character.
		{"zero-length name", []byte("\x00READY")},
		{"zero-length name alone", []byte{0}},
		{"name longer than the frame", []byte("\x05READ")},
		{"name length only", []byte{4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd, err := ParseCommand(tt.frame)
			if !errors.Is(err, ErrProtocol) {
				t.Errorf("ParseCommand = %q, %v; want an ErrProtocol", cmd.Name, err)
			}
		})
	}
}

func TestIsCommand(t *testing.T) {
	tests := []struct {
		name  string
		frame []byte
		cmd   string
		want  bool
	}{
		{"PING", libzmqPing[2:], CmdPing, true},
		{"PONG without context", libzmqPongEmpty[2:], CmdPong, true},
		{"SUBSCRIBE", libzmqSubscribe[2:], CmdSubscribe, true},
		{"SUBSCRIBE is not CANCEL", libzmqSubscribe[2:], CmdCancel, false},
		{"PING is not PONG", libzmqPing[2:], CmdPong, false},
		// The length octet is part of the name: "PINGS" is not "PING".
		{"longer name with the same prefix", []byte("\x05PINGS\x00\x00"), CmdPing, false},
		{"length octet says shorter", []byte("\x03PING"), CmdPing, false},
		{"truncated name", []byte("\x04PIN"), CmdPing, false},
		{"empty frame", nil, CmdPing, false},
		// Command names are compared exactly, as libzmq does.
		{"lower case", []byte("\x04ping\x00\x00"), CmdPing, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsCommand(tt.frame, tt.cmd); got != tt.want {
				t.Errorf("IsCommand(%q, %q) = %v, want %v", tt.frame, tt.cmd, got, tt.want)
			}
		})
	}
}

func TestAppendCommand(t *testing.T) {
	tests := []struct {
		name string
		cmd  string
		body []byte
		want []byte // a command frame body, as libzmq sends it
	}{
		{"SUBSCRIBE", CmdSubscribe, []byte("topic"), libzmqSubscribe[2:]},
		{"PING", CmdPing, []byte{0x00, 0x1e}, libzmqPing[2:]},
		{"PONG without context", CmdPong, nil, libzmqPongEmpty[2:]},
		{"ERROR", CmdError, AppendError(nil, "400"), libzmqError[2:]},
		{"READY", CmdReady, libzmqReadyDealer[8:], libzmqReadyDealer[2:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AppendCommand(nil, tt.cmd, tt.body); !bytes.Equal(got, tt.want) {
				t.Errorf("AppendCommand = % x, want % x", got, tt.want)
			}
			if got := AppendCommand([]byte("p"), tt.cmd, tt.body); !bytes.Equal(got, cat([]byte("p"), tt.want)) {
				t.Errorf("AppendCommand after a prefix = % x", got)
			}
		})
	}
}

// IsCommand is on the engine's hot path: it must not allocate.
func TestIsCommandAllocs(t *testing.T) {
	frame := libzmqSubscribe[2:]
	allocs := testing.AllocsPerRun(100, func() {
		if !IsCommand(frame, CmdSubscribe) || IsCommand(frame, CmdPing) {
			t.Fatal("IsCommand is wrong")
		}
	})
	if allocs != 0 {
		t.Errorf("IsCommand allocates %v times", allocs)
	}
}

func equalMetadata(a, b Metadata) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || !bytes.Equal(a[i].Value, b[i].Value) {
			return false
		}
	}
	return true
}

func TestMetadataRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		m    Metadata
		wire []byte // nil: not checked
	}{
		// metadata = *property: READY may carry none.
		{"empty", nil, []byte{}},
		// RFC 37, "Worked Example": the DEALER's properties.
		{"worked example", Metadata{prop("Socket-Type", "DEALER"), prop("Identity", "")},
			unhex("0b 536f636b65742d54797065 00000006 4445414c4552 08 4964656e74697479 00000000")},
		{"libzmq DEALER", Metadata{prop("Socket-Type", "DEALER"), prop("Identity", "peer-1")}, libzmqReadyDealer[8:]},
		// "Zero-sized values are allowed"; values are opaque binary.
		{"binary value", Metadata{prop("X-Bin", "\x00\xff\x00")}, unhex("05 582d42696e 00000003 00ff00")},
		// name-char = ALPHA | DIGIT | "-" | "_" | "." | "+"
		{"every name-char", Metadata{prop("azAZ09-_.+", "v")}, nil},
		// name = short-size 1*255name-char
		{"255-byte name", Metadata{prop(strings.Repeat("n", 255), "v")}, nil},
		{"one-byte name", Metadata{prop("n", "")}, unhex("01 6e 00000000")},
		{"value over 255 bytes", Metadata{{Name: "X-Big", Value: pattern(70000, 0)}}, nil},
		{"many", Metadata{prop("Socket-Type", "ROUTER"), prop("Identity", "id"), prop("Resource", "a/b"), prop("X-App", "1")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wire := tt.m.Append(nil)
			if tt.wire != nil && !bytes.Equal(wire, tt.wire) {
				t.Errorf("Append =\n% x\nwant\n% x", wire, tt.wire)
			}
			got, err := ParseMetadata(wire)
			if err != nil {
				t.Fatalf("ParseMetadata: %v", err)
			}
			if !equalMetadata(got, tt.m) {
				t.Errorf("ParseMetadata(Append(m)) = %v, want %v", got, tt.m)
			}
			// Append adds to what is there.
			if withPrefix := tt.m.Append([]byte("\x05READY")); !bytes.Equal(withPrefix, cat([]byte("\x05READY"), wire)) {
				t.Errorf("Append after a prefix = % x", withPrefix)
			}
		})
	}
}

func TestMetadataGet(t *testing.T) {
	m, err := ParseMetadata(libzmqReadyDealer[8:])
	if err != nil {
		t.Fatal(err)
	}
	m = append(m, prop("X-Dup", "first"), prop("x-dup", "second"))
	tests := []struct {
		name   string
		lookup string
		want   string
		ok     bool
	}{
		// RFC 37, "Connection Metadata": "Metadata names SHALL be
		// case-insensitive."
		{"as sent", "Socket-Type", "DEALER", true},
		{"lower case", "socket-type", "DEALER", true},
		{"upper case", "SOCKET-TYPE", "DEALER", true},
		{"mixed case", "iDeNtItY", "peer-1", true},
		{"missing", "Resource", "", false},
		{"prefix is not a match", "Socket", "", false},
		{"empty name", "", "", false},
		// The first of two properties that differ only in case wins.
		{"duplicate", "X-DUP", "first", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, ok := m.Get(tt.lookup)
			if ok != tt.ok || string(v) != tt.want {
				t.Errorf("Get(%q) = %q, %v; want %q, %v", tt.lookup, v, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestParseMetadataRejects(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
	}{
		// "The name SHALL be 1 to 255 characters. Zero-sized names are
		// not valid."
		{"zero-length name", unhex("00 00000000")},
		{"zero-length name after a good one", cat(unhex("01 61 00000000"), unhex("00 00000000"))},
		{"name cut", unhex("0b 536f636b6574")},
		{"name without value size", unhex("01 61")},
		{"value size cut", unhex("01 61 000000")},
		// value = 4OCTET *OCTET: the size must not pass the end.
		{"value cut", unhex("01 61 0000000a 6162636465")},
		{"value size 2^32-1", unhex("01 61 ffffffff 61")},
		{"trailing octet", cat(unhex("01 61 00000000"), []byte{0x05})},
		// name-char = ALPHA | DIGIT | "-" | "_" | "." | "+"
		{"space in name", unhex("03 612062 00000000")},
		{"colon in name", unhex("02 613a 00000000")},
		{"slash in name", unhex("02 612f 00000000")},
		{"zero octet in name", unhex("02 6100 00000000")},
		{"high octet in name", unhex("02 61c3 00000000")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseMetadata(tt.b)
			if !errors.Is(err, ErrProtocol) {
				t.Errorf("ParseMetadata = %v, %v; want an ErrProtocol", m, err)
			}
		})
	}
}

func TestParsePing(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		want Ping
	}{
		// ping = command-size %d4 "PING" ping-ttl ping-context;
		// ping-ttl = 2OCTET; ping-context = 0*16OCTET
		{"libzmq PING", libzmqPing[7:], Ping{TTL: 30}},
		{"no TTL", []byte{0, 0}, Ping{}},
		// "the maximum TTL is 6553.5 seconds"
		{"largest TTL", []byte{0xff, 0xff}, Ping{TTL: 65535}},
		{"one-byte context", []byte{0, 1, 'c'}, Ping{TTL: 1, Context: []byte("c")}},
		{"16-byte context", cat([]byte{1, 0}, []byte("ctx-0123456789ab")), Ping{TTL: 256, Context: []byte("ctx-0123456789ab")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePing(tt.body)
			if err != nil {
				t.Fatalf("ParsePing: %v", err)
			}
			if p.TTL != tt.want.TTL || !bytes.Equal(p.Context, tt.want.Context) {
				t.Errorf("ParsePing = %+v, want %+v", p, tt.want)
			}
			if b := p.Append(nil); !bytes.Equal(b, tt.body) {
				t.Errorf("Append = % x, want % x", b, tt.body)
			}
		})
	}
}

func TestParsePingRejects(t *testing.T) {
	tests := []struct {
		name string
		body []byte
	}{
		{"empty", nil},
		{"half a TTL", []byte{0}},
		// ping-context = 0*16OCTET
		{"17-byte context", cat([]byte{0, 0}, pattern(17, 0))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePing(tt.body)
			if !errors.Is(err, ErrProtocol) {
				t.Errorf("ParsePing = %+v, %v; want an ErrProtocol", p, err)
			}
		})
	}
}

// pong = command-size %d4 "PONG" ping-context: the PONG echoes the PING's
// context, as libzmq does.
func TestPongEchoesContext(t *testing.T) {
	ping := cat([]byte{0, 10}, []byte("ctx-0123456789ab"))
	p, err := ParsePing(ping)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	e := NewEncoder(&buf)
	e.Command(CmdPong, p.Context)
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), libzmqPongCtx) {
		t.Errorf("PONG = % x, libzmq sends % x", buf.Bytes(), libzmqPongCtx)
	}
}

func TestParseError(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		want string
	}{
		// error-reason = short-size 0*255VCHAR
		{"libzmq ZAP denial", libzmqError[8:], "400"},
		{"empty reason", []byte{0}, ""},
		{"255-byte reason", cat([]byte{255}, bytes.Repeat([]byte("r"), 255)), strings.Repeat("r", 255)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseError(tt.body)
			if err != nil || got != tt.want {
				t.Fatalf("ParseError = %q, %v; want %q", got, err, tt.want)
			}
			if b := AppendError(nil, got); !bytes.Equal(b, tt.body) {
				t.Errorf("AppendError = % x, want % x", b, tt.body)
			}
		})
	}
}

func TestParseErrorRejects(t *testing.T) {
	tests := []struct {
		name string
		body []byte
	}{
		{"empty", nil},
		{"reason cut", []byte("\x05abc")},
		{"length only", []byte{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseError(tt.body)
			if !errors.Is(err, ErrProtocol) {
				t.Errorf("ParseError = %q, %v; want an ErrProtocol", r, err)
			}
		})
	}
}

func TestAppendErrorTruncates(t *testing.T) {
	long := strings.Repeat("x", 300)
	b := AppendError([]byte("prefix"), long)
	if !bytes.Equal(b, cat([]byte("prefix"), []byte{255}, []byte(long[:255]))) {
		t.Fatalf("AppendError of 300 bytes = %d bytes starting % x", len(b), b[:8])
	}
	if r, err := ParseError(b[len("prefix"):]); err != nil || r != long[:255] {
		t.Errorf("ParseError(AppendError) = %d bytes, %v", len(r), err)
	}
}

// FuzzCommand parses arbitrary command frame bodies, and their data as
// metadata, PING and ERROR bodies. Nothing may panic; whatever parses must
// encode back to the bytes it came from, since each encoding is unique.
func FuzzCommand(f *testing.F) {
	f.Add(libzmqReadyDealer[2:])
	f.Add(libzmqPing[2:])
	f.Add(libzmqError[2:])
	f.Fuzz(func(t *testing.T, frame []byte) {
		cmd, err := ParseCommand(frame)
		if err != nil {
			if !errors.Is(err, ErrProtocol) {
				t.Fatalf("ParseCommand error %v is not an ErrProtocol", err)
			}
			// The data parsers must survive any bytes, not only the
			// tail of a good command.
			cmd.Body = frame
		} else {
			if cmd.Name == "" || 1+len(cmd.Name)+len(cmd.Body) != len(frame) {
				t.Fatalf("ParseCommand(% x) = %q % x", frame, cmd.Name, cmd.Body)
			}
			if !IsCommand(frame, cmd.Name) {
				t.Fatalf("IsCommand(% x, %q) = false", frame, cmd.Name)
			}
			if b := AppendCommand(nil, cmd.Name, cmd.Body); !bytes.Equal(b, frame) {
				t.Fatalf("AppendCommand(%q) = % x, want % x", cmd.Name, b, frame)
			}
			var buf bytes.Buffer
			e := NewEncoder(&buf)
			e.Command(cmd.Name, cmd.Body)
			if err := e.Flush(); err != nil {
				t.Fatal(err)
			}
			_, body, err := NewDecoder(&buf, 0).Next()
			if err != nil || !bytes.Equal(body, frame) {
				t.Fatalf("Encoder.Command(%q) decodes to % x, %v; want % x", cmd.Name, body, err, frame)
			}
		}

		if m, err := ParseMetadata(cmd.Body); err == nil {
			if b := m.Append(nil); !bytes.Equal(b, cmd.Body) {
				t.Fatalf("ParseMetadata(% x).Append = % x", cmd.Body, b)
			}
			for _, p := range m {
				if v, ok := m.Get(strings.ToUpper(p.Name)); !ok || len(v) > len(cmd.Body) {
					t.Fatalf("Get(%q) = %v", strings.ToUpper(p.Name), ok)
				}
			}
		} else if !errors.Is(err, ErrProtocol) {
			t.Fatalf("ParseMetadata error %v is not an ErrProtocol", err)
		}

		if p, err := ParsePing(cmd.Body); err == nil {
			if len(p.Context) > 16 || !bytes.Equal(p.Append(nil), cmd.Body) {
				t.Fatalf("ParsePing(% x) = %+v", cmd.Body, p)
			}
		} else if !errors.Is(err, ErrProtocol) {
			t.Fatalf("ParsePing error %v is not an ErrProtocol", err)
		}

		if r, err := ParseError(cmd.Body); err == nil {
			if b := AppendError(nil, r); !bytes.Equal(b, cmd.Body[:1+len(r)]) {
				t.Fatalf("ParseError(% x) = %q", cmd.Body, r)
			}
		} else if !errors.Is(err, ErrProtocol) {
			t.Fatalf("ParseError error %v is not an ErrProtocol", err)
		}
	})
}
