package tcp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/sdk"
	"github.com/zeroplug/zeroplug/sdk/transporttest"
)

// badEndpoints are malformed for bind and connect alike.
var badEndpoints = []string{
	"tcp://127.0.0.1",       // no port
	"tcp://127.0.0.1:",      // empty port
	"tcp://127.0.0.1:65536", // port out of range
	"tcp://127.0.0.1:http",  // service names are not ports in libzmq
	"tcp://:5555",           // no host
	"tcp://[::1:5555",       // unbalanced bracket
}

func TestConformance(t *testing.T) {
	transporttest.Run(t, Driver{}, transporttest.Config{
		Endpoint:     func(t testing.TB) string { return fmt.Sprintf("tcp://127.0.0.1:%d", freePort(t, "tcp4", "127.0.0.1")) },
		Ephemeral:    func(testing.TB) string { return "tcp://127.0.0.1:*" },
		BadEndpoints: badEndpoints,
	})
}

func TestConformanceIPv6(t *testing.T) {
	requireIPv6Loopback(t)
	transporttest.Run(t, Driver{}, transporttest.Config{
		Endpoint:     func(t testing.TB) string { return fmt.Sprintf("tcp://[::1]:%d", freePort(t, "tcp6", "::1")) },
		Ephemeral:    func(testing.TB) string { return "tcp://[::1]:*" },
		BadEndpoints: badEndpoints,
		Options:      sdk.Options{IPv6: true},
	})
}

func TestParseBind(t *testing.T) {
	lo := loopbackName(t)
	tests := []struct {
		name    string
		addr    string
		ipv6    bool
		network string
		want    string // the address bound, when err is nil
		err     error
		// needIPv6 marks a case that needs ::1 on the loopback interface.
		needIPv6 bool
	}{
		{name: "wildcard", addr: "*:5555", network: "tcp4", want: "0.0.0.0:5555"},
		{name: "wildcard IPv6 dual-stack", addr: "*:5555", ipv6: true, network: "tcp", want: "[::]:5555"},
		{name: "ephemeral star", addr: "127.0.0.1:*", network: "tcp4", want: "127.0.0.1:0"},
		{name: "ephemeral zero", addr: "127.0.0.1:0", network: "tcp4", want: "127.0.0.1:0"},
		{name: "wildcard ephemeral", addr: "*:*", network: "tcp4", want: "0.0.0.0:0"},
		{name: "IPv4", addr: "127.0.0.1:5555", network: "tcp4", want: "127.0.0.1:5555"},
		{name: "IPv4 with IPv6 allowed", addr: "127.0.0.1:5555", ipv6: true, network: "tcp4", want: "127.0.0.1:5555"},
		{name: "IPv6", addr: "[::1]:5555", ipv6: true, network: "tcp6", want: "[::1]:5555"},
		{name: "IPv6 unbracketed", addr: "::1:5555", ipv6: true, network: "tcp6", want: "[::1]:5555"},
		{name: "IPv6 with zone", addr: "[fe80::1%" + lo + "]:5555", ipv6: true, network: "tcp6", want: "[fe80::1%" + lo + "]:5555"},
		{name: "IPv6 without the IPv6 option", addr: "[::1]:5555", err: sdk.ErrNoSuchDevice},
		{name: "IPv4-mapped IPv6", addr: "[::ffff:127.0.0.1]:5555", ipv6: true, network: "tcp4", want: "127.0.0.1:5555"},
		{name: "IPv4-mapped IPv6 without the IPv6 option", addr: "[::ffff:127.0.0.1]:5555", err: sdk.ErrNoSuchDevice},
		{name: "interface name lo", addr: lo + ":5555", network: "tcp4", want: "127.0.0.1:5555"},
		{name: "interface name lo ephemeral", addr: lo + ":*", network: "tcp4", want: "127.0.0.1:0"},
		{name: "interface name lo IPv6", addr: lo + ":5555", ipv6: true, network: "tcp6", want: "[::1]:5555", needIPv6: true},
		{name: "unknown interface", addr: "nosuchif0:5555", err: sdk.ErrNoSuchDevice},
		{name: "host name is not looked up", addr: "localhost:5555", err: sdk.ErrNoSuchDevice},
		{name: "missing port", addr: "127.0.0.1", err: sdk.ErrBadEndpoint},
		{name: "empty port", addr: "127.0.0.1:", err: sdk.ErrBadEndpoint},
		{name: "bad port", addr: "127.0.0.1:http", err: sdk.ErrBadEndpoint},
		{name: "port out of range", addr: "127.0.0.1:65536", err: sdk.ErrBadEndpoint},
		{name: "negative port", addr: "127.0.0.1:-1", err: sdk.ErrBadEndpoint},
		{name: "signed port", addr: "127.0.0.1:+80", err: sdk.ErrBadEndpoint},
		{name: "missing host", addr: ":5555", err: sdk.ErrBadEndpoint},
		{name: "unbalanced bracket", addr: "[::1:5555", ipv6: true, err: sdk.ErrBadEndpoint},
		{name: "unknown zone", addr: "[fe80::1%nosuchif0]:5555", ipv6: true, err: sdk.ErrBadEndpoint},
		{name: "source address form", addr: "127.0.0.1:0;127.0.0.1:5555", err: sdk.ErrNotSupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.needIPv6 {
				requireIPv6Loopback(t)
			}
			ep := sdk.Endpoint{Scheme: "tcp", Address: tt.addr}
			got, err := parseBind(ep, tt.ipv6)
			if tt.err != nil {
				transporttest.CheckEndpointError(t, err, tt.err)
				return
			}
			if err != nil {
				t.Fatalf("parseBind(%q) = %v", tt.addr, err)
			}
			if got.network != tt.network || got.String() != tt.want {
				t.Errorf("parseBind(%q) = %s %s; want %s %s", tt.addr, got.network, got, tt.network, tt.want)
			}
		})
	}
}

