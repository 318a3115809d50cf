package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/zeroplug/zeroplug/core"
	"github.com/zeroplug/zeroplug/sdk/z85"
	"github.com/zeroplug/zeroplug/sdk/zcert"
	"github.com/zeroplug/zeroplug/sdk/zmtp/curve"
	"github.com/zeroplug/zeroplug/sdk/zmtp/zap"
)

// securityHelp documents the security flags of cat and bench.
const securityHelp = `Security (ZMTP 3 mechanisms, over tcp and ipc). A KEY is 40 characters of Z85, as
'zeroplug keygen' and libzmq's zmq_curve_keypair print them, or a certificate file as
'zeroplug keygen --cert', pyzmq's zmq.auth.create_certificates and czmq's zcert write
them: NAME.key holds a public key, NAME.key_secret a key pair. A value that names an
existing file is read as one.
  --curve-server         be a CURVE server (RFC 25, 26: encrypted, the server known by
                         its key); needs --curve-secretkey.
  --curve-secretkey KEY  the socket's CURVE secret key: the server's, or, with
                         --curve-serverkey, the client's own. A NAME.key_secret file
                         gives the public key as well.
  --curve-publickey KEY  the public key of --curve-secretkey (optional: it is derived
                         from the secret key, and must match it).
  --curve-serverkey KEY  be a CURVE client of the server whose public key is KEY (or
                         the server's NAME.key); the client's own key pair is a fresh
                         one unless --curve-secretkey gives it.
  --plain-server         be a PLAIN server (RFC 24: user name and password in clear text,
                         no encryption).
  --plain-user USER      be a PLAIN client with this user name,
  --plain-password PASS  and this password.
  --allow-plain USER:PASSWORD
                         a PLAIN server lets in only the users listed (repeat for several;
                         the password is what follows the first ':'). Without it, any
                         user name and password.
  --allow-curve KEY|DIR  a CURVE server lets in only the clients whose public keys are
                         listed (repeat for several), or whose public certificates
                         (DIR/*.key, as pyzmq's configure_curve(location=DIR) and czmq's
                         zcertstore read them) are in a directory DIR, read at start.
                         Without it, any client that knows the server's public key, as
                         libzmq without a ZAP handler.
  A client that a server refuses gets an ERROR and tries again at each reconnect; both
  sides log the failed handshake on standard error. Quote keys for the shell (Z85 has
  characters such as $ & * < > ?). A secret key given on the command line is visible to
  other users of the machine (ps); a NAME.key_secret file is not, and works wherever a
  secret key is asked for.
`

// securityFlags are the security flags of a command line.
type securityFlags struct {
	curveServer    bool
	curveSecret    string
	curvePublic    string
	curveServerKey string
	plainServer    bool
	plainUser      string
	plainPassword  string
	allowPlain     listFlag
	allowCurve     listFlag

	set map[string]bool // the flags given, by name, filled by visit
}

// securityFlagNames lists the flags that register adds.
var securityFlagNames = []string{"curve-server", "curve-secretkey", "curve-publickey", "curve-serverkey",
	"plain-server", "plain-user", "plain-password", "allow-plain", "allow-curve"}

// register adds the security flags to fs.
func (f *securityFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&f.curveServer, "curve-server", false, "")
	fs.StringVar(&f.curveSecret, "curve-secretkey", "", "")
	fs.StringVar(&f.curvePublic, "curve-publickey", "", "")
	fs.StringVar(&f.curveServerKey, "curve-serverkey", "", "")
	fs.BoolVar(&f.plainServer, "plain-server", false, "")
	fs.StringVar(&f.plainUser, "plain-user", "", "")
	fs.StringVar(&f.plainPassword, "plain-password", "", "")
	fs.Var(&f.allowPlain, "allow-plain", "")
	fs.Var(&f.allowCurve, "allow-curve", "")
}

// visit records which security flags fs was given; call it after parsing.
func (f *securityFlags) visit(fs *flag.FlagSet) {
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
}

