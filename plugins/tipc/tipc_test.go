package tipc

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/internal/vmguest"
	"github.com/zeroplug/zeroplug/sdk"
	"github.com/zeroplug/zeroplug/sdk/pluginhost"
	"github.com/zeroplug/zeroplug/sdk/sdktest"
)

// The tests in this file run anywhere; those that open TIPC sockets are in
// socket_test.go, behind vmguest.RequireTIPC.

func TestParse(t *testing.T) {
	tests := []struct {
		addr   string
		bind   bool
		want   address
		reason string // a part of the error's reason, when it fails
	}{
		{addr: "{5555,0,0}", bind: true, want: address{kind: serviceRange, typ: 5555}},
		{addr: "{5555,0,100}", bind: true, want: address{kind: serviceRange, typ: 5555, upper: 100}},
		{addr: "{5555, 0, 100}", bind: true, want: address{kind: serviceRange, typ: 5555, upper: 100}},
		{addr: "{64,4294967295,4294967295}", bind: true, want: address{kind: serviceRange, typ: 64, lower: 4294967295, upper: 4294967295}},
		{addr: "{5555,10,20}", want: address{kind: serviceRange, typ: 5555, lower: 10, upper: 20}},
		{addr: "{5555,50}", want: address{kind: serviceName, typ: 5555, lower: 50, upper: 50}},
		{addr: "{5555,50}", bind: true, want: address{kind: serviceName, typ: 5555, lower: 50, upper: 50}},
		{addr: "{5555,50}@0.0.0", want: address{kind: serviceName, typ: 5555, lower: 50, upper: 50, hasDomain: true}},
		{addr: "{5555,50}@1.2.3", want: address{kind: serviceName, typ: 5555, lower: 50, upper: 50, hasDomain: true, domain: 1<<24 | 2<<12 | 3}},
		{addr: "{5555,50}@255.4095.4095", want: address{kind: serviceName, typ: 5555, lower: 50, upper: 50, hasDomain: true, domain: 0xffffffff}},
		{addr: "<*>", bind: true, want: address{kind: randomPort}},
		{addr: "<1.2.3:4>", want: address{kind: portID, node: 1<<24 | 2<<12 | 3, ref: 4}},
		{addr: "<0.0.0:1578911474>", want: address{kind: portID, ref: 1578911474}},

		// libzmq's own refusals.
		{addr: "<*>", reason: "cannot connect to a random port identity"},
		{addr: "<1.2.3:4>", bind: true, reason: "cannot bind a port identity"},
		{addr: "{63,0,0}", bind: true, reason: "type 63 is reserved"},
		{addr: "{0,1}", reason: "type 0 is reserved"},
		{addr: "{5555,2,1}", bind: true, reason: "lower bound 2 is above the upper bound 1"},
		// Malformed.
		{addr: "{5555}", bind: true, reason: "3 numbers"},
		{addr: "{5555,1,2,3}", bind: true, reason: "not 4"},
		{addr: "{5555,0,0", bind: true, reason: "no closing '}'"},
		{addr: "{5555,x,0}", bind: true, reason: `lower bound "x" is not a decimal number`},
		{addr: "{5555,,0}", bind: true, reason: `lower bound "" is empty`},
		{addr: "{-1,0,0}", bind: true, reason: "not a decimal number"},
		{addr: "{99999999999,0,0}", bind: true, reason: "does not fit in 32 bits"},
		{addr: "{5555,0,0}x", bind: true, reason: "no closing '}'"},
		{addr: "{5555,0,0}@0.0.0", reason: "follows a service name"},
		{addr: "{5555,50}@1.2", reason: `"z.c.n"`},
		{addr: "{5555,50}@256.0.0", reason: "out of range"},
		{addr: "{5555,50}@0.4096.0", reason: "out of range"},
		{addr: "{5555,50}@", reason: `"z.c.n"`},
		{addr: "{5555,50}@0.0.0", bind: true, reason: "a lookup domain @z.c.n is for connecting"},
		{addr: "<1.2.3>", reason: "no ':'"},
		{addr: "<1.2.3:4", reason: "no closing '>'"},
		{addr: "<1.2:4>", reason: `"z.c.n"`},
		{addr: "<1.2.3:x>", reason: `reference "x"`},
		{addr: "<**:1>", reason: `node "**"`},
		{addr: "5555,0,0", bind: true, reason: "want a service range"},
		{addr: "*", bind: true, reason: "want a service range"},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("tipc://%s bind=%v", tt.addr, tt.bind)
		ep := sdk.Endpoint{Scheme: Scheme, Address: tt.addr}
		a, err := parse(ep, tt.bind)
		if tt.reason != "" {
			if !errors.Is(err, sdk.ErrBadEndpoint) || !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("%s: error %v; want sdk.ErrBadEndpoint saying %q", name, err, tt.reason)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if a != tt.want {
			t.Errorf("%s = %+v, want %+v", name, a, tt.want)
		}
	}
}

func TestFormat(t *testing.T) {
	if got := formatRange(5555, 0, 100); got != "{5555, 0, 100}" {
		t.Errorf("formatRange = %q, want libzmq's {5555, 0, 100}", got)
	}
	if got := formatPortID(1<<24|2<<12|3, 77); got != "<1.2.3:77>" {
		t.Errorf("formatPortID = %q", got)
	}
	// What Listen reports parses back, for a connect.
	for _, s := range []string{formatRange(5555, 0, 100), formatPortID(0x01002003, 9)} {
		if _, err := parse(sdk.Endpoint{Scheme: Scheme, Address: s}, false); err != nil {
			t.Errorf("the reported endpoint %s does not parse for a connect: %v", s, err)
		}
	}
}

func TestUnknownScheme(t *testing.T) {
	if err := (Driver{}).Validate(sdk.Endpoint{Scheme: "tcp", Address: "{5555,0,0}"}, true); !errors.Is(err, sdk.ErrUnknownScheme) {
		t.Errorf("Validate(tcp://...) = %v; want sdk.ErrUnknownScheme", err)
	}
}

// badEndpoints are refused by Listen and Dial alike.
var badEndpoints = []string{
	"tipc://{63,0,0}", "tipc://{5555,2,1}", "tipc://{5555}", "tipc://{5555,0,0,0}", "tipc://nonsense",
	"tipc://{5555,0}@1.2", "tipc://{99999999999,0,0}", "tipc://<1.2:3>",
}

func TestRefusedBeforeSocket(t *testing.T) {
	for _, s := range badEndpoints {
		ep, err := sdk.ParseEndpoint(s)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := (Driver{}).Listen(context.Background(), ep, sdk.Options{}); !errors.Is(err, sdk.ErrBadEndpoint) {
			t.Errorf("Listen(%s) = %v; want sdk.ErrBadEndpoint", s, err)
		}
		if _, err := (Driver{}).Dial(context.Background(), ep, sdk.Options{}); !errors.Is(err, sdk.ErrBadEndpoint) {
			t.Errorf("Dial(%s) = %v; want sdk.ErrBadEndpoint", s, err)
		}
	}
}

// pluginBinary is the plugin: built here, or, in the test VM, which has no
// Go toolchain, the one built for it.
func pluginBinary(t *testing.T) string {
	t.Helper()
	if vmguest.InGuest() {
		return filepath.Join(vmguest.Plugins(t), sdk.PluginPrefix+Scheme)
	}
	return sdktest.Build(t, "./cmd/zeroplug-transport-tipc", Scheme)
}

// TestPluginHandshake: the binary starts through the plugin host, states
// its scheme, and its errors keep their class across the process boundary.
func TestPluginHandshake(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("plugins need Linux")
	}
	bin := pluginBinary(t)
	h := pluginhost.New(pluginhost.Config{TempDir: t.TempDir()})
	defer h.Close()
	p, err := h.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	info, err := p.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(info.Schemes, []string{Scheme}) || info.DriverVersion != sdk.DriverVersion {
		t.Errorf("the plugin states schemes %q, driver interface %d", info.Schemes, info.DriverVersion)
	}
	for _, s := range badEndpoints {
		ep, _ := sdk.ParseEndpoint(s)
		if err := p.Validate(ep, true); !errors.Is(err, sdk.ErrBadEndpoint) {
			t.Errorf("Validate(%s) through the plugin = %v; want sdk.ErrBadEndpoint", s, err)
		}
		if _, err := p.Dial(ctx, ep, sdk.Options{}); !errors.Is(err, sdk.ErrBadEndpoint) {
			t.Errorf("Dial(%s) through the plugin = %v; want sdk.ErrBadEndpoint", s, err)
		}
	}
	for _, tc := range []struct {
		ep   string
		bind bool
		ok   bool
	}{
		{"tipc://<*>", true, true}, {"tipc://<*>", false, false},
		{"tipc://<1.1.1:5>", false, true}, {"tipc://<1.1.1:5>", true, false},
		{"tipc://{5555,50}@0.0.0", false, true},
	} {
		ep, _ := sdk.ParseEndpoint(tc.ep)
		if err := p.Validate(ep, tc.bind); (err == nil) != tc.ok {
			t.Errorf("Validate(%s, bind=%v) through the plugin = %v; want ok=%v", tc.ep, tc.bind, err, tc.ok)
		}
	}
	h.Close()
	if !sdktest.Gone(info.Pid, 5*time.Second) {
		t.Errorf("the plugin process %d still runs after the host closed", info.Pid)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"{5555,0,0}", "{5555, 0, 100}", "{5555,50}", "{5555,50}@1.2.3", "<*>", "<1.2.3:4>", "{", "<", "{1,2}@", "{64,0,0}"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, addr string, bind bool) {
		a, err := parse(sdk.Endpoint{Scheme: Scheme, Address: addr}, bind)
		if err != nil {
			if !errors.Is(err, sdk.ErrBadEndpoint) {
				t.Fatalf("parse(%q) = %v, which is not sdk.ErrBadEndpoint", addr, err)
			}
			return
		}
		switch a.kind {
		case serviceRange, serviceName:
			if a.typ < reservedTypes || a.lower > a.upper {
				t.Fatalf("parse(%q) = %+v", addr, a)
			}
			// A bound range's endpoint can be connected to.
			if _, err := parse(sdk.Endpoint{Scheme: Scheme, Address: formatRange(a.typ, a.lower, a.upper)}, false); err != nil {
				t.Fatalf("the range of %q does not parse back: %v", addr, err)
			}
		case randomPort:
			if !bind {
				t.Fatalf("parse(%q) accepts <*> for a connect", addr)
			}
		case portID:
			if bind {
				t.Fatalf("parse(%q) accepts a port identity for a bind", addr)
			}
		}
	})
}
