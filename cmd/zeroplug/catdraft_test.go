package main

import (
	"fmt"
	"github.com/zeroplug/zeroplug/internal/peertest"
	"reflect"
	"strings"
	"testing"
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