func TestParseDial(t *testing.T) {
	lo := loopbackName(t)
	tests := []struct {
		name    string
		addr    string
		ipv6    bool
		network string
		target  string
		source  string // "" for none
		err     error
	}{
		{name: "IPv4", addr: "127.0.0.1:5555", network: "tcp4", target: "127.0.0.1:5555"},
		{name: "host name", addr: "localhost:5555", network: "tcp4", target: "localhost:5555"},
		{name: "host name with IPv6 allowed", addr: "localhost:5555", ipv6: true, network: "tcp", target: "localhost:5555"},
		{name: "IPv6", addr: "[::1]:5555", ipv6: true, network: "tcp6", target: "[::1]:5555"},
		{name: "IPv6 with zone", addr: "[fe80::1%" + lo + "]:5555", ipv6: true, network: "tcp6", target: "[fe80::1%" + lo + "]:5555"},
		{name: "IPv6 without the IPv6 option", addr: "[::1]:5555", err: sdk.ErrBadEndpoint},
		{name: "IPv4-mapped IPv6", addr: "[::ffff:127.0.0.1]:5555", ipv6: true, network: "tcp4", target: "127.0.0.1:5555"},
		{name: "port zero", addr: "127.0.0.1:0", network: "tcp4", target: "127.0.0.1:0"},
		{name: "wildcard host", addr: "*:5555", err: sdk.ErrBadEndpoint},
		{name: "wildcard port", addr: "127.0.0.1:*", err: sdk.ErrBadEndpoint},
		{name: "missing port", addr: "127.0.0.1", err: sdk.ErrBadEndpoint},
		{name: "bad port", addr: "127.0.0.1:55x", err: sdk.ErrBadEndpoint},
		{name: "bad character", addr: "127.0.0.1:5555/x", err: sdk.ErrBadEndpoint},
		{name: "space in host", addr: "my host:5555", err: sdk.ErrBadEndpoint},
		{name: "source address form", addr: "127.0.0.1:5000;127.0.0.1:5555", network: "tcp4", target: "127.0.0.1:5555", source: "127.0.0.1:5000"},
		{name: "source any port", addr: "127.0.0.1:*;127.0.0.1:5555", network: "tcp4", target: "127.0.0.1:5555", source: "127.0.0.1:0"},
		{name: "source interface name lo", addr: lo + ":0;127.0.0.1:5555", network: "tcp4", target: "127.0.0.1:5555", source: "127.0.0.1:0"},
		{name: "source wildcard", addr: "*:5000;127.0.0.1:5555", network: "tcp4", target: "127.0.0.1:5555", source: "0.0.0.0:5000"},
		{name: "source wildcard IPv6 to IPv4", addr: "*:5000;127.0.0.1:5555", ipv6: true, network: "tcp4", target: "127.0.0.1:5555", source: "0.0.0.0:5000"},
		{name: "source wildcard to IPv6", addr: "*:5000;[::1]:5555", ipv6: true, network: "tcp6", target: "[::1]:5555", source: "[::]:5000"},
		{name: "source unknown interface", addr: "nosuchif0:0;127.0.0.1:5555", err: sdk.ErrNoSuchDevice},
		{name: "source host name is not looked up", addr: "localhost:0;127.0.0.1:5555", err: sdk.ErrNoSuchDevice},
		{name: "source missing port", addr: "127.0.0.1;127.0.0.1:5555", err: sdk.ErrBadEndpoint},
		{name: "source then missing port", addr: "127.0.0.1:0;127.0.0.1", err: sdk.ErrBadEndpoint},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep := sdk.Endpoint{Scheme: "tcp", Address: tt.addr}
			got, err := parseDial(ep, tt.ipv6)
			if tt.err != nil {
				transporttest.CheckEndpointError(t, err, tt.err)
				return
			}
			if err != nil {
				t.Fatalf("parseDial(%q) = %v", tt.addr, err)
			}
			if got.network != tt.network || got.target() != tt.target {
				t.Errorf("parseDial(%q) = %s %s; want %s %s", tt.addr, got.network, got.target(), tt.network, tt.target)
			}
			var src string
			if got.source != nil {
				src = got.source.String()
			}
			if src != tt.source {
				t.Errorf("parseDial(%q) has the source %q; want %q", tt.addr, src, tt.source)
			}
		})
	}
}

