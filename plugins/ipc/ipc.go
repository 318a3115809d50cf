// Package ipc implements the IPC transport of zeroplug: libzmq's "ipc://"
// endpoints, carried over unix domain stream sockets.
//
//	ipc:///tmp/feed.sock   an absolute path
//	ipc://feed.sock        a path relative to the working directory
//	ipc://@feed            a name in Linux's abstract namespace (no file)
//	ipc://*                bind only: a fresh socket in a new directory under
//	                       the temporary directory, reported by Endpoint
//
// As in libzmq, binding over a socket file left behind by an earlier run
// replaces it; unlike libzmq, a file that is not a socket is never removed
// (binding fails with EADDRINUSE instead). Closing a listener removes the
// socket file it created, and the directory of "ipc://*", but never a file
// that another listener has put in its place since.
//
// A path must fit in sun_path (107 bytes on Linux, 103 on the BSDs and
// macOS, the last byte holding the terminating zero); a longer one is
// sdk.ErrBadEndpoint, as libzmq's ENAMETOOLONG.
package ipc

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"

	"github.com/zeroplug/zeroplug/sdk"
)

// scheme is the one endpoint scheme this driver serves.
const scheme = "ipc"

// wildcardFile is the socket's name inside the directory made for "ipc://*".
const wildcardFile = "socket"

// Driver is the ipc transport. The zero value is ready to use and safe for
// concurrent use; it holds no state.
type Driver struct{}

var _ sdk.Driver = Driver{}

// Schemes returns "ipc".
func (Driver) Schemes() []string { return []string{scheme} }

// Listen binds a unix domain socket to the endpoint's path (or abstract
// name) and listens on it. "ipc://*" binds to a new path that Endpoint
// reports. Errors wrap sdk.ErrBadEndpoint for a malformed path,
// sdk.ErrNotSupported for an abstract name outside Linux, or the system
// error, within an *sdk.OSError when its errno has a sentinel: a path in
// use is sdk.ErrAddrInUse and syscall.EADDRINUSE.
func (Driver) Listen(ctx context.Context, ep sdk.Endpoint, opts sdk.Options) (sdk.Listener, error) {
	if err := checkScheme(ep); err != nil {
		return nil, err
	}
	path := ep.Address
	var tmpDir string
	if path == "*" {
		// libzmq's create_ipc_wildcard_address: a private directory from
		// mkdtemp under TMPDIR, with the socket inside it.
		dir, err := os.MkdirTemp("", "zeroplug-ipc-")
		if err != nil {
			return nil, fmt.Errorf("ipc: directory for %s: %w", ep, err)
		}
		tmpDir, path = dir, filepath.Join(dir, wildcardFile)
	}
	l, err := listen(ctx, ep, path, opts)
	if err != nil {
		if tmpDir != "" {
			os.Remove(tmpDir)
		}
		return nil, sdk.WrapOSError(err)
	}
	l.tmpDir = tmpDir
	return l, nil
}

func listen(ctx context.Context, ep sdk.Endpoint, path string, opts sdk.Options) (*listener, error) {
	if err := checkPath(ep, path); err != nil {
		return nil, err
	}
	abstract := path[0] == '@'
	if !abstract {
		if err := removeStale(path); err != nil {
			return nil, err
		}
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "unix", path)
	if err != nil {
		return nil, err
	}
	ul := ln.(*net.UnixListener)
	// Go would unlink the path on Close whatever is there by then; Close
	// below removes it only if it is still the file this listener made.
	ul.SetUnlinkOnClose(false)
	l := &listener{ln: ul, ep: sdk.Endpoint{Scheme: scheme, Address: path}, opts: opts}
	if !abstract {
		// The absolute path, so that a later chdir does not make Close
		// remove some other file.
		abs, aerr := filepath.Abs(path)
		fi, serr := os.Lstat(abs)
		if aerr == nil && serr == nil {
			l.file, l.created = abs, fi
		}
	}
	return l, nil
}

// Dial connects to the unix domain socket at the endpoint's path or
// abstract name, within ctx and Options.ConnectTimeout. A socket file
// nobody listens on any more is sdk.ErrConnRefused (and
// syscall.ECONNREFUSED); a path with no socket stays a bare
// syscall.ENOENT, an errno with no sentinel.
func (Driver) Dial(ctx context.Context, ep sdk.Endpoint, opts sdk.Options) (net.Conn, error) {
	if err := (Driver{}).Validate(ep, false); err != nil {
		return nil, err
	}
	var d net.Dialer
	if opts.ConnectTimeout > 0 {
		d.Timeout = opts.ConnectTimeout
	}
	c, err := d.DialContext(ctx, "unix", ep.Address)
	if err != nil {
		return nil, sdk.WrapOSError(err)
	}
	uc := c.(*net.UnixConn)
	if err := tune(uc, opts); err != nil {
		uc.Close()
		return nil, sdk.WrapOSError(err)
	}
	return uc, nil
}

