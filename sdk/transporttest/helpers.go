package transporttest

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/sdk"
)

// Helpers for a transport's own tests, beside Run: the steps every driver
// test repeats.

// DefaultTimeout bounds each step of the helpers that should succeed.
const DefaultTimeout = 10 * time.Second

// DialAccept dials ep with d while l accepts, and returns both ends, which
// are closed when the test ends. A dial or an accept that fails, or an
// accept that does not come within timeout of the dial, fails the test.
func DialAccept(t testing.TB, d sdk.Driver, l sdk.Listener, ep sdk.Endpoint, opts sdk.Options, timeout time.Duration) (client, server net.Conn) {
	t.Helper()
	type result struct {
		c   net.Conn
		err error
	}
	accepted := make(chan result, 1)
	go func() {
		c, err := l.Accept()
		accepted <- result{c, err}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	client, err := d.Dial(ctx, ep, opts)
	if err != nil {
		// Unblock the Accept above so that it does not outlive the test.
		l.Close()
		<-accepted
		t.Fatalf("Dial(%q): %v", ep, err)
	}
	t.Cleanup(func() { client.Close() })
	select {
	case r := <-accepted:
		if r.err != nil {
			t.Fatalf("Accept on %q: %v", ep, r.err)
		}
		t.Cleanup(func() { r.c.Close() })
		return client, r.c
	case <-time.After(timeout):
		l.Close()
		if r := <-accepted; r.c != nil {
			r.c.Close()
		}
		t.Fatalf("Accept on %q: nothing within %v of a successful Dial", ep, timeout)
		return nil, nil
	}
}

// RoundTrip writes a few bytes on client and reads them on server, within
// DefaultTimeout.
func RoundTrip(t testing.TB, client, server net.Conn) {
	t.Helper()
	client.SetDeadline(time.Now().Add(DefaultTimeout))
	server.SetDeadline(time.Now().Add(DefaultTimeout))
	if _, err := client.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(server, buf); err != nil || string(buf) != "hello" {
		t.Fatalf("read %q, %v", buf, err)
	}
}

// CheckEndpointError fails the test unless err wraps want (one of sdk's
// errors) inside an *sdk.EndpointError, as the contract asks of address
// errors.
func CheckEndpointError(t testing.TB, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v; want one wrapping %v", err, want)
	}
	var ee *sdk.EndpointError
	if !errors.As(err, &ee) {
		t.Errorf("error %v (%T) is not an *sdk.EndpointError", err, err)
	}
}