// TestListenEndpoint binds each form of address and checks what Endpoint
// reports (libzmq's LAST_ENDPOINT) and that a peer reaches it there.
func TestListenEndpoint(t *testing.T) {
	lo := loopbackName(t)
	tests := []struct {
		name string
		ep   string
		ipv6 bool
		want string // a pattern for Endpoint
		dial string // the host to dial, with the port Endpoint reports
	}{
		{"wildcard", "tcp://*:*", false, `^tcp://0\.0\.0\.0:\d+$`, "127.0.0.1"},
		{"wildcard port zero", "tcp://*:0", false, `^tcp://0\.0\.0\.0:\d+$`, "127.0.0.1"},
		{"ephemeral", "tcp://127.0.0.1:*", false, `^tcp://127\.0\.0\.1:\d+$`, "127.0.0.1"},
		{"interface name lo", "tcp://" + lo + ":*", false, `^tcp://127\.0\.0\.1:\d+$`, "127.0.0.1"},
		{"IPv6", "tcp://[::1]:*", true, `^tcp://\[::1\]:\d+$`, "[::1]"},
		{"wildcard IPv6 reached over IPv6", "tcp://*:*", true, `^tcp://\[::\]:\d+$`, "[::1]"},
		{"wildcard IPv6 reached over IPv4", "tcp://*:*", true, `^tcp://\[::\]:\d+$`, "127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.ipv6 {
				requireIPv6Loopback(t)
			}
			opts := sdk.Options{IPv6: tt.ipv6}
			l := mustListen(t, tt.ep, opts)
			got := l.Endpoint().String()
			if !regexp.MustCompile(tt.want).MatchString(got) {
				t.Fatalf("Endpoint() = %q; want %s", got, tt.want)
			}
			_, port, _ := net.SplitHostPort(l.Endpoint().Address)
			if port == "0" {
				t.Fatalf("Endpoint() = %q: the ephemeral port is not filled in", got)
			}
			roundTrip(t, l, "tcp://"+tt.dial+":"+port, opts)
		})
	}
}

func TestListenErrors(t *testing.T) {
	tests := []struct {
		name string
		ep   string
		err  error
	}{
		{"unknown interface", "tcp://nosuchif0:5555", sdk.ErrNoSuchDevice},
		{"host name", "tcp://localhost:5555", sdk.ErrNoSuchDevice},
		{"wrong scheme", "ipc://127.0.0.1:5555", sdk.ErrUnknownScheme},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Driver{}.Listen(context.Background(), mustParse(t, tt.ep), sdk.Options{})
			if err == nil {
				l.Close()
			}
			transporttest.CheckEndpointError(t, err, tt.err)
		})
	}
	t.Run("address in use", func(t *testing.T) {
		l := mustListen(t, "tcp://127.0.0.1:*", sdk.Options{})
		l2, err := Driver{}.Listen(context.Background(), l.Endpoint(), sdk.Options{})
		if err == nil {
			l2.Close()
		}
		if !errors.Is(err, syscall.EADDRINUSE) || !errors.Is(err, sdk.ErrAddrInUse) {
			t.Errorf("second Listen on %s = %v; want EADDRINUSE and sdk.ErrAddrInUse", l.Endpoint(), err)
		}
	})
}

