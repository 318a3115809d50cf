package core

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

// udpTry is how long a send-until-received loop waits for each try: UDP
// may lose a datagram, and one sent before the DISH's reader runs is lost.
const udpTry = 100 * time.Millisecond

func recvMsgWithin(s *Socket, d time.Duration) (Msg, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return s.RecvMsg(ctx, false)
}

// recvUDPUntil calls send until s receives a message, and returns it.
func recvUDPUntil(t *testing.T, s *Socket, send func()) Msg {
	t.Helper()
	deadline := time.Now().Add(patience)
	for time.Now().Before(deadline) {
		send()
		if m, err := recvMsgWithin(s, udpTry); err == nil {
			return m
		}
	}
	t.Fatalf("%v received nothing in %v", s.Type(), patience)
	return Msg{}
}

func sendToGroup(t *testing.T, s *Socket, group, body string) {
	t.Helper()
	if err := s.SendToGroup(group, []byte(body)); err != nil {
		t.Fatal(err)
	}
}

// Over udp:// a DISH binds and a RADIO connects; the RADIO sends every
// group (no JOIN crosses UDP) and the DISH keeps those it joined, before
// and after a Leave.
func TestUDPRadioDishGroups(t *testing.T) {
	e := newEnv(t)
	d := e.bound(DISH, "udp://127.0.0.1:*")
	ep := d.LastEndpoint()
	if _, port, _ := net.SplitHostPort(ep[len("udp://"):]); port == "0" || port == "*" {
		t.Fatalf("LastEndpoint %q: want the port the system chose", ep)
	}
	if err := d.Join("weather"); err != nil {
		t.Fatal(err)
	}
	if err := d.Join("news"); err != nil {
		t.Fatal(err)
	}
	r := e.connected(RADIO, []string{ep})
	m := recvUDPUntil(t, d, func() {
		sendToGroup(t, r, "sports", "not joined")
		sendToGroup(t, r, "weather", "sunny")
	})
	if got := m.Group + "|" + string(m.Frames[0]); got != "weather|sunny" {
		t.Fatalf("DISH received %q, want weather|sunny", got)
	}
	sendToGroup(t, r, "news", "extra")
	if m := mustRecvMsg(t, d); m.Group+"|"+string(m.Frames[0]) != "news|extra" {
		t.Fatalf("DISH received %s|%s, want news|extra", m.Group, m.Frames[0])
	}
	if err := d.Leave("weather"); err != nil {
		t.Fatal(err)
	}
	sendToGroup(t, r, "weather", "rain")
	sendToGroup(t, r, "news", "after leave")
	if m := mustRecvMsg(t, d); m.Group+"|"+string(m.Frames[0]) != "news|after leave" {
		t.Fatalf("DISH received %s|%s after Leave(weather), want news|after leave", m.Group, m.Frames[0])
	}
}

// A DGRAM sends to the address of its first frame, and receives the
// sender's address, without libzmq's NUL, with each datagram; a reply to
// that address reaches the sender, NUL or not.
func TestUDPDgram(t *testing.T) {
	e := newEnv(t)
	a := e.bound(DGRAM, "udp://127.0.0.1:*")
	b := e.bound(DGRAM, "udp://127.0.0.1:*")
	bAddr := b.LastEndpoint()[len("udp://"):]
	m := recvUDPUntil(t, b, func() {
		if err := a.Send([]byte(bAddr), []byte("ping")); err != nil {
			t.Fatal(err)
		}
	})
	aAddr := a.LastEndpoint()[len("udp://"):]
	if len(m.Frames) != 2 || string(m.Frames[0]) != aAddr || string(m.Frames[1]) != "ping" {
		t.Fatalf("DGRAM received %q, want [%s ping]", m.Frames, aAddr)
	}
	if err := b.Send(append(m.Frames[0], 0), []byte("pong")); err != nil {
		t.Fatal(err)
	}
	if got := mustRecv(t, a); len(got) != 2 || string(got[0]) != bAddr || string(got[1]) != "pong" {
		t.Fatalf("DGRAM received %q, want [%s pong]", got, bAddr)
	}
	for _, bad := range [][][]byte{
		{[]byte("ping")},
		{[]byte("nowhere"), []byte("x")},
		{[]byte("127.0.0.1:0"), []byte("x")},
		{[]byte(bAddr), make([]byte, maxDatagram+1)},
		{[]byte(bAddr), []byte("a"), []byte("b")},
	} {
		if err := a.Send(bad...); !errors.Is(err, ErrInvalid) {
			t.Errorf("DGRAM Send(%.20q): %v, want ErrInvalid", bad, err)
		}
	}
}

