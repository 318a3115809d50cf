// Package zcert reads and writes CURVE certificates as czmq's zcert and pyzmq's
// zmq.auth keep them: ZPL text files (rfc.zeromq.org/spec/4) with the Z85 keys
// under "curve" and free metadata under "metadata". A key pair lives in two
// files: NAME.key, the public certificate that is handed to peers, and
// NAME.key_secret, which holds both keys and stays with its owner. A directory
// of public certificates lists the clients a server lets in (pyzmq's
// ThreadAuthenticator.configure_curve(location=DIR), czmq's zcertstore): see
// LoadDir and Store.
package zcert

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/zeroplug/zeroplug/sdk/zmtp/curve"
)

// ErrInvalid: a certificate is not well-formed ZPL, lacks its public key, has
// a key that is not 40 characters of Z85, or a secret key that is not the
// public key's.
var ErrInvalid = errors.New("zcert: invalid certificate")

// MaxFileSize bounds what Load reads: a certificate is a few hundred bytes,
// and a larger file is not one.
const MaxFileSize = 64 << 10

// Suffixes of the two files of a key pair, as czmq and pyzmq name them.
const (
	PublicSuffix = ".key"
	SecretSuffix = ".key_secret"
)

// Certificate is a CURVE key pair, or only its public key, with metadata.
type Certificate struct {
	Public curve.Key
	// Secret is zero in a public certificate.
	Secret curve.Key
	// Metadata are the name = value pairs of the "metadata" section. Names
	// are ZPL names (letters, digits and $-_@.&+/).
	Metadata map[string]string
}

// New returns a certificate with a new key pair from crypto/rand.
func New() (*Certificate, error) {
	public, secret, err := curve.GenerateKeyPair(nil)
	if err != nil {
		return nil, err
	}
	return &Certificate{Public: public, Secret: secret}, nil
}

// HasSecret reports whether c holds a secret key, as a NAME.key_secret file does.
func (c *Certificate) HasSecret() bool { return !c.Secret.IsZero() }

// Parse reads a certificate in ZPL text: "curve" must hold "public-key", and
// may hold "secret-key", each 40 characters of Z85; other sections are
// ignored, as czmq and pyzmq ignore them.
func Parse(data []byte) (*Certificate, error) {
	root, err := parseZPL(data)
	if err != nil {
		return nil, err
	}
	c := &Certificate{}
	if md := root.child("metadata"); md != nil {
		for _, n := range md.children {
			if c.Metadata == nil {
				c.Metadata = map[string]string{}
			}
			c.Metadata[n.name] = n.value
		}
	}
	keys := root.child("curve")
	if keys == nil {
		return nil, fmt.Errorf("%w: no \"curve\" section", ErrInvalid)
	}
	pub := keys.child("public-key")
	if pub == nil {
		return nil, fmt.Errorf("%w: no curve/public-key", ErrInvalid)
	}
	if c.Public, err = parseZ85Key(pub.value); err != nil {
		return nil, fmt.Errorf("%w: curve/public-key: %v", ErrInvalid, err)
	}
	if sec := keys.child("secret-key"); sec != nil {
		if c.Secret, err = parseZ85Key(sec.value); err != nil {
			return nil, fmt.Errorf("%w: curve/secret-key: %v", ErrInvalid, err)
		}
		if curve.PublicFromSecret(c.Secret) != c.Public {
			return nil, fmt.Errorf("%w: curve/public-key is not the public key of curve/secret-key", ErrInvalid)
		}
	}
	return c, nil
}

// parseZ85Key reads a key in the text form a certificate has: 40 characters of
// Z85 (never the 32 raw bytes that curve.ParseKey also takes).
func parseZ85Key(s string) (curve.Key, error) {
	if len(s) != 40 {
		return curve.Key{}, fmt.Errorf("want 40 characters of Z85, got %d", len(s))
	}
	return curve.ParseKey(s)
}

