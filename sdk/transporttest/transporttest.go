// Package transporttest is the conformance kit for zeroplug transports. A
// transport's author calls Run from one test, and the kit checks what the
// core relies on: that listeners and dialers give connected byte streams
// that carry ZMTP faithfully, report where they are bound, fail promptly
// when they should, give errors the core can classify, and leave no
// goroutine behind.
//
//	func TestConformance(t *testing.T) {
//		transporttest.Run(t, mydriver.Driver{}, transporttest.Config{
//			Endpoint:     func(t testing.TB) string { return "my://" + freshAddress(t) },
//			Ephemeral:    func(t testing.TB) string { return "my://*" },
//			BadEndpoints: []string{"my://nonsense"},
//		})
//	}
//
// The checks, each a subtest named as here:
//
//	Schemes              Schemes() names the scheme of the endpoints
//	SendRecv             bind, dial, bytes both ways
//	EphemeralEndpoint    an ephemeral bind reports an endpoint a dial reaches
//	DialClosed           a dial to a closed endpoint fails promptly
//	Rebind               the same endpoint binds again after Close; peers reconnect
//	CloseUnblocksAccept  Close wakes Accept with an error wrapping net.ErrClosed
//	DialCancelled        a dial under a cancelled or expired ctx returns at once
//	PeerClose            closing one end gives io.EOF at the other
//	ReadDeadline         read deadlines expire with os.ErrDeadlineExceeded
//	LargeFrames          ZMTP handshake, then frames of 1 B to 4 MiB both ways, intact
//	ManyPeers            64 concurrent connections, each gets its own bytes back
//	BadEndpoint          malformed endpoints: sdk.ErrBadEndpoint from Listen and Dial
//
// Every check also fails if a goroutine it started outlives it.
//
// The kit imports only the standard library and sdk/..., so a transport
// built outside this module can use it.
package transporttest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/sdk"
	"github.com/zeroplug/zeroplug/sdk/zmtp"
)

// Config tells the kit how to use the transport under test.
type Config struct {
	// Endpoint returns a fresh endpoint that can be bound, such as
	// "tcp://127.0.0.1:41234" or "ipc:///tmp/x/sock", different on each
	// call. t is the running subtest: use t.TempDir for files. Required.
	Endpoint func(t testing.TB) string

	// Ephemeral returns an endpoint whose bind chooses the address, such
	// as "tcp://127.0.0.1:*" or "ipc://*". Nil skips that check.
	Ephemeral func(t testing.TB) string

	// BadEndpoints are endpoints of the transport's scheme that
	// sdk.ParseEndpoint accepts but the transport must refuse, on both
	// Listen and Dial, with an error wrapping sdk.ErrBadEndpoint (a
	// missing port, say). Empty skips that check.
	BadEndpoints []string

	// Options are passed to every Listen and Dial.
	Options sdk.Options

	// Timeout bounds each step that should succeed (10 s when zero).
	Timeout time.Duration

	// Prompt bounds each step that should fail or return at once: a dial
	// to a closed endpoint, a cancelled dial, Accept after Close (2 s
	// when zero).
	Prompt time.Duration
}

// check is one conformance check.
type check struct {
	name string
	run  func(t *testing.T, d sdk.Driver, cfg Config)
}

// checks is the list Run goes through, in this order.
var checks = []check{
	{"Schemes", verifySchemes},
	{"SendRecv", verifySendRecv},
	{"EphemeralEndpoint", verifyEphemeral},
	{"DialClosed", verifyDialClosed},
	{"Rebind", verifyRebind},
	{"CloseUnblocksAccept", verifyCloseUnblocksAccept},
	{"DialCancelled", verifyDialCancelled},
	{"PeerClose", verifyPeerClose},
	{"ReadDeadline", verifyReadDeadline},
	{"LargeFrames", verifyLargeFrames},
	{"ManyPeers", verifyManyPeers},
	{"BadEndpoint", verifyBadEndpoints},
}

// Run runs every conformance check against d as a subtest of t. Each check
// also fails if goroutines it started are still running a moment after it
// has closed everything it opened. Do not run other tests in parallel with
// Run in the same process: their goroutines would count against the driver.
func Run(t *testing.T, d sdk.Driver, cfg Config) {
	t.Helper()
	if cfg.Endpoint == nil {
		t.Fatal("transporttest: Config.Endpoint is required")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Prompt <= 0 {
		cfg.Prompt = 2 * time.Second
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			// Cleanups run last-registered first, so this one runs after
			// the check's listeners and connections are closed.
			before := goroutines()
			t.Cleanup(func() { checkGoroutines(t, before, leakGrace) })
			c.run(t, d, cfg)
		})
	}
}