func checkScheme(ep sdk.Endpoint) error {
	if ep.Scheme != scheme {
		return &sdk.EndpointError{Endpoint: ep.String(), Err: sdk.ErrUnknownScheme, Reason: "the ipc driver serves ipc:// only", Known: []string{scheme}}
	}
	return nil
}

// checkPath applies libzmq's ipc_address_t::resolve rules to a path.
func checkPath(ep sdk.Endpoint, path string) error {
	bad := func(format string, args ...any) error {
		return &sdk.EndpointError{Endpoint: ep.String(), Err: sdk.ErrBadEndpoint, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case path == "":
		return bad("empty path")
	case strings.IndexByte(path, 0) >= 0:
		return bad("the path has a zero byte")
	case path == "@":
		return bad("an abstract socket needs a name after @")
	case path[0] == '@' && runtime.GOOS != "linux" && runtime.GOOS != "android":
		return &sdk.EndpointError{Endpoint: ep.String(), Err: sdk.ErrNotSupported, Reason: "abstract socket names exist on Linux only"}
	case len(path) >= sunPathLen:
		// libzmq counts the terminating zero for abstract names too.
		return bad("the path is %d bytes; a unix socket address holds at most %d", len(path), sunPathLen-1)
	}
	return nil
}

// removeStale unlinks a socket file left at path, as libzmq does before
// every bind. libzmq unlinks whatever is there; a file that is not a socket
// is somebody's data, so it is left alone and the bind refused.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		// Nothing there, or nothing we may look at: bind will say.
		return nil
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return &net.OpError{
			Op: "listen", Net: "unix", Addr: &net.UnixAddr{Name: path, Net: "unix"},
			Err: fmt.Errorf("%w (the path exists and is not a socket)", os.NewSyscallError("bind", syscall.EADDRINUSE)),
		}
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// tune sets the socket buffers a connection asks for (ZMQ_SNDBUF,
// ZMQ_RCVBUF). There is no window to scale, so after connecting is soon
// enough.
func tune(c *net.UnixConn, o sdk.Options) error {
	if o.SendBuffer > 0 {
		if err := c.SetWriteBuffer(o.SendBuffer); err != nil {
			return err
		}
	}
	if o.RecvBuffer > 0 {
		if err := c.SetReadBuffer(o.RecvBuffer); err != nil {
			return err
		}
	}
	return nil
}

// listener is a bound ipc endpoint.
type listener struct {
	ln   *net.UnixListener
	ep   sdk.Endpoint
	opts sdk.Options

	file    string      // absolute path of the socket file made; "" for abstract names
	created fs.FileInfo // that file as bind left it
	tmpDir  string      // the directory made for "ipc://*", removed on Close
	once    sync.Once
}

// Accept waits for the next connection. A connection that cannot take its
// buffer sizes is dropped and the listener goes on, as libzmq does with a
// connection reset before it was accepted.
func (l *listener) Accept() (net.Conn, error) {
	for {
		c, err := l.ln.AcceptUnix()
		if err != nil {
			return nil, err
		}
		if err := tune(c, l.opts); err != nil {
			c.Close()
			continue
		}
		return c, nil
	}
}

// Close stops listening, then removes the socket file if it is still the
// one this listener created: another process (or listener) may have bound
// the same path since, replacing the file, and its socket must survive.
// A blocked Accept returns an error wrapping net.ErrClosed.
func (l *listener) Close() error {
	err := l.ln.Close()
	l.once.Do(func() {
		if l.file != "" {
			// Inode numbers are reused at once on some file systems, so
			// the modification time (set when bind made the file) must
			// match as well.
			fi, serr := os.Lstat(l.file)
			if serr == nil && os.SameFile(fi, l.created) && fi.ModTime().Equal(l.created.ModTime()) {
				os.Remove(l.file)
			}
		}
		if l.tmpDir != "" {
			os.Remove(l.tmpDir) // only if empty: never someone else's files
		}
	})
	return err
}

// Endpoint is the path bound: as written, or the one "ipc://*" made.
func (l *listener) Endpoint() sdk.Endpoint { return l.ep }

var _ sdk.Validator = Driver{}

// Validate checks an endpoint's path or name without binding or
// connecting, so that Connect can refuse a malformed one at once.
func (Driver) Validate(ep sdk.Endpoint, bind bool) error {
	if err := checkScheme(ep); err != nil {
		return err
	}
	if ep.Address == "*" {
		if bind {
			return nil
		}
		return &sdk.EndpointError{Endpoint: ep.String(), Err: sdk.ErrBadEndpoint, Reason: "* is for bind only; connect to the path the listener reports"}
	}
	return checkPath(ep, ep.Address)
}
