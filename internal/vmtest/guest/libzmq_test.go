package guest

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/zeroplug/zeroplug/core"
	"github.com/zeroplug/zeroplug/internal/peertest"
	"github.com/zeroplug/zeroplug/internal/vmguest"
)

// zmqpeer starts libzmq's reference peer (cmd/zmqpeer, built on the host
// against Debian's libzmq) in the host's file system, under chroot.
func zmqpeer(t *testing.T, args ...string) *peertest.Proc {
	t.Helper()
	path := os.Getenv(vmguest.EnvZmqpeer)
	if path == "" {
		t.Fatalf("%s is not set: the test VM's init sets it to zmqpeer's path on the host", vmguest.EnvZmqpeer)
	}
	return peertest.Start(t, "chroot", append([]string{vmguest.HostRoot, path}, args...)...)
}

// TestLibzmqTIPC: zeroplug and libzmq 4.3.4 exchange messages over tipc,
// each binding in turn. libzmq connects with "@0.0.0": without it, it looks
// the name up in the domain <1.0.0>, which finds nothing on a single node.
func TestLibzmqTIPC(t *testing.T) {
	vmguest.RequireTIPC(t)
	if !vmguest.InGuest() {
		t.Skip("libzmq runs under chroot in the host's file system, which only the test VM mounts")
	}
	t.Run("libzmq binds", func(t *testing.T) {
		typ := freshType()
		peer := zmqpeer(t, "recv", "PULL", "bind", fmt.Sprintf("tipc://{%d,0,0}", typ), "3")
		push := socket(t, newContext(t), core.PUSH)
		connect(t, push, fmt.Sprintf("tipc://{%d,0}", typ))
		send(t, push, "hello")
		send(t, push, "a", "b", "c")
		send(t, push, strings.Repeat("z", 5000))
		lines, err := peer.Lines(3, timeout)
		if err != nil {
			t.Fatal(err)
		}
		if lines[0] != "hello" || lines[1] != "a|b|c" || lines[2] != strings.Repeat("z", 5000) {
			t.Errorf("libzmq received %q", lines)
		}
		if err := peer.Wait(timeout); err != nil {
			t.Error(err)
		}
	})
	t.Run("zeroplug binds", func(t *testing.T) {
		pull := socket(t, newContext(t), core.PULL)
		typ := freshType()
		bind(t, pull, fmt.Sprintf("tipc://{%d,0,10}", typ))
		peer := zmqpeer(t, "send", "PUSH", "connect", fmt.Sprintf("tipc://{%d,5}@0.0.0", typ))
		for _, l := range []string{"one", "two|parts", "three"} {
			if err := peer.Send(l); err != nil {
				t.Fatal(err)
			}
		}
		peer.CloseStdin()
		recv(t, pull, "one")
		recv(t, pull, "two", "parts")
		recv(t, pull, "three")
		if err := peer.Wait(timeout); err != nil {
			t.Error(err)
		}
	})
	t.Run("REQ-REP", func(t *testing.T) {
		typ := freshType()
		zmqpeer(t, "echo", "REP", "bind", fmt.Sprintf("tipc://{%d,0,0}", typ))
		req := socket(t, newContext(t), core.REQ)
		connect(t, req, fmt.Sprintf("tipc://{%d,0}", typ))
		for i := range 20 {
			send(t, req, "ping", fmt.Sprint(i))
			recv(t, req, "ping", fmt.Sprint(i))
		}
	})
	t.Run("port identity", func(t *testing.T) {
		// libzmq connects to the port identity zeroplug's <*> reports.
		rep := socket(t, newContext(t), core.REP)
		ep := bind(t, rep, "tipc://<*>")
		peer := zmqpeer(t, "lat-req", ep, "64", "10")
		for range 10 {
			got := recv(t, rep)
			if err := rep.Send(got...); err != nil {
				t.Fatal(err)
			}
		}
		line, err := peer.Line(timeout)
		if err != nil || !strings.HasPrefix(line, "mode=lat") {
			t.Errorf("libzmq's REQ: %q, %v", line, err)
		}
	})
}
