package main

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/internal/peertest"
	"github.com/zeroplug/zeroplug/sdk/zmtp/curve"
)

// keyPair returns a fresh CURVE key pair as Z85 text.
func keyPair(t *testing.T) (public, secret string) {
	t.Helper()
	pub, sec, err := curve.GenerateKeyPair(nil)
	if err != nil {
		t.Fatal(err)
	}
	return pub.String(), sec.String()
}

// waitFor fails the test unless cond becomes true within timeout.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v", what, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitStderr waits until the command has logged text on its standard error.
func (c *cmd) waitStderr(text string) {
	c.t.Helper()
	waitFor(c.t, fmt.Sprintf("%q on the standard error of %s (so far: %q)", text, c, c.stderr), func() bool {
		return strings.Contains(c.stderr.String(), text)
	})
}

// The refusals as the core logs them, on the server's side and on the client's.
const (
	logRefused      = "handshake failed"
	curveNotAllowed = "client key not allowed"
	plainInvalid    = "invalid user name or password"
)

// CURVE between two zeroplug cats: the server's secret key, the client's knowledge of the
// server's public key; any client key, or the listed ones only.
func TestCatCurve(t *testing.T) {
	checkLeaks(t)
	serverPub, serverSec := keyPair(t)
	t.Run("push-pull", func(t *testing.T) {
		t.Parallel()
		ep := peertest.FreeTCPEndpoint(t)
		lines := []string{"hello", "a|b|", ""}
		pull := start(t, "cat", "-t", "PULL", "-b", ep, "-n", fmt.Sprint(len(lines)),
			"--curve-server", "--curve-secretkey", serverSec)
		code, _, stderr := runCmd(t, strings.Join(lines, "\n")+"\n", "cat", "-t", "PUSH", "-c", ep, "--curve-serverkey", serverPub)
		if code != 0 {
			t.Fatalf("PUSH: exit status %d; stderr:\n%s", code, stderr)
		}
		if got := pull.lines(len(lines)); !reflect.DeepEqual(got, lines) {
			t.Errorf("PULL printed %q, want %q", got, lines)
		}
		pull.wait(0)
	})
	// Both ways on one connection; the client's key pair given, the public key too.
	t.Run("req-rep", func(t *testing.T) {
		t.Parallel()
		ep := peertest.FreeTCPEndpoint(t)
		clientPub, clientSec := keyPair(t)
		rep := start(t, "cat", "-t", "REP", "-b", ep, "--echo", "--curve-server", "--curve-secretkey", serverSec,
			"--curve-publickey", serverPub, "--allow-curve", clientPub)
		code, stdout, stderr := runCmd(t, "one\nx|y\n", "cat", "-t", "REQ", "-c", ep, "--curve-serverkey", serverPub,
			"--curve-secretkey", clientSec, "--curve-publickey", clientPub)
		if code != 0 || stdout != "one\nx|y\n" {
			t.Errorf("REQ: status %d, printed %q; stderr:\n%s", code, stdout, stderr)
		}
		rep.lines(2)
		rep.interrupt()
		rep.wait(0)
	})
	// A client whose key is not listed is refused: its message never arrives, and the
	// server logs the refusal; a listed client's message arrives.
	t.Run("allow-curve", func(t *testing.T) {
		t.Parallel()
		ep := peertest.FreeTCPEndpoint(t)
		allowedPub, allowedSec := keyPair(t)
		_, otherSec := keyPair(t)
		pull := start(t, "cat", "-t", "PULL", "-b", ep, "-n", "1", "--curve-server", "--curve-secretkey", serverSec,
			"--allow-curve", allowedPub)
		refused := start(t, "cat", "-t", "PUSH", "-c", ep, "--curve-serverkey", serverPub, "--curve-secretkey", otherSec)
		refused.send("from a stranger")
		pull.waitStderr(curveNotAllowed)
		refused.waitStderr(logRefused)
		// A client with a fresh key pair is not listed either.
		fresh := start(t, "cat", "-t", "PUSH", "-c", ep, "--curve-serverkey", serverPub)
		fresh.send("from a newcomer")
		admitted := start(t, "cat", "-t", "PUSH", "-c", ep, "--curve-serverkey", serverPub, "--curve-secretkey", allowedSec)
		admitted.send("from a friend")
		if got := pull.line(); got != "from a friend" {
			t.Errorf("PULL printed %q, want only the listed client's message", got)
		}
		pull.wait(0)
		if out := pull.stdout.String(); out != "" {
			t.Errorf("PULL printed more: %q", out)
		}
		for _, c := range []*cmd{refused, fresh, admitted} {
			c.interrupt()
			c.wait(0)
		}
	})
	// A client that does not know the server's key (its own public key in its place)
	// fails the handshake.
	t.Run("wrong-server-key", func(t *testing.T) {
		t.Parallel()
		ep := peertest.FreeTCPEndpoint(t)
		otherPub, _ := keyPair(t)
		pull := start(t, "cat", "-t", "PULL", "-b", ep, "-n", "1", "--curve-server", "--curve-secretkey", serverSec)
		wrong := start(t, "cat", "-t", "PUSH", "-c", ep, "--curve-serverkey", otherPub)
		wrong.send("lost")
		pull.waitStderr(logRefused)
		right := start(t, "cat", "-t", "PUSH", "-c", ep, "--curve-serverkey", serverPub)
		right.send("found")
		if got := pull.line(); got != "found" {
			t.Errorf("PULL printed %q, want %q", got, "found")
		}
		pull.wait(0)
		for _, c := range []*cmd{wrong, right} {
			c.interrupt()
			c.wait(0)
		}
	})
}

