package main

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/core"
	"github.com/zeroplug/zeroplug/internal/peertest"
)

// endpoints are the transports the cat tests run over.
func endpoints(t *testing.T) map[string]string {
	return map[string]string{"tcp": peertest.FreeTCPEndpoint(t), "ipc": peertest.IPCEndpoint(t)}
}

func TestCatPushPull(t *testing.T) {
	checkLeaks(t)
	for name, ep := range endpoints(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			// Lines as sent: a plain one, a multipart message ending in an empty
			// frame, an empty message (one empty frame), and a last line without
			// its newline.
			lines := []string{"hello", "a|b|", "", "x|y|z"}
			pull := start(t, "cat", "-t", "PULL", "-b", ep, "-n", fmt.Sprint(len(lines)))
			code, _, stderr := runCmd(t, "hello\na|b|\n\nx|y|z", "cat", "-t", "PUSH", "-c", ep)
			if code != 0 {
				t.Fatalf("PUSH: exit status %d; stderr:\n%s", code, stderr)
			}
			if got := pull.lines(len(lines)); !reflect.DeepEqual(got, lines) {
				t.Errorf("PULL printed %q, want %q", got, lines)
			}
			pull.wait(0)
		})
	}
}

// The frames of "a|b|" arrive as three frames, the last empty.
func TestCatMultipartFrames(t *testing.T) {
	checkLeaks(t)
	ctx := core.NewContext()
	defer ctx.Close()
	pull, err := ctx.NewSocket(core.PULL, core.RecvTimeout(timeout))
	if err != nil {
		t.Fatal(err)
	}
	defer pull.Close()
	if err := pull.Bind("tcp://127.0.0.1:*"); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCmd(t, "a|b|\n", "cat", "-t", "PUSH", "-c", pull.LastEndpoint()); code != 0 {
		t.Fatalf("PUSH: exit status %d; stderr:\n%s", code, stderr)
	}
	frames, err := pull.Recv()
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]byte{[]byte("a"), []byte("b"), {}}; !reflect.DeepEqual(frames, want) {
		t.Errorf("received %q, want %q", frames, want)
	}
}

func TestCatReqRepEcho(t *testing.T) {
	checkLeaks(t)
	for name, ep := range endpoints(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rep := start(t, "cat", "-t", "REP", "-b", ep, "--echo")
			code, stdout, stderr := runCmd(t, "one\nx|y\nthree\n", "cat", "-t", "REQ", "-c", ep)
			if code != 0 {
				t.Fatalf("REQ: exit status %d; stderr:\n%s", code, stderr)
			}
			if want := "one\nx|y\nthree\n"; stdout != want {
				t.Errorf("REQ printed %q, want %q", stdout, want)
			}
			if got, want := rep.lines(3), []string{"one", "x|y", "three"}; !reflect.DeepEqual(got, want) {
				t.Errorf("REP printed %q, want %q", got, want)
			}
			if rep.exited() {
				t.Fatalf("REP --echo exited by itself (status %d)", rep.code)
			}
			rep.interrupt()
			rep.wait(0)
		})
	}
}

// A REP without --echo answers each request with a line of its standard input.
func TestCatReqRepLines(t *testing.T) {
	checkLeaks(t)
	ep := peertest.IPCEndpoint(t)
	rep := start(t, "cat", "-t", "REP", "-b", ep)
	req := start(t, "cat", "-t", "REQ", "-c", ep, "-n", "2")
	req.send("question 1")
	if got := rep.line(); got != "question 1" {
		t.Errorf("REP printed %q", got)
	}
	rep.send("answer 1")
	if got := req.line(); got != "answer 1" {
		t.Errorf("REQ printed %q", got)
	}
	req.send("question 2")
	if got := rep.line(); got != "question 2" {
		t.Errorf("REP printed %q", got)
	}
	rep.send("answer|2")
	if got := req.line(); got != "answer|2" {
		t.Errorf("REQ printed %q", got)
	}
	req.wait(0) // -n 2
	rep.closeStdin()
	rep.wait(0)
}

func TestCatPubSub(t *testing.T) {
	checkLeaks(t)
	for name, ep := range endpoints(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sub := start(t, "cat", "-t", "SUB", "-b", ep, "-s", "weather.", "-s", "news.", "-n", "4")
			pub := start(t, "cat", "-t", "PUB", "-c", ep)
			// A PUB drops what it sends before the subscriptions arrive: send
			// rounds until the SUB has had enough.
			go pub.repeat(func(i int) string {
				return fmt.Sprintf("sports.%d\nweather.%d|sunny\nother.news.%d\nnews.%d\n", i, i, i, i)
			}, sub)
			got := sub.lines(4)
			sub.wait(0)
			for _, line := range got {
				if !strings.HasPrefix(line, "weather.") && !strings.HasPrefix(line, "news.") {
					t.Errorf("SUB printed %q, which matches none of its subscriptions", line)
				}
				if strings.HasPrefix(line, "weather.") && !strings.HasSuffix(line, "|sunny") {
					t.Errorf("SUB printed %q, want a second frame", line)
				}
			}
			pub.interrupt()
			pub.wait(0)
		})
	}
}

