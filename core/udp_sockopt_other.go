//go:build !unix

package core

import (
	"context"
	"fmt"
	"net"
)

// listenUDP opens the endpoint's UDP socket. Outside unix systems the
// socket options of multicast are not set here, so udp:// is unicast only.
func listenUDP(addr udpAddress, _ *options, bind bool) (*net.UDPConn, error) {
	if addr.multicast {
		return nil, fmt.Errorf("%w: udp multicast on this system", ErrNotSupported)
	}
	network := "udp4"
	if addr.target.Addr().Is6() {
		network = "udp6"
	}
	local := ""
	if bind {
		local = addr.local.String()
	}
	pc, err := new(net.ListenConfig).ListenPacket(context.Background(), network, local)
	if err != nil {
		return nil, err
	}
	return pc.(*net.UDPConn), nil
}

// truncated reports whether a read's flags say the datagram was longer than
// the buffer; this system does not tell.
func truncated(int) bool { return false }