// PLAIN between two zeroplug cats: without --allow-plain any user is let in (the CLI
// installs an authenticator, without which PLAIN would refuse everybody); with it, only
// the users listed with their passwords.
func TestCatPlain(t *testing.T) {
	checkLeaks(t)
	t.Run("any-user", func(t *testing.T) {
		t.Parallel()
		ep := peertest.FreeTCPEndpoint(t)
		pull := start(t, "cat", "-t", "PULL", "-b", ep, "-n", "1", "--plain-server")
		code, _, stderr := runCmd(t, "hi\n", "cat", "-t", "PUSH", "-c", ep, "--plain-user", "anyone", "--plain-password", "")
		if code != 0 {
			t.Fatalf("PUSH: exit status %d; stderr:\n%s", code, stderr)
		}
		if got := pull.line(); got != "hi" {
			t.Errorf("PULL printed %q", got)
		}
		pull.wait(0)
	})
	t.Run("allow-plain", func(t *testing.T) {
		t.Parallel()
		ep := peertest.FreeTCPEndpoint(t)
		pull := start(t, "cat", "-t", "PULL", "-b", ep, "-n", "1", "--plain-server",
			"--allow-plain", "alice:open:sesame", "--allow-plain", "bob:")
		wrong := start(t, "cat", "-t", "PUSH", "-c", ep, "--plain-user", "alice", "--plain-password", "open")
		wrong.send("guess")
		pull.waitStderr(plainInvalid)
		wrong.waitStderr(logRefused)
		stranger := start(t, "cat", "-t", "PUSH", "-c", ep, "--plain-user", "eve", "--plain-password", "open:sesame")
		stranger.send("intrusion")
		right := start(t, "cat", "-t", "PUSH", "-c", ep, "--plain-user", "alice", "--plain-password", "open:sesame")
		right.send("welcome")
		if got := pull.line(); got != "welcome" {
			t.Errorf("PULL printed %q, want only alice's message", got)
		}
		pull.wait(0)
		for _, c := range []*cmd{wrong, stranger, right} {
			c.interrupt()
			c.wait(0)
		}
	})
}