// leakGrace is how long goroutines of closed listeners and connections get
// to notice and end.
const leakGrace = 3 * time.Second

// verifySchemes: the driver names at least one scheme, and the scheme of
// the endpoints it is given.
func verifySchemes(t *testing.T, d sdk.Driver, cfg Config) {
	schemes := d.Schemes()
	if len(schemes) == 0 {
		t.Fatal("Schemes() is empty")
	}
	ep := parse(t, cfg.Endpoint(t))
	if !slices.Contains(schemes, ep.Scheme) {
		t.Errorf("Schemes() = %q, which lacks %q, the scheme of Config.Endpoint", schemes, ep.Scheme)
	}
}

// verifySendRecv: bind, dial, and move bytes both ways.
func verifySendRecv(t *testing.T, d sdk.Driver, cfg Config) {
	l := listen(t, d, cfg, cfg.Endpoint(t))
	client, server := connect(t, d, cfg, l)
	exchange(t, cfg, client, server, []byte("ping from the dialer"))
	exchange(t, cfg, server, client, []byte("pong from the listener"))
}

// verifyEphemeral: an ephemeral bind reports a concrete endpoint of the
// same scheme, which a dial reaches.
func verifyEphemeral(t *testing.T, d sdk.Driver, cfg Config) {
	if cfg.Ephemeral == nil {
		t.Skip("Config.Ephemeral is nil")
	}
	asked := cfg.Ephemeral(t)
	l := listen(t, d, cfg, asked)
	got := l.Endpoint()
	want := parse(t, asked)
	if got.Scheme != want.Scheme {
		t.Errorf("Endpoint() = %q after binding %q: scheme changed", got, asked)
	}
	if got.Address == "" || got.Address == want.Address {
		t.Errorf("Endpoint() = %q after binding %q: the wildcard is not resolved", got, asked)
	}
	if _, err := sdk.ParseEndpoint(got.String()); err != nil {
		t.Errorf("Endpoint() = %q does not parse: %v", got, err)
	}
	client, server := connect(t, d, cfg, l)
	exchange(t, cfg, client, server, []byte("hello, ephemeral"))
}

// verifyDialClosed: dialing an endpoint nobody listens on any more fails,
// and fails promptly, so that the core's reconnect timer is what paces
// retries.
func verifyDialClosed(t *testing.T, d sdk.Driver, cfg Config) {
	l := listen(t, d, cfg, cfg.Endpoint(t))
	ep := l.Endpoint()
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Timeout)
	defer cancel()
	start := time.Now()
	c, err := d.Dial(ctx, ep, cfg.Options)
	took := time.Since(start)
	if err == nil {
		c.Close()
		t.Fatalf("Dial(%q) after the listener closed succeeded", ep)
	}
	if took > cfg.Prompt {
		t.Errorf("Dial(%q) took %v to fail, more than %v", ep, took, cfg.Prompt)
	}
}

// verifyRebind: after a listener closes, the same endpoint binds again at
// once and peers reconnect to it, as a restarted server expects.
func verifyRebind(t *testing.T, d sdk.Driver, cfg Config) {
	ep := cfg.Endpoint(t)
	l := listen(t, d, cfg, ep)
	client, server := connect(t, d, cfg, l)
	exchange(t, cfg, client, server, []byte("first life"))
	bound := l.Endpoint()
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	client.Close()
	server.Close()

	l2 := listen(t, d, cfg, ep)
	if got := l2.Endpoint(); got != bound {
		t.Errorf("Endpoint() = %q on the second bind of %q, %q on the first", got, ep, bound)
	}
	client, server = connect(t, d, cfg, l2)
	exchange(t, cfg, client, server, []byte("second life"))
}

// verifyCloseUnblocksAccept: Close wakes a blocked Accept with an error
// wrapping net.ErrClosed, which is how the core tells shutdown from a
// failure; later calls say the same.
func verifyCloseUnblocksAccept(t *testing.T, d sdk.Driver, cfg Config) {
	l := listen(t, d, cfg, cfg.Endpoint(t))
	done := make(chan error, 1)
	go func() {
		c, err := l.Accept()
		if c != nil {
			c.Close()
		}
		done <- err
	}()
	time.Sleep(20 * time.Millisecond) // let Accept block
	if err := l.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("Accept during Close returned %v; want an error wrapping net.ErrClosed", err)
		}
	case <-time.After(cfg.Prompt):
		t.Fatalf("Accept still blocked %v after Close", cfg.Prompt)
	}
	if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close returned %v; want an error wrapping net.ErrClosed", err)
	}
}

