package main

import (
	"strings"
	"testing"

	"github.com/zeroplug/zeroplug/internal/peertest"
)

// Over udp:// as over tcp: a RADIO connects and sends each line GROUP|BODY, a DISH binds
// and prints the groups it joined, and no other.
func TestCatRadioDishUDP(t *testing.T) {
	checkLeaks(t)
	ep := peertest.FreeUDPEndpoint(t)
	dish := start(t, "cat", "-t", "DISH", "-b", ep, "-j", "weather", "news", "-n", "4")
	radio := start(t, "cat", "-t", "RADIO", "-c", ep)
	// Datagrams sent before the DISH has bound are lost: send rounds until it has had enough.
	go radio.repeat(func(i int) string {
		return "sport|no\nweather|rain|cold\nnews|extra\n|nothing\n"
	}, dish)
	for _, line := range dish.lines(4) {
		if line != "weather|rain|cold" && line != "news|extra" {
			t.Errorf("DISH printed %q, not of a group it joined", line)
		}
	}
	dish.wait(0)
	radio.interrupt()
	radio.wait(0)
}

// A DGRAM sends each line ADDRESS|BODY to ADDRESS and prints what it receives as
// SENDER|BODY; with --echo it sends each datagram back to its sender.
func TestCatDgram(t *testing.T) {
	checkLeaks(t)
	echoEP, askEP := peertest.FreeUDPEndpoint(t), peertest.FreeUDPEndpoint(t)
	echoAddr := strings.TrimPrefix(echoEP, "udp://")
	echo := start(t, "cat", "-t", "DGRAM", "-b", echoEP, "--echo")
	ask := start(t, "cat", "-t", "DGRAM", "-b", askEP, "-n", "1")
	go ask.repeat(func(int) string { return echoAddr + "|ping|1\n" }, ask)
	if got, want := ask.line(), echoAddr+"|ping|1"; got != want {
		t.Errorf("DGRAM printed %q, want %q", got, want)
	}
	ask.wait(0)
	if got, want := echo.line(), strings.TrimPrefix(askEP, "udp://")+"|ping|1"; got != want {
		t.Errorf("DGRAM --echo printed %q, want %q", got, want)
	}
	echo.interrupt()
	echo.wait(0)
	code, _, stderr := runCmd(t, "no address here\n", "cat", "-t", "DGRAM", "-b", "udp://127.0.0.1:*")
	if code != exitError || !strings.Contains(stderr, "ADDRESS|BODY") {
		t.Errorf("DGRAM line without an address: status %d, stderr %q", code, stderr)
	}
	if code, _, _ := runCmd(t, "", "cat", "-t", "DGRAM", "-b", "tcp://127.0.0.1:*"); code != exitError {
		t.Errorf("DGRAM over tcp: status %d, want %d", code, exitError)
	}
}