// CURVE and PLAIN with libzmq: zmqpeer reads its keys and passwords from the environment.
func TestSecurityZmqpeer(t *testing.T) {
	checkLeaks(t)
	zmqpeer := peertest.Zmqpeer(t)
	serverPub, serverSec := keyPair(t)
	lines := []string{"hello", "a|b|", "x"}
	t.Run("cat-curve-client-to-zmqpeer-curve-server", func(t *testing.T) {
		t.Parallel()
		ep := peertest.FreeTCPEndpoint(t)
		recv := peertest.StartEnv(t, []string{"ZMQPEER_CURVE_SECRETKEY=" + serverSec},
			zmqpeer, "recv", "PULL", "bind", ep, fmt.Sprint(len(lines)))
		code, _, stderr := runCmd(t, strings.Join(lines, "\n")+"\n", "cat", "-t", "PUSH", "-c", ep, "--curve-serverkey", serverPub)
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
	t.Run("zmqpeer-curve-client-to-cat-curve-server", func(t *testing.T) {
		t.Parallel()
		ep := peertest.FreeTCPEndpoint(t)
		pull := start(t, "cat", "-t", "PULL", "-b", ep, "-n", fmt.Sprint(len(lines)),
			"--curve-server", "--curve-secretkey", serverSec)
		send := peertest.StartEnv(t, []string{"ZMQPEER_CURVE_SERVERKEY=" + serverPub}, zmqpeer, "send", "PUSH", "connect", ep)
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
	// zmqpeer's client key is ZMQPEER_CURVE_CLIENT_SECRETKEY's: one listed, one not.
	t.Run("zmqpeer-curve-clients-to-cat-allow-curve", func(t *testing.T) {
		t.Parallel()
		allowedPub, allowedSec := keyPair(t)
		_, otherSec := keyPair(t)
		zmqpeerClientsToCat(t, zmqpeer, []string{"--curve-server", "--curve-secretkey", serverSec, "--allow-curve", allowedPub},
			[]string{"ZMQPEER_CURVE_SERVERKEY=" + serverPub, "ZMQPEER_CURVE_CLIENT_SECRETKEY=" + otherSec},
			[]string{"ZMQPEER_CURVE_SERVERKEY=" + serverPub, "ZMQPEER_CURVE_CLIENT_SECRETKEY=" + allowedSec},
			curveNotAllowed)
	})
	// zmqpeer's ZAP handler lets in CURVE clients with ZMQPEER_ZAP_CURVE_CLIENT's key only.
	t.Run("cat-curve-clients-to-zmqpeer-zap", func(t *testing.T) {
		t.Parallel()
		allowedPub, allowedSec := keyPair(t)
		catClientsToZmqpeer(t, zmqpeer, []string{"ZMQPEER_CURVE_SECRETKEY=" + serverSec, "ZMQPEER_ZAP_CURVE_CLIENT=" + allowedPub},
			[]string{"--curve-serverkey", serverPub},
			[]string{"--curve-serverkey", serverPub, "--curve-secretkey", allowedSec})
	})
	// zmqpeer PLAIN clients, a wrong password then the right one, to a cat with
	// --allow-plain.
	t.Run("zmqpeer-plain-clients-to-cat-allow-plain", func(t *testing.T) {
		t.Parallel()
		zmqpeerClientsToCat(t, zmqpeer, []string{"--plain-server", "--allow-plain", "alice:sesame"},
			[]string{"ZMQPEER_PLAIN_USER=alice", "ZMQPEER_PLAIN_PASSWORD=guess"},
			[]string{"ZMQPEER_PLAIN_USER=alice", "ZMQPEER_PLAIN_PASSWORD=sesame"},
			plainInvalid)
	})
	// cat PLAIN clients, a wrong password then the right one, to a zmqpeer PLAIN server
	// whose ZAP handler wants ZMQPEER_ZAP_PASSWORD.
	t.Run("cat-plain-clients-to-zmqpeer-plain-server", func(t *testing.T) {
		t.Parallel()
		catClientsToZmqpeer(t, zmqpeer, []string{"ZMQPEER_PLAIN_SERVER=1", "ZMQPEER_ZAP_PASSWORD=sesame"},
			[]string{"--plain-user", "alice", "--plain-password", "guess"},
			[]string{"--plain-user", "alice", "--plain-password", "sesame"})
	})
}

// zmqpeerClientsToCat runs a cat PULL server with serverFlags, then a zmqpeer
// client with refusedEnv, which the cat must refuse (logging refusal), then
// one with admittedEnv, whose message alone the cat must print.
func zmqpeerClientsToCat(t *testing.T, zmqpeer string, serverFlags, refusedEnv, admittedEnv []string, refusal string) {
	ep := peertest.FreeTCPEndpoint(t)
	pull := start(t, append([]string{"cat", "-t", "PULL", "-b", ep, "-n", "1"}, serverFlags...)...)
	refused := peertest.StartEnv(t, refusedEnv, zmqpeer, "send", "PUSH", "connect", ep)
	refused.Send("from a stranger")
	pull.waitStderr(refusal)
	admitted := peertest.StartEnv(t, admittedEnv, zmqpeer, "send", "PUSH", "connect", ep)
	admitted.Send("from a friend")
	admitted.CloseStdin()
	if got := pull.line(); got != "from a friend" {
		t.Errorf("cat printed %q, want only the admitted client's message", got)
	}
	pull.wait(0)
	if err := admitted.Wait(timeout); err != nil {
		t.Error(err)
	}
}

// catClientsToZmqpeer runs a zmqpeer PULL server with serverEnv, then a cat
// client with refusedFlags, which must see itself refused, then one with
// admittedFlags, whose message alone zmqpeer must print.
func catClientsToZmqpeer(t *testing.T, zmqpeer string, serverEnv, refusedFlags, admittedFlags []string) {
	ep := peertest.FreeTCPEndpoint(t)
	recv := peertest.StartEnv(t, serverEnv, zmqpeer, "recv", "PULL", "bind", ep, "1")
	refused := start(t, append([]string{"cat", "-t", "PUSH", "-c", ep}, refusedFlags...)...)
	refused.send("from a stranger")
	refused.waitStderr(logRefused)
	admitted := start(t, append([]string{"cat", "-t", "PUSH", "-c", ep}, admittedFlags...)...)
	admitted.send("from a friend")
	if got, err := recv.Line(timeout); err != nil || got != "from a friend" {
		t.Errorf("zmqpeer printed %q, %v; want only the admitted client's message", got, err)
	}
	if err := recv.Wait(timeout); err != nil {
		t.Error(err)
	}
	for _, c := range []*cmd{refused, admitted} {
		c.interrupt()
		c.wait(0)
	}
}

// bench's CURVE: --curve for thr and lat, the security flags for one end, whose other end
// is libzmq.
func TestBenchCurve(t *testing.T) {
	checkLeaks(t)
	t.Run("thr", func(t *testing.T) {
		t.Parallel()
		line := benchLine(t, "thr", peertest.FreeTCPEndpoint(t), "--curve", "--size", "64", "--count", "5000")
		result(t, line, thrWant(64, 5000), thrFields...)
	})
	t.Run("thr-1k-wildcard", func(t *testing.T) {
		t.Parallel()
		line := benchLine(t, "--curve", "thr", "tcp://127.0.0.1:*", "--size", "1024", "--count", "2000")
		result(t, line, thrWant(1024, 2000), thrFields...)
	})
	t.Run("lat", func(t *testing.T) {
		t.Parallel()
		line := benchLine(t, "lat", peertest.FreeTCPEndpoint(t), "--curve", "--count", "300")
		result(t, line, latWant(16, 300), latFields...)
	})
	// The one-end modes between two zeroplugs, a client key listed.
	t.Run("lat-req-to-lat-rep", func(t *testing.T) {
		t.Parallel()
		ep := peertest.FreeTCPEndpoint(t)
		serverPub, serverSec := keyPair(t)
		clientPub, clientSec := keyPair(t)
		rep := start(t, "bench", "lat-rep", ep, "--count", "200", "--curve-server", "--curve-secretkey", serverSec,
			"--allow-curve", clientPub)
		line := benchLine(t, "lat-req", ep, "--count", "200", "--curve-serverkey", serverPub, "--curve-secretkey", clientSec)
		result(t, line, latWant(16, 200), latFields...)
		rep.wait(0)
	})

	zmqpeer := peertest.Zmqpeer(t)
	const count = 5000
	t.Run("zeroplug-thr-send-to-zmqpeer-thr-recv", func(t *testing.T) {
		t.Parallel()
		ep := peertest.FreeTCPEndpoint(t)
		serverPub, serverSec := keyPair(t)
		recv := peertest.StartEnv(t, []string{"ZMQPEER_CURVE_SECRETKEY=" + serverSec}, zmqpeer, "thr-recv", ep, "64", fmt.Sprint(count))
		code, stdout, stderr := runCmd(t, "", "bench", "thr-send", ep, "--size", "64", "--count", fmt.Sprint(count),
			"--curve-serverkey", serverPub)
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
		ep := peertest.FreeTCPEndpoint(t)
		serverPub, serverSec := keyPair(t)
		recv := start(t, "bench", "thr-recv", ep, "--size", "1024", "--count", fmt.Sprint(count),
			"--curve-server", "--curve-secretkey", serverSec)
		send := peertest.StartEnv(t, []string{"ZMQPEER_CURVE_SERVERKEY=" + serverPub}, zmqpeer, "thr-send", ep, "1024", fmt.Sprint(count))
		result(t, recv.line(), thrWant(1024, count), thrFields...)
		recv.wait(0)
		if err := send.Wait(timeout); err != nil {
			t.Error(err)
		}
	})
	t.Run("zmqpeer-lat-req-to-zeroplug-lat-rep", func(t *testing.T) {
		t.Parallel()
		ep := peertest.FreeTCPEndpoint(t)
		serverPub, serverSec := keyPair(t)
		rep := start(t, "bench", "lat-rep", ep, "--count", "300", "--curve-server", "--curve-secretkey", serverSec)
		req := peertest.StartEnv(t, []string{"ZMQPEER_CURVE_SERVERKEY=" + serverPub}, zmqpeer, "lat-req", ep, "16", "300")
		line, err := req.Line(timeout)
		if err != nil {
			t.Fatal(err)
		}
		result(t, line, latWant(16, 300), latFields...)
		rep.wait(0)
		if err := req.Wait(timeout); err != nil {
			t.Error(err)
		}
	})
	// PLAIN, the one-end modes: zeroplug's PLAIN client to zmqpeer's PLAIN server.
	t.Run("zeroplug-plain-lat-req-to-zmqpeer-lat-rep", func(t *testing.T) {
		t.Parallel()
		ep := peertest.FreeTCPEndpoint(t)
		rep := peertest.StartEnv(t, []string{"ZMQPEER_PLAIN_SERVER=1", "ZMQPEER_ZAP_PASSWORD=pw"}, zmqpeer, "lat-rep", ep, "16", "300")
		line := benchLine(t, "lat-req", ep, "--count", "300", "--plain-user", "u", "--plain-password", "pw")
		result(t, line, latWant(16, 300), latFields...)
		if err := rep.Wait(timeout); err != nil {
			t.Error(err)
		}
	})
}

func TestSecurityUsage(t *testing.T) {
	checkLeaks(t)
	pub, sec := keyPair(t)
	otherPub, _ := keyPair(t)
	pull := []string{"cat", "-t", "PULL", "-b", "tcp://127.0.0.1:*"}
	push := []string{"cat", "-t", "PUSH", "-c", "tcp://127.0.0.1:5"}
	for _, tc := range []struct {
		name   string
		args   []string
		stderr string // a part of it
	}{
		{"short key", append(push, "--curve-serverkey", pub[:39]), "--curve-serverkey: want a CURVE key as 40 characters of Z85"},
		{"raw key", append(push, "--curve-serverkey", strings.Repeat("k", 32)), "got 32 characters"},
		{"not Z85", append(push, "--curve-serverkey", `"`+pub[1:]), "--curve-serverkey: not a Z85 key"},
		{"server without secret", append(pull, "--curve-server"), "--curve-server needs the server's secret key"},
		{"secret alone", append(pull, "--curve-secretkey", sec), "--curve-secretkey needs --curve-server"},
		{"server and client", append(pull, "--curve-server", "--curve-secretkey", sec, "--curve-serverkey", pub), "not both"},
		{"public without secret", append(push, "--curve-serverkey", pub, "--curve-publickey", pub), "--curve-publickey needs"},
		{"public not of secret", append(push, "--curve-serverkey", pub, "--curve-secretkey", sec, "--curve-publickey", otherPub),
			"not the public key of --curve-secretkey"},
		{"bad allowed key", append(pull, "--curve-server", "--curve-secretkey", sec, "--allow-curve", "abc"), "--allow-curve: want a CURVE key"},
		{"allow-curve on a client", append(push, "--curve-serverkey", pub, "--allow-curve", pub), "--allow-curve is for a CURVE server"},
		{"curve and plain", append(pull, "--curve-server", "--curve-secretkey", sec, "--plain-server"), "CURVE and PLAIN"},
		{"plain server and client", append(pull, "--plain-server", "--plain-user", "u"), "not both"},
		{"password alone", append(push, "--plain-password", "p"), "--plain-password needs --plain-user"},
		{"allow-plain without colon", append(pull, "--plain-server", "--allow-plain", "alice"), `--allow-plain "alice": want USER:PASSWORD`},
		{"allow-plain twice", append(pull, "--plain-server", "--allow-plain", "a:1", "--allow-plain", "a:2"), `user "a" is listed twice`},
		{"allow-plain on a client", append(push, "--allow-plain", "a:1"), "--allow-plain is for a PLAIN server"},
		{"bench --curve one end", []string{"bench", "thr-send", "tcp://127.0.0.1:5", "--curve"}, "--curve is for thr and lat"},
		{"bench --curve inproc", []string{"bench", "thr", "inproc://x", "--curve"}, "inproc has no security mechanism"},
		{"bench thr with keys", []string{"bench", "lat", "tcp://127.0.0.1:*", "--curve-serverkey", pub}, "--curve-serverkey is for the one-end modes"},
		{"bench bad key", []string{"bench", "thr-send", "tcp://127.0.0.1:5", "--curve-serverkey", "x"}, "want a CURVE key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, "", tc.args...)
			if code != 2 || !strings.Contains(stderr, tc.stderr) || stdout != "" {
				t.Errorf("status %d, stdout %q, stderr %q; want status 2 and a stderr with %q", code, stdout, stderr, tc.stderr)
			}
		})
	}
}
