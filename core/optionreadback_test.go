package core

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/sdk/zmtp/curve"
)

// Reading options back by libzmq's names (zmq_getsockopt): every option
// that can be set reads back what was set, and the read-only ones tell
// what libzmq's do.

// writeOnly are the options libzmq itself cannot read back
// (zmq_getsockopt says EINVAL): they act, they hold no value.
var writeOnly = []string{"SUBSCRIBE", "UNSUBSCRIBE"}

// TestEveryOptionReadable: each option that can be set has a getter,
// whichever file's table it is in.
func TestEveryOptionReadable(t *testing.T) {
	for _, name := range OptionNames() {
		spec, _ := lookupOption(name)
		if spec.set != nil && spec.get == nil && !slices.Contains(writeOnly, name) {
			t.Errorf("%s can be set but not read back", name)
		}
	}
}

// TestOptionReadBack sets each option from text, as `-o NAME=VALUE` does,
// and reads it back by name: the value a caller of zmq_getsockopt would
// see, in Go's type.
func TestOptionReadBack(t *testing.T) {
	const key = "rq:rC)Hse8=9Ac5NMVM1Cm*&+)%j4L1Ljxj&s:3:" // a Z85 CURVE key
	cases := []struct {
		name, text string
		want       any
	}{
		{"SNDHWM", "7", 7},
		{"RCVHWM", "0", 0},
		{"LINGER", "250", 250 * time.Millisecond},
		{"LINGER", "-1", time.Duration(-1)},
		{"RECONNECT_IVL", "20", 20 * time.Millisecond},
		{"RECONNECT_IVL_MAX", "400", 400 * time.Millisecond},
		{"ROUTING_ID", "w1", []byte("w1")},
		{"IDENTITY", "w2", []byte("w2")},
		{"MAXMSGSIZE", "4096", int64(4096)},
		{"IMMEDIATE", "1", true},
		{"ROUTER_MANDATORY", "true", true},
		{"ROUTER_HANDOVER", "1", true},
		{"XPUB_VERBOSE", "1", true},
		{"XPUB_VERBOSER", "1", true},
		{"XPUB_NODROP", "1", true},
		{"REQ_CORRELATE", "1", true},
		{"REQ_RELAXED", "1", true},
		{"STREAM_NOTIFY", "0", false},
		{"SNDTIMEO", "15", 15 * time.Millisecond},
		{"RCVTIMEO", "0", time.Duration(0)},
		{"HEARTBEAT_IVL", "100", 100 * time.Millisecond},
		{"HEARTBEAT_TTL", "3000", 3 * time.Second},
		{"HEARTBEAT_TIMEOUT", "500", 500 * time.Millisecond},
		{"HANDSHAKE_IVL", "1000", time.Second},
		{"CONFLATE", "1", true},
		{"IPV6", "1", true},
		{"TCP_KEEPALIVE", "1", 1},
		{"TCP_KEEPALIVE_IDLE", "30", 30 * time.Second},
		{"TCP_KEEPALIVE_INTVL", "5", 5 * time.Second},
		{"TCP_KEEPALIVE_CNT", "4", 4},
		{"SNDBUF", "65536", 65536},
		{"RCVBUF", "32768", 32768},
		{"CONNECT_TIMEOUT", "2000", 2 * time.Second},
		{"PLAIN_SERVER", "1", true},
		{"PLAIN_USERNAME", "admin", "admin"},
		{"PLAIN_PASSWORD", "secret", "secret"},
		{"CURVE_SERVER", "1", true},
		{"CURVE_SECRETKEY", key, key},
		{"CURVE_PUBLICKEY", key, key},
		{"CURVE_SERVERKEY", key, key},
		{"ZAP_DOMAIN", "global", "global"},
		{"TOS", "40", 40},
		{"BINDTODEVICE", "lo", "lo"},
		{"TCP_MAXRT", "1500", 1500 * time.Millisecond},
		{"BACKLOG", "7", 7},
		{"RECONNECT_STOP", "3", 3},
		{"METADATA", "X-Region:eu-west", []string{"X-Region:eu-west"}},
		{"RATE", "1000", 1000},
		{"RECOVERY_IVL", "2500", 2500 * time.Millisecond},
		{"MULTICAST_MAXTPDU", "9000", 9000},
		{"MULTICAST_HOPS", "4", 4},
		{"NORM_MODE", "0", 0},
		{"NORM_UNICAST_NACK", "1", true},
		{"NORM_BUFFER_SIZE", "512", 512},
		{"NORM_SEGMENT_SIZE", "1200", 1200},
		{"NORM_BLOCK_SIZE", "32", 32},
		{"NORM_NUM_PARITY", "0", 0},
		{"NORM_NUM_AUTOPARITY", "2", 2},
		{"NORM_PUSH", "1", true},
	}
	for _, c := range cases {
		t.Run(c.name+"="+c.text, func(t *testing.T) {
			opt, err := ParseOption(c.name, c.text)
			if err != nil {
				t.Fatalf("ParseOption: %v", err)
			}
			s, err := newEnv(t).ctx.NewSocket(DEALER, opt)
			if err != nil {
				t.Fatalf("NewSocket: %v", err)
			}
			defer s.Close()
			got, err := s.Option(c.name)
			if err != nil {
				t.Fatalf("Option: %v", err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("%s = %#v; want %#v", c.name, got, c.want)
			}
			// The ZMQ_ prefix and any case name the same option.
			if again, _ := s.Option("zmq_" + strings.ToLower(c.name)); !reflect.DeepEqual(again, got) {
				t.Fatalf("zmq_%s = %#v; %s = %#v", strings.ToLower(c.name), again, c.name, got)
			}
		})
	}
}

// TestOptionDefaultsReadBack: the defaults read back as libzmq's.
func TestOptionDefaultsReadBack(t *testing.T) {
	s, err := newEnv(t).ctx.NewSocket(DEALER)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for name, want := range map[string]any{
		"SNDHWM": 1000, "RCVHWM": 1000, "LINGER": time.Duration(-1), "RECONNECT_IVL": 100 * time.Millisecond,
		"MAXMSGSIZE": int64(-1), "TCP_KEEPALIVE": -1, "HANDSHAKE_IVL": 30 * time.Second, "BACKLOG": 100,
		"TOS": 0, "TCP_MAXRT": time.Duration(0), "RECONNECT_STOP": 0, "BINDTODEVICE": "", "METADATA": []string{},
		"MECHANISM": "NULL", "CURVE_PUBLICKEY": "", "CURVE_SERVERKEY": "", "IPV6": false,
		"RATE": 100, "RECOVERY_IVL": 10 * time.Second, "MULTICAST_MAXTPDU": 1500, "MULTICAST_HOPS": 1,
		"NORM_MODE": 1, "NORM_UNICAST_NACK": false, "NORM_BUFFER_SIZE": 2048, "NORM_SEGMENT_SIZE": 1400,
		"NORM_BLOCK_SIZE": 16, "NORM_NUM_PARITY": 4, "NORM_NUM_AUTOPARITY": 0, "NORM_PUSH": false,
	} {
		if got, err := s.Option(name); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %#v, %v; want %#v", name, got, err, want)
		}
	}
}

