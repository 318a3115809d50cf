package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/internal/peertest"
)

func TestMain(m *testing.M) { peertest.Main(m) }

// timeout bounds every wait of the tests.
const timeout = 60 * time.Second

// lineBuffer is an io.Writer whose lines a test reads as they come.
type lineBuffer struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	notify chan struct{} // capacity 1: something was written
}

func newLineBuffer() *lineBuffer { return &lineBuffer{notify: make(chan struct{}, 1)} }

func (b *lineBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	select {
	case b.notify <- struct{}{}:
	default:
	}
	return len(p), nil
}

// String is everything written and not yet taken by Line.
func (b *lineBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// line takes the next complete line, if there is one.
func (b *lineBuffer) line() (string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	i := bytes.IndexByte(b.buf.Bytes(), '\n')
	if i < 0 {
		return "", false
	}
	line := string(b.buf.Next(i + 1))
	return strings.TrimSuffix(line, "\n"), true
}

// cmd is a zeroplug command line running in-process, as `run` runs it for main.
type cmd struct {
	t      *testing.T
	args   []string
	stdin  *io.PipeWriter
	stdout *lineBuffer
	stderr *lineBuffer
	cancel context.CancelFunc
	done   chan struct{}
	code   int
}

// start runs zeroplug with args in-process. Its standard input is a pipe that the test
// writes with send and ends with closeStdin; the command is interrupted (as by SIGINT)
// and waited for when the test ends.
func start(t *testing.T, args ...string) *cmd {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r, w := io.Pipe()
	c := &cmd{t: t, args: args, stdin: w, stdout: newLineBuffer(), stderr: newLineBuffer(),
		cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		c.code = run(ctx, args, r, c.stdout, c.stderr)
		r.Close()
	}()
	t.Cleanup(func() {
		c.cancel()
		c.stdin.Close()
		select {
		case <-c.done:
		case <-time.After(timeout):
			t.Errorf("%s did not end within %v of its interrupt", c, timeout)
		}
		if t.Failed() && c.stderr.String() != "" {
			t.Logf("stderr of %s:\n%s", c, c.stderr)
		}
	})
	return c
}

func (c *cmd) String() string { return "zeroplug " + strings.Join(c.args, " ") }

// send writes lines to the command's standard input.
func (c *cmd) send(lines ...string) {
	c.t.Helper()
	for _, l := range lines {
		if _, err := io.WriteString(c.stdin, l+"\n"); err != nil {
			c.t.Fatalf("%s: writing stdin: %v", c, err)
		}
	}
}

// repeat writes round(i) to the command's standard input for i = 0, 1, ... every 20 ms
// until the command or until exits: the way to reach a SUB through a PUB, which drops
// what it sends before the subscriptions arrive. Run it in a goroutine.
func (c *cmd) repeat(round func(i int) string, until *cmd) {
	for i := 0; !c.exited() && !until.exited(); i++ {
		if _, err := io.WriteString(c.stdin, round(i)); err != nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// closeStdin ends the command's standard input.
func (c *cmd) closeStdin() { c.stdin.Close() }

// interrupt is SIGINT.
func (c *cmd) interrupt() { c.cancel() }

// exited reports whether the command has returned.
func (c *cmd) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// line returns the next line the command prints, failing the test after timeout.
func (c *cmd) line() string {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if l, ok := c.stdout.line(); ok {
			return l
		}
		if c.exited() {
			if l, ok := c.stdout.line(); ok {
				return l
			}
			c.t.Fatalf("%s exited (status %d) before printing a line; stderr:\n%s", c, c.code, c.stderr)
		}
		select {
		case <-c.stdout.notify:
		case <-c.done:
		case <-time.After(time.Until(deadline)):
			c.t.Logf("stdout so far of %s: %q", c, c.stdout.String())
			c.t.Fatalf("%s printed no line within %v", c, timeout)
		}
	}
}

// lines returns the next n lines the command prints.
func (c *cmd) lines(n int) []string {
	c.t.Helper()
	var got []string
	for range n {
		got = append(got, c.line())
	}
	return got
}

// wait waits for the command to return and checks its exit status.
func (c *cmd) wait(want int) {
	c.t.Helper()
	select {
	case <-c.done:
	case <-time.After(timeout):
		c.t.Fatalf("%s did not exit within %v", c, timeout)
	}
	if c.code != want {
		c.t.Fatalf("%s: exit status %d, want %d; stderr:\n%s", c, c.code, want, c.stderr)
	}
}

// runCmd runs zeroplug with args and the given standard input to its end and returns
// its exit status, standard output and standard error.
func runCmd(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	c := start(t, args...)
	go func() {
		io.WriteString(c.stdin, stdin)
		c.stdin.Close()
	}()
	select {
	case <-c.done:
	case <-time.After(timeout):
		t.Fatalf("%s did not exit within %v", c, timeout)
	}
	return c.code, c.stdout.String(), c.stderr.String()
}

// checkLeaks makes the test fail if, once it and its subtests are over, goroutines of
// the core or of this command are still running. Call it first in each top-level test;
// top-level tests must not be parallel, so that each sees only its own goroutines.
func checkLeaks(t *testing.T) {
	t.Cleanup(func() {
		var leaked []string
		deadline := time.Now().Add(10 * time.Second)
		for {
			leaked = leakedGoroutines()
			if len(leaked) == 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if len(leaked) > 0 {
			t.Errorf("%d goroutines left behind:\n\n%s", len(leaked), strings.Join(leaked, "\n\n"))
		}
	})
}

// leakedGoroutines lists the stacks of other goroutines that run zeroplug's code.
func leakedGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	stacks := strings.Split(string(buf), "\n\n")
	var leaked []string
	for _, s := range stacks[1:] { // the first is this goroutine
		for _, mark := range []string{"zeroplug/core.", "zeroplug/plugins/", "zeroplug/sdk", "cmd/zeroplug.run",
			"cmd/zeroplug.readLines", "cmd/zeroplug.(*"} {
			if strings.Contains(s, mark) {
				leaked = append(leaked, s)
				break
			}
		}
	}
	return leaked
}

// result parses a bench result line and checks it: want holds exact values, positive
// names fields that must be numbers above zero.
func result(t *testing.T, line string, want map[string]string, positive ...string) map[string]string {
	t.Helper()
	r, err := peertest.ParseResult(line)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range want {
		if r[k] != v {
			t.Errorf("%s=%q, want %q in %q", k, r[k], v, line)
		}
	}
	for _, k := range positive {
		if f, err := strconv.ParseFloat(r[k], 64); err != nil || !(f > 0) {
			t.Errorf("%s=%q is not a positive number in %q", k, r[k], line)
		}
	}
	if len(r) != len(want)+len(positive) {
		t.Errorf("result line %q has %d fields, want %d", line, len(r), len(want)+len(positive))
	}
	return r
}

// fields of the result lines, as zmqpeer prints them.
var (
	thrFields = []string{"seconds", "msgs_per_s", "mbit_per_s"}
	latFields = []string{"seconds", "one_way_us"}
)

func thrWant(size, count int) map[string]string {
	return map[string]string{"mode": "thr", "size": fmt.Sprint(size), "count": fmt.Sprint(count)}
}

func latWant(size, count int) map[string]string {
	return map[string]string{"mode": "lat", "size": fmt.Sprint(size), "roundtrips": fmt.Sprint(count)}
}