// Without -n a SUB receives everything.
func TestCatSubEverything(t *testing.T) {
	checkLeaks(t)
	ep := peertest.IPCEndpoint(t)
	sub := start(t, "cat", "-t", "SUB", "-c", ep, "-n", "1")
	pub := start(t, "cat", "-t", "PUB", "-b", ep)
	go pub.repeat(func(int) string { return "anything\n" }, sub)
	if got := sub.line(); got != "anything" {
		t.Errorf("SUB printed %q", got)
	}
	sub.wait(0)
	pub.interrupt()
	pub.wait(0)
}

// cat exits once standard input has ended and every message is delivered: with no peer
// yet, it waits.
func TestCatExitsAfterDelivery(t *testing.T) {
	checkLeaks(t)
	ep := peertest.IPCEndpoint(t)
	push := start(t, "cat", "-t", "PUSH", "-c", ep)
	push.send("1", "2", "3")
	push.closeStdin()
	time.Sleep(300 * time.Millisecond)
	if push.exited() {
		t.Fatalf("PUSH exited (status %d) before its messages were delivered", push.code)
	}
	pull := start(t, "cat", "-t", "PULL", "-b", ep, "-n", "3")
	if got, want := pull.lines(3), []string{"1", "2", "3"}; !reflect.DeepEqual(got, want) {
		t.Errorf("PULL printed %q, want %q", got, want)
	}
	push.wait(0)
	pull.wait(0)
}

// A DEALER sends its lines and prints the replies at the same time; a ROUTER --echo
// sends each message back to the peer it came from.
func TestCatDealerRouterEcho(t *testing.T) {
	checkLeaks(t)
	ep := peertest.FreeTCPEndpoint(t)
	router := start(t, "cat", "-t", "ROUTER", "-b", ep, "--echo")
	code, stdout, stderr := runCmd(t, "a\nb|c\n", "cat", "-t", "DEALER", "-c", ep, "-n", "2")
	if code != 0 {
		t.Fatalf("DEALER: exit status %d; stderr:\n%s", code, stderr)
	}
	if want := "a\nb|c\n"; stdout != want {
		t.Errorf("DEALER printed %q, want %q", stdout, want)
	}
	// The ROUTER prints the routing id of the peer first: binary, and it may hold a
	// newline, so the test looks at the output as a whole.
	deadline := time.Now().Add(timeout)
	for !strings.HasSuffix(router.stdout.String(), "|b|c\n") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	out := router.stdout.String()
	id, _, _ := strings.Cut(out, "|a\n")
	if want := id + "|a\n" + id + "|b|c\n"; len(id) == 0 || out != want {
		t.Errorf("ROUTER printed %q, want a routing id before each message", out)
	}
	router.interrupt()
	router.wait(0)
}

// Two PAIRs: each sends its input and prints the other's, at once, and exits when its
// input has ended.
func TestCatPair(t *testing.T) {
	checkLeaks(t)
	ep := peertest.IPCEndpoint(t)
	a := start(t, "cat", "-t", "PAIR", "-b", ep)
	b := start(t, "cat", "-t", "PAIR", "-c", ep)
	a.send("from a 1")
	b.send("from b 1", "from b|2")
	if got, want := a.lines(2), []string{"from b 1", "from b|2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("a printed %q, want %q", got, want)
	}
	a.send("from a 2")
	if got, want := b.lines(2), []string{"from a 1", "from a 2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("b printed %q, want %q", got, want)
	}
	a.closeStdin()
	a.wait(0)
	b.closeStdin()
	b.wait(0)
}

// A type that cannot send runs until interrupted, and then exits with status 0.
func TestCatInterrupt(t *testing.T) {
	checkLeaks(t)
	for _, typ := range []string{"PULL", "SUB"} {
		t.Run(typ, func(t *testing.T) {
			t.Parallel()
			c := start(t, "cat", "-t", typ, "-b", "tcp://127.0.0.1:*")
			c.closeStdin()
			time.Sleep(100 * time.Millisecond)
			if c.exited() {
				t.Fatalf("%s exited by itself (status %d)", typ, c.code)
			}
			c.interrupt()
			c.wait(0)
			if !strings.Contains(c.stderr.String(), "bound to tcp://127.0.0.1:") {
				t.Errorf("stderr %q does not give the resolved endpoint", c.stderr)
			}
		})
	}
	// Interrupted while its messages wait for a peer, a PUSH drops them and exits.
	t.Run("PUSH", func(t *testing.T) {
		t.Parallel()
		c := start(t, "cat", "-t", "PUSH", "-c", peertest.IPCEndpoint(t))
		c.send("never delivered")
		c.interrupt()
		c.wait(0)
	})
}

