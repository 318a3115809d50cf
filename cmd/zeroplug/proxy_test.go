package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/core"
	"github.com/zeroplug/zeroplug/internal/peertest"
)

// A REQ and a REP talk through the proxy; its control socket answers STATISTICS and
// stops it with TERMINATE.
func TestProxyReqRep(t *testing.T) {
	checkLeaks(t)
	front, back, control := peertest.FreeTCPEndpoint(t), peertest.IPCEndpoint(t), peertest.IPCEndpoint(t)
	proxy := start(t, "proxy", "-f", "ROUTER@bind:"+front, "-b", "DEALER@bind:"+back,
		"--control", "REP@bind:"+control)

	zctx := core.NewContext()
	defer zctx.Close()
	open := func(typ core.Type, endpoint string) *core.Socket {
		s, err := zctx.NewSocket(typ, core.RecvTimeout(timeout), core.Linger(0))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Connect(endpoint); err != nil {
			t.Fatal(err)
		}
		return s
	}
	req, rep, ctl := open(core.REQ, front), open(core.REP, back), open(core.REQ, control)
	go func() {
		for {
			frames, err := rep.Recv()
			if err != nil {
				return
			}
			if err := rep.Send(append([]byte("re:"), frames[0]...)); err != nil {
				return
			}
		}
	}()
	const requests = 3
	for i := range requests {
		if err := req.SendString(fmt.Sprint("hello ", i)); err != nil {
			t.Fatal(err)
		}
		frames, err := req.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprint("re:hello ", i); len(frames) != 1 || string(frames[0]) != want {
			t.Fatalf("REQ received %q, want %q", frames, want)
		}
	}

	if err := ctl.SendString("STATISTICS"); err != nil {
		t.Fatal(err)
	}
	frames, err := ctl.Recv()
	if err != nil {
		t.Fatal(err)
	}
	stats, ok := core.ParseProxyStats(frames)
	if !ok {
		t.Fatalf("STATISTICS answered %q", frames)
	}
	// Each request crosses the frontend in and the backend out; each reply the backend
	// in and the frontend out. Through a ROUTER and a DEALER a message is the routing
	// id (5 bytes, libzmq's), the empty delimiter and the body.
	if stats.FrontendIn != requests || stats.BackendOut != requests ||
		stats.BackendIn != requests || stats.FrontendOut != requests {
		t.Errorf("STATISTICS: %+v, want %d messages each way", stats, requests)
	}
	if stats.FrontendIn != 0 && stats.FrontendInBytes < stats.FrontendIn*uint64(len("hello 0")) {
		t.Errorf("STATISTICS: %d bytes in for %d requests", stats.FrontendInBytes, stats.FrontendIn)
	}
	if proxy.exited() {
		t.Fatalf("proxy exited (status %d)", proxy.code)
	}
	if err := ctl.SendString("TERMINATE"); err != nil {
		t.Fatal(err)
	}
	proxy.wait(0)
	for _, s := range []*core.Socket{req, rep, ctl} {
		s.Close()
	}
}

// PUSH -> proxy (PULL, PUSH) -> PULL, with a capture socket and an interrupt at the end.
// The capture socket connects: its messages then wait for the tap rather than being
// dropped while it has no peer.
func TestProxyPipelineCapture(t *testing.T) {
	checkLeaks(t)
	in, out, capture := peertest.IPCEndpoint(t), peertest.IPCEndpoint(t), peertest.IPCEndpoint(t)
	tap := start(t, "cat", "-t", "PULL", "-b", capture, "-n", "2")
	proxy := start(t, "proxy", "-b", "PUSH@bind:"+out, "-f", "PULL@bind:"+in, "--capture", "PUSH@connect:"+capture)
	sink := start(t, "cat", "-t", "PULL", "-c", out, "-n", "2")
	if code, _, stderr := runCmd(t, "one\nt|w|o\n", "cat", "-t", "PUSH", "-c", in); code != 0 {
		t.Fatalf("PUSH: exit status %d; stderr:\n%s", code, stderr)
	}
	for _, c := range []*cmd{sink, tap} {
		if got := strings.Join(c.lines(2), "\n"); got != "one\nt|w|o" {
			t.Errorf("%s printed %q", c, got)
		}
		c.wait(0)
	}
	time.Sleep(50 * time.Millisecond)
	if proxy.exited() {
		t.Fatalf("proxy exited (status %d)", proxy.code)
	}
	proxy.interrupt()
	proxy.wait(0)
}

func TestProxyUsage(t *testing.T) {
	checkLeaks(t)
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no backend", []string{"-f", "ROUTER@bind:tcp://127.0.0.1:*"}, 2, "-b SPEC are both required"},
		{"no at", []string{"-f", "ROUTER", "-b", "DEALER@bind:tcp://127.0.0.1:*"}, 2, "frontend"},
		{"bad type", []string{"-f", "ROUTE@bind:tcp://127.0.0.1:*", "-b", "DEALER@bind:tcp://127.0.0.1:*"}, 2,
			`"ROUTE" is not a socket type`},
		{"bad mode", []string{"-f", "ROUTER@listen:tcp://127.0.0.1:*", "-b", "DEALER@bind:tcp://127.0.0.1:*"}, 2,
			"TYPE@bind:ENDPOINT"},
		{"bad control", []string{"-f", "ROUTER@bind:tcp://127.0.0.1:*", "-b", "DEALER@bind:tcp://127.0.0.1:*",
			"--control", "REP"}, 2, "control"},
		{"argument", []string{"-f", "ROUTER@bind:tcp://127.0.0.1:*", "-b", "DEALER@bind:tcp://127.0.0.1:*", "x"}, 2,
			`unexpected argument "x"`},
		{"bad endpoint", []string{"-f", "ROUTER@bind:tcp://127.0.0.1:*", "-b", "DEALER@connect:nosuch://x"}, 1,
			"backend: connect nosuch://x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, "", append([]string{"proxy"}, tc.args...)...)
			if code != tc.code || !strings.Contains(stderr, tc.stderr) || stdout != "" {
				t.Errorf("status %d, stdout %q, stderr %q; want status %d and a stderr with %q",
					code, stdout, stderr, tc.code, tc.stderr)
			}
		})
	}
}
