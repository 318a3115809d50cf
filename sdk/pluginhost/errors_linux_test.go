package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/zeroplug/zeroplug/sdk"
	"github.com/zeroplug/zeroplug/sdk/examples/unixalt"
)

// A system error in a plugin process is, in the host, the sentinel of its
// errno as well as the errno: the host rebuilds sdk.ErrAddrInUse from the
// EADDRINUSE the plugin sent, as a linked-in driver's error has both.
func TestPluginOSErrorsHaveTheirSentinel(t *testing.T) {
	bin := buildUnixalt(t, t.TempDir())
	sockets := t.TempDir()
	t.Setenv("ZEROPLUG_UNIXALT_DIR", sockets)
	h := New(Config{TempDir: t.TempDir()})
	defer h.Close()
	p, err := h.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if p.Pid() == 0 {
		t.Fatal("the plugin runs in no process of its own")
	}

	ep := sdk.Endpoint{Scheme: "unixalt", Address: "taken"}
	l, err := p.Listen(ctx, ep, sdk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, err = p.Listen(ctx, ep, sdk.Options{})
	if !errors.Is(err, sdk.ErrAddrInUse) || !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("second Listen(%s) = %v; want sdk.ErrAddrInUse and syscall.EADDRINUSE", ep, err)
	}
	if err != nil && !strings.Contains(err.Error(), "address already in use") {
		t.Errorf("second Listen(%s): %q has lost the plugin's text", ep, err)
	}

	// A socket file with nobody behind it refuses the connection.
	stale, err := net.ListenUnix("unix", &net.UnixAddr{Name: filepath.Join(sockets, "stale.sock"), Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	stale.SetUnlinkOnClose(false)
	stale.Close()
	_, err = p.Dial(ctx, sdk.Endpoint{Scheme: "unixalt", Address: "stale"}, sdk.Options{})
	if !errors.Is(err, sdk.ErrConnRefused) || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("Dial(unixalt://stale) = %v; want sdk.ErrConnRefused and syscall.ECONNREFUSED", err)
	}
	if errors.Is(err, sdk.ErrAddrInUse) {
		t.Errorf("Dial(unixalt://stale) = %v, which is ErrAddrInUse too", err)
	}

	// An errno without a sentinel stays that errno alone.
	_, err = p.Dial(ctx, sdk.Endpoint{Scheme: "unixalt", Address: "nobody"}, sdk.Options{})
	if !errors.Is(err, syscall.ENOENT) || errors.Is(err, sdk.ErrConnRefused) {
		t.Errorf("Dial(unixalt://nobody) = %v; want syscall.ENOENT only", err)
	}
}

// refusing is a driver whose dial fails with a bare sentinel, as a
// transport in user space would say "refused" with no system call behind
// it.
type refusing struct{ unixalt.Driver }

func (refusing) Dial(context.Context, sdk.Endpoint, sdk.Options) (net.Conn, error) {
	return nil, fmt.Errorf("the peer said no: %w", sdk.ErrHostUnreachable)
}

// A sentinel with no errno behind it crosses the process boundary as its
// errno, and comes back as the sentinel.
func TestPluginSentinelWithoutErrno(t *testing.T) {
	t.Setenv("ZEROPLUG_UNIXALT_DIR", t.TempDir())
	h := New(Config{})
	defer h.Close()
	p := h.InProcess(refusing{})
	_, err := p.Dial(context.Background(), sdk.Endpoint{Scheme: "unixalt", Address: "x"}, sdk.Options{})
	if !errors.Is(err, sdk.ErrHostUnreachable) || err.Error() != "the peer said no: "+sdk.ErrHostUnreachable.Error() {
		t.Errorf("Dial = %v; want the plugin's sdk.ErrHostUnreachable", err)
	}
}