// verifyDialCancelled: a dial under a cancelled or expired context returns
// at once with the context's error, so that closing a socket never waits
// on a connection attempt.
func verifyDialCancelled(t *testing.T, d sdk.Driver, cfg Config) {
	l := listen(t, d, cfg, cfg.Endpoint(t))
	ep := l.Endpoint()

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		want error
	}{
		{"cancelled", cancelled, context.Canceled},
		{"deadline passed", expired, context.DeadlineExceeded},
	} {
		start := time.Now()
		c, err := d.Dial(tc.ctx, ep, cfg.Options)
		took := time.Since(start)
		if err == nil {
			c.Close()
			t.Errorf("%s: Dial succeeded", tc.name)
			continue
		}
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: Dial returned %v; want an error wrapping %v", tc.name, err, tc.want)
		}
		if took > cfg.Prompt {
			t.Errorf("%s: Dial took %v to return", tc.name, took)
		}
	}

	// Cancelling while dials are under way must not leave a connection or
	// a goroutine behind, whichever of the two wins.
	var wg sync.WaitGroup
	for range 8 {
		ctx, cancel := context.WithCancel(context.Background())
		wg.Go(func() {
			if c, err := d.Dial(ctx, ep, cfg.Options); err == nil {
				c.Close()
			}
		})
		cancel()
	}
	wg.Wait()
}

// verifyPeerClose: when one end closes, the other reads io.EOF, which is
// how the core learns a peer has gone.
func verifyPeerClose(t *testing.T, d sdk.Driver, cfg Config) {
	l := listen(t, d, cfg, cfg.Endpoint(t))
	for _, closer := range []string{"dialer", "listener"} {
		client, server := connect(t, d, cfg, l)
		a, b := client, server
		if closer == "listener" {
			a, b = server, client
		}
		if _, err := a.Write([]byte("last words")); err != nil {
			t.Fatalf("%s: Write: %v", closer, err)
		}
		a.Close()
		b.SetReadDeadline(time.Now().Add(cfg.Timeout))
		got, err := io.ReadAll(b)
		if err != nil {
			t.Errorf("when the %s closes, the other end reads %v; want io.EOF", closer, err)
		}
		if string(got) != "last words" {
			t.Errorf("when the %s closes, the other end reads %q; want %q", closer, got, "last words")
		}
	}
}

// verifyReadDeadline: connections honour read deadlines with
// os.ErrDeadlineExceeded; the core bounds the handshake with one.
func verifyReadDeadline(t *testing.T, d sdk.Driver, cfg Config) {
	l := listen(t, d, cfg, cfg.Endpoint(t))
	client, server := connect(t, d, cfg, l)
	for _, c := range []net.Conn{client, server} {
		c.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
		start := time.Now()
		_, err := c.Read(make([]byte, 1))
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("Read past the deadline returned %v; want an error wrapping os.ErrDeadlineExceeded", err)
		}
		if took := time.Since(start); took > cfg.Prompt {
			t.Errorf("Read returned %v after a deadline of 30ms", took)
		}
	}
	// The connection survives an expired deadline.
	for _, c := range []net.Conn{client, server} {
		c.SetReadDeadline(time.Time{})
	}
	exchange(t, cfg, client, server, []byte("still here"))
}

// largeSizes are the frame bodies verifyLargeFrames sends: a short frame,
// a long one (over 255 bytes), one larger than the decoder's buffer and one
// far larger than any socket buffer.
var largeSizes = []int{1, 300, 64 << 10, 4 << 20}

