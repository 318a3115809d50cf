package guest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/core"
	"github.com/zeroplug/zeroplug/internal/vmguest"
	"github.com/zeroplug/zeroplug/sdk/zmtp/curve"
)

// transport is one of the plugins' schemes as the tests bind it.
type transport struct {
	name string
	// bind returns a fresh endpoint to bind.
	bind    func() string
	require func(vmguest.TB)
}

var serviceTypes atomic.Uint32

// freshType is a TIPC service type nobody else publishes.
func freshType() uint32 {
	serviceTypes.CompareAndSwap(0, uint32(200000+os.Getpid()%100000*10))
	return serviceTypes.Add(1)
}

var transports = []transport{
	{"vsock", func() string { return "vsock://1:*" }, vmguest.RequireVsock},
	{"vmci", func() string { return "vmci://@:*" }, vmguest.RequireVsock},
	{"tipc", func() string { return fmt.Sprintf("tipc://{%d,0,0}", freshType()) }, vmguest.RequireTIPC},
	{"tipc-port", func() string { return "tipc://<*>" }, vmguest.RequireTIPC},
}

// timeout bounds each wait of these tests: software emulation is slow.
const timeout = 30 * time.Second

// newContext is a context that finds the plugins built for the guest. Each
// side of a test has its own, as two programs would: each starts its own
// plugin process.
func newContext(t *testing.T) *core.Context {
	t.Helper()
	c := core.NewContext(core.WithPluginPath(vmguest.Plugins(t)))
	t.Cleanup(func() { c.Close() })
	return c
}

