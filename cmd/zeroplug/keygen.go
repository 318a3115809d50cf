package main

import (
	"fmt"
	"io"
	"os"

	"github.com/zeroplug/zeroplug/sdk/zcert"
)

const keygenHelp = `Usage: zeroplug keygen [--cert PATH]

keygen prints a new CURVE key pair, as libzmq's zmq_curve_keypair makes it (Curve25519,
from crypto/rand), in Z85: 40 characters each, on two lines:

  public=<the public key: give it to the clients, --curve-serverkey>
  secret=<the secret key: the server's --curve-secretkey; keep it to yourself>

A client's key pair is made the same way; its public key is what a server lists with
--allow-curve.

With --cert PATH it writes the pair as certificate files instead, as pyzmq's
zmq.auth.create_certificates and czmq's zcert do: PATH.key, the public certificate (mode
0644: hand it to peers, or put it in a server's --allow-curve directory), and
PATH.key_secret, both keys (mode 0600: give it to --curve-secretkey). It prints only
public=<the public key>, and refuses to replace either file.

Examples:
  zeroplug keygen > server.keys
  zeroplug cat -t PULL -b tcp://*:5555 --curve-server --curve-secretkey "$(sed -n 's/^secret=//p' server.keys)"
  echo hello | zeroplug cat -t PUSH -c tcp://127.0.0.1:5555 --curve-serverkey "$(sed -n 's/^public=//p' server.keys)"

  zeroplug keygen --cert server && mkdir clients && zeroplug keygen --cert clients/alice
  zeroplug cat -t PULL -b tcp://*:5555 --curve-server --curve-secretkey server.key_secret --allow-curve clients
  echo hello | zeroplug cat -t PUSH -c tcp://127.0.0.1:5555 --curve-serverkey server.key --curve-secretkey clients/alice.key_secret
`

func init() { commandHelp["keygen"] = keygenHelp }

// runKeygen is `zeroplug keygen`: see keygenHelp.
func runKeygen(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("keygen")
	certPath := fs.String("cert", "", "")
	positional, err := parseArgs(fs, args)
	if err != nil {
		return parseFailed(err, "keygen", keygenHelp, stdout, stderr)
	}
	if len(positional) > 0 {
		return usageError(stderr, "keygen", "unexpected argument %q", positional[0])
	}
	c, err := zcert.New()
	if err != nil {
		fmt.Fprintf(stderr, "zeroplug keygen: %v\n", err)
		return exitError
	}
	if *certPath == "" {
		fmt.Fprintf(stdout, "public=%s\nsecret=%s\n", c.Public, c.Secret)
		return exitOK
	}
	if err := saveNewCert(c, *certPath); err != nil {
		fmt.Fprintf(stderr, "zeroplug keygen: %v\n", err)
		return exitError
	}
	fmt.Fprintf(stdout, "public=%s\n", c.Public)
	return exitOK
}

// saveNewCert writes c to base.key and base.key_secret, neither of which may exist:
// replacing a key pair in use by mistake would lock its peers out.
func saveNewCert(c *zcert.Certificate, base string) error {
	for _, path := range []string{base + zcert.PublicSuffix, base + zcert.SecretSuffix} {
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("%s exists: not replacing it", path)
		}
	}
	return c.Save(base)
}