func TestDialErrors(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		ep := fmt.Sprintf("tcp://127.0.0.1:%d", freePort(t, "tcp4", "127.0.0.1"))
		_, err := Driver{}.Dial(context.Background(), mustParse(t, ep), sdk.Options{})
		if !errors.Is(err, syscall.ECONNREFUSED) || !errors.Is(err, sdk.ErrConnRefused) {
			t.Errorf("Dial(%s) = %v; want ECONNREFUSED and sdk.ErrConnRefused", ep, err)
		}
	})
	t.Run("connect timeout", func(t *testing.T) {
		l := mustListen(t, "tcp://127.0.0.1:*", sdk.Options{})
		_, err := Driver{}.Dial(context.Background(), l.Endpoint(), sdk.Options{ConnectTimeout: time.Nanosecond})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Dial with a ConnectTimeout of 1ns = %v; want a timeout", err)
		}
	})
	t.Run("IPv6 without the IPv6 option", func(t *testing.T) {
		_, err := Driver{}.Dial(context.Background(), mustParse(t, "tcp://[::1]:5555"), sdk.Options{})
		transporttest.CheckEndpointError(t, err, sdk.ErrBadEndpoint)
	})
}

// TestDialHostName connects through a name from the hosts file.
func TestDialHostName(t *testing.T) {
	if addrs, err := net.DefaultResolver.LookupIP(context.Background(), "ip4", "localhost"); err != nil || len(addrs) == 0 || !addrs[0].IsLoopback() {
		t.Skipf("localhost does not resolve to an IPv4 loopback address here: %v %v", addrs, err)
	}
	l := mustListen(t, "tcp://127.0.0.1:*", sdk.Options{})
	_, port, _ := net.SplitHostPort(l.Endpoint().Address)
	roundTrip(t, l, "tcp://localhost:"+port, sdk.Options{})
}

// TestDialSourceAddress checks that the source form binds the local end:
// the listener sees the connection come from the port asked for.
func TestDialSourceAddress(t *testing.T) {
	lo := loopbackName(t)
	tests := []struct {
		name   string
		source string // host part of the source; the port is a free one
		ipv6   bool
	}{
		{"IPv4 source", "127.0.0.1", false},
		{"interface name source", lo, false},
		{"wildcard source", "*", false},
		{"wildcard source with IPv6 allowed", "*", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := sdk.Options{IPv6: tt.ipv6}
			l := mustListen(t, "tcp://127.0.0.1:*", opts)
			src := freePort(t, "tcp4", "127.0.0.1")
			ep := fmt.Sprintf("tcp://%s:%d;%s", tt.source, src, l.Endpoint().Address)
			c, s := dialAccept(t, l, ep, opts)
			if got := s.RemoteAddr().(*net.TCPAddr).Port; got != src {
				t.Errorf("the listener sees a peer on port %d; want the source port %d", got, src)
			}
			if got := c.LocalAddr().(*net.TCPAddr).Port; got != src {
				t.Errorf("the dialer's local port is %d; want %d", got, src)
			}
		})
	}
}

func mustParse(t testing.TB, s string) sdk.Endpoint {
	t.Helper()
	ep, err := sdk.ParseEndpoint(s)
	if err != nil {
		t.Fatal(err)
	}
	return ep
}

func mustListen(t testing.TB, s string, opts sdk.Options) sdk.Listener {
	t.Helper()
	l, err := Driver{}.Listen(context.Background(), mustParse(t, s), opts)
	if err != nil {
		t.Fatalf("Listen(%s): %v", s, err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// freePort finds a port free on addr by binding it and letting go.
func freePort(t testing.TB, network, addr string) int {
	t.Helper()
	ln, err := net.Listen(network, net.JoinHostPort(addr, "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// loopbackName is the name of the loopback interface ("lo" on Linux,
// "lo0" on the BSDs and macOS).
func loopbackName(t testing.TB) string {
	t.Helper()
	ifs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, ifi := range ifs {
		if ifi.Flags&net.FlagLoopback != 0 && ifi.Flags&net.FlagUp != 0 {
			return ifi.Name
		}
	}
	t.Skip("no loopback interface is up")
	return ""
}

func hasIPv6Loopback() bool {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

func requireIPv6Loopback(t testing.TB) {
	t.Helper()
	if !hasIPv6Loopback() {
		t.Skip("::1 is not available on this machine; IPv6 is disabled or lo has no ::1")
	}
}

// dialAccept dials ep with the tcp driver while l accepts.
func dialAccept(t testing.TB, l sdk.Listener, ep string, opts sdk.Options) (client, server net.Conn) {
	t.Helper()
	return transporttest.DialAccept(t, Driver{}, l, mustParse(t, ep), opts, transporttest.DefaultTimeout)
}

// roundTrip dials ep, accepts on l and passes a message.
func roundTrip(t testing.TB, l sdk.Listener, ep string, opts sdk.Options) {
	t.Helper()
	c, s := dialAccept(t, l, ep, opts)
	transporttest.RoundTrip(t, c, s)
}
