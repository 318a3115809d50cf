//go:build !unix

package tcp

import (
	"net"
	"syscall"

	"github.com/zeroplug/zeroplug/sdk"
)

// control has nothing to set before connecting where x/sys/unix is missing;
// tuneBuffers sets the buffer sizes on the connection instead.
func control(sdk.Options, bool) func(network, address string, c syscall.RawConn) error {
	return nil
}

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