// given lists the security flags given, in securityFlagNames's order, with their
// dashes ("--curve-server").
func (f *securityFlags) given() []string {
	var names []string
	for _, n := range securityFlagNames {
		if f.set[n] {
			names = append(names, "--"+n)
		}
	}
	return names
}

// security is what a socket's security flags amount to.
type security struct {
	opts []core.Option // the socket's mechanism options; none for NULL
	// policy decides which clients a server lets in: it is the context's
	// authenticator. nil for a client or a NULL socket.
	policy *zap.Policy
}

// contextOptions are the options of the context of a socket with this security.
func (s security) contextOptions() []core.ContextOption {
	if s.policy == nil {
		return nil
	}
	// A server always has an authenticator, even one that lets everybody in: PLAIN,
	// like libzmq 4.3, refuses every client when there is none.
	return []core.ContextOption{core.WithAuthenticator(s.policy)}
}

// build checks the security flags and turns them into a socket's options. The error
// is a usage error.
func (f *securityFlags) build() (security, error) {
	var sec security
	curveClient := f.set["curve-serverkey"]
	plainClient := f.set["plain-user"] || f.set["plain-password"]
	curveAny := f.curveServer || curveClient || f.set["curve-secretkey"] || f.set["curve-publickey"] || len(f.allowCurve) > 0
	plainAny := f.plainServer || plainClient || len(f.allowPlain) > 0
	switch {
	case curveAny && plainAny:
		return sec, fmt.Errorf("CURVE and PLAIN flags together: a socket has one mechanism")
	case f.curveServer && curveClient:
		return sec, fmt.Errorf("--curve-server and --curve-serverkey together: a socket is a CURVE server or a client, not both")
	case f.plainServer && plainClient:
		return sec, fmt.Errorf("--plain-server and --plain-user/--plain-password together: a socket is a PLAIN server or a client, not both")
	case f.curveServer && !f.set["curve-secretkey"]:
		return sec, fmt.Errorf("--curve-server needs the server's secret key, --curve-secretkey KEY (zeroplug keygen makes a pair)")
	case f.set["curve-secretkey"] && !f.curveServer && !curveClient:
		return sec, fmt.Errorf("--curve-secretkey needs --curve-server (the server's key) or --curve-serverkey (a client's own)")
	case f.set["curve-publickey"] && !f.set["curve-secretkey"]:
		return sec, fmt.Errorf("--curve-publickey needs its secret key, --curve-secretkey")
	case plainClient && !f.set["plain-user"]:
		return sec, fmt.Errorf("--plain-password needs --plain-user")
	case len(f.allowCurve) > 0 && !f.curveServer:
		return sec, fmt.Errorf("--allow-curve is for a CURVE server (--curve-server)")
	case len(f.allowPlain) > 0 && !f.plainServer:
		return sec, fmt.Errorf("--allow-plain is for a PLAIN server (--plain-server)")
	case len(f.plainUser) > 255 || len(f.plainPassword) > 255:
		return sec, fmt.Errorf("--plain-user and --plain-password are at most 255 bytes each")
	}

	switch {
	case curveAny:
		var secret curve.Key
		var pairPublic *curve.Key // the public key of a NAME.key_secret file
		if f.set["curve-secretkey"] {
			k, pub, err := parseSecretKey("--curve-secretkey", f.curveSecret)
			if err != nil {
				return sec, err
			}
			secret, pairPublic = k, pub
			sec.opts = append(sec.opts, core.CurveSecretKey(k.String()))
		}
		if f.set["curve-publickey"] {
			k, err := parsePublicKey("--curve-publickey", f.curvePublic)
			if err != nil {
				return sec, err
			}
			if k != curve.PublicFromSecret(secret) {
				return sec, fmt.Errorf("--curve-publickey is not the public key of --curve-secretkey")
			}
			sec.opts = append(sec.opts, core.CurvePublicKey(k.String()))
		} else if pairPublic != nil {
			sec.opts = append(sec.opts, core.CurvePublicKey(pairPublic.String()))
		}
		if curveClient {
			k, err := parsePublicKey("--curve-serverkey", f.curveServerKey)
			if err != nil {
				return sec, err
			}
			sec.opts = append(sec.opts, core.CurveServerKey(k.String()))
			return sec, nil
		}
		sec.opts = append(sec.opts, core.CurveServer(true))
		sec.policy = &zap.Policy{}
		for _, s := range f.allowCurve {
			if fi, err := os.Stat(s); err == nil && fi.IsDir() {
				store, err := zcert.NewStore(s)
				if err != nil {
					return sec, fmt.Errorf("--allow-curve %s: %v", s, err)
				}
				sec.policy.CurveKeySets = append(sec.policy.CurveKeySets, store)
				continue
			}
			k, err := parsePublicKey("--allow-curve", s)
			if err != nil {
				return sec, err
			}
			sec.policy.CurveKeys = append(sec.policy.CurveKeys, [32]byte(k))
		}
	case f.plainServer:
		sec.opts = append(sec.opts, core.PlainServer(true))
		sec.policy = &zap.Policy{}
		for _, s := range f.allowPlain {
			user, password, ok := strings.Cut(s, ":")
			if !ok {
				return sec, fmt.Errorf("--allow-plain %q: want USER:PASSWORD", s)
			}
			if sec.policy.Users == nil {
				sec.policy.Users = map[string]string{}
			}
			if _, dup := sec.policy.Users[user]; dup {
				return sec, fmt.Errorf("--allow-plain: user %q is listed twice", user)
			}
			sec.policy.Users[user] = password
		}
	case plainClient:
		sec.opts = append(sec.opts, core.PlainUsername(f.plainUser), core.PlainPassword(f.plainPassword))
	}
	return sec, nil
}

