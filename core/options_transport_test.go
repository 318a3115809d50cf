package core

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/zeroplug/zeroplug/internal/peertest"
)

// The transport and connection options of options_transport.go, against
// libzmq (pyzmq) where the wire or libzmq's behaviour shows them.

// startPyScript runs a short pyzmq program as the test's peer; its first
// line of output is returned with the process.
func startPyScript(t *testing.T, script string, args ...string) (*peertest.Proc, string) {
	t.Helper()
	p := peertest.Start(t, peertest.Python(t), append([]string{"-c", script}, args...)...)
	line, err := p.Line(interopTimeout)
	if err != nil {
		t.Fatal(err)
	}
	return p, line
}

// pyMetadataReader receives one message and prints the two X- properties
// it came with (zmq_msg_gets).
const pyMetadataReader = `
import sys, zmq
ctx = zmq.Context()
s = ctx.socket(zmq.DEALER)
s.linger = 0
s.rcvtimeo = 15000
s.connect(sys.argv[1])
print("connected", flush=True)
f = s.recv(copy=False)
print(f.get("X-Foo"), f.get("X-Region"), flush=True)
s.close()
ctx.term()
`

// TestMetadataToLibzmq: zeroplug's ZMQ_METADATA reaches libzmq, which
// gives the properties on each message, as msg.get in pyzmq.
func TestMetadataToLibzmq(t *testing.T) {
	e := newEnv(t)
	s := e.bound(DEALER, "tcp://127.0.0.1:*", Metadata("X-Foo", "bar"), Metadata("X-Region", "eu-west"),
		SendTimeout(interopTimeout))
	p, _ := startPyScript(t, pyMetadataReader, s.LastEndpoint())
	if err := s.Send([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	line, err := p.Line(interopTimeout)
	if err != nil {
		t.Fatal(err)
	}
	if line != "bar eu-west" {
		t.Fatalf("libzmq read X-Foo and X-Region as %q; want \"bar eu-west\"", line)
	}
	if err := p.Wait(interopTimeout); err != nil {
		t.Fatal(err)
	}
}

// pyMetadataWriter binds with ZMQ_METADATA set and sends one message.
const pyMetadataWriter = `
import sys, zmq
ctx = zmq.Context()
s = ctx.socket(zmq.DEALER)
s.linger = 1000
s.setsockopt(zmq.METADATA, b"X-Hello:world")
s.bind("tcp://127.0.0.1:*")
print(s.getsockopt(zmq.LAST_ENDPOINT).decode(), flush=True)
s.send(b"hi")
sys.stdin.readline()
s.close()
ctx.term()
`

// TestMetadataFromLibzmq: libzmq's ZMQ_METADATA is a property of the
// messages zeroplug receives from it.
func TestMetadataFromLibzmq(t *testing.T) {
	e := newEnv(t)
	p, ep := startPyScript(t, pyMetadataWriter)
	s := e.connected(DEALER, []string{ep})
	ctx, cancel := context.WithTimeout(context.Background(), interopTimeout)
	defer cancel()
	m, err := s.RecvMsg(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := m.Property("X-Hello"); !ok || v != "world" {
		t.Errorf("X-Hello = %q, %v; want world", v, ok)
	}
	// Names compare without regard to case (RFC 37).
	if v, _ := m.Property("x-hello"); v != "world" {
		t.Errorf("x-hello = %q; want world", v)
	}
	p.CloseStdin()
	if err := p.Wait(interopTimeout); err != nil {
		t.Fatal(err)
	}
}

// TestMetadataChecked: names start with X- and are RFC 37's characters,
// values are not empty; libzmq's text form is X-Name:value, and a name set
// again replaces its value.
func TestMetadataChecked(t *testing.T) {
	e := newEnv(t)
	for _, bad := range []Option{
		Metadata("Foo", "bar"), Metadata("X-", "bar"), Metadata("x-foo", "bar"),
		Metadata("X-Foo Bar", "v"), Metadata("X-Foo", ""), Metadata("X-"+strings.Repeat("a", 254), "v"),
	} {
		if _, err := e.ctx.NewSocket(DEALER, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("a bad Metadata: %v; want ErrInvalid", err)
		}
	}
	for _, text := range []string{"X-Foo", "X-Foo:", ":bar", "Foo:bar"} {
		opt, err := ParseOption("METADATA", text)
		if err == nil {
			_, err = e.ctx.NewSocket(DEALER, opt)
		}
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("METADATA %q: %v; want ErrInvalid", text, err)
		}
	}
	s := e.socket(DEALER, Metadata("X-A", "1"), Metadata("X-B", "2"), Metadata("X-A", "3"))
	got, _ := s.Option("METADATA")
	if list := got.([]string); strings.Join(list, ",") != "X-B:2,X-A:3" {
		t.Errorf("METADATA = %q; want [X-B:2 X-A:3]", list)
	}
}

// sockoptInt reads an integer socket option of a connection or listener.
func sockoptInt(t *testing.T, c syscall.Conn, level, opt int) int {
	t.Helper()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var v int
	var serr error
	if err := rc.Control(func(fd uintptr) { v, serr = unix.GetsockoptInt(int(fd), level, opt) }); err != nil {
		t.Fatal(err)
	}
	if serr != nil {
		t.Fatal(serr)
	}
	return v
}

func sockoptDevice(t *testing.T, c syscall.Conn) string {
	t.Helper()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var dev string
	var serr error
	if err := rc.Control(func(fd uintptr) { dev, serr = unix.GetsockoptString(int(fd), unix.SOL_SOCKET, unix.SO_BINDTODEVICE) }); err != nil {
		t.Fatal(err)
	}
	if serr != nil {
		t.Fatal(serr)
	}
	return dev
}

// oneConn is the socket's only live connection.
func oneConn(t *testing.T, s *Socket) syscall.Conn {
	t.Helper()
	var conn net.Conn
	eventually(t, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		for c := range s.conns {
			conn = c
		}
		return len(s.conns) == 1
	}, "one connection")
	return conn.(syscall.Conn)
}

// checkConnOptions says what the kernel holds for a connection made with
// TOS 0x28, TCP_MAXRT 1500 ms and BINDTODEVICE lo.
func checkConnOptions(t *testing.T, c syscall.Conn) {
	t.Helper()
	if got := sockoptInt(t, c, unix.IPPROTO_IP, unix.IP_TOS); got != 0x28 {
		t.Errorf("IP_TOS = %#x; want 0x28 (TOS)", got)
	}
	if got := sockoptInt(t, c, unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT); got != 1500 {
		t.Errorf("TCP_USER_TIMEOUT = %d; want 1500 (TCP_MAXRT in ms)", got)
	}
	if got := sockoptDevice(t, c); got != "lo" {
		t.Errorf("SO_BINDTODEVICE = %q; want lo (BINDTODEVICE)", got)
	}
}

// pyOneMessage is a pyzmq PUSH or PULL that binds or connects, prints its
// endpoint, moves one message, and keeps its connection until its input
// ends.
const pyOneMessage = `
import sys, zmq
typ, mode, ep = sys.argv[1:4]
ctx = zmq.Context()
s = ctx.socket(getattr(zmq, typ))
s.linger = 1000
s.rcvtimeo = s.sndtimeo = 15000
getattr(s, mode)(ep)
print(s.getsockopt(zmq.LAST_ENDPOINT).decode(), flush=True)
if typ == "PUSH":
    s.send(b"over")
else:
    print(s.recv().decode(), flush=True)
sys.stdin.readline()
s.close()
ctx.term()
`

// TestTransportOptionsWithLibzmq: TOS, TCP_MAXRT and BINDTODEVICE are on
// zeroplug's end of a connection to libzmq, connected or accepted (the
// listener's options pass to what it accepts, as libzmq sets them on its
// listening socket too); BACKLOG is the listening socket's queue, 100 by
// default as libzmq's. SO_BINDTODEVICE needs root, which the test machines
// are.
func TestTransportOptionsWithLibzmq(t *testing.T) {
	opts := []Option{TOS(0x28), TCPMaxRT(1500 * time.Millisecond), BindToDevice("lo")}
	t.Run("connect", func(t *testing.T) {
		e := newEnv(t)
		p, ep := startPyScript(t, pyOneMessage, "PULL", "bind", "tcp://127.0.0.1:*")
		push := e.connected(PUSH, []string{ep}, opts...)
		checkConnOptions(t, oneConn(t, push))
		mustSend(t, push, "over")
		if line, err := p.Line(interopTimeout); err != nil || line != "over" {
			t.Fatalf("libzmq received %q, %v", line, err)
		}
		p.CloseStdin()
		p.Wait(interopTimeout)
	})
	t.Run("bind", func(t *testing.T) {
		e := newEnv(t)
		pull := e.bound(PULL, "tcp://127.0.0.1:*", append(opts, Backlog(7))...)
		b := onlyBinding(t, pull)
		if got := listenBacklog(t, b); got != 7 {
			t.Errorf("the listening socket's queue is %d; want 7 (BACKLOG)", got)
		}
		p, _ := startPyScript(t, pyOneMessage, "PUSH", "connect", pull.LastEndpoint())
		if got := strs(mustRecv(t, pull)); !equalStrings(got, []string{"over"}) {
			t.Fatalf("received %q from libzmq", got)
		}
		checkConnOptions(t, oneConn(t, pull))
		p.CloseStdin()
		p.Wait(interopTimeout)
	})
	t.Run("default backlog", func(t *testing.T) {
		e := newEnv(t)
		pull := e.bound(PULL, "tcp://127.0.0.1:*")
		if got := listenBacklog(t, onlyBinding(t, pull)); got != 100 {
			t.Errorf("the listening socket's queue is %d; want libzmq's default 100", got)
		}
	})
}

func onlyBinding(t *testing.T, s *Socket) *binding {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.listeners {
		return b
	}
	t.Fatal("no binding")
	return nil
}

// listenBacklog is a listening tcp socket's queue length, which Linux
// gives in TCP_INFO's tcpi_sacked for a socket in LISTEN.
func listenBacklog(t *testing.T, b *binding) int {
	t.Helper()
	rc, err := b.ln.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var info *unix.TCPInfo
	var serr error
	rc.Control(func(fd uintptr) { info, serr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO) })
	if serr != nil {
		t.Fatal(serr)
	}
	return int(info.Sacked)
}

