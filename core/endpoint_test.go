package core

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/sdk"
)

// Endpoints: libzmq's syntax and errors for Bind, Connect, Unbind and
// Disconnect.

// TestEndpointUnknownScheme: an endpoint whose scheme no driver serves is
// sdk.ErrUnknownScheme, and the error lists the schemes there are.
func TestEndpointUnknownScheme(t *testing.T) {
	e := newEnv(t)
	s := e.socket(PUSH)
	for name, op := range map[string]func(string) error{"Bind": s.Bind, "Connect": s.Connect} {
		err := op("foo://somewhere:5555")
		if !errors.Is(err, sdk.ErrUnknownScheme) {
			t.Fatalf("%s: %v, want ErrUnknownScheme", name, err)
		}
		for _, known := range []string{"inproc", "ipc", "tcp"} {
			if !strings.Contains(err.Error(), known) {
				t.Fatalf("%s: %q does not list %s among the known schemes", name, err, known)
			}
		}
	}
}

// TestEndpointMalformed: a malformed endpoint is sdk.ErrBadEndpoint, from
// Bind and from Connect (at once, as libzmq's zmq_connect, not in every
// reconnect attempt).
func TestEndpointMalformed(t *testing.T) {
	for _, tc := range []struct {
		endpoint      string
		bind, connect bool // which of them must refuse it
	}{
		{"tcp:/127.0.0.1:5555", true, true},   // no "://"
		{"://127.0.0.1:5555", true, true},     // no scheme
		{"tcp://", true, true},                // no address
		{"inproc://", true, true},             // no name
		{"tcp://127.0.0.1", true, true},       // no port
		{"tcp://127.0.0.1:", true, true},      // empty port
		{"tcp://127.0.0.1:99999", true, true}, // port out of range
		{"tcp://127.0.0.1:http", true, true},  // port not a number
		{"tcp://[::1:5555", true, true},       // unbalanced bracket
		{"tcp://*:5555", false, true},         // connect needs a host
		{"tcp://127.0.0.1:*", false, true},    // and a port
		{"ipc://*", false, true},              // bind only
	} {
		t.Run(tc.endpoint, func(t *testing.T) {
			e := newEnv(t)
			s := e.socket(PULL)
			if tc.bind {
				if err := s.Bind(tc.endpoint); !errors.Is(err, sdk.ErrBadEndpoint) {
					t.Errorf("Bind: %v, want ErrBadEndpoint", err)
				}
			}
			if tc.connect {
				if err := s.Connect(tc.endpoint); !errors.Is(err, sdk.ErrBadEndpoint) {
					t.Errorf("Connect: %v, want ErrBadEndpoint", err)
				}
			}
		})
	}
}

// TestEndpointInprocConnectBeforeBind: an inproc connect may come before
// the bind; messages sent meanwhile are delivered once it comes.
func TestEndpointInprocConnectBeforeBind(t *testing.T) {
	e := newEnv(t)
	push := e.connected(PUSH, []string{"inproc://later"})
	mustSend(t, push, "early")
	pull := e.bound(PULL, "inproc://later")
	if got := mustRecvString(t, pull); got[0] != "early" {
		t.Fatalf("got %q", got)
	}
	mustSend(t, push, "late")
	if got := mustRecvString(t, pull); got[0] != "late" {
		t.Fatalf("got %q", got)
	}
}

// TestEndpointInprocBindTwice: an inproc name is bound once per context
// (ErrAddrInUse), by any socket, until it is unbound.
func TestEndpointInprocBindTwice(t *testing.T) {
	e := newEnv(t)
	first := e.bound(PULL, "inproc://once")
	for _, s := range []*Socket{first, e.socket(PULL)} {
		if err := s.Bind("inproc://once"); !errors.Is(err, ErrAddrInUse) {
			t.Fatalf("second Bind: %v, want ErrAddrInUse", err)
		}
	}
	if err := first.Unbind("inproc://once"); err != nil {
		t.Fatal(err)
	}
	e.bound(PULL, "inproc://once")
	// Another context has its own names.
	e2 := newEnv(t)
	e2.bound(PULL, "inproc://once")
}

