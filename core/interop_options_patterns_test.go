package core

import "testing"

// The pattern options of options_patterns.go against libzmq (pyzmq), each
// in the direction where a libzmq peer observes it, and the reverse where
// libzmq 4.3.4 without the draft API has the option too.

// optsPeerScript is a pyzmq socket of type argv[1] that binds or connects
// (argv[2]) to argv[3], with ZMQOPT_<NAME>=value setting libzmq's option
// NAME (a decimal value as an integer, anything else as bytes) in the
// order given. It speaks pyPeerScript's line protocol (send, recv), plus
// close. While waiting for a command it keeps asking for ZMQ_EVENTS, so
// that a bound socket attaches its connections (libzmq issue #2267).
const optsPeerScript = `
import os, select, sys, zmq
typ, mode, ep = sys.argv[1:4]
ctx = zmq.Context()
s = ctx.socket(getattr(zmq, typ))
s.linger = 0
s.rcvtimeo = s.sndtimeo = 15000
for order in sorted(k for k in os.environ if k.startswith("ZMQOPT_")):
    name, value = os.environ[order].split("=", 1)
    s.setsockopt(getattr(zmq, name), int(value) if value.isdigit() else value.encode())
getattr(s, mode)(ep)
def say(*words):
    print(*words, flush=True)
say("ready", s.getsockopt(zmq.LAST_ENDPOINT).decode())
buf = b""
while True:
    while b"\n" not in buf:
        if select.select([0], [], [], 0.01)[0]:
            more = os.read(0, 1 << 16)
            if not more:
                sys.exit(0)
            buf += more
        elif not s.closed:
            s.getsockopt(zmq.EVENTS)
    line, buf = buf.split(b"\n", 1)
    cmd, _, arg = line.decode().partition(" ")
    try:
        if cmd == "send":
            s.send_multipart([bytes.fromhex(f) for f in arg.split("|")])
            say("ok")
        elif cmd == "recv":
            say("msg", "|".join(f.hex() for f in s.recv_multipart()))
        elif cmd == "close":
            s.close()
            say("ok")
        else:
            say("error: unknown command", cmd)
    except zmq.Again:
        say("timeout")
    except zmq.ZMQError as e:
        say("error:", e)
`

// startOptsPeer starts optsPeerScript; opts are "NAME=value" in order.
func startOptsPeer(t *testing.T, typ, mode, ep string, opts ...string) *pyPeer {
	t.Helper()
	var env []string
	for i, o := range opts {
		env = append(env, "ZMQOPT_"+string(rune('a'+i))+"="+o)
	}
	return startPyPeerScript(t, env, optsPeerScript, typ, mode, ep)
}

func wantFrames(t *testing.T, who string, got [][]byte, want ...string) {
	t.Helper()
	if !equalStrings(strs(got), want) {
		t.Fatalf("%s received %q, want %q", who, strs(got), want)
	}
}

