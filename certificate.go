package zeroplug

import "github.com/zeroplug/zeroplug/sdk/zcert"

// CURVE certificates as pyzmq's zmq.auth and czmq's zcert keep them: ZPL text
// with the Z85 keys under "curve" and a "metadata" section; NAME.key holds
// the public key, NAME.key_secret both (mode 0600). A CertStore is a
// directory of public certificates that a ZAPPolicy admits clients by
// (ZAPPolicy.CurveKeySets), as pyzmq's configure_curve(location=DIR).

// CertMaxFileSize bounds what LoadCertificate reads: a certificate is a few hundred bytes,
// and a larger file is not one.
const CertMaxFileSize = zcert.MaxFileSize

// The suffixes of the two files of a key pair, as czmq and pyzmq name them.
const (
	// CertPublicSuffix ends the public certificate's file name: NAME.key.
	CertPublicSuffix = zcert.PublicSuffix
	// CertSecretSuffix ends the secret certificate's: NAME.key_secret.
	CertSecretSuffix = zcert.SecretSuffix
)

// CertStore is the set of public certificates in a directory, as czmq's zcertstore:
// a CURVE server lets in the clients whose keys it holds (it implements
// zap.KeySet, for zap.Policy.CurveKeySets). It reads the directory when made
// and again on Reload; it is safe for concurrent use.
type CertStore = zcert.Store

// Certificate is a CURVE key pair, or only its public key, with metadata.
type Certificate = zcert.Certificate

// ErrInvalidCertificate: a certificate is not well-formed ZPL, lacks its public key, has
// a key that is not 40 characters of Z85, or a secret key that is not the
// public key's.
var ErrInvalidCertificate = zcert.ErrInvalid

// LoadCertificate reads the certificate file path (NAME.key or NAME.key_secret).
func LoadCertificate(path string) (*Certificate, error) { return zcert.Load(path) }

// LoadCertificates reads every public certificate of dir: the files named *.key, as
// pyzmq's zmq.auth.load_certificates does (NAME.key_secret files and others
// are left alone). A file that is not a certificate is an error that names it.
func LoadCertificates(dir string) ([]*Certificate, error) { return zcert.LoadDir(dir) }

// NewCertStore reads the public certificates of dir (see LoadDir).
func NewCertStore(dir string) (*CertStore, error) { return zcert.NewStore(dir) }

// NewCertificate returns a certificate with a new key pair from crypto/rand.
func NewCertificate() (*Certificate, error) { return zcert.New() }

// ParseCertificate reads a certificate in ZPL text: "curve" must hold "public-key", and
// may hold "secret-key", each 40 characters of Z85; other sections are
// ignored, as czmq and pyzmq ignore them.
func ParseCertificate(data []byte) (*Certificate, error) { return zcert.Parse(data) }
