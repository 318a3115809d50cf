package core

import (
	"bytes"
	"fmt"
	"net/netip"
	"strconv"
	"sync"
)

// dgram is libzmq's DGRAM: raw datagrams over udp://, each message two
// frames, the peer's address "ip:port" and the datagram's bytes. It binds
// one endpoint (libzmq's dgram takes a single pipe) and sends from it to
// whatever address the first frame names.
//
// The address frame a DGRAM receives is "ip:port" without a NUL: libzmq
// 4.3.5 appends its C string's NUL to the frame, but that frame never
// crosses the wire, and a Go string with a NUL in it is one no parser
// takes. The frame sent may end in a NUL, so that what libzmq code hands
// over works unchanged.
type dgram struct {
	s  *Socket
	lb loadBalancer
	mu sync.Mutex // guards p
	p  *pipe      // the one endpoint, once bound
}

func (x *dgram) attach(p *pipe) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.p != nil {
		return false
	}
	x.p = p
	x.lb.add(p)
	return true
}

func (x *dgram) detach(p *pipe) {
	x.mu.Lock()
	if x.p == p {
		x.p = nil
	}
	x.mu.Unlock()
	x.lb.remove(p)
}

func (x *dgram) writable() bool { return x.lb.writable() }
func (x *dgram) close()         {}

// send takes [address, body]; the address is checked here, where the
// caller can be told, not dropped later as libzmq's udp_engine drops it.
func (x *dgram) send(m msg, w *wait) error {
	if m.count() != 2 {
		return fmt.Errorf("%w: a DGRAM message is two frames, an address and a body, not %d", ErrInvalid, m.count())
	}
	if _, err := parseDgramAddress(m.parts[0]); err != nil {
		return err
	}
	if len(m.parts[1]) > maxDatagram {
		return errDatagramTooLong
	}
	_, err := x.s.sendOne(&x.lb, m, w)
	return err
}

func (x *dgram) recv(w *wait) (msg, *pipe, error) { return x.s.recvAny(w) }

// parseDgramAddress reads a DGRAM's address frame: "ip:port" or
// "[ipv6]:port", with or without libzmq's trailing NUL. libzmq reads IPv4
// only, and no port 0.
func parseDgramAddress(b []byte) (netip.AddrPort, error) {
	b = bytes.TrimSuffix(b, []byte{0})
	i := bytes.LastIndexByte(b, ':')
	if i < 0 {
		return netip.AddrPort{}, fmt.Errorf("%w: DGRAM address %q is not ip:port", ErrInvalid, b)
	}
	host := string(bytes.TrimSuffix(bytes.TrimPrefix(b[:i], []byte("[")), []byte("]")))
	ip, err := netip.ParseAddr(host)
	port, perr := strconv.ParseUint(string(b[i+1:]), 10, 16)
	if err != nil || perr != nil || port == 0 {
		return netip.AddrPort{}, fmt.Errorf("%w: DGRAM address %q is not ip:port", ErrInvalid, b)
	}
	return netip.AddrPortFrom(ip.Unmap(), uint16(port)), nil
}
