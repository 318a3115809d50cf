package vmci

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/internal/vmguest"
	"github.com/zeroplug/zeroplug/sdk"
	"github.com/zeroplug/zeroplug/sdk/pluginhost"
	"github.com/zeroplug/zeroplug/sdk/sdktest"
)

// Everything in this file runs anywhere: nothing here opens a vsock socket.
// The tests that do are in vsock_test.go, behind vmguest.RequireVsock.

func TestParse(t *testing.T) {
	tests := []struct {
		addr   string
		bind   bool
		cid    uint32
		port   uint32
		local  bool
		reason string // a part of the error's reason, when it fails
	}{
		{addr: "3:5555", cid: 3, port: 5555},
		{addr: "3:5555", bind: true, cid: 3, port: 5555},
		{addr: "1:0", cid: 1, port: 0},
		{addr: "2:4294967294", cid: 2, port: 4294967294},
		{addr: "0005:0042", cid: 5, port: 42},
		{addr: "*:5555", bind: true, cid: anyCID, port: 5555},
		{addr: "-1:5555", bind: true, cid: anyCID, port: 5555},
		{addr: "4294967295:5555", bind: true, cid: anyCID, port: 5555},
		{addr: "1:*", bind: true, cid: 1, port: anyPort},
		{addr: "1:-1", bind: true, cid: 1, port: anyPort},
		{addr: "1:0", bind: true, cid: 1, port: anyPort},
		{addr: "*:*", bind: true, cid: anyCID, port: anyPort},
		{addr: "@:5555", local: true, port: 5555},
		{addr: "@:*", bind: true, local: true, port: anyPort},

		{addr: "3", reason: "no ':'"},
		{addr: ":5555", reason: "CID) is empty"},
		{addr: "3:", reason: "port is empty"},
		{addr: "*:5555", reason: "a connect needs a context id"},
		{addr: "-1:5555", reason: "a connect needs a context id"},
		{addr: "4294967295:5555", reason: "VMADDR_CID_ANY"},
		{addr: "3:*", reason: "a connect needs a port"},
		{addr: "3:4294967295", reason: "VMADDR_PORT_ANY"},
		{addr: "x:5555", bind: true, reason: `the context id (CID) "x" is not a decimal number`},
		{addr: "3:55x", bind: true, reason: `the port "55x" is not a decimal number`},
		{addr: "+3:5555", bind: true, reason: "not a decimal number"},
		{addr: "-2:5555", bind: true, reason: "not a decimal number"},
		{addr: "3:-5", bind: true, reason: "not a decimal number"},
		{addr: " 3:5555", bind: true, reason: "not a decimal number"},
		{addr: "4294967296:5555", bind: true, reason: "does not fit in 32 bits"},
		{addr: "3:4294967296", bind: true, reason: "does not fit in 32 bits"},
		{addr: "1:2:3", bind: true, reason: `"1:2" is not a decimal number`},
		{addr: "@@:1", bind: true, reason: "not a decimal number"},
	}
	for _, scheme := range []string{SchemeVsock, SchemeVMCI} {
		for _, tt := range tests {
			name := fmt.Sprintf("%s://%s bind=%v", scheme, tt.addr, tt.bind)
			ep := sdk.Endpoint{Scheme: scheme, Address: tt.addr}
			a, err := parse(ep, tt.bind)
			if tt.reason != "" {
				if !errors.Is(err, sdk.ErrBadEndpoint) || !strings.Contains(err.Error(), tt.reason) {
					t.Errorf("%s: error %v; want sdk.ErrBadEndpoint saying %q", name, err, tt.reason)
				}
				if err != nil && !strings.Contains(err.Error(), ep.String()) {
					t.Errorf("%s: the error %q does not name the endpoint", name, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			want := address{cid: tt.cid, port: tt.port, local: tt.local}
			if a != want {
				t.Errorf("%s = %+v, want %+v", name, a, want)
			}
		}
	}
}

func TestUnknownScheme(t *testing.T) {
	for _, bind := range []bool{false, true} {
		err := Driver{}.Validate(sdk.Endpoint{Scheme: "tcp", Address: "1:2"}, bind)
		if !errors.Is(err, sdk.ErrUnknownScheme) {
			t.Errorf("Validate(tcp://1:2, bind=%v) = %v; want sdk.ErrUnknownScheme", bind, err)
		}
	}
}

func TestFormat(t *testing.T) {
	for _, tt := range []struct {
		cid, port uint32
		want      string
	}{
		{1, 1025, "vsock://1:1025"},
		{anyCID, 5555, "vsock://*:5555"},
		{3, anyPort, "vsock://3:*"},
		{4294967294, 0, "vsock://4294967294:0"},
	} {
		if got := format(SchemeVsock, tt.cid, tt.port).String(); got != tt.want {
			t.Errorf("format(%d, %d) = %q, want %q", tt.cid, tt.port, got, tt.want)
		}
	}
}

// TestResolveLocal: "@" is CID 1 for vsock://, and the machine's own CID,
// from /dev/vsock, for vmci://; with none, sdk.ErrNoSuchDevice.
func TestResolveLocal(t *testing.T) {
	saved := localCID
	defer func() { localCID = saved }()
	a := address{local: true}
	vs, vm := sdk.Endpoint{Scheme: SchemeVsock, Address: "@:1"}, sdk.Endpoint{Scheme: SchemeVMCI, Address: "@:1"}

	localCID = func() (uint32, error) { t.Error("vsock://@ asked for the local CID"); return 0, nil }
	if cid, err := a.resolve(vs); cid != cidLocal || err != nil {
		t.Errorf("vsock://@ resolves to %d, %v; want 1", cid, err)
	}
	localCID = func() (uint32, error) { return 7, nil }
	if cid, err := a.resolve(vm); cid != 7 || err != nil {
		t.Errorf("vmci://@ resolves to %d, %v; want 7", cid, err)
	}
	localCID = func() (uint32, error) { return anyCID, nil }
	if _, err := a.resolve(vm); !errors.Is(err, sdk.ErrNoSuchDevice) {
		t.Errorf("vmci://@ without a transport: %v; want sdk.ErrNoSuchDevice", err)
	}
	localCID = func() (uint32, error) { return 0, os.ErrNotExist }
	if _, err := a.resolve(vm); !errors.Is(err, sdk.ErrNoSuchDevice) || !strings.Contains(err.Error(), "/dev/vsock") {
		t.Errorf("vmci://@ without /dev/vsock: %v; want sdk.ErrNoSuchDevice naming /dev/vsock", err)
	}
	if cid, err := (address{cid: 9}).resolve(vm); cid != 9 || err != nil {
		t.Errorf("a numeric CID resolves to %d, %v", cid, err)
	}
}

func TestReadOptions(t *testing.T) {
	s, err := readOptions(sdk.Options{ConnectTimeout: 3 * time.Second, Extra: map[string]string{
		OptBufferSize: "1048576", OptBufferMinSize: "4096", OptBufferMaxSize: "2097152",
	}})
	if err != nil {
		t.Fatal(err)
	}
	if s != (settings{bufSize: 1 << 20, bufMin: 4096, bufMax: 2 << 20, connectTimeout: 3 * time.Second}) {
		t.Errorf("readOptions = %+v", s)
	}
	s, err = readOptions(sdk.Options{ConnectTimeout: 3 * time.Second, Extra: map[string]string{OptConnectTimeout: "250"}})
	if err != nil || s.connectTimeout != 250*time.Millisecond {
		t.Errorf("vmci.connect_timeout=250: %+v, %v; want 250ms, the VMCI option first", s, err)
	}
	for _, bad := range []map[string]string{
		{OptBufferSize: "1M"}, {OptBufferMinSize: "-1"}, {OptBufferMaxSize: ""}, {OptConnectTimeout: "1s"},
	} {
		if _, err := readOptions(sdk.Options{Extra: bad}); err == nil {
			t.Errorf("readOptions(%v) accepted it", bad)
		}
	}
}

// badEndpoints are refused by Listen and Dial alike, before any socket.
var badEndpoints = []string{
	"vsock://1", "vsock://:5555", "vsock://1:", "vsock://x:5555", "vsock://1:55x", "vsock://-2:5555",
	"vsock://1:4294967296", "vsock://1:2:3", "vmci://@", "vmci://1:+5",
}

// TestRefusedBeforeSocket: malformed endpoints and options fail in Listen
// and Dial with the error's class, without a socket being made (which the
// host's vsock must never see).
func TestRefusedBeforeSocket(t *testing.T) {
	ctx := context.Background()
	for _, s := range badEndpoints {
		ep, err := sdk.ParseEndpoint(s)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := parse(ep, true); err == nil {
			t.Fatalf("%s parses: it would reach a socket", s)
		}
		if _, err := (Driver{}).Listen(ctx, ep, sdk.Options{}); !errors.Is(err, sdk.ErrBadEndpoint) {
			t.Errorf("Listen(%s) = %v; want sdk.ErrBadEndpoint", s, err)
		}
		if _, err := (Driver{}).Dial(ctx, ep, sdk.Options{}); !errors.Is(err, sdk.ErrBadEndpoint) {
			t.Errorf("Dial(%s) = %v; want sdk.ErrBadEndpoint", s, err)
		}
	}
	opts := sdk.Options{Extra: map[string]string{OptBufferSize: "lots"}}
	ep := sdk.Endpoint{Scheme: SchemeVsock, Address: "1:5555"}
	if _, err := (Driver{}).Dial(ctx, ep, opts); err == nil || !strings.Contains(err.Error(), OptBufferSize) {
		t.Errorf("Dial with %s=lots: %v; want an error naming the option", OptBufferSize, err)
	}
	if _, err := (Driver{}).Listen(ctx, ep, opts); err == nil || !strings.Contains(err.Error(), OptBufferSize) {
		t.Errorf("Listen with %s=lots: %v; want an error naming the option", OptBufferSize, err)
	}
}

// pluginBinary is the plugin: built here, or, in the test VM, which has no
// Go toolchain, the one built for it.
func pluginBinary(t *testing.T) string {
	t.Helper()
	if vmguest.InGuest() {
		return filepath.Join(vmguest.Plugins(t), sdk.PluginPrefix+"vmci")
	}
	return sdktest.Build(t, "./cmd/zeroplug-transport-vmci", "vmci")
}

var testPorts atomic.Uint32

// freshEndpoint is a vsock endpoint on CID 1 nobody else uses.
func freshEndpoint(scheme string) string {
	testPorts.CompareAndSwap(0, uint32(20000+os.Getpid()%20000))
	return fmt.Sprintf("%s://1:%d", scheme, testPorts.Add(1))
}

// TestPluginHandshake: the plugin binary starts through the plugin host,
// states its schemes, and its errors keep their class across the process
// boundary. Nothing here opens a socket.
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
	if !slices.Equal(info.Schemes, []string{SchemeVsock, SchemeVMCI}) || info.DriverVersion != sdk.DriverVersion {
		t.Errorf("the plugin states schemes %q, driver interface %d", info.Schemes, info.DriverVersion)
	}
	for _, s := range badEndpoints {
		ep, _ := sdk.ParseEndpoint(s)
		if err := p.Validate(ep, false); !errors.Is(err, sdk.ErrBadEndpoint) {
			t.Errorf("Validate(%s) through the plugin = %v; want sdk.ErrBadEndpoint", s, err)
		}
		if _, err := p.Listen(ctx, ep, sdk.Options{}); !errors.Is(err, sdk.ErrBadEndpoint) {
			t.Errorf("Listen(%s) through the plugin = %v; want sdk.ErrBadEndpoint", s, err)
		}
	}
	for _, s := range []string{"vsock://2:5555", "vmci://@:5555", "vsock://*:*"} {
		ep, _ := sdk.ParseEndpoint(s)
		if err := p.Validate(ep, strings.Contains(s, "*")); err != nil {
			t.Errorf("Validate(%s) through the plugin = %v", s, err)
		}
	}
	if err := p.Validate(sdk.Endpoint{Scheme: SchemeVsock, Address: "*:5555"}, false); !errors.Is(err, sdk.ErrBadEndpoint) {
		t.Errorf("Validate(connect vsock://*:5555) through the plugin = %v; want sdk.ErrBadEndpoint", err)
	}
	h.Close()
	if !sdktest.Gone(info.Pid, 5*time.Second) {
		t.Errorf("the plugin process %d still runs after the host closed", info.Pid)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"1:2", "*:*", "@:*", "-1:-1", "4294967295:1", ":", "1:2:3", "007:8", "x:y"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, addr string, bind bool) {
		ep := sdk.Endpoint{Scheme: SchemeVsock, Address: addr}
		a, err := parse(ep, bind)
		if err != nil {
			if !errors.Is(err, sdk.ErrBadEndpoint) {
				t.Fatalf("parse(%q) = %v, which is not sdk.ErrBadEndpoint", addr, err)
			}
			return
		}
		if !bind && (a.cid == anyCID || a.port == anyPort) {
			t.Fatalf("parse(%q) for a connect gives a wildcard: %+v", addr, a)
		}
		if a.local {
			return
		}
		back, err := parse(format(SchemeVsock, a.cid, a.port), bind)
		if err != nil || back != a {
			t.Fatalf("parse(%q) = %+v, which formats as %s and parses back as %+v, %v", addr, a, format(SchemeVsock, a.cid, a.port), back, err)
		}
	})
}
