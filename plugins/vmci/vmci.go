// Package vmci is zeroplug's VM sockets transport: ZMTP over AF_VSOCK stream
// sockets, between a virtual machine and its host, or between two processes
// of one machine through the vsock_loopback module. It serves two schemes,
// with libzmq's address syntax:
//
//	vsock://<cid|*|@>:<port|*>   libzmq master's vsock transport; "@" is the local CID 1 (VMADDR_CID_LOCAL)
//	vmci://<cid|*|@>:<port|*>    libzmq's VMware VMCI transport, which on Linux is the same AF_VSOCK
//	                             family; "@" is this machine's own CID, from /dev/vsock
//
// A CID is a decimal number: 2 is the host (VMADDR_CID_HOST), 1 this machine
// through vsock_loopback, 3 and up the VMs, each the guest-cid its hypervisor
// gave it. "*" (or "-1") is any CID or port, for binding: "vsock://*:5555"
// accepts on every CID of the machine, "vsock://2:*" binds an ephemeral port,
// which Listener.Endpoint (LAST_ENDPOINT) reports as a number:
// "vsock://2:1025". A bound "*" CID stays "*" there, as in libzmq. A connect
// needs both numbers. Anything else (a sign, trailing characters, a number
// past 32 bits, an empty part) is an error wrapping sdk.ErrBadEndpoint that
// says which part is wrong; "vmci://@:..." on a machine without a vsock
// transport is sdk.ErrNoSuchDevice.
//
// Options (sdk.Options; core.ConnectTimeout, core.TransportOption):
//
//	ConnectTimeout         bounds a connect; it also becomes the socket's SO_VM_SOCKETS_CONNECT_TIMEOUT,
//	                       whose default (2 s) would otherwise end a slower one first
//	"vmci.connect_timeout" libzmq's ZMQ_VMCI_CONNECT_TIMEOUT, in milliseconds: that socket option alone
//	"vmci.buffer_size"     libzmq's ZMQ_VMCI_BUFFER_SIZE, in bytes: SO_VM_SOCKETS_BUFFER_SIZE, the
//	                       receive buffer the peer may fill (256 KiB by default)
//	"vmci.buffer_min_size" ZMQ_VMCI_BUFFER_MIN_SIZE: SO_VM_SOCKETS_BUFFER_MIN_SIZE
//	"vmci.buffer_max_size" ZMQ_VMCI_BUFFER_MAX_SIZE: SO_VM_SOCKETS_BUFFER_MAX_SIZE (256 KiB by default)
//
// The buffer options apply to a connecting socket and to a listening one,
// whose accepted connections inherit them. A buffer size above the maximum
// raises the maximum with it, where the kernel would silently clamp it.
// ZMQ_SNDBUF and ZMQ_RCVBUF (Options.SendBuffer, RecvBuffer) do nothing on
// vsock: the kernel sizes vsock buffers with the options above only.
//
// The package is a Driver; cmd/zeroplug-transport-vmci serves it as a
// plugin, which the core finds by the schemes it declares and starts on the
// first bind or connect to a vsock:// or vmci:// endpoint. The plugin binds
// or connects, then hands the socket to the core, which does all I/O on it
// itself.
package vmci

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/mdlayher/vsock"

	"github.com/zeroplug/zeroplug/sdk"
)

// The schemes this driver serves.
const (
	SchemeVsock = "vsock"
	SchemeVMCI  = "vmci"
)

// The names of the transport options the driver reads from
// sdk.Options.Extra: libzmq's ZMQ_VMCI_* socket options.
const (
	OptBufferSize     = "vmci.buffer_size"
	OptBufferMinSize  = "vmci.buffer_min_size"
	OptBufferMaxSize  = "vmci.buffer_max_size"
	OptConnectTimeout = "vmci.connect_timeout"
)

// Driver is the vsock and vmci transport. The zero value is ready to use and
// safe for concurrent use.
type Driver struct{}

var (
	_ sdk.Driver    = Driver{}
	_ sdk.Validator = Driver{}
)

// Schemes returns "vsock" and "vmci".
func (Driver) Schemes() []string { return []string{SchemeVsock, SchemeVMCI} }

