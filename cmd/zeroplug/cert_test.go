package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zeroplug/zeroplug/internal/peertest"
	"github.com/zeroplug/zeroplug/sdk/zcert"
)

// keygen --cert writes a certificate pair, prints only its public key, and replaces
// nothing.
func TestKeygenCert(t *testing.T) {
	checkLeaks(t)
	base := filepath.Join(t.TempDir(), "server")
	code, stdout, stderr := runCmd(t, "", "keygen", "--cert", base)
	if code != 0 || stderr != "" {
		t.Fatalf("keygen --cert: status %d, stderr %q", code, stderr)
	}
	c, err := zcert.Load(base + ".key_secret")
	if err != nil {
		t.Fatal(err)
	}
	pub, err := zcert.Load(base + ".key")
	if err != nil {
		t.Fatal(err)
	}
	if stdout != "public="+c.Public.String()+"\n" || pub.Public != c.Public || pub.HasSecret() {
		t.Errorf("printed %q; the files hold %s and %s (secret in the public one: %v)", stdout, c.Public, pub.Public, pub.HasSecret())
	}
	if fi, err := os.Stat(base + ".key_secret"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("secret file: %v, %v; want mode 0600", fi.Mode(), err)
	}
	code, _, stderr = runCmd(t, "", "keygen", "--cert", base)
	if code != 1 || !strings.Contains(stderr, "exists: not replacing it") {
		t.Errorf("keygen --cert over existing files: status %d, stderr %q", code, stderr)
	}
	if again, err := zcert.Load(base + ".key_secret"); err != nil || again.Secret != c.Secret {
		t.Errorf("the secret file changed: %v", err)
	}
}

// pyzmqCerts writes certificate pairs named names into dir with pyzmq's
// zmq.auth.create_certificates.
func pyzmqCerts(t *testing.T, dir string, names ...string) {
	t.Helper()
	script := "import sys, zmq.auth\nfor n in sys.argv[2:]: zmq.auth.create_certificates(sys.argv[1], n)"
	if out, err := exec.Command(peertest.Python(t), append([]string{"-c", script, dir}, names...)...).CombinedOutput(); err != nil {
		t.Fatalf("pyzmq create_certificates: %v\n%s", err, out)
	}
}

// CURVE cat over tcp with certificate files from pyzmq: the server's key pair from its
// NAME.key_secret, the client's knowledge of it from NAME.key, the clients let in from a
// directory of public certificates. A client whose certificate is not there is refused.
func TestCatCurveCertificates(t *testing.T) {
	checkLeaks(t)
	keys := t.TempDir()
	pyzmqCerts(t, keys, "server", "alice", "mallory")
	allowed := filepath.Join(t.TempDir(), "clients")
	if err := os.Mkdir(allowed, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(keys, "alice.key"), filepath.Join(allowed, "alice.key")); err != nil {
		t.Fatal(err)
	}
	file := func(name string) string { return filepath.Join(keys, name) }

	ep := peertest.FreeTCPEndpoint(t)
	pull := start(t, "cat", "-t", "PULL", "-b", ep, "-n", "1", "--curve-server",
		"--curve-secretkey", file("server.key_secret"), "--allow-curve", allowed)
	refused := start(t, "cat", "-t", "PUSH", "-c", ep, "--curve-serverkey", file("server.key"),
		"--curve-secretkey", file("mallory.key_secret"))
	refused.send("from mallory")
	pull.waitStderr(curveNotAllowed)
	refused.waitStderr(logRefused)
	code, _, stderr := runCmd(t, "from alice\n", "cat", "-t", "PUSH", "-c", ep, "--curve-serverkey", file("server.key"),
		"--curve-secretkey", file("alice.key_secret"))
	if code != 0 {
		t.Fatalf("alice's PUSH: status %d; stderr:\n%s", code, stderr)
	}
	if got := pull.line(); got != "from alice" {
		t.Errorf("PULL printed %q, want only alice's message", got)
	}
	pull.wait(0)
	refused.interrupt()
	refused.wait(0)
}