func TestInteropPatternOptions(t *testing.T) {
	cases := []struct {
		name string
		run  func(t *testing.T, e *env)
	}{
		{"zeroplug XPUB welcome to pyzmq SUB", func(t *testing.T, e *env) {
			xpub := e.bound(XPUB, "tcp://127.0.0.1:*", XPubWelcomeMsg([]byte("Welcome")))
			py := startOptsPeer(t, "SUB", "connect", xpub.LastEndpoint(), "SUBSCRIBE=W")
			wantFrames(t, "pyzmq SUB", py.recv(), "Welcome")
		}},
		{"pyzmq XPUB welcome to zeroplug SUB", func(t *testing.T, e *env) {
			py := startOptsPeer(t, "XPUB", "bind", "tcp://127.0.0.1:*", "XPUB_WELCOME_MSG=Welcome")
			sub := e.connected(SUB, []string{py.endpoint}, Subscribe("W"))
			wantFrames(t, "zeroplug SUB", mustRecv(t, sub), "Welcome")
		}},
		{"zeroplug manual XPUB with pyzmq XSUB", func(t *testing.T, e *env) {
			xpub := e.bound(XPUB, "tcp://127.0.0.1:*", XPubManual(true))
			py := startOptsPeer(t, "XSUB", "connect", xpub.LastEndpoint())
			py.sendString("\x01A")
			wantFrames(t, "manual XPUB", mustRecv(t, xpub), "\x01A")
			if err := xpub.SetOption(Subscribe("B")); err != nil {
				t.Fatal(err)
			}
			mustSend(t, xpub, "A-1")
			mustSend(t, xpub, "B-1")
			wantFrames(t, "pyzmq XSUB", py.recv(), "B-1")
			py.ok("close")
			wantFrames(t, "manual XPUB", mustRecv(t, xpub), "\x00A")
		}},
		{"pyzmq manual XPUB with zeroplug SUB", func(t *testing.T, e *env) {
			py := startOptsPeer(t, "XPUB", "bind", "tcp://127.0.0.1:*", "XPUB_MANUAL=1")
			e.connected(SUB, []string{py.endpoint}, Subscribe("A"))
			wantFrames(t, "pyzmq manual XPUB", py.recv(), "\x01A")
		}},
		{"zeroplug DEALER probes pyzmq ROUTER", func(t *testing.T, e *env) {
			py := startOptsPeer(t, "ROUTER", "bind", "tcp://127.0.0.1:*")
			e.connected(DEALER, []string{py.endpoint}, RoutingID([]byte("zd")), ProbeRouter(true))
			wantFrames(t, "pyzmq ROUTER", py.recv(), "zd", "")
		}},
		{"zeroplug REQ probes pyzmq ROUTER", func(t *testing.T, e *env) {
			py := startOptsPeer(t, "ROUTER", "bind", "tcp://127.0.0.1:*")
			e.connected(REQ, []string{py.endpoint}, RoutingID([]byte("zq")), ProbeRouter(true))
			wantFrames(t, "pyzmq ROUTER", py.recv(), "zq", "")
		}},
		{"pyzmq DEALER probes zeroplug ROUTER", func(t *testing.T, e *env) {
			router := e.bound(ROUTER, "tcp://127.0.0.1:*")
			startOptsPeer(t, "DEALER", "connect", router.LastEndpoint(), "ROUTING_ID=pd", "PROBE_ROUTER=1")
			wantFrames(t, "zeroplug ROUTER", mustRecv(t, router), "pd", "")
		}},
		{"zeroplug ROUTER notified of pyzmq DEALERs", func(t *testing.T, e *env) {
			router := e.bound(ROUTER, "tcp://127.0.0.1:*", RouterNotify(NotifyConnect|NotifyDisconnect))
			py := startOptsPeer(t, "DEALER", "connect", router.LastEndpoint(), "ROUTING_ID=p1")
			wantFrames(t, "zeroplug ROUTER", mustRecv(t, router), "p1", "")
			py.sendString("work")
			wantFrames(t, "zeroplug ROUTER", mustRecv(t, router), "p1", "work")
			py.ok("close")
			wantFrames(t, "zeroplug ROUTER", mustRecv(t, router), "p1", "")
		}},
		{"zeroplug ROUTER names the pyzmq ROUTER it connects to", func(t *testing.T, e *env) {
			py := startOptsPeer(t, "ROUTER", "bind", "tcp://127.0.0.1:*", "ROUTING_ID=announced")
			router := e.socket(ROUTER, RoutingID([]byte("zr")), RouterMandatory(true), ConnectRoutingID([]byte("chosen")))
			if err := router.Connect(py.endpoint); err != nil {
				t.Fatal(err)
			}
			eventually(t, func() bool { return router.Send([]byte("chosen"), []byte("hello")) == nil },
				"the zeroplug ROUTER reaching pyzmq's as chosen")
			wantFrames(t, "pyzmq ROUTER", py.recv(), "zr", "hello")
		}},
		{"pyzmq ROUTER names the zeroplug ROUTER it connects to", func(t *testing.T, e *env) {
			router := e.bound(ROUTER, "tcp://127.0.0.1:*", RoutingID([]byte("announced")))
			py := startOptsPeer(t, "ROUTER", "connect", router.LastEndpoint(),
				"ROUTING_ID=pr", "CONNECT_ROUTING_ID=chosen", "ROUTER_MANDATORY=1")
			eventually(t, func() bool { return py.do("send "+hexFrames(framesOf([]string{"chosen", "hi"}))) == "ok" },
				"pyzmq's ROUTER reaching the zeroplug one as chosen")
			wantFrames(t, "zeroplug ROUTER", mustRecv(t, router), "pr", "hi")
		}},
		{"zeroplug XPUB inverted to pyzmq SUB inverted", func(t *testing.T, e *env) {
			xpub := e.bound(XPUB, "tcp://127.0.0.1:*", InvertMatching(true))
			py := startOptsPeer(t, "SUB", "connect", xpub.LastEndpoint(), "INVERT_MATCHING=1", "SUBSCRIBE=A")
			wantFrames(t, "XPUB", mustRecv(t, xpub), "\x01A")
			for _, m := range []string{"A-1", "B-1"} {
				mustSend(t, xpub, m)
			}
			wantFrames(t, "inverted pyzmq SUB", py.recv(), "B-1")
		}},
		{"pyzmq XPUB inverted to zeroplug SUB inverted", func(t *testing.T, e *env) {
			py := startOptsPeer(t, "XPUB", "bind", "tcp://127.0.0.1:*", "INVERT_MATCHING=1")
			sub := e.connected(SUB, []string{py.endpoint}, InvertMatching(true), Subscribe("A"))
			wantFrames(t, "pyzmq XPUB", py.recv(), "\x01A")
			py.sendString("A-1")
			py.sendString("B-1")
			wantFrames(t, "inverted zeroplug SUB", mustRecv(t, sub), "B-1")
		}},
		{"SUBSCRIBE by name on an open zeroplug SUB of a pyzmq XPUB", func(t *testing.T, e *env) {
			py := startOptsPeer(t, "XPUB", "bind", "tcp://127.0.0.1:*")
			// The first subscription, at NewSocket, shows the connection up:
			// the later ones then reach the XPUB one by one, in order.
			sub := e.connected(SUB, []string{py.endpoint}, Subscribe("S"))
			wantFrames(t, "pyzmq XPUB", py.recv(), "\x01S")
			for _, o := range [][2]string{{"SUBSCRIBE", "A"}, {"SUBSCRIBE", "B"}, {"UNSUBSCRIBE", "A"}} {
				opt, err := ParseOption(o[0], o[1])
				if err != nil {
					t.Fatal(err)
				}
				if err := sub.SetOption(opt); err != nil {
					t.Fatal(err)
				}
			}
			for _, want := range []string{"\x01A", "\x01B", "\x00A"} {
				wantFrames(t, "pyzmq XPUB", py.recv(), want)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, newEnv(t)) })
	}
}