// stoppedEvents watches a connect until it reports CLOSED and returns the
// events before it.
func stoppedEvents(t *testing.T, ch <-chan Event) []EventType {
	t.Helper()
	var seen []EventType
	timeout := time.After(patience)
	for {
		select {
		case ev := <-ch:
			if ev.Type == EventClosed {
				return seen
			}
			seen = append(seen, ev.Type)
		case <-timeout:
			t.Fatalf("the connect did not stop; saw %v", seen)
		}
	}
}

// pyRefusedEvents connects with ZMQ_RECONNECT_STOP (libzmq 4.3.4 takes the
// draft option) to an endpoint nobody listens on, and prints the monitor's
// events of the next half second.
const pyRefusedEvents = `
import sys, zmq
from zmq.utils.monitor import recv_monitor_message
ctx = zmq.Context()
s = ctx.socket(zmq.PUSH)
s.linger = 0
s.setsockopt(zmq.RECONNECT_IVL, 10)
s.setsockopt(zmq.RECONNECT_STOP, int(sys.argv[2]))
mon = s.get_monitor_socket()
s.connect(sys.argv[1])
seen = []
while mon.poll(500):
    seen.append(recv_monitor_message(mon)["event"])
print(",".join(str(e) for e in seen), flush=True)
s.disable_monitor()
mon.close()
s.close()
ctx.term()
`