// verifyLargeFrames: the ZMTP greeting and NULL handshake run over the
// connection, then frames of every size cross it both ways at once, intact.
func verifyLargeFrames(t *testing.T, d sdk.Driver, cfg Config) {
	l := listen(t, d, cfg, cfg.Endpoint(t))
	client, server := connect(t, d, cfg, l)
	deadline := time.Now().Add(cfg.Timeout)
	client.SetDeadline(deadline)
	server.SetDeadline(deadline)

	type end struct {
		enc *zmtp.Encoder
		dec *zmtp.Decoder
	}
	ends := [2]end{
		{zmtp.NewEncoder(client), zmtp.NewDecoder(client, 0)},
		{zmtp.NewEncoder(server), zmtp.NewDecoder(server, 0)},
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range ends {
		wg.Go(func() {
			_, errs[i] = zmtp.Handshake(ends[i].enc, ends[i].dec, zmtp.Config{SocketType: "PAIR"})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("ZMTP handshake: %v", err)
	}

	for i := range ends {
		// One sender per end, while the test goroutine reads both: a 4 MiB
		// frame fills every socket buffer, so nothing may wait on a reader.
		wg.Go(func() {
			for j, n := range largeSizes {
				flags := zmtp.FlagMore
				if j == len(largeSizes)-1 {
					flags = 0
				}
				ends[i].enc.Frame(flags, pattern(n, i))
				if errs[i] = ends[i].enc.Flush(); errs[i] != nil {
					return
				}
			}
		})
	}
	recv := make([]error, 2)
	var rg sync.WaitGroup
	for i := range ends {
		rg.Go(func() {
			from := 1 - i
			for j, n := range largeSizes {
				flags, body, err := ends[i].dec.Next()
				if err != nil {
					recv[i] = fmt.Errorf("frame %d (%d bytes): %w", j, n, err)
					return
				}
				more, wantMore := flags&zmtp.FlagMore != 0, j < len(largeSizes)-1
				if more != wantMore || flags&zmtp.FlagCommand != 0 {
					recv[i] = fmt.Errorf("frame %d (%d bytes): flags %#02x, want MORE=%v", j, n, flags, wantMore)
					return
				}
				if want := pattern(n, from); !bytes.Equal(body, want) {
					recv[i] = fmt.Errorf("frame %d: %d bytes differ from the %d sent (first difference at %d)", j, len(body), n, firstDiff(body, want))
					return
				}
			}
		})
	}
	rg.Wait()
	wg.Wait()
	for i, who := range []string{"dialer", "listener"} {
		if errs[i] != nil {
			t.Errorf("%s sending: %v", who, errs[i])
		}
		if recv[i] != nil {
			t.Errorf("%s receiving: %v", who, recv[i])
		}
	}
}

// peers is how many connections verifyManyPeers opens at once.
const peers = 64

// verifyManyPeers: one listener serves many concurrent connections, each
// an independent stream: every peer gets back exactly its own bytes.
func verifyManyPeers(t *testing.T, d sdk.Driver, cfg Config) {
	l := listen(t, d, cfg, cfg.Endpoint(t))
	ep := l.Endpoint()

	// The listener echoes each connection until its peer closes.
	var servers sync.WaitGroup
	accepted := make(chan struct{})
	servers.Go(func() {
		defer close(accepted)
		for range peers {
			c, err := l.Accept()
			if err != nil {
				return
			}
			servers.Go(func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(cfg.Timeout))
				io.Copy(c, c)
			})
		}
	})

	ctx, cancel := context.WithTimeout(context.Background(), cfg.Timeout)
	defer cancel()
	var clients sync.WaitGroup
	errs := make([]error, peers)
	for i := range peers {
		clients.Go(func() {
			c, err := d.Dial(ctx, ep, cfg.Options)
			if err != nil {
				errs[i] = fmt.Errorf("Dial: %w", err)
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(cfg.Timeout))
			msg := bytes.Repeat(fmt.Appendf(nil, "peer %02d|", i), 512)
			var wg sync.WaitGroup
			wg.Go(func() {
				if _, err := c.Write(msg); err != nil {
					errs[i] = fmt.Errorf("Write: %w", err)
				}
			})
			got := make([]byte, len(msg))
			_, rerr := io.ReadFull(c, got)
			wg.Wait()
			switch {
			case errs[i] != nil:
			case rerr != nil:
				errs[i] = fmt.Errorf("Read: %w", rerr)
			case !bytes.Equal(got, msg):
				errs[i] = fmt.Errorf("got back other bytes than sent (first difference at %d)", firstDiff(got, msg))
			}
		})
	}
	clients.Wait()
	select {
	case <-accepted:
	case <-time.After(cfg.Timeout):
		t.Error("the listener did not accept every peer")
	}
	l.Close()
	servers.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("peer %d: %v", i, err)
		}
	}
}

// verifyBadEndpoints: malformed endpoints are refused by Listen and Dial
// alike with an error wrapping sdk.ErrBadEndpoint, so that the core tells a
// user's typo (EINVAL in libzmq) from a network failure.
func verifyBadEndpoints(t *testing.T, d sdk.Driver, cfg Config) {
	if len(cfg.BadEndpoints) == 0 {
		t.Skip("Config.BadEndpoints is empty")
	}
	for _, s := range cfg.BadEndpoints {
		ep, err := sdk.ParseEndpoint(s)
		if err != nil {
			t.Errorf("Config.BadEndpoints has %q, which sdk.ParseEndpoint already refuses: %v", s, err)
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), cfg.Timeout)
		l, err := d.Listen(ctx, ep, cfg.Options)
		if err == nil {
			l.Close()
		}
		if !errors.Is(err, sdk.ErrBadEndpoint) {
			t.Errorf("Listen(%q) returned %v; want an error wrapping sdk.ErrBadEndpoint", s, err)
		}
		c, err := d.Dial(ctx, ep, cfg.Options)
		if err == nil {
			c.Close()
		}
		if !errors.Is(err, sdk.ErrBadEndpoint) {
			t.Errorf("Dial(%q) returned %v; want an error wrapping sdk.ErrBadEndpoint", s, err)
		}
		cancel()
	}
}

