package main

import (
	"fmt"
	"github.com/zeroplug/zeroplug/internal/peertest"
	"reflect"
	"strings"
	"testing"
	"time"
)

// SERVER --echo answers each CLIENT at its routing id; a CLIENT sends each line whole,
// '|' and all, and prints what comes back.
func TestCatServerClientEcho(t *testing.T) {
	checkLeaks(t)
	for name, ep := range endpoints(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := start(t, "cat", "-t", "SERVER", "-b", ep, "--echo")
			var clients []*cmd
			for i := range 3 {
				c := start(t, "cat", "-t", "CLIENT", "-c", ep, "-n", "2")
				c.send(fmt.Sprintf("one %d", i), fmt.Sprintf("x|%d", i))
				clients = append(clients, c)
			}
			for i, c := range clients {
				if got, want := c.lines(2), []string{fmt.Sprintf("one %d", i), fmt.Sprintf("x|%d", i)}; !reflect.DeepEqual(got, want) {
					t.Errorf("CLIENT %d printed %q, want %q", i, got, want)
				}
				c.wait(0)
			}
			srv.interrupt()
			srv.wait(0)
		})
	}
}

// Without --echo a SERVER prints the bodies it receives.
func TestCatServerPrints(t *testing.T) {
	checkLeaks(t)
	ep := peertest.IPCEndpoint(t)
	srv := start(t, "cat", "-t", "SERVER", "-b", ep, "-n", "2")
	if code, _, stderr := runCmd(t, "hello\na|b\n", "cat", "-t", "CLIENT", "-c", ep); code != 0 {
		t.Fatalf("CLIENT: exit status %d; stderr:\n%s", code, stderr)
	}
	if got, want := srv.lines(2), []string{"hello", "a|b"}; !reflect.DeepEqual(got, want) {
		t.Errorf("SERVER printed %q, want %q", got, want)
	}
	srv.wait(0)
}

// A RADIO sends each line GROUP|BODY (split at the first '|') to its group; a DISH
// prints the groups it joined, as GROUP|BODY, and no other.
func TestCatRadioDish(t *testing.T) {
	checkLeaks(t)
	for name, ep := range endpoints(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dish := start(t, "cat", "-t", "DISH", "-b", ep, "-j", "weather", "news", "-n", "4")
			radio := start(t, "cat", "-t", "RADIO", "-c", ep)
			// A RADIO drops what it sends before the joins arrive: send rounds
			// until the DISH has had enough.
			go radio.repeat(func(i int) string {
				return fmt.Sprintf("sport|%d\nweather|rain|%d\nnews|%d\n|nothing\n", i, i, i)
			}, dish)
			got := dish.lines(4)
			dish.wait(0)
			for _, line := range got {
				if !strings.HasPrefix(line, "weather|rain|") && !strings.HasPrefix(line, "news|") {
					t.Errorf("DISH printed %q, not of a group it joined", line)
				}
			}
			radio.interrupt()
			radio.wait(0)
		})
	}
}

// SCATTER sends lines whole; GATHER prints them.
func TestCatScatterGather(t *testing.T) {
	checkLeaks(t)
	ep := peertest.FreeTCPEndpoint(t)
	gather := start(t, "cat", "-t", "GATHER", "-b", ep, "-n", "2")
	if code, _, stderr := runCmd(t, "first\na|b\n", "cat", "-t", "SCATTER", "-c", ep); code != 0 {
		t.Fatalf("SCATTER: exit status %d; stderr:\n%s", code, stderr)
	}
	if got, want := gather.lines(2), []string{"first", "a|b"}; !reflect.DeepEqual(got, want) {
		t.Errorf("GATHER printed %q, want %q", got, want)
	}
	gather.wait(0)
}

// The draft types' usage errors, and a RADIO line without its group.
func TestCatDraftUsage(t *testing.T) {
	checkLeaks(t)
	ep := peertest.IPCEndpoint(t)
	for _, args := range [][]string{
		{"cat", "-t", "DISH", "-b", ep},
		{"cat", "-t", "DISH", "-b", ep, "weather"},
		{"cat", "-t", "SUB", "-b", ep, "-j", "g"},
		{"cat", "-t", "CLIENT", "-c", ep, "--echo"},
		{"cat", "-t", "RADIO", "-c", ep, "-n", "1"},
	} {
		if code, _, _ := runCmd(t, "", args...); code != exitUsage {
			t.Errorf("zeroplug %s: exit status %d, want %d", strings.Join(args, " "), code, exitUsage)
		}
	}
	code, _, stderr := runCmd(t, "no group here\n", "cat", "-t", "RADIO", "-c", ep)
	if code != exitError || !strings.Contains(stderr, "GROUP|BODY") {
		t.Errorf("RADIO without a group: status %d, stderr %q", code, stderr)
	}
}

// cat's draft types against libzmq 4.3.5 (zeromq.js): a SERVER --echo answers each libzmq
// CLIENT, and a DISH prints what a libzmq RADIO sends to its groups.
func TestCatDraftAgainstLibzmq(t *testing.T) {
	checkLeaks(t)
	t.Run("SERVER --echo", func(t *testing.T) {
		ep := peertest.FreeTCPEndpoint(t)
		srv := start(t, "cat", "-t", "SERVER", "-b", ep, "--echo")
		var clients []*peertest.JSPeer
		for i := range 2 {
			c := peertest.StartJSPeer(t, "CLIENT", "-c", ep)
			if err := c.Send(fmt.Appendf(nil, "from %d", i)); err != nil {
				t.Fatal(err)
			}
			clients = append(clients, c)
		}
		for i, c := range clients {
			m, err := c.Recv(timeout)
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf("from %d", i); len(m.Frames) != 1 || string(m.Frames[0]) != want {
				t.Errorf("libzmq CLIENT %d got %q, want %q", i, m.Frames, want)
			}
			if err := c.Close(timeout); err != nil {
				t.Error(err)
			}
		}
		srv.interrupt()
		srv.wait(0)
	})
	t.Run("DISH", func(t *testing.T) {
		radio := peertest.StartJSPeer(t, "RADIO", "-b", "tcp://127.0.0.1:*")
		dish := start(t, "cat", "-t", "DISH", "-c", radio.Endpoint(), "-j", "weather", "-n", "3")
		// libzmq's RADIO drops what it sends before the JOIN arrives: send until the
		// DISH has printed enough.
		deadline := time.Now().Add(timeout)
		for !dish.exited() && time.Now().Before(deadline) {
			if err := radio.SendToGroup("sport", []byte("no")); err != nil {
				t.Fatal(err)
			}
			if err := radio.SendToGroup("weather", []byte("rain|cold")); err != nil {
				t.Fatal(err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		dish.wait(0)
		for _, line := range strings.Split(strings.TrimSpace(dish.stdout.String()), "\n") {
			if line != "weather|rain|cold" {
				t.Errorf("DISH printed %q, want weather|rain|cold", line)
			}
		}
		if err := radio.Close(timeout); err != nil {
			t.Error(err)
		}
	})
}