// TestEndpointUnbind: Unbind stops listening (by the endpoint as given or
// as resolved) and closes the connections accepted there; an endpoint not
// bound is ErrNotBound.
func TestEndpointUnbind(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		for _, by := range []string{"given", "resolved"} {
			t.Run(by, func(t *testing.T) {
				e := newEnv(t)
				pull := e.socket(PULL)
				given := tr.endpoint()
				if err := pull.Bind(given); err != nil {
					t.Fatal(err)
				}
				resolved := pull.LastEndpoint()
				mon := pull.Monitor(EventDisconnected | EventClosed)
				push := e.connected(PUSH, []string{resolved})
				mustSend(t, push, "before")
				mustRecv(t, pull)

				ep := given
				if by == "resolved" {
					ep = resolved
				}
				if err := pull.Unbind(ep); err != nil {
					t.Fatalf("Unbind(%s): %v", ep, err)
				}
				if tr.stream() {
					waitEvents(t, mon, EventClosed, EventDisconnected)
				}
				// The name is free again; a new connect does not reach the
				// socket that let it go.
				late := e.connected(PUSH, []string{resolved})
				late.TrySend([]byte("after"))
				expectNothing(t, pull, 50*time.Millisecond)
				for _, ep := range []string{given, resolved, "tcp://127.0.0.1:1"} {
					if err := pull.Unbind(ep); !errors.Is(err, ErrNotBound) {
						t.Fatalf("Unbind(%s) again: %v, want ErrNotBound", ep, err)
					}
				}
			})
		}
	})
}

// TestEndpointDisconnect: Disconnect ends a connect: its connection closes
// and nothing more goes to that peer; an endpoint not connected is
// ErrNotBound.
func TestEndpointDisconnect(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		a := e.bound(PULL, tr.endpoint())
		b := e.bound(PULL, tr.endpoint())
		mon := a.Monitor(EventDisconnected)
		push := e.socket(PUSH)
		pmon := push.Monitor(EventHandshakeSucceeded)
		for _, s := range []*Socket{a, b} {
			if err := push.Connect(s.LastEndpoint()); err != nil {
				t.Fatal(err)
			}
		}
		if tr.stream() {
			waitEvent(t, pmon, EventHandshakeSucceeded)
			waitEvent(t, pmon, EventHandshakeSucceeded)
		}
		eventually(t, func() bool { return numPipes(push) == 2 }, "two peers")
		if err := push.Disconnect(a.LastEndpoint()); err != nil {
			t.Fatal(err)
		}
		// Nothing sent after Disconnect returns goes to that peer (or is
		// lost on its way out).
		for i := 0; i < 10; i++ {
			mustSend(t, push, fmt.Sprint(i))
		}
		if tr.stream() {
			waitEvent(t, mon, EventDisconnected)
		}
		for i := 0; i < 10; i++ {
			if got := mustRecvString(t, b); got[0] != fmt.Sprint(i) {
				t.Fatalf("remaining peer got %q", got)
			}
		}
		expectNothing(t, a, 50*time.Millisecond)
		for _, ep := range []string{a.LastEndpoint(), "tcp://127.0.0.1:1", "inproc://never"} {
			if err := push.Disconnect(ep); !errors.Is(err, ErrNotBound) {
				t.Fatalf("Disconnect(%s): %v, want ErrNotBound", ep, err)
			}
		}
	})
}

// TestEndpointInterface: "tcp://lo:*" binds the loopback interface's
// address, as libzmq names interfaces.
func TestEndpointInterface(t *testing.T) {
	if _, err := net.InterfaceByName("lo"); err != nil {
		t.Skip("no interface named lo")
	}
	e := newEnv(t)
	pull := e.bound(PULL, "tcp://lo:*")
	if ep := pull.LastEndpoint(); !strings.HasPrefix(ep, "tcp://127.0.0.1:") {
		t.Fatalf("tcp://lo:* bound %q, want the loopback address", ep)
	}
	push := e.connected(PUSH, []string{pull.LastEndpoint()})
	mustSend(t, push, "via lo")
	mustRecv(t, pull)
	// A name that is neither an interface nor an address is not looked
	// up in DNS for a bind.
	if err := e.socket(PULL).Bind("tcp://no-such-interface0:*"); !errors.Is(err, sdk.ErrNoSuchDevice) {
		t.Fatalf("Bind on an unknown interface: %v, want ErrNoSuchDevice", err)
	}
}

// TestEndpointConnectQueuesAtOnce: unless IMMEDIATE, a Connect's queue
// exists when Connect returns, as in libzmq: a non-blocking send right
// after it is queued for the peer to come.
func TestEndpointConnectQueuesAtOnce(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		ep := tr.endpoint()
		if tr.name == "tcp" {
			ep = deadTCPEndpoint(t)
		}
		push := e.connected(PUSH, []string{ep})
		if err := push.TrySend([]byte("queued")); err != nil {
			t.Fatalf("TrySend right after Connect: %v, want it queued", err)
		}
		pull := e.bound(PULL, ep)
		if got := mustRecvString(t, pull); got[0] != "queued" {
			t.Fatalf("got %q", got)
		}
	})
}
