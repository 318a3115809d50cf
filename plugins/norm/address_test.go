package norm

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/zeroplug/zeroplug/sdk"
)

func TestParseAddress(t *testing.T) {
	for _, c := range []struct {
		addr  string
		want  string // String() of the parse, "" for an error
		id    uint32
		iface string
	}{
		{"239.192.1.1:5556", "239.192.1.1:5556", 0, ""},
		{"eth0;239.192.1.1:5556", "eth0;239.192.1.1:5556", 0, "eth0"},
		{"2,eth0;239.192.1.1:5556", "2,eth0;239.192.1.1:5556", 2, "eth0"},
		{"7,239.192.1.1:5556", "7,239.192.1.1:5556", 7, ""},
		{"10.0.0.1;239.192.1.1:5556", "10.0.0.1;239.192.1.1:5556", 0, "10.0.0.1"},
		{"4294967295,lo;224.0.0.1:1", "4294967295,lo;224.0.0.1:1", 4294967295, "lo"},
		{"10.1.2.3:6000", "10.1.2.3:6000", 0, ""}, // unicast
		{"x,eth0;239.192.1.1:5556", "", 0, ""},
		{"4294967296,239.192.1.1:5556", "", 0, ""},
		{";239.192.1.1:5556", "", 0, ""},
		{"eth0;239.192.1.1", "", 0, ""},
		{"239.192.1.1:0", "", 0, ""},
		{"239.192.1.1:65536", "", 0, ""},
		{"239.192.1.1:x", "", 0, ""},
		{"[ff02::1]:5556", "", 0, ""},
		{"0.0.0.0:5556", "", 0, ""},
		{"group:5556", "", 0, ""},
	} {
		a, err := parseAddress(sdk.Endpoint{Scheme: Scheme, Address: c.addr})
		if c.want == "" {
			if !errors.Is(err, sdk.ErrBadEndpoint) {
				t.Errorf("%q: %v, %v; want ErrBadEndpoint", c.addr, a, err)
			}
			continue
		}
		if err != nil || a.String() != c.want || a.nodeID != c.id || a.iface != c.iface {
			t.Errorf("%q: %+v (%s), %v; want %s", c.addr, a, a, err, c.want)
		}
	}
	if _, err := parseAddress(sdk.Endpoint{Scheme: "pgm", Address: "eth0;239.1.1.1:5555"}); !errors.Is(err, sdk.ErrUnknownScheme) {
		t.Errorf("pgm://: %v; want ErrUnknownScheme", err)
	}
}

// TestRefusesOtherSocketTypes: as libzmq, norm serves PUB, XPUB, SUB and
// XSUB, and the error for any other names them. Nothing is opened first.
func TestRefusesOtherSocketTypes(t *testing.T) {
	d := &Driver{}
	ep := sdk.Endpoint{Scheme: Scheme, Address: "lo;239.192.7.9:5556"}
	for _, typ := range []string{"REQ", "REP", "DEALER", "ROUTER", "PUSH", "PULL", "PAIR", "RADIO", "DISH"} {
		_, err := d.Listen(context.Background(), ep, sdk.Options{SocketType: typ})
		if !errors.Is(err, sdk.ErrNotSupported) || !strings.Contains(err.Error(), "PUB, XPUB, SUB and XSUB") ||
			!strings.Contains(err.Error(), typ) {
			t.Errorf("Listen as %s: %v", typ, err)
		}
		_, err = d.Dial(context.Background(), ep, sdk.Options{SocketType: typ})
		if !errors.Is(err, sdk.ErrNotSupported) {
			t.Errorf("Dial as %s: %v", typ, err)
		}
	}
}

// TestUnknownInterface: where libzmq's session aborts the process, the
// bind, the connect's validation and the dial return ErrNoSuchDevice.
func TestUnknownInterface(t *testing.T) {
	d := &Driver{}
	for _, addr := range []string{"nosuchif0;239.192.7.9:5556", "192.0.2.77;239.192.7.9:5556"} {
		ep := sdk.Endpoint{Scheme: Scheme, Address: addr}
		if err := d.Validate(ep, false); !errors.Is(err, sdk.ErrNoSuchDevice) {
			t.Errorf("Validate %s: %v; want ErrNoSuchDevice", addr, err)
		}
		if _, err := d.Listen(context.Background(), ep, sdk.Options{SocketType: "SUB"}); !errors.Is(err, sdk.ErrNoSuchDevice) {
			t.Errorf("Listen %s: %v; want ErrNoSuchDevice", addr, err)
		}
	}
}

// TestUnsupportedMode: the ECN modes of NORM_MODE are refused with the
// modes that work.
func TestUnsupportedMode(t *testing.T) {
	ep := sdk.Endpoint{Scheme: Scheme, Address: "lo;239.192.7.9:5556"}
	a, _ := parseAddress(ep)
	for _, mode := range []string{"2", "3", "4"} {
		_, err := configure(ep, a, sdk.Options{SocketType: "PUB", Extra: map[string]string{"NORM_MODE": mode}})
		if !errors.Is(err, sdk.ErrNotSupported) || !strings.Contains(err.Error(), "NORM-CC") {
			t.Errorf("NORM_MODE %s: %v", mode, err)
		}
	}
	set, err := configure(ep, a, sdk.Options{Rate: 8000, Extra: map[string]string{"NORM_MODE": "0", "NORM_NUM_PARITY": "0", "NORM_BUFFER_SIZE": "64"}})
	if err != nil || !set.session.FixedRate || set.session.Rate != 1e6 || set.session.NumParity != -1 || set.session.BufferSize != 64<<10 {
		t.Errorf("fixed mode: %+v, %v", set.session, err)
	}
	set, err = configure(ep, a, sdk.Options{Extra: map[string]string{"NORM_NUM_AUTOPARITY": "6", "NORM_BLOCK_SIZE": "4"}})
	if err != nil || set.session.NumParity != 6 || set.session.BlockSize != 7 || set.session.NumAutoParity != 6 {
		t.Errorf("libzmq's fix-ups of parity and block size: %+v, %v", set.session, err)
	}
}