// isFile reports whether s names an existing file other than a directory: a key
// flag's value is then a certificate file, not a key. (A Z85 key is never the name of
// a file by accident in practice: it has characters such as < > & ?.)
func isFile(s string) bool {
	fi, err := os.Stat(s)
	return err == nil && !fi.IsDir()
}

// parsePublicKey reads a public key given to flag name: a key, or the public key of
// a certificate file (NAME.key, or NAME.key_secret, which holds it too).
func parsePublicKey(name, s string) (curve.Key, error) {
	if !isFile(s) {
		return parseKey(name, s)
	}
	c, err := zcert.Load(s)
	if err != nil {
		return curve.Key{}, fmt.Errorf("%s: %v", name, err)
	}
	return c.Public, nil
}

// parseSecretKey reads a secret key given to flag name: a key, or a secret
// certificate file (NAME.key_secret), which gives its public key too (public is nil
// for a bare key).
func parseSecretKey(name, s string) (secret curve.Key, public *curve.Key, err error) {
	if !isFile(s) {
		secret, err = parseKey(name, s)
		return secret, nil, err
	}
	c, err := zcert.Load(s)
	if err != nil {
		return secret, nil, fmt.Errorf("%s: %v", name, err)
	}
	if !c.HasSecret() {
		return secret, nil, fmt.Errorf("%s: %s holds no secret key (a public certificate; the pair is in NAME%s)",
			name, s, zcert.SecretSuffix)
	}
	return c.Secret, &c.Public, nil
}

// parseKey reads a CURVE key given to flag name as 40 characters of Z85. (The core also
// takes 32 raw bytes, as libzmq does; a command line has no use for them.)
func parseKey(name, s string) (curve.Key, error) {
	var k curve.Key
	if n := z85.EncodedLen(curve.KeySize); len(s) != n {
		return k, fmt.Errorf("%s: want a CURVE key as %d characters of Z85 (zeroplug keygen prints them) or a certificate file, "+
			"got %d characters and no such file", name, n, len(s))
	}
	b, err := z85.Decode(s)
	if err != nil {
		return k, fmt.Errorf("%s: not a Z85 key: %v", name, err)
	}
	copy(k[:], b)
	return k, nil
}