// parse parses an endpoint the config gave, failing the test if it is not
// one.
func parse(t testing.TB, s string) sdk.Endpoint {
	t.Helper()
	ep, err := sdk.ParseEndpoint(s)
	if err != nil {
		t.Fatalf("Config gave the endpoint %q: %v", s, err)
	}
	return ep
}

// listen binds s and closes the listener when the test ends.
func listen(t testing.TB, d sdk.Driver, cfg Config, s string) sdk.Listener {
	t.Helper()
	ep := parse(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Timeout)
	defer cancel()
	l, err := d.Listen(ctx, ep, cfg.Options)
	if err != nil {
		t.Fatalf("Listen(%q): %v", s, err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// connect dials l's endpoint and accepts the connection, both within the
// timeout; the two ends are closed when the test ends.
func connect(t testing.TB, d sdk.Driver, cfg Config, l sdk.Listener) (client, server net.Conn) {
	t.Helper()
	return DialAccept(t, d, l, l.Endpoint(), cfg.Options, cfg.Timeout)
}

// exchange writes msg on from and reads it back on to.
func exchange(t testing.TB, cfg Config, from, to net.Conn, msg []byte) {
	t.Helper()
	deadline := time.Now().Add(cfg.Timeout)
	from.SetWriteDeadline(deadline)
	to.SetReadDeadline(deadline)
	if _, err := from.Write(msg); err != nil {
		t.Fatalf("Write: %v", err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(to, got); err != nil {
		t.Fatalf("Read: %v", err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("read %q, want %q", got, msg)
	}
	from.SetWriteDeadline(time.Time{})
	to.SetReadDeadline(time.Time{})
}

// pattern is n bytes that differ with the sender and with the position, so
// that a frame from the wrong end, or bytes out of order, are caught.
func pattern(n, sender int) []byte {
	b := make([]byte, n)
	x := uint32(2166136261) ^ uint32(n) ^ uint32(sender)<<24
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

// firstDiff is the index of the first byte where a and b differ.
func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// checkGoroutines fails t if goroutines that were not running before are
// still running once grace has passed. Goroutines of a closed connection
// need a moment to notice; a leak never ends. Goroutines are told apart by
// their ids, never reused, so one ending elsewhere cannot hide a leak.
func checkGoroutines(t *testing.T, before map[string]string, grace time.Duration) {
	t.Helper()
	deadline := time.Now().Add(grace)
	for {
		var leaked []string
		for id, stack := range goroutines() {
			if _, ok := before[id]; !ok {
				leaked = append(leaked, stack)
			}
		}
		if len(leaked) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%d goroutines started by the check still run %v after it closed everything: the driver leaks them. By where they started:\n%s",
				len(leaked), grace, summarize(leaked))
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// goroutines maps the id of every goroutine but the caller to its stack.
func goroutines() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	m := map[string]string{}
	// The first goroutine in the dump is the caller.
	for _, g := range strings.Split(string(buf), "\n\n")[1:] {
		// "goroutine 42 [select]:"
		if f := strings.Fields(g); len(f) >= 2 && f[0] == "goroutine" {
			m[f[1]] = g
		}
	}
	return m
}

// summarize groups stacks by the function each goroutine is in and the place
// that started it, the largest groups first.
func summarize(stacks []string) string {
	counts := map[string]int{}
	for _, g := range stacks {
		lines := strings.Split(strings.TrimSpace(g), "\n")
		if len(lines) < 2 {
			continue
		}
		key := "in " + funcName(lines[1])
		for i, l := range lines {
			if strings.HasPrefix(l, "created by ") && i+1 < len(lines) {
				created, _, _ := strings.Cut(l, " in goroutine ")
				key += ", " + created + " at " + strings.TrimSpace(lines[i+1])
			}
		}
		counts[key]++
	}
	keys := slices.SortedFunc(maps.Keys(counts), func(a, b string) int { return counts[b] - counts[a] })
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "\t%d %s\n", counts[k], k)
	}
	return b.String()
}

// funcName drops the argument list from a stack frame's function line.
func funcName(line string) string {
	if i := strings.LastIndexByte(line, '('); i > 0 {
		return line[:i]
	}
	return line
}
