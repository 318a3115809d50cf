//go:build !linux

package tipc

import (
	"context"
	"fmt"
	"net"

	"github.com/zeroplug/zeroplug/sdk"
)

var errNotLinux = fmt.Errorf("zeroplug tipc: TIPC sockets need Linux: %w", sdk.ErrNotSupported)

func listen(address) (sdk.Listener, error) { return nil, errNotLinux }

func dial(context.Context, address) (net.Conn, error) { return nil, errNotLinux }
