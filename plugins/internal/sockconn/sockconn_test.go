package sockconn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/zeroplug/zeroplug/sdk"
	"github.com/zeroplug/zeroplug/sdk/transporttest"
)

// unixFamily is AF_UNIX through this package, which runs on any machine:
// the kit checks here, on the host, the connection and listener semantics
// that vsock and tipc rely on.
var unixFamily = Family{
	Domain: unix.AF_UNIX,
	Name:   "unix",
	Addr: func(sa unix.Sockaddr) net.Addr {
		if u, ok := sa.(*unix.SockaddrUnix); ok {
			return &net.UnixAddr{Net: "unix", Name: u.Name}
		}
		return nil
	},
}

// driver serves "sockunix://name", a socket in dir.
type driver struct{ dir string }

func (driver) Schemes() []string { return []string{"sockunix"} }

func (d driver) path(ep sdk.Endpoint) (string, error) {
	if strings.ContainsAny(ep.Address, "/*") {
		return "", &sdk.EndpointError{Endpoint: ep.String(), Err: sdk.ErrBadEndpoint, Reason: "a name"}
	}
	return filepath.Join(d.dir, ep.Address), nil
}

func (d driver) Listen(ctx context.Context, ep sdk.Endpoint, opts sdk.Options) (sdk.Listener, error) {
	p, err := d.path(ep)
	if err != nil {
		return nil, err
	}
	l, err := unixFamily.Listen(&unix.SockaddrUnix{Name: p}, 128, nil)
	if err != nil {
		return nil, err
	}
	return &listener{Listener: l, ep: ep, path: p}, nil
}

func (d driver) Dial(ctx context.Context, ep sdk.Endpoint, opts sdk.Options) (net.Conn, error) {
	p, err := d.path(ep)
	if err != nil {
		return nil, err
	}
	return unixFamily.Dial(ctx, &unix.SockaddrUnix{Name: p}, nil)
}

type listener struct {
	*Listener
	ep   sdk.Endpoint
	path string
}

func (l *listener) Endpoint() sdk.Endpoint { return l.ep }

func (l *listener) Close() error {
	err := l.Listener.Close()
	unix.Unlink(l.path)
	return err
}

func TestConformance(t *testing.T) {
	var n atomic.Int64
	d := driver{dir: t.TempDir()}
	transporttest.Run(t, d, transporttest.Config{
		Endpoint:     func(testing.TB) string { return fmt.Sprintf("sockunix://s%d", n.Add(1)) },
		BadEndpoints: []string{"sockunix://a/b"},
	})
}

func TestAddresses(t *testing.T) {
	d := driver{dir: t.TempDir()}
	ep := sdk.Endpoint{Scheme: "sockunix", Address: "addr"}
	l, err := d.Listen(context.Background(), ep, sdk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if got := l.(*listener).Addr().String(); got != filepath.Join(d.dir, "addr") {
		t.Errorf("Addr() = %s", got)
	}
	go func() {
		if c, err := l.Accept(); err == nil {
			c.Close()
		}
	}()
	c, err := d.Dial(context.Background(), ep, sdk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.RemoteAddr() == nil || c.RemoteAddr().Network() != "unix" || c.LocalAddr() == nil {
		t.Errorf("addresses %v %v", c.LocalAddr(), c.RemoteAddr())
	}
	if _, err := c.(*Conn).SyscallConn(); err != nil {
		t.Errorf("SyscallConn: %v", err)
	}
	// A dial to a socket nobody listens on is a *net.OpError with the errno.
	_, err = d.Dial(context.Background(), sdk.Endpoint{Scheme: "sockunix", Address: "nobody"}, sdk.Options{})
	var oe *net.OpError
	if !errors.As(err, &oe) || oe.Op != "dial" || oe.Net != "unix" {
		t.Errorf("Dial to nobody = %#v", err)
	}
}
