package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/internal/peertest"
)

// benchLine runs `zeroplug bench args...` to its end and returns its one output line.
func benchLine(t *testing.T, args ...string) string {
	t.Helper()
	code, stdout, stderr := runCmd(t, "", append([]string{"bench"}, args...)...)
	if code != 0 {
		t.Fatalf("bench %s: exit status %d; stderr:\n%s", strings.Join(args, " "), code, stderr)
	}
	if strings.Count(stdout, "\n") != 1 || !strings.HasSuffix(stdout, "\n") {
		t.Fatalf("bench %s printed %q, want one line", strings.Join(args, " "), stdout)
	}
	return strings.TrimSuffix(stdout, "\n")
}

func TestBenchModes(t *testing.T) {
	checkLeaks(t)
	transports := map[string]func() string{
		"inproc":       func() string { return "inproc://bench" },
		"ipc":          func() string { return peertest.IPCEndpoint(t) },
		"tcp":          func() string { return peertest.FreeTCPEndpoint(t) },
		"tcp-wildcard": func() string { return "tcp://127.0.0.1:*" },
	}
	for name, endpoint := range transports {
		t.Run(name, func(t *testing.T) {
			t.Run("thr", func(t *testing.T) {
				line := benchLine(t, "thr", endpoint(), "--size", "100", "--count", "2000")
				result(t, line, thrWant(100, 2000), thrFields...)
			})
			t.Run("thr-64k", func(t *testing.T) {
				// Flags before the positional arguments, single dashes.
				line := benchLine(t, "-size", "65536", "-count", "50", "thr", endpoint())
				result(t, line, thrWant(65536, 50), thrFields...)
			})
			t.Run("lat", func(t *testing.T) {
				line := benchLine(t, "lat", "--count", "200", endpoint(), "--size", "16")
				result(t, line, latWant(16, 200), latFields...)
			})
			// --nocopy sends with SendNoCopy: the same results, every size checked.
			t.Run("thr-nocopy", func(t *testing.T) {
				line := benchLine(t, "thr", endpoint(), "--size", "1024", "--count", "2000", "--nocopy")
				result(t, line, thrWant(1024, 2000), thrFields...)
			})
			t.Run("lat-nocopy", func(t *testing.T) {
				line := benchLine(t, "lat", endpoint(), "--count", "200", "--nocopy")
				result(t, line, latWant(16, 200), latFields...)
			})
		})
	}
}

// The default size and counts are zmqpeer's: 16 bytes, and 10000 round trips for lat.
func TestBenchDefaults(t *testing.T) {
	checkLeaks(t)
	line := benchLine(t, "lat", "inproc://defaults")
	result(t, line, latWant(16, 10000), latFields...)
}

// One end is zeroplug, the other libzmq's zmqpeer, both ways round.
func TestBenchZmqpeer(t *testing.T) {
	checkLeaks(t)
	zmqpeer := peertest.Zmqpeer(t)
	const count = 5000
	t.Run("zeroplug-thr-send-to-zmqpeer-thr-recv", func(t *testing.T) {
		t.Parallel()
		ep := peertest.FreeTCPEndpoint(t)
		recv := peertest.Start(t, zmqpeer, "thr-recv", ep, "64", fmt.Sprint(count))
		code, stdout, stderr := runCmd(t, "", "bench", "thr-send", ep, "--size", "64", "--count", fmt.Sprint(count))
		if code != 0 || stdout != "" {
			t.Errorf("thr-send: status %d, printed %q; stderr:\n%s", code, stdout, stderr)
		}
		line, err := recv.Line(timeout)
		if err != nil {
			t.Fatal(err)
		}
		result(t, line, thrWant(64, count), thrFields...)
		if err := recv.Wait(timeout); err != nil {
			t.Error(err)
		}
	})
	t.Run("zmqpeer-thr-send-to-zeroplug-thr-recv", func(t *testing.T) {
		t.Parallel()
		ep := peertest.IPCEndpoint(t)
		recv := start(t, "bench", "thr-recv", ep, "--size", "1000", "--count", fmt.Sprint(count))
		send := peertest.Start(t, zmqpeer, "thr-send", ep, "1000", fmt.Sprint(count))
		result(t, recv.line(), thrWant(1000, count), thrFields...)
		recv.wait(0)
		if err := send.Wait(timeout); err != nil {
			t.Error(err)
		}
	})
	t.Run("zeroplug-lat-req-to-zmqpeer-lat-rep", func(t *testing.T) {
		t.Parallel()
		ep := peertest.IPCEndpoint(t)
		rep := peertest.Start(t, zmqpeer, "lat-rep", ep, "32", "500")
		line := benchLine(t, "lat-req", ep, "--size", "32", "--count", "500")
		result(t, line, latWant(32, 500), latFields...)
		if err := rep.Wait(timeout); err != nil {
			t.Error(err)
		}
	})
	t.Run("zmqpeer-lat-req-to-zeroplug-lat-rep", func(t *testing.T) {
		t.Parallel()
		ep := peertest.FreeTCPEndpoint(t)
		rep := start(t, "bench", "lat-rep", ep, "--size", "32", "--count", "500")
		req := peertest.Start(t, zmqpeer, "lat-req", ep, "32", "500")
		line, err := req.Line(timeout)
		if err != nil {
			t.Fatal(err)
		}
		result(t, line, latWant(32, 500), latFields...)
		rep.wait(0)
		if out := rep.stdout.String(); out != "" {
			t.Errorf("lat-rep printed %q", out)
		}
		if err := req.Wait(timeout); err != nil {
			t.Error(err)
		}
	})
	// A receiver that gets messages of another size says so and fails, as zmqpeer.
	t.Run("bad-size", func(t *testing.T) {
		t.Parallel()
		ep := peertest.FreeTCPEndpoint(t)
		recv := start(t, "bench", "thr-recv", ep, "--size", "16", "--count", "10")
		peertest.Start(t, zmqpeer, "thr-send", ep, "17", "10")
		recv.wait(1)
		if !strings.Contains(recv.stderr.String(), "bad size") {
			t.Errorf("stderr %q does not say bad size", recv.stderr)
		}
	})
}

