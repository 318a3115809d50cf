//go:build unix

package core

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// MULTICAST_HOPS and MULTICAST_LOOP: libzmq's defaults (1 and on), read back by name, and
// set on a RADIO's socket to a group as IP_MULTICAST_TTL and IP_MULTICAST_LOOP.
func TestUDPMulticastOptions(t *testing.T) {
	e := newEnv(t)
	s := e.socket(RADIO)
	for name, want := range map[string]any{"MULTICAST_HOPS": 1, "MULTICAST_LOOP": true} {
		if got, err := s.Option(name); err != nil || got != want {
			t.Errorf("default %s = %v, %v; want %v", name, got, err, want)
		}
	}
	if err := s.SetOption(MulticastHops(-1)); !errors.Is(err, ErrInvalid) {
		t.Errorf("MulticastHops(-1): %v, want ErrInvalid", err)
	}
	for _, c := range []struct {
		hops, ttl int
		loop      bool
	}{{5, 5, false}, {1, 1, true}} {
		r := e.socket(RADIO, MulticastHops(c.hops), MulticastLoop(c.loop))
		ep := "udp://127.0.0.1;239.255.0.9:5999"
		if err := r.Connect(ep); err != nil {
			t.Fatal(err)
		}
		r.mu.Lock()
		conn := r.connects[ep][0].udp.conn
		r.mu.Unlock()
		raw, err := conn.SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var ttl, loop int
		var gerr error
		raw.Control(func(fd uintptr) {
			ttl, gerr = unix.GetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_MULTICAST_TTL)
			if gerr == nil {
				loop, gerr = unix.GetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_MULTICAST_LOOP)
			}
		})
		if gerr != nil {
			t.Fatal(gerr)
		}
		if ttl != c.ttl || (loop != 0) != c.loop {
			t.Errorf("MULTICAST_HOPS %d, MULTICAST_LOOP %v: socket has TTL %d, loop %d", c.hops, c.loop, ttl, loop)
		}
	}
}

// udpRecvBuffer reads SO_RCVBUF of s's udp binding.
func udpRecvBuffer(t *testing.T, s *Socket) int {
	t.Helper()
	raw, err := udpEndpointOf(s, s.LastEndpoint()).conn.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	var gerr error
	raw.Control(func(fd uintptr) { n, gerr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF) })
	if gerr != nil {
		t.Fatal(gerr)
	}
	return n
}

// RCVBUF reaches a DISH's udp socket (Linux doubles what it is given), and
// without it a DISH or DGRAM asks for udpReceiveBuffer, which Linux caps at
// net.core.rmem_max (and doubles).
func TestUDPRecvBuffer(t *testing.T) {
	e := newEnv(t)
	d := e.bound(DISH, "udp://127.0.0.1:*", RecvBuffer(1<<18))
	if n := udpRecvBuffer(t, d); n < 1<<18 {
		t.Errorf("RCVBUF %d: SO_RCVBUF = %d", 1<<18, n)
	}
	want := udpReceiveBuffer
	if b, err := os.ReadFile("/proc/sys/net/core/rmem_max"); err == nil {
		if max, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			want = min(want, max)
		}
	}
	for _, typ := range []Type{DISH, DGRAM} {
		s := e.bound(typ, "udp://127.0.0.1:*")
		if n := udpRecvBuffer(t, s); n < want {
			t.Errorf("%s without RCVBUF: SO_RCVBUF = %d, want at least %d", typ, n, want)
		}
	}
}