// TestReconnectStopConnRefused: with RECONNECT_STOP_CONN_REFUSED a
// connect that is refused stops: the monitor shows CONNECT_DELAYED and
// CLOSED and no CONNECT_RETRIED, as libzmq's does, and what was queued for
// the endpoint goes. Without it, the connect retries.
func TestReconnectStopConnRefused(t *testing.T) {
	dead := deadTCPEndpoint(t)
	t.Run("libzmq", func(t *testing.T) {
		_, line := startPyScript(t, pyRefusedEvents, dead, "1")
		if line != "2,128" {
			t.Fatalf("libzmq's events %q; want CONNECT_DELAYED (2) and CLOSED (128)", line)
		}
	})
	t.Run("zeroplug", func(t *testing.T) {
		e := newEnv(t)
		push := e.socket(PUSH, ReconnectStop(ReconnectStopConnRefused))
		ch := push.Monitor(EventAll)
		if err := push.Connect(dead); err != nil {
			t.Fatal(err)
		}
		if seen := stoppedEvents(t, ch); len(seen) != 1 || seen[0] != EventConnectDelayed {
			t.Fatalf("events before CLOSED: %v; want CONNECT_DELAYED only", seen)
		}
		eventually(t, func() bool { return numPipes(push) == 0 }, "the stopped connect's pipe to go")
	})
	t.Run("zeroplug retries without it", func(t *testing.T) {
		e := newEnv(t)
		push := e.socket(PUSH, ReconnectStop(ReconnectStopHandshakeFailed))
		ch := push.Monitor(EventAll)
		if err := push.Connect(dead); err != nil {
			t.Fatal(err)
		}
		waitEvent(t, ch, EventConnectRetried)
	})
}

