package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/internal/peertest"
)

func TestHelp(t *testing.T) {
	checkLeaks(t)
	for _, tc := range []struct {
		args []string
		want []string // parts of the text
	}{
		{[]string{"--help"}, []string{"zeroplug cat -t TYPE", "zeroplug bench MODE ENDPOINT", "zeroplug proxy -f SPEC", "zeroplug version", "Exit status"}},
		{[]string{"help"}, []string{"zeroplug cat -t TYPE"}},
		{[]string{"-h"}, []string{"zeroplug cat -t TYPE"}},
		{[]string{"cat", "--help"}, []string{"Usage: zeroplug cat", "-s PREFIX", "--echo", "-n N", "PUSH, PUB"}},
		{[]string{"help", "cat"}, []string{"Usage: zeroplug cat"}},
		{[]string{"cat", "-t", "PUSH", "-h"}, []string{"Usage: zeroplug cat"}},
		{[]string{"bench", "--help"}, []string{"Usage: zeroplug bench", "thr-recv", "lat-req", "--size BYTES", "ZMQPEER_HWM"}},
		{[]string{"bench", "thr", "-help"}, []string{"Usage: zeroplug bench"}},
		{[]string{"proxy", "--help"}, []string{"Usage: zeroplug proxy", "TYPE@bind:ENDPOINT", "TYPE@connect:ENDPOINT", "--capture", "STATISTICS"}},
		{[]string{"help", "version"}, []string{"Usage: zeroplug version"}},
		{[]string{"--help"}, []string{"zeroplug keygen", "SECURITY is CURVE"}},
		{[]string{"cat", "--help"}, []string{"[SECURITY]", "--curve-server", "--curve-secretkey KEY", "--curve-publickey KEY",
			"--curve-serverkey KEY", "--plain-server", "--plain-user USER", "--plain-password PASS",
			"--allow-plain USER:PASSWORD", "--allow-curve KEY", "zeroplug keygen"}},
		{[]string{"bench", "--help"}, []string{"[--curve | SECURITY]", "--curve ", "ZMQPEER_CURVE=1", "ZMQPEER_CURVE_SECRETKEY",
			"--curve-serverkey KEY", "--allow-curve KEY", "--allow-plain USER:PASSWORD"}},
		{[]string{"keygen", "--help"}, []string{"Usage: zeroplug keygen", "public=", "secret=", "zmq_curve_keypair", "--cert PATH", "PATH.key_secret"}},
		{[]string{"cat", "--help"}, []string{"--format F", "z85", "-o NAME=VALUE", "-o help", "NAME.key_secret", "--allow-curve KEY|DIR"}},
		{[]string{"help", "keygen"}, []string{"Usage: zeroplug keygen"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tc.args, strings.NewReader(""), &stdout, &stderr)
			if code != 0 || stderr.Len() != 0 {
				t.Errorf("status %d, stderr %q", code, stderr.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("help does not mention %q:\n%s", w, stdout.String())
				}
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	checkLeaks(t)
	for _, args := range [][]string{nil, {"nope"}, {"help", "nope"}} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr); code != 2 || stderr.Len() == 0 {
			t.Errorf("zeroplug %q: status %d, stderr %q; want 2 and a message", args, code, stderr.String())
		}
	}
}

func TestVersion(t *testing.T) {
	checkLeaks(t)
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"version"}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("status %d, stderr %q", code, stderr.String())
	}
	out := stdout.String()
	if !strings.HasPrefix(out, "zeroplug ") || !strings.Contains(out, "go1.") || !strings.Contains(out, "tcp") ||
		strings.Count(out, "\n") != 1 {
		t.Errorf("version printed %q", out)
	}
}

func TestParseArgs(t *testing.T) {
	for _, tc := range []struct {
		args       []string
		positional []string
		size       int
		names      []string
	}{
		{[]string{"thr", "ep"}, []string{"thr", "ep"}, 16, nil},
		{[]string{"--size", "5", "thr", "ep"}, []string{"thr", "ep"}, 5, nil},
		{[]string{"thr", "-size=5", "ep"}, []string{"thr", "ep"}, 5, nil},
		{[]string{"thr", "ep", "-n", "a", "--size", "7", "-n", "b"}, []string{"thr", "ep"}, 7, []string{"a", "b"}},
		{[]string{"thr", "--", "-size", "5"}, []string{"thr", "-size", "5"}, 16, nil},
	} {
		fs := newFlagSet("test")
		size := fs.Int("size", 16, "")
		var names listFlag
		fs.Var(&names, "n", "")
		positional, err := parseArgs(fs, tc.args)
		if err != nil || !reflect.DeepEqual(positional, tc.positional) || *size != tc.size ||
			!reflect.DeepEqual([]string(names), tc.names) {
			t.Errorf("parseArgs(%q) = %q, %v, size %d, names %q; want %q, size %d, names %q",
				tc.args, positional, err, *size, names, tc.positional, tc.size, tc.names)
		}
	}
	fs := newFlagSet("test")
	if _, err := parseArgs(fs, []string{"x", "--help"}); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("--help after an argument: %v", err)
	}
}

// The binary itself: exit statuses, and SIGINT and SIGTERM closing cleanly with status 0.
func TestBinary(t *testing.T) {
	checkLeaks(t)
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
	status := func(err error) int {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	}
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"--help"}, 0},
		{[]string{"version"}, 0},
		{[]string{}, 2},
		{[]string{"cat", "-t", "NOPE", "-b", "tcp://127.0.0.1:*"}, 2},
		{[]string{"cat", "-t", "PULL", "-b", "nosuch://x"}, 1},
	} {
		if code := status(exec.Command(bin, tc.args...).Run()); code != tc.code {
			t.Errorf("zeroplug %q: exit status %d, want %d", tc.args, code, tc.code)
		}
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			ep := peertest.IPCEndpoint(t)
			c := exec.Command(bin, "cat", "-t", "SUB", "-b", ep)
			var stderr bytes.Buffer
			c.Stderr = &stderr
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- c.Wait() }()
			// Signal once the socket is bound, that is, once its file exists.
			path := strings.TrimPrefix(ep, "ipc://")
			for i := 0; i < 500; i++ {
				if _, err := os.Stat(path); err == nil {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			c.Process.Signal(sig)
			select {
			case err := <-done:
				if code := status(err); code != 0 {
					t.Errorf("after %v: exit status %d; stderr:\n%s", sig, code, stderr.String())
				}
			case <-time.After(timeout):
				c.Process.Kill()
				<-done
				t.Fatalf("still running %v after %v", timeout, sig)
			}
			if _, err := os.Stat(path); err == nil {
				t.Errorf("%s is still there after the SUB closed", path)
			}
		})
	}
}

// goCommand finds the go command: `go test` puts its own on PATH.
func goCommand() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(os.Getenv("GOROOT"), "bin", "go")
}