func TestCatZmqpeer(t *testing.T) {
	checkLeaks(t)
	zmqpeer := peertest.Zmqpeer(t)
	lines := []string{"hello", "a|b|", "", "x|y|z"}
	t.Run("zmqpeer-push-to-cat-pull", func(t *testing.T) {
		t.Parallel()
		ep := peertest.FreeTCPEndpoint(t)
		pull := start(t, "cat", "-t", "PULL", "-b", ep, "-n", fmt.Sprint(len(lines)))
		send := peertest.Start(t, zmqpeer, "send", "PUSH", "connect", ep)
		for _, l := range lines {
			send.Send(l)
		}
		send.CloseStdin()
		if got := pull.lines(len(lines)); !reflect.DeepEqual(got, lines) {
			t.Errorf("cat printed %q, want %q", got, lines)
		}
		pull.wait(0)
		if err := send.Wait(timeout); err != nil {
			t.Error(err)
		}
	})
	t.Run("cat-push-to-zmqpeer-pull", func(t *testing.T) {
		t.Parallel()
		ep := peertest.IPCEndpoint(t)
		recv := peertest.Start(t, zmqpeer, "recv", "PULL", "bind", ep, fmt.Sprint(len(lines)))
		code, _, stderr := runCmd(t, strings.Join(lines, "\n")+"\n", "cat", "-t", "PUSH", "-c", ep)
		if code != 0 {
			t.Fatalf("cat: exit status %d; stderr:\n%s", code, stderr)
		}
		got, err := recv.Lines(len(lines), timeout)
		if err != nil || !reflect.DeepEqual(got, lines) {
			t.Errorf("zmqpeer printed %q, %v; want %q", got, err, lines)
		}
		if err := recv.Wait(timeout); err != nil {
			t.Error(err)
		}
	})
	t.Run("cat-req-to-zmqpeer-echo", func(t *testing.T) {
		t.Parallel()
		ep := peertest.FreeTCPEndpoint(t)
		peertest.Start(t, zmqpeer, "echo", "REP", "bind", ep)
		code, stdout, stderr := runCmd(t, "ping\np|q\n", "cat", "-t", "REQ", "-c", ep)
		if code != 0 || stdout != "ping\np|q\n" {
			t.Errorf("cat REQ: status %d, printed %q; stderr:\n%s", code, stdout, stderr)
		}
	})
}

func TestCatUsage(t *testing.T) {
	checkLeaks(t)
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string // a part of it
	}{
		{"no type", []string{"-b", "tcp://127.0.0.1:*"}, 2, "-t TYPE is required"},
		{"bad type", []string{"-t", "FOO", "-b", "tcp://127.0.0.1:*"}, 2, "not a socket type"},
		{"no endpoint", []string{"-t", "PUSH"}, 2, "-b ENDPOINT or -c ENDPOINT"},
		{"unknown flag", []string{"-t", "PUSH", "-x"}, 2, "flag provided but not defined: -x"},
		{"argument", []string{"-t", "PUSH", "-c", "tcp://127.0.0.1:5", "extra"}, 2, `unexpected argument "extra"`},
		{"echo on PUSH", []string{"-t", "PUSH", "-c", "tcp://127.0.0.1:5", "--echo"}, 2, "--echo is for"},
		{"-s on PULL", []string{"-t", "PULL", "-b", "tcp://127.0.0.1:*", "-s", "x"}, 2, "-s is for SUB"},
		{"-n on PUB", []string{"-t", "PUB", "-b", "tcp://127.0.0.1:*", "-n", "3"}, 2, "receives nothing"},
		{"-n 0", []string{"-t", "PULL", "-b", "tcp://127.0.0.1:*", "-n", "0"}, 2, "at least 1"},
		{"bad bind", []string{"-t", "PULL", "-b", "tcp://256.1.1.1:5555"}, 1, "bind tcp://256.1.1.1:5555"},
		{"bad scheme", []string{"-t", "PULL", "-c", "nosuch://x"}, 1, "connect nosuch://x"},
		{"no scheme", []string{"-t", "PULL", "-c", "localhost:5555"}, 1, "connect localhost:5555"},
		{"no port", []string{"-t", "PUSH", "-c", "tcp://127.0.0.1"}, 1, "connect tcp://127.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, "", append([]string{"cat"}, tc.args...)...)
			if code != tc.code || !strings.Contains(stderr, tc.stderr) || stdout != "" {
				t.Errorf("status %d, stdout %q, stderr %q; want status %d and a stderr with %q",
					code, stdout, stderr, tc.code, tc.stderr)
			}
		})
	}
	// The address in use is named too.
	t.Run("address in use", func(t *testing.T) {
		c := start(t, "cat", "-t", "PULL", "-b", "tcp://127.0.0.1:*")
		var ep string
		for i := 0; i < 100 && ep == ""; i++ {
			if _, rest, ok := strings.Cut(c.stderr.String(), "bound to "); ok {
				ep = strings.TrimSpace(rest)
			}
			time.Sleep(10 * time.Millisecond)
		}
		code, _, stderr := runCmd(t, "", "cat", "-t", "PULL", "-b", ep)
		if code != 1 || !strings.Contains(stderr, ep) {
			t.Errorf("second bind of %s: status %d, stderr %q", ep, code, stderr)
		}
	})
}