// notZMTP accepts tcp connections and closes each at once, as a peer that
// is not ZMTP would; it counts them.
func notZMTP(t *testing.T) (endpoint string, accepted *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted = new(atomic.Int32)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return "tcp://" + ln.Addr().String(), accepted
}

// TestReconnectStopHandshakeFailed: with RECONNECT_STOP_HANDSHAKE_FAILED a
// connect whose handshake fails (here a peer that drops the connection
// before its greeting, which libzmq counts as failed too) stops after the
// first attempt; without it, the connect tries again.
func TestReconnectStopHandshakeFailed(t *testing.T) {
	t.Run("stops", func(t *testing.T) {
		e := newEnv(t)
		ep, accepted := notZMTP(t)
		s := e.socket(DEALER, ReconnectStop(ReconnectStopHandshakeFailed|ReconnectStopConnRefused))
		ch := s.Monitor(EventAll)
		if err := s.Connect(ep); err != nil {
			t.Fatal(err)
		}
		for _, ev := range stoppedEvents(t, ch) {
			if ev == EventConnectRetried {
				t.Fatal("the connect was retried")
			}
		}
		if n := accepted.Load(); n != 1 {
			t.Fatalf("%d connections; want 1", n)
		}
	})
	t.Run("retries without it", func(t *testing.T) {
		e := newEnv(t)
		ep, accepted := notZMTP(t)
		s := e.socket(DEALER)
		if err := s.Connect(ep); err != nil {
			t.Fatal(err)
		}
		eventually(t, func() bool { return accepted.Load() >= 2 }, "a second attempt")
	})
}

// TestReconnectStopChecked: only libzmq's three flags are taken.
func TestReconnectStopChecked(t *testing.T) {
	e := newEnv(t)
	if _, err := e.ctx.NewSocket(PUSH, ReconnectStop(8)); !errors.Is(err, ErrInvalid) {
		t.Errorf("RECONNECT_STOP 8: %v; want ErrInvalid", err)
	}
	for _, bad := range []Option{TOS(256), TOS(-1), Backlog(0), TCPMaxRT(-time.Second), BindToDevice("a-name-longer-than-ifnamsiz")} {
		if _, err := e.ctx.NewSocket(PUSH, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("a bad option: %v; want ErrInvalid", err)
		}
	}
}

