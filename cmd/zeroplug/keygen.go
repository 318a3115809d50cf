package main

import (
	"fmt"
	"io"

	"github.com/zeroplug/zeroplug/sdk/zmtp/curve"
)

const keygenHelp = `Usage: zeroplug keygen

keygen prints a new CURVE key pair, as libzmq's zmq_curve_keypair makes it (Curve25519,
from crypto/rand), in Z85: 40 characters each, on two lines:

  public=<the public key: give it to the clients, --curve-serverkey>
  secret=<the secret key: the server's --curve-secretkey; keep it to yourself>

A client's key pair is made the same way; its public key is what a server lists with
--allow-curve.

Example:
  zeroplug keygen > server.keys
  zeroplug cat -t PULL -b tcp://*:5555 --curve-server --curve-secretkey "$(sed -n 's/^secret=//p' server.keys)"
  echo hello | zeroplug cat -t PUSH -c tcp://127.0.0.1:5555 --curve-serverkey "$(sed -n 's/^public=//p' server.keys)"
`

func init() { commandHelp["keygen"] = keygenHelp }

// runKeygen is `zeroplug keygen`: see keygenHelp.
func runKeygen(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("keygen")
	positional, err := parseArgs(fs, args)
	if err != nil {
		return parseFailed(err, "keygen", keygenHelp, stdout, stderr)
	}
	if len(positional) > 0 {
		return usageError(stderr, "keygen", "unexpected argument %q", positional[0])
	}
	public, secret, err := curve.GenerateKeyPair(nil)
	if err != nil {
		fmt.Fprintf(stderr, "zeroplug keygen: %v\n", err)
		return exitError
	}
	fmt.Fprintf(stdout, "public=%s\nsecret=%s\n", public, secret)
	return exitOK
}