func socket(t *testing.T, c *core.Context, typ core.Type, opts ...core.Option) *core.Socket {
	t.Helper()
	s, err := c.NewSocket(typ, append([]core.Option{core.RecvTimeout(timeout), core.SendTimeout(timeout), core.Linger(0)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func bind(t *testing.T, s *core.Socket, ep string) string {
	t.Helper()
	if err := s.Bind(ep); err != nil {
		t.Fatalf("Bind(%s): %v", ep, err)
	}
	return s.LastEndpoint()
}

func connect(t *testing.T, s *core.Socket, ep string) {
	t.Helper()
	if err := s.Connect(ep); err != nil {
		t.Fatalf("Connect(%s): %v", ep, err)
	}
}

func send(t *testing.T, s *core.Socket, frames ...string) {
	t.Helper()
	if err := s.SendString(frames...); err != nil {
		t.Fatalf("%s Send %q: %v", s.Type(), frames, err)
	}
}

func recv(t *testing.T, s *core.Socket, want ...string) [][]byte {
	t.Helper()
	got, err := s.Recv()
	if err != nil {
		t.Fatalf("%s Recv (want %q): %v", s.Type(), want, err)
	}
	if want != nil {
		var g []string
		for _, f := range got {
			g = append(g, string(f))
		}
		if strings.Join(g, "|") != strings.Join(want, "|") {
			t.Fatalf("%s received %q, want %q", s.Type(), g, want)
		}
	}
	return got
}

// TestPatterns: every socket pattern over vsock, vmci and tipc, and CURVE,
// each side in its own context with its own plugin process; the connect
// uses the bound side's LAST_ENDPOINT.
func TestPatterns(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			tr.require(t)
			for _, p := range patterns {
				t.Run(p.name, func(t *testing.T) {
					a, b := newContext(t), newContext(t)
					p.run(t, a, b, tr.bind())
				})
			}
		})
	}
}

var patterns = []struct {
	name string
	run  func(t *testing.T, a, b *core.Context, ep string)
}{
	{"PAIR", func(t *testing.T, a, b *core.Context, ep string) {
		x, y := socket(t, a, core.PAIR), socket(t, b, core.PAIR)
		connect(t, y, bind(t, x, ep))
		send(t, y, "from", "the connecter")
		recv(t, x, "from", "the connecter")
		send(t, x, "and back")
		recv(t, y, "and back")
	}},
	{"REQ-REP", func(t *testing.T, a, b *core.Context, ep string) {
		rep, req := socket(t, a, core.REP), socket(t, b, core.REQ)
		connect(t, req, bind(t, rep, ep))
		for i := range 10 {
			send(t, req, "ping", strconv.Itoa(i))
			recv(t, rep, "ping", strconv.Itoa(i))
			send(t, rep, "pong", strconv.Itoa(i))
			recv(t, req, "pong", strconv.Itoa(i))
		}
	}},
	{"DEALER-ROUTER", func(t *testing.T, a, b *core.Context, ep string) {
		router, dealer := socket(t, a, core.ROUTER), socket(t, b, core.DEALER, core.RoutingID([]byte("dealer-1")))
		connect(t, dealer, bind(t, router, ep))
		send(t, dealer, "", "request")
		recv(t, router, "dealer-1", "", "request")
		send(t, router, "dealer-1", "", "reply")
		recv(t, dealer, "", "reply")
	}},
	{"PUSH-PULL", func(t *testing.T, a, b *core.Context, ep string) {
		pull, push := socket(t, a, core.PULL), socket(t, b, core.PUSH)
		connect(t, push, bind(t, pull, ep))
		for i := range 200 {
			send(t, push, strconv.Itoa(i), strings.Repeat("x", i*50))
		}
		for i := range 200 {
			recv(t, pull, strconv.Itoa(i), strings.Repeat("x", i*50))
		}
	}},
	{"PUB-SUB", func(t *testing.T, a, b *core.Context, ep string) {
		pub, sub := socket(t, a, core.PUB), socket(t, b, core.SUB, core.Subscribe("news"), core.RecvTimeout(100*time.Millisecond))
		connect(t, sub, bind(t, pub, ep))
		// The subscription takes a moment to reach the publisher.
		deadline := time.Now().Add(timeout)
		for {
			send(t, pub, "weather", "rain")
			send(t, pub, "news", "hello")
			if got, err := sub.Recv(); err == nil {
				if string(got[0]) != "news" {
					t.Fatalf("SUB received %q, which it did not subscribe to", got)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the subscription never reached the publisher")
			}
		}
		sub.SetOption(core.RecvTimeout(timeout))
		send(t, pub, "weather", "sun")
		send(t, pub, "news", "again")
		for {
			if got := recv(t, sub); string(got[1]) == "again" {
				break
			}
		}
	}},
	{"CURVE", func(t *testing.T, a, b *core.Context, ep string) {
		public, secret, err := curve.GenerateKeyPair(nil)
		if err != nil {
			t.Fatal(err)
		}
		rep := socket(t, a, core.REP, core.CurveServer(true), core.CurveSecretKey(secret.String()))
		req := socket(t, b, core.REQ, core.CurveServerKey(public.String()))
		connect(t, req, bind(t, rep, ep))
		send(t, req, "sealed")
		recv(t, rep, "sealed")
		send(t, rep, "and back")
		recv(t, req, "and back")
	}},
	{"XPUB-XSUB", func(t *testing.T, a, b *core.Context, ep string) {
		xpub, xsub := socket(t, a, core.XPUB), socket(t, b, core.XSUB)
		connect(t, xsub, bind(t, xpub, ep))
		send(t, xsub, "\x01topic")
		recv(t, xpub, "\x01topic")
		send(t, xpub, "topic", "data")
		recv(t, xsub, "topic", "data")
	}},
}

// pluginPids are this process's plugin processes.
func pluginPids(t *testing.T) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err != nil || !strings.HasPrefix(filepath.Base(exe), "zeroplug-transport-") {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// "pid (comm) S ppid ...": the parent follows the state.
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(os.Getpid()) && f[0] != "Z" {
			pids = append(pids, pid)
		}
	}
	return pids
}

// TestPluginKilled: the plugin processes of both sides are killed in the
// middle of a stream; the connections they made keep carrying it, every
// socket hears of the crash, and the next connect starts the plugin again.
func TestPluginKilled(t *testing.T) {
	for _, tr := range []transport{transports[0], transports[2]} {
		t.Run(tr.name, func(t *testing.T) {
			tr.require(t)
			a, b := newContext(t), newContext(t)
			pull, push := socket(t, a, core.PULL), socket(t, b, core.PUSH)
			events := push.Monitor(core.EventPluginCrashed)
			ep := bind(t, pull, tr.bind())
			connect(t, push, ep)
			for i := range 100 {
				send(t, push, strconv.Itoa(i))
			}
			for i := range 50 {
				recv(t, pull, strconv.Itoa(i))
			}
			pids := pluginPids(t)
			if len(pids) != 2 {
				t.Fatalf("%d plugin processes run, want 2 (one per context)", len(pids))
			}
			for _, pid := range pids {
				syscall.Kill(pid, syscall.SIGKILL)
			}
			select {
			case e := <-events:
				if e.Endpoint != ep {
					t.Errorf("PLUGIN_CRASHED for %s, want %s", e.Endpoint, ep)
				}
			case <-time.After(timeout):
				t.Fatal("no PLUGIN_CRASHED event after the plugin was killed")
			}
			for i := 100; i < 200; i++ {
				send(t, push, strconv.Itoa(i))
			}
			for i := 50; i < 200; i++ {
				recv(t, pull, strconv.Itoa(i))
			}
			// A new connection starts the plugin again; the listening socket,
			// handed over before the crash, still accepts.
			push2 := socket(t, b, core.PUSH)
			connect(t, push2, ep)
			send(t, push2, "after the crash")
			recv(t, pull, "after the crash")
			if n := len(pluginPids(t)); n != 1 {
				t.Errorf("%d plugin processes after the new connect, want 1 (the connecting side's, restarted)", n)
			}
		})
	}
}

// TestServiceRangeLoadBalance is the README's example: three REP servers,
// each its own program, bind the same TIPC service range; a REQ connects
// three times by name, and TIPC gives each connection to the next server,
// so that the requests go round the three.
func TestServiceRangeLoadBalance(t *testing.T) {
	vmguest.RequireTIPC(t)
	typ := freshType()
	for i := range 3 {
		rep := socket(t, newContext(t), core.REP)
		bind(t, rep, fmt.Sprintf("tipc://{%d,0,100}", typ))
		go func() {
			for {
				if _, err := rep.Recv(); err != nil {
					return
				}
				if rep.SendString(fmt.Sprintf("server %d", i)) != nil {
					return
				}
			}
		}()
	}
	req := socket(t, newContext(t), core.REQ)
	for range 3 {
		connect(t, req, fmt.Sprintf("tipc://{%d,42}", typ))
	}
	answers := map[string]int{}
	for range 9 {
		send(t, req, "work")
		answers[string(recv(t, req)[0])]++
	}
	if len(answers) != 3 || answers["server 0"] != 3 || answers["server 1"] != 3 {
		t.Errorf("answers by server: %v; want 3 from each of the three", answers)
	}
}
