package pgm

import (
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/zeroplug/zeroplug/sdk"
)

// loopbackName is this machine's loopback interface, which every test host has.
func loopbackName(t *testing.T) string {
	t.Helper()
	ifaces, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagLoopback != 0 && ifc.Flags&net.FlagUp != 0 {
			return ifc.Name
		}
	}
	t.Fatal("no loopback interface is up")
	return ""
}

// TestParseAddress: libzmq's IFACE;GROUP:PORT, the interface by name (lo too, which
// OpenPGM skips by name) or by address, resolved without DNS; the forms OpenPGM takes
// beside it; and the errors, each of the kind a caller tests for.
func TestParseAddress(t *testing.T) {
	lo := loopbackName(t)
	for _, tc := range []struct {
		addr  string
		iface string
		port  uint16
		err   error
	}{
		{lo + ";239.192.1.1:5555", lo, 5555, nil},
		{"127.0.0.1;239.192.1.1:5555", lo, 5555, nil},
		{lo + ";239.192.1.1;239.192.1.1:7500", lo, 7500, nil},
		{lo + ";;239.192.1.1:7500", lo, 7500, nil},
		{lo + ";239.192.1.1:0", "", 0, sdk.ErrBadEndpoint},
		{lo + ";239.192.1.1:65536", "", 0, sdk.ErrBadEndpoint},
		{lo + ";239.192.1.1:http", "", 0, sdk.ErrBadEndpoint},
		{lo + ";239.192.1.1", "", 0, sdk.ErrBadEndpoint}, // the port is after the last ':'
		{lo + ";10.0.0.1:5555", "", 0, sdk.ErrBadEndpoint},
		{lo + ";group.example:5555", "", 0, sdk.ErrBadEndpoint},
		{lo + ";239.192.1.1;239.192.1.2:5555", "", 0, sdk.ErrNotSupported},
		{lo + ";239.192.1.1,239.192.1.2:5555", "", 0, sdk.ErrNotSupported},
		{";[ff02::1]:5555", "", 0, sdk.ErrNotSupported},
		{"nosuchif0;239.192.1.1:5555", "", 0, sdk.ErrNoSuchDevice},
		{"192.0.2.77;239.192.1.1:5555", "", 0, sdk.ErrNoSuchDevice},
		{"a;b;c;d:5555", "", 0, sdk.ErrBadEndpoint},
		{strings.Repeat("x", 256) + ":5555", "", 0, sdk.ErrBadEndpoint},
	} {
		a, err := parseAddress(sdk.Endpoint{Scheme: SchemeEPGM, Address: tc.addr})
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("%q: error %v, want %v", tc.addr, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.addr, err)
			continue
		}
		if a.iface.Name != tc.iface || a.port != tc.port || a.group.String() != "239.192.1.1" || !a.local.Is4() {
			t.Errorf("%q: interface %s (%s), group %s, port %d; want %s, 239.192.1.1, %d", tc.addr, a.iface.Name, a.local, a.group, a.port, tc.iface, tc.port)
		}
	}
}

// TestSocketTypes: PUB, XPUB, SUB and XSUB only, as libzmq; the refusal names the four
// and is sdk.ErrNotSupported, at bind and at connect alike.
func TestSocketTypes(t *testing.T) {
	ep := sdk.Endpoint{Scheme: SchemeEPGM, Address: loopbackName(t) + ";239.192.1.1:5555"}
	for _, typ := range []string{"PUB", "XPUB", "SUB", "XSUB"} {
		cfg, err := newConfig(ep, sdk.Options{SocketType: typ})
		if err != nil {
			t.Errorf("%s: %v", typ, err)
		} else if cfg.publisher != (typ == "PUB" || typ == "XPUB") {
			t.Errorf("%s: publisher %v", typ, cfg.publisher)
		}
	}
	for _, typ := range []string{"REQ", "REP", "PUSH", "PULL", "PAIR", "DEALER", "ROUTER", "RADIO", "DISH", ""} {
		for _, call := range []func() error{
			func() error { _, err := (Driver{}).Listen(t.Context(), ep, sdk.Options{SocketType: typ}); return err },
			func() error { _, err := (Driver{}).Dial(t.Context(), ep, sdk.Options{SocketType: typ}); return err },
		} {
			err := call()
			if !errors.Is(err, sdk.ErrNotSupported) || !strings.Contains(err.Error(), "PUB, XPUB, SUB and XSUB") {
				t.Errorf("%q: error %v, want ErrNotSupported naming PUB, XPUB, SUB and XSUB", typ, err)
			}
		}
	}
}

// TestDefaults: the zero options are libzmq's defaults.
func TestDefaults(t *testing.T) {
	ep := sdk.Endpoint{Scheme: SchemePGM, Address: loopbackName(t) + ";239.192.1.1:5555"}
	cfg, err := newConfig(ep, sdk.Options{SocketType: "SUB"})
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.raw || cfg.rateKbit != 100 || cfg.recoveryIvl.Milliseconds() != 10000 || cfg.maxTPDU != 1500 || cfg.sockets.hops != 1 {
		t.Errorf("defaults: %+v", cfg)
	}
	if _, err := newConfig(ep, sdk.Options{SocketType: "SUB", MulticastMaxTPDU: 40}); !errors.Is(err, sdk.ErrNotSupported) {
		t.Errorf("MULTICAST_MAXTPDU 40: %v, want ErrNotSupported", err)
	}
}