// raw-recv and raw-send move the same bytes over a plain socket, tcp and ipc,
// and print thr's line.
func TestBenchRaw(t *testing.T) {
	checkLeaks(t)
	for _, ep := range []string{peertest.FreeTCPEndpoint(t), peertest.IPCEndpoint(t)} {
		t.Run(strings.SplitN(ep, ":", 2)[0], func(t *testing.T) {
			recv := start(t, "bench", "raw-recv", ep, "--size", "1000", "--count", "5000")
			code, stdout, stderr := runCmd(t, "", "bench", "raw-send", ep, "--size", "1000", "--count", "5000")
			if code != 0 || stdout != "" {
				t.Errorf("raw-send: status %d, printed %q; stderr:\n%s", code, stdout, stderr)
			}
			result(t, recv.line(), thrWant(1000, 5000), thrFields...)
			recv.wait(0)
		})
	}
}

// ZMQPEER_HWM sets a high-water mark on both ends, as in zmqpeer.
func TestBenchHWMFromEnvironment(t *testing.T) {
	checkLeaks(t)
	t.Setenv("ZMQPEER_HWM", "10")
	line := benchLine(t, "thr", peertest.IPCEndpoint(t), "--count", "5000")
	result(t, line, thrWant(16, 5000), thrFields...)
}

// An interrupted bench closes its sockets and exits with status 0.
func TestBenchInterrupt(t *testing.T) {
	checkLeaks(t)
	for _, mode := range []string{"thr-recv", "lat-rep", "thr-send", "lat-req", "thr", "lat", "raw-recv", "raw-send"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			var ep string
			switch mode {
			case "thr-send", "lat-req", "raw-send": // nobody at the other end
				ep = peertest.IPCEndpoint(t)
			case "raw-recv":
				ep = peertest.FreeTCPEndpoint(t)
			default:
				ep = "tcp://127.0.0.1:*"
			}
			c := start(t, "bench", mode, ep, "--count", "1000000000")
			time.Sleep(50 * time.Millisecond) // running, or waiting for its peer
			c.interrupt()
			c.wait(0)
		})
	}
}

func TestBenchUsage(t *testing.T) {
	checkLeaks(t)
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no args", nil, 2, "want MODE and ENDPOINT"},
		{"unknown mode", []string{"fast", "tcp://127.0.0.1:5555"}, 2, `unknown mode "fast"`},
		{"inproc one end", []string{"thr-recv", "inproc://x"}, 2, "inproc needs both ends"},
		{"bad count", []string{"thr", "inproc://x", "--count", "0"}, 2, "--count 0"},
		{"bad size", []string{"lat", "inproc://x", "--size", "-1"}, 2, "--size -1"},
		{"not a number", []string{"lat", "inproc://x", "--size", "big"}, 2, "invalid value"},
		{"raw inproc", []string{"raw-recv", "inproc://x"}, 2, "raw modes take tcp:// or ipc://"},
		{"raw curve", []string{"raw-send", "tcp://127.0.0.1:5555", "--curve-serverkey", "rq:rC)Hse8=9Ac5NMVM1Cm*&+)%j4L1Ljxj&s:3:"}, 2, "no security"},
		{"unknown pattern", []string{"thr", "tcp://127.0.0.1:5555", "--pattern", "push-pull"}, 2, `--pattern "push-pull"`},
		{"pattern one end", []string{"thr-recv", "tcp://127.0.0.1:5555", "--pattern", "radio-dish"}, 2, "--pattern is for thr and lat"},
		{"pattern udp", []string{"lat", "udp://127.0.0.1:5555", "--pattern", "client-server"}, 2, "udp carries RADIO and DISH only"},
		{"pattern nocopy", []string{"thr", "tcp://127.0.0.1:5555", "--pattern", "radio-dish", "--nocopy"}, 2, "--pattern and --nocopy"},
		{"pattern curve", []string{"thr", "tcp://127.0.0.1:5555", "--pattern", "client-server", "--curve"}, 2, "--pattern and --curve"},
		{"bad endpoint", []string{"thr-recv", "tcp://no.such.host.invalid:5555", "--count", "1"}, 1,
			"bind tcp://no.such.host.invalid:5555"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, "", append([]string{"bench"}, tc.args...)...)
			if code != tc.code || !strings.Contains(stderr, tc.stderr) || stdout != "" {
				t.Errorf("status %d, stdout %q, stderr %q; want status %d and a stderr with %q",
					code, stdout, stderr, tc.code, tc.stderr)
			}
		})
	}
}
