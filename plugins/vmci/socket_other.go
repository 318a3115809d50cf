//go:build !linux

package vmci

import (
	"context"
	"fmt"
	"net"

	"github.com/zeroplug/zeroplug/sdk"
)

var errNotLinux = fmt.Errorf("zeroplug vmci: vsock sockets need Linux: %w", sdk.ErrNotSupported)

func listen(string, uint32, uint32, settings) (sdk.Listener, error) { return nil, errNotLinux }

func dial(context.Context, uint32, uint32, settings) (net.Conn, error) { return nil, errNotLinux }