// TestReadOnlyOptions: TYPE, LAST_ENDPOINT, MECHANISM, the CURVE keys a
// client generated, and EVENTS; none of them can be set.
func TestReadOnlyOptions(t *testing.T) {
	e := newEnv(t)
	t.Run("TYPE and LAST_ENDPOINT", func(t *testing.T) {
		s := e.bound(PULL, "tcp://127.0.0.1:*")
		if got, _ := s.Option("TYPE"); got != int(PULL) {
			t.Errorf("TYPE = %v; want %d", got, int(PULL))
		}
		got, _ := s.Option("LAST_ENDPOINT")
		if ep, _ := got.(string); !strings.HasPrefix(ep, "tcp://127.0.0.1:") || strings.HasSuffix(ep, ":*") {
			t.Errorf("LAST_ENDPOINT = %q; want the bound port", got)
		}
	})
	t.Run("MECHANISM", func(t *testing.T) {
		_, secret, err := curve.GenerateKeyPair(nil)
		if err != nil {
			t.Fatal(err)
		}
		for want, opts := range map[string][]Option{
			"NULL":  nil,
			"PLAIN": {PlainUsername("u"), PlainPassword("p")},
			"CURVE": {CurveServer(true), CurveSecretKey(secret.String())},
		} {
			s := e.socket(DEALER, opts...)
			if got, _ := s.Option("MECHANISM"); got != want {
				t.Errorf("MECHANISM = %v; want %s", got, want)
			}
			s.Close()
		}
	})
	t.Run("CURVE keys generated", func(t *testing.T) {
		serverPub, _, err := curve.GenerateKeyPair(nil)
		if err != nil {
			t.Fatal(err)
		}
		// Given only the server's key, a client makes its own pair;
		// both read back in Z85, the public key the secret's.
		s := e.socket(DEALER, CurveServerKey(serverPub.String()))
		pubText, _ := s.Option("CURVE_PUBLICKEY")
		secretText, _ := s.Option("CURVE_SECRETKEY")
		secret, err := curve.ParseKey(secretText.(string))
		if err != nil {
			t.Fatalf("CURVE_SECRETKEY %q: %v", secretText, err)
		}
		if len(pubText.(string)) != 40 || pubText != curve.PublicFromSecret(secret).String() {
			t.Errorf("CURVE_PUBLICKEY = %q; want the Z85 public key of CURVE_SECRETKEY", pubText)
		}
		if got, _ := s.Option("CURVE_SERVERKEY"); got != serverPub.String() {
			t.Errorf("CURVE_SERVERKEY = %q; want %q", got, serverPub)
		}
	})
	t.Run("EVENTS", func(t *testing.T) {
		pull := e.bound(PULL, "inproc://events")
		push := e.connected(PUSH, []string{"inproc://events"})
		if got, _ := pull.Option("EVENTS"); got != 0 {
			t.Errorf("an empty PULL's EVENTS = %v; want 0", got)
		}
		if got, _ := push.Option("EVENTS"); got != int(PollOut) {
			t.Errorf("a connected PUSH's EVENTS = %v; want POLLOUT (2)", got)
		}
		mustSend(t, push, "m")
		eventually(t, func() bool { got, _ := pull.Option("EVENTS"); return got == int(PollIn) }, "PULL's EVENTS to be POLLIN (1)")
	})
	for _, name := range []string{"TYPE", "LAST_ENDPOINT", "MECHANISM", "EVENTS"} {
		if _, err := ParseOption(name, "1"); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseOption(%s): %v; want ErrInvalid", name, err)
		}
	}
}

// TestOptionOfClosedSocket: reading an option of a closed socket is
// ErrClosed, as libzmq's ETERM/ENOTSOCK; an unknown name is ErrInvalid.
func TestOptionOfClosedSocket(t *testing.T) {
	s, err := newEnv(t).ctx.NewSocket(PAIR)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Option("NO_SUCH_OPTION"); !errors.Is(err, ErrInvalid) {
		t.Errorf("an unknown option: %v; want ErrInvalid", err)
	}
	s.Close()
	if _, err := s.Option("SNDHWM"); !errors.Is(err, ErrClosed) {
		t.Errorf("a closed socket: %v; want ErrClosed", err)
	}
}