// TestContextDefaults: WithIPv6 and WithMaxMsgSize are the defaults of
// the context's sockets (zmq_ctx_set ZMQ_IPV6, ZMQ_MAX_MSGSZ), which a
// socket's own option overrides; Context.Option reads them by name.
func TestContextDefaults(t *testing.T) {
	c := NewContext(WithIPv6(true), WithMaxMsgSize(64))
	defer c.Close()
	for name, want := range map[string]any{"IPV6": true, "ZMQ_MAX_MSGSZ": int64(64)} {
		if got, err := c.Option(name); err != nil || got != want {
			t.Errorf("context %s = %v, %v; want %v", name, got, err, want)
		}
	}
	if _, err := c.Option("IO_THREADS"); !errors.Is(err, ErrInvalid) {
		t.Errorf("IO_THREADS: %v; want ErrInvalid", err)
	}
	s, err := c.NewSocket(PULL, Linger(0))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Option("MAXMSGSIZE"); got != int64(64) {
		t.Errorf("a socket's MAXMSGSIZE = %v; want the context's 64", got)
	}
	// IPV6 from the context: an IPv6 address binds.
	if err := s.Bind("tcp://[::1]:*"); err != nil {
		t.Fatalf("Bind [::1] with the context's IPV6: %v", err)
	}
	// The context's MAX_MSGSZ drops a peer sending more.
	ch := s.Monitor(EventDisconnected)
	push, err := c.NewSocket(PUSH, Linger(0), IPv6(true))
	if err != nil {
		t.Fatal(err)
	}
	if err := push.Connect(s.LastEndpoint()); err != nil {
		t.Fatal(err)
	}
	mustSend(t, push, strings.Repeat("x", 65))
	waitEvent(t, ch, EventDisconnected)

	own, err := c.NewSocket(PULL, Linger(0), IPv6(false), MaxMsgSize(-1))
	if err != nil {
		t.Fatal(err)
	}
	if ipv6, _ := own.Option("IPV6"); ipv6 != false {
		t.Errorf("IPV6(false) over the context's default reads %v", ipv6)
	}
	if err := own.Bind("tcp://[::1]:*"); err == nil {
		t.Error("Bind [::1] without IPV6 succeeded")
	}
	plain := newEnv(t).socket(PULL)
	if got, _ := plain.Option("MAXMSGSIZE"); got != int64(-1) {
		t.Errorf("MAXMSGSIZE with no context default = %v; want -1", got)
	}
}

// pyPlainServer is a libzmq PLAIN server with no ZAP handler, which
// refuses every client (libzmq 4.3.4 drops the connection in the
// handshake), until its input ends.
const pyPlainServer = `
import sys, zmq
ctx = zmq.Context()
s = ctx.socket(zmq.ROUTER)
s.linger = 0
s.plain_server = True
s.bind("tcp://127.0.0.1:*")
print(s.getsockopt(zmq.LAST_ENDPOINT).decode(), flush=True)
sys.stdin.readline()
s.close()
ctx.term()
`

// TestReconnectStopAfterRefusal: a PLAIN client that libzmq's server
// refuses stops trying with RECONNECT_STOP_HANDSHAKE_FAILED: the monitor
// shows the failed handshake, then CLOSED, and no retry.
func TestReconnectStopAfterRefusal(t *testing.T) {
	e := newEnv(t)
	p, ep := startPyScript(t, pyPlainServer)
	defer p.CloseStdin()
	s := e.socket(DEALER, PlainUsername("u"), PlainPassword("p"), ReconnectStop(ReconnectStopHandshakeFailed))
	ch := s.Monitor(EventAll)
	if err := s.Connect(ep); err != nil {
		t.Fatal(err)
	}
	seen := stoppedEvents(t, ch)
	failed := slices.ContainsFunc(seen, func(ev EventType) bool {
		return ev == EventHandshakeFailedAuth || ev == EventHandshakeFailedProtocol || ev == EventHandshakeFailedNoDetail
	})
	if !failed || slices.Contains(seen, EventConnectRetried) {
		t.Fatalf("events before CLOSED: %v; want a failed handshake and no CONNECT_RETRIED", seen)
	}
}
