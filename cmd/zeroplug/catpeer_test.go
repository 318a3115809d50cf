package main

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/internal/peertest"
)

var connectedAs = regexp.MustCompile(`PEER connected to \S+ as routing id ([0-9]+)\n`)

// connectedID is the routing id a PEER cat printed on stderr for the connection it made.
func connectedID(t *testing.T, c *cmd) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if m := connectedAs.FindStringSubmatch(c.stderr.String()); m != nil {
			return m[1]
		}
		if time.Now().After(deadline) || c.exited() {
			t.Fatalf("%s printed no routing id; stderr:\n%s", c, c.stderr)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A PEER with one -c sends each line whole to that connection and prints what comes
// back as ROUTINGID|BODY, the id it printed on stderr; a PEER --echo answers each
// message at the routing id it came with.
func TestCatPeerEcho(t *testing.T) {
	checkLeaks(t)
	for name, ep := range endpoints(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := start(t, "cat", "-t", "PEER", "-b", ep, "--echo")
			c := start(t, "cat", "-t", "PEER", "-c", ep, "-n", "2")
			c.send("hello", "a|b")
			id := connectedID(t, c)
			if got, want := c.lines(2), []string{id + "|hello", id + "|a|b"}; !reflect.DeepEqual(got, want) {
				t.Errorf("PEER printed %q, want %q", got, want)
			}
			c.wait(0)
			srv.interrupt()
			srv.wait(0)
		})
	}
}

// A PEER that binds prints ROUTINGID|BODY and sends each line ROUTINGID|BODY to the
// connection the id names.
func TestCatPeerRoutingIDLines(t *testing.T) {
	checkLeaks(t)
	ep := peertest.IPCEndpoint(t)
	bound := start(t, "cat", "-t", "PEER", "-b", ep)
	c := start(t, "cat", "-t", "PEER", "-c", ep, "-n", "1")
	c.send("hi")
	got := bound.line()
	id, body, ok := strings.Cut(got, "|")
	if !ok || body != "hi" || id == "" {
		t.Fatalf("bound PEER printed %q, want ROUTINGID|hi", got)
	}
	bound.send(id + "|re: hi|there")
	if got, want := c.line(), connectedID(t, c)+"|re: hi|there"; got != want {
		t.Errorf("connecting PEER printed %q, want %q", got, want)
	}
	c.wait(0)
	bound.interrupt()
	bound.wait(0)
}

// A bound PEER's line without a routing id is an error (status 1), as a RADIO's
// without a group.
func TestCatPeerLineWithoutRoutingID(t *testing.T) {
	checkLeaks(t)
	ep := peertest.IPCEndpoint(t)
	for _, line := range []string{"no id here", "0|zero is no id", "x|not a number", "4294967296|too big"} {
		code, _, stderr := runCmd(t, line+"\n", "cat", "-t", "PEER", "-b", ep)
		if code != exitError || !strings.Contains(stderr, "ROUTINGID|BODY") {
			t.Errorf("PEER line %q: status %d, stderr %q", line, code, stderr)
		}
	}
}

// A CHANNEL sends lines whole and prints what arrives, as PAIR; --echo answers.
func TestCatChannel(t *testing.T) {
	checkLeaks(t)
	for name, ep := range endpoints(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			echo := start(t, "cat", "-t", "CHANNEL", "-b", ep, "--echo")
			c := start(t, "cat", "-t", "CHANNEL", "-c", ep, "-n", "2")
			c.send("first", "a|b")
			if got, want := c.lines(2), []string{"first", "a|b"}; !reflect.DeepEqual(got, want) {
				t.Errorf("CHANNEL printed %q, want %q", got, want)
			}
			c.wait(0)
			echo.interrupt()
			echo.wait(0)
		})
	}
}

// cat's CHANNEL and PEER against libzmq 4.3.5 (zeromq.js's generic Socket): a CHANNEL
// talks both ways with libzmq's, and a PEER's line reaches a libzmq PEER (which, through
// zeromq.js, can only receive).
func TestCatPeerChannelAgainstLibzmq(t *testing.T) {
	checkLeaks(t)
	t.Run("CHANNEL", func(t *testing.T) {
		lib := peertest.StartJSPeer(t, "CHANNEL", "-b", "tcp://127.0.0.1:*")
		c := start(t, "cat", "-t", "CHANNEL", "-c", lib.Endpoint(), "-n", "1")
		c.send("hello|there")
		m, err := lib.Recv(timeout)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Frames) != 1 || string(m.Frames[0]) != "hello|there" {
			t.Errorf("libzmq CHANNEL got %q, want [hello|there]", m.Frames)
		}
		if err := lib.Send([]byte("world")); err != nil {
			t.Fatal(err)
		}
		if got := c.line(); got != "world" {
			t.Errorf("cat printed %q, want world", got)
		}
		c.wait(0)
		if err := lib.Close(timeout); err != nil {
			t.Error(err)
		}
	})
	t.Run("PEER", func(t *testing.T) {
		lib := peertest.StartJSPeer(t, "PEER", "-b", "tcp://127.0.0.1:*")
		if code, _, stderr := runCmd(t, "to libzmq\n", "cat", "-t", "PEER", "-c", lib.Endpoint()); code != 0 {
			t.Fatalf("PEER: exit status %d; stderr:\n%s", code, stderr)
		}
		m, err := lib.Recv(timeout)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Frames) != 1 || string(m.Frames[0]) != "to libzmq" {
			t.Errorf("libzmq PEER got %q, want [to libzmq]", m.Frames)
		}
		if err := lib.Close(timeout); err != nil {
			t.Error(err)
		}
	})
}
