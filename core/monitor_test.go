package core

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// Monitor events (libzmq's zmq_socket_monitor), each where libzmq raises
// it.

// TestMonitorConnectionLifecycle: LISTENING on Bind, CONNECTED on the
// connecting side, ACCEPTED on the binding side, HANDSHAKE_SUCCEEDED on
// both, DISCONNECTED when the peer goes, CLOSED for the listener at Close,
// and last MONITOR_STOPPED, after which the channel is closed.
func TestMonitorConnectionLifecycle(t *testing.T) {
	eachStreamTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		server := e.socket(PULL)
		smon := server.Monitor(EventAll)
		if err := server.Bind(tr.endpoint()); err != nil {
			t.Fatal(err)
		}
		ep := server.LastEndpoint()
		if ev := waitEvent(t, smon, EventListening); ev.Endpoint != ep {
			t.Fatalf("LISTENING for %q, want the resolved %q", ev.Endpoint, ep)
		}

		client := e.socket(PUSH)
		cmon := client.Monitor(EventAll)
		if err := client.Connect(ep); err != nil {
			t.Fatal(err)
		}
		if ev := waitEvent(t, cmon, EventConnected); ev.Endpoint != ep {
			t.Fatalf("CONNECTED for %q, want %q", ev.Endpoint, ep)
		}
		waitEvent(t, cmon, EventHandshakeSucceeded)
		if ev := waitEvent(t, smon, EventAccepted); ev.Endpoint != ep {
			t.Fatalf("ACCEPTED for %q, want %q", ev.Endpoint, ep)
		}
		waitEvent(t, smon, EventHandshakeSucceeded)
		mustSend(t, client, "hi")
		mustRecv(t, server)

		client.Close()
		if ev := waitEvent(t, smon, EventDisconnected); ev.Err != nil {
			t.Fatalf("DISCONNECTED after a clean close carries %v", ev.Err)
		}
		expectStopped(t, cmon)

		server.Close()
		if ev := waitEvent(t, smon, EventClosed); ev.Endpoint != ep {
			t.Fatalf("CLOSED for %q, want %q", ev.Endpoint, ep)
		}
		expectStopped(t, smon)
	})
}

// expectStopped reads the rest of a monitor: MONITOR_STOPPED, then the
// channel closes.
func expectStopped(t *testing.T, ch <-chan Event) {
	t.Helper()
	waitEvent(t, ch, EventMonitorStopped)
	select {
	case ev, ok := <-ch:
		if ok {
			t.Fatalf("event %v after MONITOR_STOPPED", ev)
		}
	case <-time.After(patience):
		t.Fatal("monitor channel not closed after MONITOR_STOPPED")
	}
}

// TestMonitorConnectRetries: CONNECT_DELAYED when a connect cannot be made
// at once (with the reason), CONNECT_RETRIED with the pause before each
// new attempt, then CONNECTED once the peer is there.
func TestMonitorConnectRetries(t *testing.T) {
	eachStreamTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		ep := tr.endpoint()
		if tr.name == "tcp" {
			ep = deadTCPEndpoint(t)
		}
		client := e.socket(PUSH)
		mon := client.Monitor(EventAll)
		if err := client.Connect(ep); err != nil {
			t.Fatal(err)
		}
		if ev := waitEvent(t, mon, EventConnectDelayed); ev.Err == nil || ev.Endpoint != ep {
			t.Fatalf("CONNECT_DELAYED %v: want the endpoint and a reason", ev)
		}
		for i := 0; i < 3; i++ {
			if ev := waitEvent(t, mon, EventConnectRetried); ev.Interval <= 0 {
				t.Fatalf("CONNECT_RETRIED with interval %v", ev.Interval)
			}
		}
		e.bound(PULL, ep)
		waitEvent(t, mon, EventConnected)
		waitEvent(t, mon, EventHandshakeSucceeded)
	})
}

// TestMonitorBindFailed: BIND_FAILED, with the error Bind returns, when
// the address is taken.
func TestMonitorBindFailed(t *testing.T) {
	e := newEnv(t)
	first := e.bound(PULL, "tcp://127.0.0.1:*")
	second := e.socket(PULL)
	mon := second.Monitor(EventAll)
	err := second.Bind(first.LastEndpoint())
	if err == nil {
		t.Fatal("binding a taken port succeeded")
	}
	ev := waitEvent(t, mon, EventBindFailed)
	if ev.Endpoint != first.LastEndpoint() || ev.Err == nil || ev.Err.Error() != err.Error() {
		t.Fatalf("BIND_FAILED %v, want %q and %v", ev, first.LastEndpoint(), err)
	}
	var op *net.OpError
	if !errors.As(err, &op) {
		t.Fatalf("Bind error %T %v: want the system's", err, err)
	}
}

// TestMonitorInproc: inproc has no connection to speak of, but LISTENING
// and ACCEPTED come as in libzmq.
func TestMonitorInproc(t *testing.T) {
	e := newEnv(t)
	server := e.socket(PULL)
	mon := server.Monitor(EventAll)
	if err := server.Bind("inproc://monitor"); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, mon, EventListening)
	e.connected(PUSH, []string{"inproc://monitor"})
	waitEvent(t, mon, EventAccepted)
	server.Close()
	expectStopped(t, mon)
}

// TestMonitorMask: a monitor gets the events of its mask only; without
// MONITOR_STOPPED in the mask the channel just closes.
func TestMonitorMask(t *testing.T) {
	e := newEnv(t)
	server := e.socket(PULL)
	listening := server.Monitor(EventListening)
	handshakes := server.Monitor(EventHandshakeSucceeded | EventMonitorStopped)
	server.Bind("tcp://127.0.0.1:*")
	e.connected(PUSH, []string{server.LastEndpoint()})
	waitEvent(t, handshakes, EventHandshakeSucceeded)
	server.Close()
	var got []string
	for ev := range listening {
		got = append(got, ev.Type.String())
	}
	if strings.Join(got, ",") != "LISTENING" {
		t.Fatalf("LISTENING-only monitor got %q", got)
	}
	expectStopped(t, handshakes)
	// A monitor of a closed socket is closed at once.
	if _, ok := <-server.Monitor(EventAll); ok {
		t.Fatal("monitor of a closed socket delivered an event")
	}
}

// TestMonitorRetriedAfterDisconnect: a connection lost is retried after
// RECONNECT_IVL, and CONNECT_RETRIED says so, with the pause, before the
// new connection: libzmq's monitor reports every reconnect it schedules,
// not only those after a failed attempt.
func TestMonitorRetriedAfterDisconnect(t *testing.T) {
	eachStreamTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		// The server drops the connection (a frame over MAXMSGSIZE) and
		// goes on listening, so the next attempt succeeds at once.
		server := e.bound(PULL, tr.endpoint(), MaxMsgSize(10))
		client := e.socket(PUSH)
		mon := client.Monitor(EventAll)
		if err := client.Connect(server.LastEndpoint()); err != nil {
			t.Fatal(err)
		}
		waitEvent(t, mon, EventHandshakeSucceeded)
		mustSend(t, client, "more than ten bytes")
		waitEvent(t, mon, EventDisconnected)
		ev := waitAnyEvent(t, mon, EventConnectRetried, EventConnected)
		if ev.Type != EventConnectRetried || ev.Interval < fastReconnect {
			t.Fatalf("after DISCONNECTED: %v, want CONNECT_RETRIED with a pause of RECONNECT_IVL or more", ev)
		}
		waitEvent(t, mon, EventConnected)
	})
}
