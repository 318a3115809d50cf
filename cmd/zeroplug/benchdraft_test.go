package main

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/zeroplug/zeroplug/internal/peertest"
)

// checkRadioDishThr checks a RADIO/DISH thr line of sent messages: over tcp every
// one arrives, over udp what arrived and what was lost add up.
func checkRadioDishThr(t *testing.T, line string, size, sent int, lossless bool) {
	t.Helper()
	r, err := peertest.ParseResult(line)
	if err != nil {
		t.Fatal(err)
	}
	if len(r) != 8 || r["mode"] != "thr" || r["size"] != fmt.Sprint(size) || r["sent"] != fmt.Sprint(sent) {
		t.Errorf("%q: want mode=thr size=%d count=N sent=%d lost=L and the three figures", line, size, sent)
	}
	for _, k := range thrFields {
		if f, err := strconv.ParseFloat(r[k], 64); err != nil || !(f > 0) {
			t.Errorf("%s=%q is not a positive number in %q", k, r[k], line)
		}
	}
	got, err1 := strconv.Atoi(r["count"])
	lost, err2 := strconv.Atoi(r["lost"])
	switch {
	case err1 != nil || err2 != nil:
		t.Errorf("count=%q lost=%q in %q", r["count"], r["lost"], line)
	case got+lost != sent || got < 2:
		t.Errorf("%d arrived and %d were lost of %d sent: %q", got, lost, sent, line)
	case lossless && lost != 0:
		t.Errorf("%d of %d lost over a stream transport: %q", lost, sent, line)
	}
}

func TestBenchPatterns(t *testing.T) {
	checkLeaks(t)
	t.Run("radio-dish-tcp-thr", func(t *testing.T) {
		line := benchLine(t, "thr", peertest.FreeTCPEndpoint(t), "--pattern", "radio-dish", "--size", "100", "--count", "3000")
		checkRadioDishThr(t, line, 100, 3000, true)
	})
	t.Run("radio-dish-udp-thr", func(t *testing.T) {
		// A DISH that falls behind loses datagrams: a short run rarely does.
		line := benchLine(t, "thr", peertest.FreeUDPEndpoint(t), "--pattern", "radio-dish", "--size", "64", "--count", "500")
		checkRadioDishThr(t, line, 64, 500, false)
	})
	t.Run("radio-dish-udp-lat", func(t *testing.T) {
		line := benchLine(t, "lat", peertest.FreeUDPEndpointPair(t), "--pattern", "radio-dish", "--count", "200")
		result(t, line, latWant(16, 200), latFields...)
	})
	t.Run("radio-dish-tcp-lat", func(t *testing.T) {
		line := benchLine(t, "lat", peertest.FreeTCPEndpointPair(t), "--pattern", "radio-dish", "--count", "200")
		result(t, line, latWant(16, 200), latFields...)
	})
	for _, ep := range []func() string{func() string { return peertest.FreeTCPEndpoint(t) }, func() string { return peertest.IPCEndpoint(t) }} {
		e := ep()
		name := strings.SplitN(e, ":", 2)[0]
		t.Run("client-server-"+name+"-thr", func(t *testing.T) {
			line := benchLine(t, "thr", e, "--pattern", "client-server", "--size", "1024", "--count", "3000")
			result(t, line, thrWant(1024, 3000), thrFields...)
		})
		t.Run("client-server-"+name+"-lat", func(t *testing.T) {
			line := benchLine(t, "lat", ep(), "--pattern", "client-server", "--count", "300")
			result(t, line, latWant(16, 300), latFields...)
		})
	}
}

// zmqpeer-draft (libzmq 4.3.5's draft API) runs the same patterns with the same
// result lines: the other column of the draft benchmark tables.
func TestBenchPatternsZmqpeerDraft(t *testing.T) {
	checkLeaks(t)
	peer := peertest.ZmqpeerDraft(t)
	run := func(t *testing.T, pattern string, args ...string) string {
		t.Helper()
		p := peertest.StartEnv(t, []string{"ZMQPEER_PATTERN=" + pattern}, peer, args...)
		line, err := p.Line(timeout)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Wait(timeout); err != nil {
			t.Fatal(err)
		}
		return line
	}
	t.Run("radio-dish-tcp-thr", func(t *testing.T) {
		checkRadioDishThr(t, run(t, "radio-dish", "thr", peertest.FreeTCPEndpoint(t), "100", "3000"), 100, 3000, true)
	})
	t.Run("radio-dish-udp-thr", func(t *testing.T) {
		checkRadioDishThr(t, run(t, "radio-dish", "thr", peertest.FreeUDPEndpoint(t), "64", "500"), 64, 500, false)
	})
	t.Run("radio-dish-udp-lat", func(t *testing.T) {
		result(t, run(t, "radio-dish", "lat", peertest.FreeUDPEndpointPair(t), "16", "200"), latWant(16, 200), latFields...)
	})
	t.Run("client-server-tcp-thr", func(t *testing.T) {
		result(t, run(t, "client-server", "thr", peertest.FreeTCPEndpoint(t), "1024", "3000"), thrWant(1024, 3000), thrFields...)
	})
	t.Run("client-server-tcp-lat", func(t *testing.T) {
		result(t, run(t, "client-server", "lat", peertest.FreeTCPEndpoint(t), "16", "300"), latWant(16, 300), latFields...)
	})
}