// Validate checks an endpoint's syntax without touching a socket.
func (Driver) Validate(ep sdk.Endpoint, bind bool) error {
	_, err := parse(ep, bind)
	return err
}

// localCID is this machine's CID, from the ioctl on /dev/vsock; tests
// replace it.
var localCID = vsock.ContextID

// cidLocal is VMADDR_CID_LOCAL: this machine, through vsock_loopback.
const cidLocal = 1

// cid resolves "@": VMADDR_CID_LOCAL for vsock://, as libzmq master since
// its PR #4922, and the machine's own CID for vmci://, as libzmq's
// VMCISock_GetLocalCID.
func (a address) resolve(ep sdk.Endpoint) (uint32, error) {
	if !a.local {
		return a.cid, nil
	}
	if ep.Scheme == SchemeVsock {
		return cidLocal, nil
	}
	cid, err := localCID()
	if err != nil {
		return 0, &sdk.EndpointError{Endpoint: ep.String(), Err: sdk.ErrNoSuchDevice,
			Reason: fmt.Sprintf(`"@" needs this machine's CID, which /dev/vsock does not give: %v`, err)}
	}
	if cid == anyCID {
		return 0, &sdk.EndpointError{Endpoint: ep.String(), Err: sdk.ErrNoSuchDevice,
			Reason: `"@" needs this machine's CID, and no vsock transport is loaded`}
	}
	return cid, nil
}

// Listen binds to the endpoint's CID and port and listens. The endpoint it
// reports has the port the kernel chose for "*".
func (Driver) Listen(ctx context.Context, ep sdk.Endpoint, opts sdk.Options) (sdk.Listener, error) {
	a, err := parse(ep, true)
	if err != nil {
		return nil, err
	}
	cid, err := a.resolve(ep)
	if err != nil {
		return nil, err
	}
	st, err := readOptions(opts)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return listen(ep.Scheme, cid, a.port, st)
}

// Dial connects to the endpoint's CID and port. ctx, and
// Options.ConnectTimeout when set, bound the attempt.
func (Driver) Dial(ctx context.Context, ep sdk.Endpoint, opts sdk.Options) (net.Conn, error) {
	a, err := parse(ep, false)
	if err != nil {
		return nil, err
	}
	cid, err := a.resolve(ep)
	if err != nil {
		return nil, err
	}
	st, err := readOptions(opts)
	if err != nil {
		return nil, err
	}
	if opts.ConnectTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.ConnectTimeout)
		defer cancel()
	}
	return dial(ctx, cid, a.port, st)
}

func checkScheme(ep sdk.Endpoint) error {
	if ep.Scheme != SchemeVsock && ep.Scheme != SchemeVMCI {
		return &sdk.EndpointError{Endpoint: ep.String(), Err: sdk.ErrUnknownScheme,
			Reason: "the vmci driver serves vsock:// and vmci:// only", Known: []string{SchemeVsock, SchemeVMCI}}
	}
	return nil
}

// settings are the socket options read from sdk.Options.
type settings struct {
	bufSize, bufMin, bufMax uint64
	connectTimeout          time.Duration // SO_VM_SOCKETS_CONNECT_TIMEOUT
}

func readOptions(o sdk.Options) (settings, error) {
	var s settings
	for _, opt := range []struct {
		name string
		v    *uint64
	}{{OptBufferSize, &s.bufSize}, {OptBufferMinSize, &s.bufMin}, {OptBufferMaxSize, &s.bufMax}} {
		text, ok := o.Extra[opt.name]
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(text, 10, 64)
		if err != nil {
			return s, fmt.Errorf("zeroplug vmci: the option %s is %q: want a number of bytes", opt.name, text)
		}
		*opt.v = n
	}
	s.connectTimeout = o.ConnectTimeout
	if text, ok := o.Extra[OptConnectTimeout]; ok {
		ms, err := strconv.ParseUint(text, 10, 32)
		if err != nil {
			return s, fmt.Errorf("zeroplug vmci: the option %s is %q: want a number of milliseconds", OptConnectTimeout, text)
		}
		s.connectTimeout = time.Duration(ms) * time.Millisecond
	}
	return s, nil
}
