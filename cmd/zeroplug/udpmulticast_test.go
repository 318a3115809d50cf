package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/internal/peertest"
)

// netns is a network namespace the test made, removed (with its veth end) when it ends.
type netns string

func (n netns) run(t *testing.T, args ...string) {
	t.Helper()
	all := append([]string{"-n", string(n)}, args...)
	if out, err := exec.Command("ip", all...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v\n%s", strings.Join(all, " "), err, out)
	}
}

func (n netns) command(args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", string(n)}, args...)...)
}

// twoNamespaces makes two network namespaces joined by a veth pair, 10.231.7.1/24 on vA
// in the first and 10.231.7.2/24 on vB in the second: a network of its own, so that
// multicast never touches the host's interfaces.
func twoNamespaces(t *testing.T) (a, b netns) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("network namespaces need root: run the tests as root, as make test and CI do")
	}
	id := os.Getpid() % 100000
	a, b = netns(fmt.Sprintf("zpudp%da", id)), netns(fmt.Sprintf("zpudp%db", id))
	for _, n := range []netns{a, b} {
		if out, err := exec.Command("ip", "netns", "add", string(n)).CombinedOutput(); err != nil {
			t.Fatalf("ip netns add %s: %v\n%s", n, err, out)
		}
		t.Cleanup(func() {
			if out, err := exec.Command("ip", "netns", "del", string(n)).CombinedOutput(); err != nil {
				t.Errorf("ip netns del %s: %v\n%s", n, err, out)
			}
		})
	}
	a.run(t, "link", "add", "vA", "type", "veth", "peer", "name", "vB", "netns", string(b))
	for _, c := range []struct {
		n    netns
		dev  string
		addr string
	}{{a, "vA", "10.231.7.1/24"}, {b, "vB", "10.231.7.2/24"}} {
		c.n.run(t, "addr", "add", c.addr, "dev", c.dev)
		c.n.run(t, "link", "set", c.dev, "up")
		c.n.run(t, "link", "set", "lo", "up")
	}
	return a, b
}

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
	a, b := twoNamespaces(t)
	bin := buildZeroplug(t)
	const group = "239.255.7.7:5600"

	var dishOut, dishErr bytes.Buffer
	dish := b.command(bin, "cat", "-t", "DISH", "-b", "udp://vB;"+group, "-j", "weather", "-n", "3")
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

	radio := a.command(bin, "cat", "-t", "RADIO", "-c", "udp://vA;"+group, "-o", "MULTICAST_HOPS=1")
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
