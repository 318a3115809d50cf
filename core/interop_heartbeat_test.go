package core

// Interop cases of ZMTP 3.1 heartbeats (RFC 37, PING and PONG) with libzmq:
// an idle connection lives through many intervals whichever end pings, and
// a libzmq peer that stops answering (its process SIGSTOPped) is detected,
// by zeroplug's own heartbeat timeout or by the TTL that libzmq asked for.

import (
	"slices"
	"strconv"
	"testing"
	"time"
)

const (
	hbInterval = 100 * time.Millisecond
	// hbTimeout leaves a PONG time to come back on a loaded machine (libzmq's
	// default is the interval).
	hbTimeout = 800 * time.Millisecond
	// hbIdle is how long a connection stays idle but for heartbeats:
	// fifteen intervals, about twice the timeout.
	hbIdle = 1500 * time.Millisecond
	// hbFirstPing is long enough for libzmq's first PING, due one interval
	// after the handshake, to have come.
	hbFirstPing = 5 * hbInterval
	// hbDetect bounds how long a dead peer may go unnoticed.
	hbDetect = 5 * time.Second
)

// TestInteropLibzmqHeartbeat runs heartbeats against Debian's libzmq 4.3.4.
// The cases set their own heartbeat options; the suite sets none.
func TestInteropLibzmqHeartbeat(t *testing.T) {
	interopSuite{peer: libzmqImpl}.run(t, slices.Concat(
		interopVariant("idle,both-ping", bindEither(PAIR, PAIR, leftEnd, heartbeatIdle(true, true))),
		interopVariant("idle,libzmq-pings", bindEither(PAIR, PAIR, leftEnd, heartbeatIdle(false, true))),
		interopVariant("idle,zeroplug-pings", bindEither(PAIR, PAIR, leftEnd, heartbeatIdle(true, false))),
		interopVariant("peer-stopped,timeout", bindEither(PAIR, PAIR, leftEnd, heartbeatPeerStopped(false))),
		interopVariant("peer-stopped,libzmq-ttl", bindEither(PAIR, PAIR, leftEnd, heartbeatPeerStopped(true))),
	))
}

func interopMillis(d time.Duration) string { return strconv.Itoa(int(d / time.Millisecond)) }

// pairRoundTrip sends body from the zeroplug PAIR to the libzmq one and back.
func pairRoundTrip(t *testing.T, pair *Socket, py *pyPeer, body string) {
	t.Helper()
	zpSendString(t, pair, body)
	expectFrames(t, "libzmq PAIR received", py.recv(), framesOf([]string{body}))
	py.sendString(body, "back")
	expectFrames(t, "zeroplug PAIR received", zpRecv(t, pair), framesOf([]string{body, "back"}))
}

// pendingEvents returns the events waiting on a monitor channel.
func pendingEvents(ch <-chan Event) []Event {
	var out []Event
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				return out
			}
			out = append(out, ev)
		default:
			return out
		}
	}
}

// heartbeatIdle: a zeroplug PAIR and a libzmq PAIR, with heartbeats on at
// the ends that ping (HEARTBEAT_IVL 100 ms, HEARTBEAT_TIMEOUT 800 ms),
// exchange a message, stay idle for fifteen intervals, and exchange another.
// Neither end may have lost or remade the connection meanwhile: an end
// that pings drops a peer whose PONGs do not come back in time.
func heartbeatIdle(zpPings, lzPings bool) func(*testing.T, *interopEnv) {
	return func(t *testing.T, e *interopEnv) {
		var opts []Option
		if zpPings {
			opts = []Option{HeartbeatInterval(hbInterval), HeartbeatTimeout(hbTimeout)}
		}
		pair := e.socket(PAIR, opts...)
		events := pair.Monitor(EventAll)
		env := []string{"ZMQPEER_MONITOR=1"}
		if lzPings {
			env = append(env, "ZMQPEER_HEARTBEAT_IVL="+interopMillis(hbInterval), "ZMQPEER_HEARTBEAT_TIMEOUT="+interopMillis(hbTimeout))
		}
		py := e.linkPython(pair, "PAIR", env...)
		pairRoundTrip(t, pair, py, "before")
		// Not a wait for something to happen: the idle time is what is tested.
		time.Sleep(hbIdle)
		pairRoundTrip(t, pair, py, "after")

		var handshakes int
		for _, ev := range pendingEvents(events) {
			switch ev.Type {
			case EventHandshakeSucceeded:
				handshakes++
			case EventDisconnected:
				t.Errorf("zeroplug lost the connection: %v", ev)
			}
		}
		if handshakes != 1 {
			t.Errorf("zeroplug made %d handshakes, want 1", handshakes)
		}
		handshakes = 0
		for _, ev := range py.events() {
			switch ev {
			case EventHandshakeSucceeded:
				handshakes++
			case EventDisconnected:
				t.Errorf("libzmq lost the connection (%v)", ev)
			}
		}
		if handshakes != 1 {
			t.Errorf("libzmq made %d handshakes, want 1", handshakes)
		}
	}
}

// heartbeatPeerStopped: a libzmq PAIR exchanges a message with a zeroplug
// PAIR, then its process stops (SIGSTOP): the kernel keeps the connection
// open, but nothing answers any more. zeroplug must notice and report
// DISCONNECTED, either through its own heartbeats (HEARTBEAT_IVL 100 ms,
// HEARTBEAT_TIMEOUT 800 ms) or, with none of its own, through the TTL that
// libzmq's PINGs carry (HEARTBEAT_TTL 800 ms, which zeroplug must honour).
func heartbeatPeerStopped(libzmqTTL bool) func(*testing.T, *interopEnv) {
	return func(t *testing.T, e *interopEnv) {
		var opts []Option
		var env []string
		if libzmqTTL {
			// libzmq's own timeout is not under test: loose, so that a
			// zeroplug PONG slowed down by load does not end the connection.
			env = []string{"ZMQPEER_HEARTBEAT_IVL=" + interopMillis(hbInterval),
				"ZMQPEER_HEARTBEAT_TTL=" + interopMillis(hbTimeout), "ZMQPEER_HEARTBEAT_TIMEOUT=" + interopMillis(hbDetect)}
		} else {
			opts = []Option{HeartbeatInterval(hbInterval), HeartbeatTimeout(hbTimeout)}
		}
		pair := e.socket(PAIR, opts...)
		events := pair.Monitor(EventDisconnected)
		py := e.linkPython(pair, "PAIR", env...)
		pairRoundTrip(t, pair, py, "alive")
		if libzmqTTL {
			time.Sleep(hbFirstPing) // zeroplug learns the TTL from libzmq's PINGs
		}
		for _, ev := range pendingEvents(events) {
			t.Fatalf("zeroplug lost the connection before the peer stopped: %v", ev)
		}
		py.ok("stop")
		stopped := time.Now()
		select {
		case ev := <-events:
			t.Logf("%v, %v after the peer stopped", ev, time.Since(stopped).Round(time.Millisecond))
		case <-time.After(hbDetect):
			t.Fatalf("no DISCONNECTED within %v of the libzmq peer stopping", hbDetect)
		}
	}
}