// libzmq's rules of who may use udp://: DISH and DGRAM bind, RADIO
// connects, nothing else; a DGRAM takes udp:// only; a DGRAM has one
// endpoint.
func TestUDPCompatibleTypes(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		typ  Type
		bind bool
		ep   string
	}{
		{RADIO, true, "udp://127.0.0.1:*"},
		{DISH, false, "udp://127.0.0.1:5555"},
		{DGRAM, false, "udp://127.0.0.1:5555"},
		{PUB, true, "udp://127.0.0.1:*"},
		{SUB, false, "udp://127.0.0.1:5555"},
		{DGRAM, true, "tcp://127.0.0.1:*"},
		{DGRAM, false, "inproc://dgram"},
	} {
		s := e.socket(c.typ)
		var err error
		if c.bind {
			err = s.Bind(c.ep)
		} else {
			err = s.Connect(c.ep)
		}
		if !errors.Is(err, ErrNotSupported) {
			t.Errorf("%v bind=%v %s: %v, want ErrNotSupported", c.typ, c.bind, c.ep, err)
		}
	}
	d := e.bound(DGRAM, "udp://127.0.0.1:*")
	if err := d.Bind("udp://127.0.0.1:*"); !errors.Is(err, ErrInvalid) {
		t.Errorf("a DGRAM's second Bind: %v, want ErrInvalid", err)
	}
}

// udpEndpointOf is the endpoint behind a udp:// Bind.
func udpEndpointOf(s *Socket, endpoint string) *udpEndpoint {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.listeners[endpoint].ln.(*udpListener).e
}

// A datagram not in libzmq's format (empty, or a group length past its
// end), or longer than libzmq's 8 KiB, is dropped and counted, and the
// DISH goes on receiving.
func TestUDPMalformedDatagrams(t *testing.T) {
	e := newEnv(t)
	d := e.bound(DISH, "udp://127.0.0.1:*")
	if err := d.Join("g"); err != nil {
		t.Fatal(err)
	}
	addr, err := net.ResolveUDPAddr("udp4", d.LastEndpoint()[len("udp://"):])
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialUDP("udp4", nil, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	long := append([]byte("\x01g"), make([]byte, maxDatagram)...) // cut short on arrival
	malformed := [][]byte{{}, {5, 'g'}, {255}, long}
	for _, b := range malformed {
		if _, err := c.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Write([]byte("\x01gok")); err != nil {
		t.Fatal(err)
	}
	if m := mustRecvMsg(t, d); m.Group != "g" || string(m.Frames[0]) != "ok" {
		t.Fatalf("DISH received %s|%s, want g|ok", m.Group, m.Frames[0])
	}
	if n := udpEndpointOf(d, d.LastEndpoint()).malformed.Load(); n != uint64(len(malformed)) {
		t.Errorf("malformed datagrams counted: %d, want %d", n, len(malformed))
	}
}

// Unbind and Disconnect end a udp:// endpoint: its port is free again and
// the RADIO sends nowhere.
func TestUDPUnbindDisconnect(t *testing.T) {
	e := newEnv(t)
	d := e.bound(DISH, "udp://127.0.0.1:*")
	ep := d.LastEndpoint()
	r := e.connected(RADIO, []string{ep})
	if err := r.Disconnect(ep); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() bool { return numPipes(r) == 0 }, "RADIO's udp pipe gone after Disconnect")
	if err := d.Unbind(ep); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() bool { return numPipes(d) == 0 }, "DISH's udp pipe gone after Unbind")
	c, err := net.ListenPacket("udp4", ep[len("udp://"):])
	if err != nil {
		t.Fatalf("port still held after Unbind: %v", err)
	}
	c.Close()
}

// Nothing a peer sends grows a DISH's memory past RCVHWM: datagrams that
// find the receive queue full are dropped and counted.
func TestUDPReceiveQueueBound(t *testing.T) {
	e := newEnv(t)
	d := e.bound(DISH, "udp://127.0.0.1:*", RecvHWM(2))
	if err := d.Join("g"); err != nil {
		t.Fatal(err)
	}
	r := e.connected(RADIO, []string{d.LastEndpoint()})
	const sent = 20
	for i := range sent {
		sendToGroup(t, r, "g", string(rune('a'+i)))
	}
	u := udpEndpointOf(d, d.LastEndpoint())
	eventually(t, func() bool { return u.dropped.Load() > 0 && queuedIn(d) == 2 }, "datagrams past RCVHWM dropped")
	if got := queuedIn(d); got != 2 {
		t.Errorf("DISH holds %d messages, want RCVHWM's 2", got)
	}
}

// A DGRAM's Close lingers until what it queued has gone out (LINGER), as
// over any transport.
func TestUDPDgramLinger(t *testing.T) {
	e := newEnv(t)
	b := e.bound(DGRAM, "udp://127.0.0.1:*")
	a := e.bound(DGRAM, "udp://127.0.0.1:*", Linger(patience))
	to := []byte(b.LastEndpoint()[len("udp://"):])
	const n = 50
	for i := range n {
		if err := a.Send(to, []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	a.Close()
	<-a.Done()
	for i := range n {
		m := mustRecv(t, b)
		if len(m) != 2 || len(m[1]) != 1 || m[1][0] != byte(i) {
			t.Fatalf("datagram %d: got %q", i, m)
		}
	}
}
