//go:build !unix

package tcp

import (
	"fmt"
	"net"
	"syscall"

	"github.com/zeroplug/zeroplug/sdk"
)

// control has nothing to set before connecting where x/sys/unix is missing
// (tuneBuffers sets the buffer sizes on the connection instead), and refuses
// the options it cannot set rather than ignore them.
func control(o sdk.Options, _ bool) func(network, address string, c syscall.RawConn) error {
	if o.TOS <= 0 && o.BindToDevice == "" && o.TCPMaxRT <= 0 {
		return nil
	}
	return func(string, string, syscall.RawConn) error {
		return fmt.Errorf("tcp: TOS, BINDTODEVICE and TCP_MAXRT: %w on this system", sdk.ErrNotSupported)
	}
}

// setBacklog leaves Go's listen backlog (the system's maximum): without
// x/sys/unix there is no second listen call to change it.
func setBacklog(*net.TCPListener, int) error { return nil }

// tuneBuffers sets SO_SNDBUF and SO_RCVBUF on a connected socket.
func tuneBuffers(c *net.TCPConn, o sdk.Options) error {
	if o.SendBuffer > 0 {
		if err := c.SetWriteBuffer(o.SendBuffer); err != nil {
			return err
		}
	}
	if o.RecvBuffer > 0 {
		if err := c.SetReadBuffer(o.RecvBuffer); err != nil {
			return err
		}
	}
	return nil
}