// Load reads the certificate file path (NAME.key or NAME.key_secret).
func Load(path string) (*Certificate, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s: %w: larger than %d bytes", path, ErrInvalid, MaxFileSize)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// LoadDir reads every public certificate of dir: the files named *.key, as
// pyzmq's zmq.auth.load_certificates does (NAME.key_secret files and others
// are left alone). A file that is not a certificate is an error that names it.
func LoadDir(dir string) ([]*Certificate, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var certs []*Certificate
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), PublicSuffix) {
			continue
		}
		c, err := Load(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		certs = append(certs, c)
	}
	return certs, nil
}

// Banners at the top of the files, worded as pyzmq's; the time is when the file
// was written.
const (
	publicBanner = `#   ****  Generated on %s by zeroplug  ****
#   ZeroMQ CURVE Public Certificate
#   Exchange securely, or use a secure mechanism to verify the contents
#   of this file after exchange. Store public certificates in your home
#   directory, in the .curve subdirectory.

`
	secretBanner = `#   ****  Generated on %s by zeroplug  ****
#   ZeroMQ CURVE **Secret** Certificate
#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.

`
)

// Save writes c's two files as pyzmq's zmq.auth.create_certificates does:
// base+".key", the public certificate, and base+".key_secret", the secret one.
func (c *Certificate) Save(base string) error {
	if err := c.SaveSecret(base + SecretSuffix); err != nil {
		return err
	}
	return c.SavePublic(base + PublicSuffix)
}

// SavePublic writes the public certificate of c to path, readable by all
// (mode 0644), replacing any file there. Unlike pyzmq, which writes metadata
// only to the secret file, it writes c's metadata too, as czmq's
// zcert_save_public does: the public certificate is what a server's
// directory holds.
func (c *Certificate) SavePublic(path string) error {
	text, err := c.format(publicBanner, false)
	if err != nil {
		return err
	}
	return writeFile(path, text, 0o644)
}

// SaveSecret writes the secret certificate of c (both keys) to path, readable
// by its owner only (mode 0600, where pyzmq leaves the umask's), replacing any
// file there.
func (c *Certificate) SaveSecret(path string) error {
	if !c.HasSecret() {
		return errors.New("zcert: saving a secret certificate: the certificate has no secret key")
	}
	text, err := c.format(secretBanner, true)
	if err != nil {
		return err
	}
	return writeFile(path, text, 0o600)
}

// format returns c in ZPL text under banner, line for line as pyzmq writes it,
// with the metadata quoted (pyzmq leaves values bare, which ZPL ends at the
// first space).
func (c *Certificate) format(banner string, withSecret bool) ([]byte, error) {
	var b strings.Builder
	fmt.Fprintf(&b, banner, time.Now().Format("2006-01-02 15:04:05.000000"))
	b.WriteString("metadata\n")
	for _, name := range slices.Sorted(maps.Keys(c.Metadata)) {
		value := c.Metadata[name]
		if err := checkMetadata(name, value); err != nil {
			return nil, err
		}
		quote := `"`
		if strings.Contains(value, `"`) {
			quote = `'`
		}
		fmt.Fprintf(&b, "    %s = %s%s%s\n", name, quote, value, quote)
	}
	b.WriteString("curve\n")
	fmt.Fprintf(&b, "    public-key = \"%s\"\n", c.Public)
	if withSecret {
		fmt.Fprintf(&b, "    secret-key = \"%s\"\n", c.Secret)
	}
	return []byte(b.String()), nil
}

// checkMetadata refuses metadata that ZPL cannot hold, so that what Save writes
// Parse reads back the same.
func checkMetadata(name, value string) error {
	if name == "" {
		return errors.New("zcert: an empty metadata name")
	}
	for i := 0; i < len(name); i++ {
		if !isNameByte(name[i]) {
			return fmt.Errorf("zcert: metadata name %q: ZPL names are letters, digits and $-_@.&+/", name)
		}
	}
	if strings.ContainsAny(value, "\r\n") || strings.Contains(value, `"`) && strings.Contains(value, `'`) {
		return fmt.Errorf("zcert: metadata %s: a value holds no line break, and not both kinds of quote", name)
	}
	return nil
}

// writeFile writes data to path with mode perm: to a new file beside it,
// renamed over path at the end, so that a reader never sees half a
// certificate and a secret file is never, even briefly, readable by others.
func writeFile(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm) // CreateTemp made it 0600
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
