package core

import (
	"context"
	"errors"
	"testing"
)

// TestMsgPropertyRoutingID: "Routing-Id", libzmq 4.3's documented name, and
// "Identity", the older one, both give the routing id the peer announced,
// in any case; a peer that announces none (PUB) has neither.
func TestMsgPropertyRoutingID(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		router := e.bound(ROUTER, tr.endpoint())
		dealer := e.connected(DEALER, []string{router.LastEndpoint()}, RoutingID([]byte("alice")))
		mustSend(t, dealer, "hello")
		m, err := router.RecvMsg(t.Context(), false)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"Routing-Id", "routing-id", "ROUTING-ID", "Identity", "identity"} {
			if got, ok := m.Property(name); !ok || got != "alice" {
				t.Errorf("Property(%q) = %q, %v; want alice", name, got, ok)
			}
		}

		sub := e.bound(SUB, tr.endpoint(), Subscribe(""))
		pub := e.connected(PUB, []string{sub.LastEndpoint()})
		eventually(t, func() bool {
			pub.TrySend([]byte("news"))
			return readable(sub)
		}, "the SUB to hear the PUB")
		m, err = sub.RecvMsg(t.Context(), false)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := m.Property("Routing-Id"); ok {
			t.Errorf("Property(Routing-Id) of a PUB = %q; want none", got)
		}
	})
}

// TestRecvString: RecvString gives every frame as a string; its context
// variant gives up with the context's error.
func TestRecvString(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		pull := e.bound(PULL, tr.endpoint())
		push := e.connected(PUSH, []string{pull.LastEndpoint()})
		mustSend(t, push, "one", "", "three")
		got, err := pull.RecvString()
		if err != nil || !equalStrings(got, []string{"one", "", "three"}) {
			t.Fatalf("RecvString: %q, %v", got, err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if got, err := pull.RecvStringContext(ctx); !errors.Is(err, context.Canceled) || got != nil {
			t.Fatalf("RecvStringContext(cancelled): %q, %v; want the context's error", got, err)
		}
	})
}

// TestRecvFramesAreTheCallers: what Recv returns is the caller's to change
// and grow: doing so alters no message received after it.
func TestRecvFramesAreTheCallers(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		pull := e.bound(PULL, tr.endpoint())
		push := e.connected(PUSH, []string{pull.LastEndpoint()})
		mustSend(t, push, "first", "frame")
		mustSend(t, push, "second")
		first := mustRecv(t, pull)
		for _, f := range first {
			for i := range f {
				f[i] = 'x'
			}
		}
		first[0] = append(first[0], "grown past its end"...)
		if got := strs(mustRecv(t, pull)); !equalStrings(got, []string{"second"}) {
			t.Fatalf("the next message after changing the first: %q", got)
		}
	})
}
