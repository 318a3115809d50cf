package zcert_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/zeroplug/zeroplug/internal/peertest"
	"github.com/zeroplug/zeroplug/sdk/zcert"
	"github.com/zeroplug/zeroplug/sdk/zmtp/curve"
	"github.com/zeroplug/zeroplug/sdk/zmtp/zap"
)

func TestMain(m *testing.M) { peertest.Main(m) }

// A Store is what a zap.Policy takes as a key set.
var _ zap.KeySet = (*zcert.Store)(nil)

// The key pair of RFC 26's test vectors, as czmq's zcert tests use it.
const (
	testPublic = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"
	testSecret = "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"
)

func mustKey(t *testing.T, s string) curve.Key {
	t.Helper()
	k, err := curve.ParseKey(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		secret     bool
		metadata   map[string]string
	}{
		{"pyzmq public", "#   ****  Generated on 2026-12-02 by pyzmq  ****\n#   ZeroMQ CURVE Public Certificate\n\n" +
			"metadata\ncurve\n    public-key = \"" + testPublic + "\"\n", false, nil},
		{"pyzmq secret with metadata", "metadata\n    name = alice\ncurve\n    public-key = \"" + testPublic + "\"\n" +
			"    secret-key = \"" + testSecret + "\"\n", true, map[string]string{"name": "alice"}},
		{"czmq style: quoted metadata, comments, CRLF, single quotes", "#  comment\r\nmetadata\r\n    email = \"a b@example.com\"  # trailing\r\n" +
			"    # indented comment\r\ncurve\r\n    public-key = '" + testPublic + "'\r\n", false,
			map[string]string{"email": "a b@example.com"}},
		{"other sections ignored, no metadata", "context\n    iothreads = 1\n        deeper = x\ncurve\n    public-key = \"" + testPublic + "\"\n", false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := zcert.Parse([]byte(tc.text))
			if err != nil {
				t.Fatal(err)
			}
			if c.Public != mustKey(t, testPublic) {
				t.Errorf("public key %s, want %s", c.Public, testPublic)
			}
			if c.HasSecret() != tc.secret || tc.secret && c.Secret != mustKey(t, testSecret) {
				t.Errorf("secret key %s (HasSecret %v), want secret %v", c.Secret, c.HasSecret(), tc.secret)
			}
			if !reflect.DeepEqual(c.Metadata, tc.metadata) {
				t.Errorf("metadata %v, want %v", c.Metadata, tc.metadata)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	otherPublic, _, err := curve.GenerateKeyPair(nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{
		"empty":                     "",
		"no curve section":          "metadata\n    name = x\n",
		"no public key":             "curve\n    secret-key = \"" + testSecret + "\"\n",
		"short key":                 "curve\n    public-key = \"abc\"\n",
		"raw 32 bytes are not text": "curve\n    public-key = \"" + strings.Repeat("x", 32) + "\"\n",
		"not Z85":                   "curve\n    public-key = \"" + strings.Repeat("~", 40) + "\"\n",
		"secret of another public":  "curve\n    public-key = \"" + otherPublic.String() + "\"\n    secret-key = \"" + testSecret + "\"\n",
		"indentation of 2":          "curve\n  public-key = \"" + testPublic + "\"\n",
		"too deep":                  "curve\n        public-key = \"" + testPublic + "\"\n",
		"unclosed quote":            "curve\n    public-key = \"" + testPublic + "\n",
		"garbage after value":       "curve\n    public-key = \"" + testPublic + "\" x\n",
		"no name":                   "= x\ncurve\n    public-key = \"" + testPublic + "\"\n",
		"name then garbage":         "curve x\n    public-key = \"" + testPublic + "\"\n",
	} {
		t.Run(name, func(t *testing.T) {
			if c, err := zcert.Parse([]byte(text)); !errors.Is(err, zcert.ErrInvalid) {
				t.Errorf("Parse = %v, %v; want ErrInvalid", c, err)
			}
		})
	}
}

// Save writes NAME.key and NAME.key_secret, the secret one for its owner only, and
// Load reads back what Save wrote.
func TestSaveLoad(t *testing.T) {
	dir := t.TempDir()
	c, err := zcert.New()
	if err != nil {
		t.Fatal(err)
	}
	c.Metadata = map[string]string{"name": "server one", "quote": `say "hi"`}
	base := filepath.Join(dir, "server")
	if err := c.Save(base); err != nil {
		t.Fatal(err)
	}
	for path, mode := range map[string]os.FileMode{base + ".key": 0o644, base + ".key_secret": 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("%s: mode %v, want %v", path, fi.Mode().Perm(), mode)
		}
	}
	pub, err := zcert.Load(base + ".key")
	if err != nil {
		t.Fatal(err)
	}
	if pub.Public != c.Public || pub.HasSecret() || !reflect.DeepEqual(pub.Metadata, c.Metadata) {
		t.Errorf("public certificate read back as %+v, want %s without secret, metadata %v", pub, c.Public, c.Metadata)
	}
	sec, err := zcert.Load(base + ".key_secret")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(sec, c) {
		t.Errorf("secret certificate read back as %+v, want %+v", sec, c)
	}
	// Replacing a file that was readable by all leaves the secret one private.
	if err := os.Chmod(base+".key_secret", 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.SaveSecret(base + ".key_secret"); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(base + ".key_secret"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("rewritten secret file: %v, %v; want mode 0600", fi.Mode(), err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("the directory holds %d files, want the 2 certificates (no temporary left)", len(entries))
	}

	if err := pub.SaveSecret(filepath.Join(dir, "x.key_secret")); err == nil {
		t.Error("SaveSecret of a public certificate succeeded")
	}
	bad := &zcert.Certificate{Public: c.Public, Metadata: map[string]string{"a name": "x"}}
	if err := bad.SavePublic(filepath.Join(dir, "bad.key")); err == nil {
		t.Error("SavePublic with a metadata name ZPL cannot hold succeeded")
	}
	if _, err := zcert.Load(filepath.Join(dir, "missing.key")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load of a missing file: %v, want ErrNotExist", err)
	}
	big := filepath.Join(t.TempDir(), "big.key")
	if err := os.WriteFile(big, make([]byte, zcert.MaxFileSize+1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := zcert.Load(big); !errors.Is(err, zcert.ErrInvalid) {
		t.Errorf("Load of a file larger than MaxFileSize: %v, want ErrInvalid", err)
	}
}

// LoadDir and Store read the *.key files of a directory, and Reload sees changes; a
// failed Reload keeps what the store had.
func TestStore(t *testing.T) {
	dir := t.TempDir()
	alice, bob, carol := newCert(t), newCert(t), newCert(t)
	if err := alice.Save(filepath.Join(dir, "alice")); err != nil {
		t.Fatal(err)
	}
	if err := bob.SavePublic(filepath.Join(dir, "bob.key")); err != nil {
		t.Fatal(err)
	}
	// Neither a secret certificate nor another file is read.
	if err := carol.SaveSecret(filepath.Join(dir, "carol.key_secret")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "README"), []byte("not a certificate"), 0o644); err != nil {
		t.Fatal(err)
	}
	certs, err := zcert.LoadDir(dir)
	if err != nil || len(certs) != 2 {
		t.Fatalf("LoadDir: %d certificates, %v; want 2", len(certs), err)
	}
	s, err := zcert.NewStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Allowed(alice.Public) || !s.Allowed(bob.Public) || s.Allowed(carol.Public) || s.Len() != 2 {
		t.Errorf("store of alice and bob: alice %v, bob %v, carol %v, len %d",
			s.Allowed(alice.Public), s.Allowed(bob.Public), s.Allowed(carol.Public), s.Len())
	}
	if c, ok := s.Lookup(alice.Public); !ok || c.HasSecret() {
		t.Errorf("Lookup(alice) = %+v, %v; want her public certificate", c, ok)
	}

	if err := os.Remove(filepath.Join(dir, "bob.key")); err != nil {
		t.Fatal(err)
	}
	if err := carol.SavePublic(filepath.Join(dir, "carol.key")); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if !s.Allowed(alice.Public) || s.Allowed(bob.Public) || !s.Allowed(carol.Public) {
		t.Errorf("after Reload: alice %v, bob %v, carol %v; want alice and carol",
			s.Allowed(alice.Public), s.Allowed(bob.Public), s.Allowed(carol.Public))
	}

	if err := os.WriteFile(filepath.Join(dir, "broken.key"), []byte("curve\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(); !errors.Is(err, zcert.ErrInvalid) || !strings.Contains(err.Error(), "broken.key") {
		t.Errorf("Reload with a broken certificate: %v, want ErrInvalid naming the file", err)
	}
	if !s.Allowed(carol.Public) {
		t.Error("a failed Reload dropped the certificates the store had")
	}
	if _, err := zcert.NewStore(filepath.Join(dir, "missing")); err == nil {
		t.Error("NewStore of a missing directory succeeded")
	}
}

func newCert(t *testing.T) *zcert.Certificate {
	t.Helper()
	c, err := zcert.New()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// pyzmq reads the certificates zeroplug writes, and zeroplug those pyzmq writes.
func TestPyzmqInterop(t *testing.T) {
	python := peertest.Python(t)
	t.Run("pyzmq writes", func(t *testing.T) {
		dir := t.TempDir()
		script := `import sys, zmq.auth
pub, sec = zmq.auth.create_certificates(sys.argv[1], "server", metadata={"name": "srv"})
p, s = zmq.auth.load_certificate(sec)
print(p.decode(), s.decode())`
		out, err := exec.Command(python, "-c", script, dir).CombinedOutput()
		if err != nil {
			t.Fatalf("pyzmq: %v\n%s", err, out)
		}
		keys := strings.Fields(string(out))
		if len(keys) != 2 {
			t.Fatalf("pyzmq printed %q, want two keys", out)
		}
		sec, err := zcert.Load(filepath.Join(dir, "server.key_secret"))
		if err != nil {
			t.Fatal(err)
		}
		if sec.Public.String() != keys[0] || sec.Secret.String() != keys[1] || sec.Metadata["name"] != "srv" {
			t.Errorf("read pyzmq's secret certificate as %s %s %v, want %s %s name=srv",
				sec.Public, sec.Secret, sec.Metadata, keys[0], keys[1])
		}
		pub, err := zcert.Load(filepath.Join(dir, "server.key"))
		if err != nil {
			t.Fatal(err)
		}
		if pub.Public.String() != keys[0] || pub.HasSecret() {
			t.Errorf("read pyzmq's public certificate as %s (secret %v), want %s", pub.Public, pub.HasSecret(), keys[0])
		}
		s, err := zcert.NewStore(dir)
		if err != nil || !s.Allowed(pub.Public) || s.Len() != 1 {
			t.Errorf("a store of pyzmq's directory: %v; want it to hold the one public key", err)
		}
	})
	t.Run("pyzmq reads", func(t *testing.T) {
		dir := t.TempDir()
		c := newCert(t)
		c.Metadata = map[string]string{"name": "client"}
		if err := c.Save(filepath.Join(dir, "client")); err != nil {
			t.Fatal(err)
		}
		script := `import sys, os, zmq.auth
d = sys.argv[1]
p, s = zmq.auth.load_certificate(os.path.join(d, "client.key_secret"))
pp, ps = zmq.auth.load_certificate(os.path.join(d, "client.key"))
certs = zmq.auth.load_certificates(d)
print(p.decode(), s.decode(), pp.decode(), ps, len(certs), pp in certs)`
		out, err := exec.Command(python, "-c", script, dir).CombinedOutput()
		if err != nil {
			t.Fatalf("pyzmq: %v\n%s", err, out)
		}
		want := strings.Join([]string{c.Public.String(), c.Secret.String(), c.Public.String(), "None", "1", "True"}, " ")
		if got := strings.TrimSpace(string(out)); got != want {
			t.Errorf("pyzmq read %q, want %q", got, want)
		}
	})
}

// FuzzParse: Parse never panics, and a certificate it accepts survives a round trip
// through Save and Parse.
func FuzzParse(f *testing.F) {
	f.Add([]byte("metadata\ncurve\n    public-key = \"" + testPublic + "\"\n"))
	f.Add([]byte("metadata\n    name = x\ncurve\n    public-key = \"" + testPublic + "\"\n    secret-key = \"" + testSecret + "\"\n"))
	f.Add([]byte("curve\n    public-key = '" + testPublic + "' # c\r\n        x = 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := zcert.Parse(data)
		if err != nil {
			if !errors.Is(err, zcert.ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		path := filepath.Join(t.TempDir(), "c.key")
		if err := c.SavePublic(path); err != nil {
			return // metadata that ZPL can read but Save refuses to write (a line break cannot occur, quotes can)
		}
		back, err := zcert.Load(path)
		if err != nil {
			t.Fatalf("what SavePublic wrote does not load: %v", err)
		}
		if back.Public != c.Public || !reflect.DeepEqual(back.Metadata, c.Metadata) {
			t.Fatalf("round trip changed %+v into %+v", c, back)
		}
	})
}