// A key flag takes a certificate file where it takes a key, and says what is wrong
// with a file that will not do.
func TestCertificateFlagsUsage(t *testing.T) {
	checkLeaks(t)
	dir := t.TempDir()
	base := filepath.Join(dir, "server")
	if code, _, stderr := runCmd(t, "", "keygen", "--cert", base); code != 0 {
		t.Fatalf("keygen --cert: %s", stderr)
	}
	other := filepath.Join(dir, "other")
	if code, _, stderr := runCmd(t, "", "keygen", "--cert", other); code != 0 {
		t.Fatalf("keygen --cert: %s", stderr)
	}
	broken := filepath.Join(dir, "broken.key")
	if err := os.WriteFile(broken, []byte("curve\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	brokenDir := filepath.Join(dir, "brokendir")
	if err := os.Mkdir(brokenDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(brokenDir, "x.key"), []byte("nonsense"), 0o644); err != nil {
		t.Fatal(err)
	}
	pull := []string{"cat", "-t", "PULL", "-b", "tcp://127.0.0.1:*", "--curve-server"}
	push := []string{"cat", "-t", "PUSH", "-c", "tcp://127.0.0.1:5"}
	for _, tc := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"public certificate as secret key", append(pull, "--curve-secretkey", base+".key"), "holds no secret key"},
		{"broken certificate", append(push, "--curve-serverkey", broken), "--curve-serverkey: " + broken},
		{"public key of another pair", append(pull, "--curve-secretkey", base+".key_secret", "--curve-publickey", other+".key"),
			"not the public key of --curve-secretkey"},
		{"broken directory", append(pull, "--curve-secretkey", base+".key_secret", "--allow-curve", brokenDir), "x.key"},
		{"missing file", append(push, "--curve-serverkey", filepath.Join(dir, "missing.key")), "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, "", tc.args...)
			if code != 2 || !strings.Contains(stderr, tc.stderr) || stdout != "" {
				t.Errorf("status %d, stdout %q, stderr %q; want status 2 and a stderr with %q", code, stdout, stderr, tc.stderr)
			}
		})
	}
	// The pair's own public key file, and a single certificate as --allow-curve, are fine:
	// the server starts (and is interrupted).
	ok := start(t, append(pull, "--curve-secretkey", base+".key_secret", "--curve-publickey", base+".key",
		"--allow-curve", other+".key")...)
	ok.waitStderr("bound to")
	ok.interrupt()
	ok.wait(0)
}

// The other way round: a libzmq CURVE server in pyzmq, its key pair and its clients'
// directory written by 'zeroplug keygen --cert', let in the cat whose certificate is in
// the directory (ThreadAuthenticator.configure_curve(location=DIR)), not the other.
func TestCatCurveCertificatesPyzmqServer(t *testing.T) {
	checkLeaks(t)
	dir := t.TempDir()
	clients := filepath.Join(dir, "clients")
	if err := os.Mkdir(clients, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, base := range []string{filepath.Join(dir, "server"), filepath.Join(clients, "alice"), filepath.Join(dir, "mallory")} {
		if code, _, stderr := runCmd(t, "", "keygen", "--cert", base); code != 0 {
			t.Fatalf("keygen --cert %s: %s", base, stderr)
		}
	}
	ep := peertest.FreeTCPEndpoint(t)
	script := `import sys, zmq, zmq.auth
from zmq.auth.thread import ThreadAuthenticator
ep, server, clients = sys.argv[1:]
ctx = zmq.Context.instance()
auth = ThreadAuthenticator(ctx)
auth.start()
auth.configure_curve(domain="*", location=clients)
s = ctx.socket(zmq.PULL)
s.curve_publickey, s.curve_secretkey = zmq.auth.load_certificate(server)
s.curve_server = True
s.bind(ep)
print("ready", flush=True)
print(s.recv().decode(), flush=True)
s.close(linger=0)
auth.stop()`
	server := peertest.Start(t, peertest.Python(t), "-c", script, ep, filepath.Join(dir, "server.key_secret"), clients)
	if line, err := server.Line(timeout); err != nil || line != "ready" {
		t.Fatalf("pyzmq server: %q, %v", line, err)
	}
	mallory := start(t, "cat", "-t", "PUSH", "-c", ep, "--curve-serverkey", filepath.Join(dir, "server.key"),
		"--curve-secretkey", filepath.Join(dir, "mallory.key_secret"))
	mallory.send("from mallory")
	mallory.waitStderr(logRefused)
	code, _, stderr := runCmd(t, "from alice\n", "cat", "-t", "PUSH", "-c", ep, "--curve-serverkey", filepath.Join(dir, "server.key"),
		"--curve-secretkey", filepath.Join(clients, "alice.key_secret"))
	if code != 0 {
		t.Fatalf("alice's PUSH: status %d; stderr:\n%s", code, stderr)
	}
	if line, err := server.Line(timeout); err != nil || line != "from alice" {
		t.Errorf("the pyzmq server received %q, %v; want only alice's message", line, err)
	}
	if err := server.Wait(timeout); err != nil {
		t.Error(err)
	}
	mallory.interrupt()
	mallory.wait(0)
}
