package main

import (
	"bytes"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/internal/netnstest"
	"github.com/zeroplug/zeroplug/internal/peertest"
)

// buildZeroplug builds the zeroplug binary into the test's temporary directory.
func buildZeroplug(t *testing.T) string {
	t.Helper()
	root, err := peertest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "zeroplug")
	build := exec.Command(goCommand(), "build", "-o", bin, "./cmd/zeroplug")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// RADIO to DISH over multicast udp between two network namespaces: the DISH joins the
// group on its interface (udp://vB;GROUP:PORT), the RADIO sends from its own
// (udp://vA;GROUP:PORT), and the DISH prints its groups only.
func TestCatUDPMulticastNamespaces(t *testing.T) {
	checkLeaks(t)
	a, b := netnstest.Pair(t)
	bin := buildZeroplug(t)
	const group = "239.255.7.7:5600"

	var dishOut, dishErr bytes.Buffer
	dish := b.Command(bin, "cat", "-t", "DISH", "-b", "udp://vB;"+group, "-j", "weather", "-n", "3")
	dish.Stdout, dish.Stderr = &dishOut, &dishErr
	if err := dish.Start(); err != nil {
		t.Fatal(err)
	}
	dishDone := make(chan error, 1)
	go func() { dishDone <- dish.Wait() }()
	t.Cleanup(func() {
		dish.Process.Kill()
		<-dishDone
	})

	radio := a.Command(bin, "cat", "-t", "RADIO", "-c", "udp://vA;"+group, "-o", "MULTICAST_HOPS=1")
	stdin, err := radio.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var radioErr bytes.Buffer
	radio.Stderr = &radioErr
	if err := radio.Start(); err != nil {
		t.Fatal(err)
	}
	// The DISH may not have joined yet: send rounds until it has printed enough.
	deadline := time.After(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var dishErrResult error
wait:
	for {
		select {
		case dishErrResult = <-dishDone:
			dishDone <- dishErrResult // for the cleanup
			break wait
		case <-tick.C:
			if _, err := io.WriteString(stdin, "sport|no\nweather|rain\n"); err != nil {
				t.Fatalf("RADIO's stdin: %v; stderr:\n%s", err, &radioErr)
			}
		case <-deadline:
			t.Fatalf("DISH printed %q in %v; stderr:\n%s", dishOut.String(), timeout, &dishErr)
		}
	}
	stdin.Close()
	if err := radio.Wait(); err != nil {
		t.Errorf("RADIO: %v; stderr:\n%s", err, &radioErr)
	}
	if dishErrResult != nil {
		t.Fatalf("DISH: %v; stderr:\n%s", dishErrResult, &dishErr)
	}
	if got, want := dishOut.String(), strings.Repeat("weather|rain\n", 3); got != want {
		t.Errorf("DISH printed %q, want %q", got, want)
	}
}
