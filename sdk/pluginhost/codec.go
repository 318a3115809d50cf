package pluginhost

import (
	"context"
	"net"
	"syscall"

	"github.com/zeroplug/zeroplug/sdk"
	pb "github.com/zeroplug/zeroplug/sdk/internal/transportpb"
)

func encodeOptions(o sdk.Options) *pb.Options {
	return &pb.Options{
		Ipv6:              o.IPv6,
		TcpKeepAlive:      int32(o.TCPKeepAlive),
		TcpKeepAliveIdle:  int64(o.TCPKeepAliveIdle),
		TcpKeepAliveIntvl: int64(o.TCPKeepAliveIntvl),
		TcpKeepAliveCount: int32(o.TCPKeepAliveCount),
		SendBuffer:        int32(o.SendBuffer),
		RecvBuffer:        int32(o.RecvBuffer),
		ConnectTimeout:    int64(o.ConnectTimeout),
		Tos:               int32(o.TOS),
		BindToDevice:      o.BindToDevice,
		TcpMaxRt:          int64(o.TCPMaxRT),
		Backlog:           int32(o.Backlog),
		SocketType:        o.SocketType,
		Rate:              int32(o.Rate),
		RecoveryIvl:       int64(o.RecoveryIvl),
		MulticastHops:     int32(o.MulticastHops),
		MulticastMaxTpdu:  int32(o.MulticastMaxTPDU),
		Extra:             o.Extra,
	}
}

// kinds are the errors a plugin's error may wrap, by the class it was sent
// with.
var kinds = map[pb.ErrorKind]error{
	pb.ErrorKind_ERROR_KIND_BAD_ENDPOINT:   sdk.ErrBadEndpoint,
	pb.ErrorKind_ERROR_KIND_UNKNOWN_SCHEME: sdk.ErrUnknownScheme,
	pb.ErrorKind_ERROR_KIND_NO_SUCH_DEVICE: sdk.ErrNoSuchDevice,
	pb.ErrorKind_ERROR_KIND_NOT_SUPPORTED:  sdk.ErrNotSupported,
	pb.ErrorKind_ERROR_KIND_CANCELED:       context.Canceled,
	pb.ErrorKind_ERROR_KIND_DEADLINE:       context.DeadlineExceeded,
	pb.ErrorKind_ERROR_KIND_CLOSED:         net.ErrClosed,
}

// remoteError is an error that happened in the plugin: its text, and the
// class, errno and errno's sentinel errors.Is finds, so that a plugin's
// EADDRINUSE is sdk.ErrAddrInUse here as a linked-in driver's is.
type remoteError struct {
	msg   string
	kind  error
	errno syscall.Errno
}

func (e *remoteError) Error() string { return e.msg }

func (e *remoteError) Unwrap() []error {
	var out []error
	if e.kind != nil {
		out = append(out, e.kind)
	}
	if e.errno != 0 {
		out = append(out, e.errno)
		if s := sdk.ErrnoSentinel(e.errno); s != nil && s != e.kind {
			out = append(out, s)
		}
	}
	return out
}

func decodeError(e *pb.Error) error {
	if e == nil {
		return nil
	}
	return &remoteError{msg: e.Message, kind: kinds[e.Kind], errno: syscall.Errno(e.Errno)}
}
