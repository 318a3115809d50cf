// Package unixalt is an example third-party transport for zeroplug: ZMTP over
// unix domain sockets, with an address syntax of its own. An endpoint names a
// socket in one directory instead of giving a path:
//
//	unixalt://orders    the socket <dir>/orders.sock
//	unixalt://*         bind only: a fresh name, which Endpoint reports
//
// A name is 1 to 64 letters, digits, '.', '_' or '-', and not "." or "..".
// The directory is Options.Extra["unixalt.dir"], else $ZEROPLUG_UNIXALT_DIR,
// else "zeroplug-unixalt" in the temporary directory; it is made on the first
// bind. Binding over a socket file nobody listens on any more replaces it;
// closing the listener removes the file.
//
// The package is a Driver and nothing else; cmd/zeroplug-transport-unixalt
// serves it as a plugin with sdk.Serve. It imports only zeroplug's sdk, as a
// transport built outside zeroplug's module would.
package unixalt

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"

	"github.com/zeroplug/zeroplug/sdk"
)

// Scheme is the endpoint scheme of this transport.
const Scheme = "unixalt"

// Driver is the unixalt transport. The zero value is ready to use.
type Driver struct{}

var (
	_ sdk.Driver    = Driver{}
	_ sdk.Validator = Driver{}
)

// Schemes returns "unixalt".
func (Driver) Schemes() []string { return []string{Scheme} }

// Version is shown by `zeroplug plugins`.
func (Driver) Version() string { return "v1.0.0" }

// Validate checks an address's syntax, so that Connect reports a bad one at
// once.
func (Driver) Validate(ep sdk.Endpoint, bind bool) error {
	_, err := name(ep, bind)
	return err
}

// Listen binds the socket of the endpoint's name and listens on it.
func (Driver) Listen(ctx context.Context, ep sdk.Endpoint, opts sdk.Options) (sdk.Listener, error) {
	n, err := name(ep, true)
	if err != nil {
		return nil, err
	}
	d := dir(opts)
	if err := os.MkdirAll(d, 0o700); err != nil {
		return nil, err
	}
	if n == "*" {
		var b [6]byte
		rand.Read(b[:])
		n = "auto-" + hex.EncodeToString(b[:])
	}
	path := filepath.Join(d, n+".sock")
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "unix", path)
	if errors.Is(err, syscall.EADDRINUSE) && stale(ctx, path) {
		os.Remove(path)
		ln, err = lc.Listen(ctx, "unix", path)
	}
	if err != nil {
		return nil, err
	}
	return &listener{ln: ln.(*net.UnixListener), ep: sdk.Endpoint{Scheme: Scheme, Address: n}}, nil
}

// Dial connects to the socket of the endpoint's name.
func (Driver) Dial(ctx context.Context, ep sdk.Endpoint, opts sdk.Options) (net.Conn, error) {
	n, err := name(ep, false)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	if opts.ConnectTimeout > 0 {
		d.Timeout = opts.ConnectTimeout
	}
	return d.DialContext(ctx, "unix", filepath.Join(dir(opts), n+".sock"))
}

// name checks the address: a name, or "*" where binding.
func name(ep sdk.Endpoint, bind bool) (string, error) {
	bad := func(reason string) error {
		return &sdk.EndpointError{Endpoint: ep.String(), Err: sdk.ErrBadEndpoint, Reason: reason}
	}
	if ep.Scheme != Scheme {
		return "", &sdk.EndpointError{Endpoint: ep.String(), Err: sdk.ErrUnknownScheme, Known: []string{Scheme}}
	}
	n := ep.Address
	switch {
	case n == "*" && bind:
		return n, nil
	case n == "*":
		return "", bad("connect needs a name, not *")
	case len(n) > 64:
		return "", bad("a name has at most 64 characters")
	case n == "." || n == "..":
		return "", bad("a name cannot be . or ..")
	}
	for _, r := range n {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return "", bad(fmt.Sprintf("a name has letters, digits, '.', '_' and '-' only, not %q", r))
		}
	}
	return n, nil
}

// dir is the directory of the sockets.
func dir(opts sdk.Options) string {
	if d := opts.Extra["unixalt.dir"]; d != "" {
		return d
	}
	if d := os.Getenv("ZEROPLUG_UNIXALT_DIR"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "zeroplug-unixalt")
}

// stale reports whether nobody listens on the socket file at path any more.
func stale(ctx context.Context, path string) bool {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err == nil {
		c.Close()
		return false
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

// listener is a bound name.
type listener struct {
	ln *net.UnixListener
	ep sdk.Endpoint
}

func (l *listener) Accept() (net.Conn, error) { return l.ln.Accept() }

// Close stops listening and removes the socket file.
func (l *listener) Close() error { return l.ln.Close() }

func (l *listener) Endpoint() sdk.Endpoint { return l.ep }

// SyscallConn gives sdk.Serve the listening socket, which it hands to the
// core: the core then accepts in its own process, at native speed, and
// keeps accepting if the plugin dies.
func (l *listener) SyscallConn() (syscall.RawConn, error) { return l.ln.SyscallConn() }
