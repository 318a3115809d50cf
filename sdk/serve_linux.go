package sdk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"golang.org/x/sys/unix"

	"github.com/zeroplug/zeroplug/sdk/internal/fdpass"
	"github.com/zeroplug/zeroplug/sdk/internal/pluginrpc"
	pb "github.com/zeroplug/zeroplug/sdk/internal/transportpb"
)

func init() {
	pluginrpc.NewServer = func(d any, fds *net.UnixConn, log hclog.Logger) (pb.TransportServer, func()) {
		s := newServer(d.(Driver), fds, log, "in-process", "(devel)")
		return s, s.stop
	}
}

// serve is Serve on Linux: it returns the exit status.
func serve(d Driver, name, version string) int {
	level := hclog.LevelFromString(os.Getenv(pluginrpc.EnvLogLevel))
	if level == hclog.NoLevel {
		level = hclog.Info
	}
	// The real standard error: go-plugin replaces os.Stderr after the
	// handshake, and the host reads this one line by line.
	logger := hclog.New(&hclog.LoggerOptions{Name: name, Level: level, Output: os.Stderr, JSONFormat: true})
	hclog.SetDefault(logger)
	log.SetFlags(0)
	log.SetOutput(logger.StandardWriter(&hclog.StandardLoggerOptions{InferLevels: true}))

	n, err := strconv.Atoi(os.Getenv(pluginrpc.EnvFD))
	if err != nil || n < 3 {
		logger.Error("started without the descriptor channel", pluginrpc.EnvFD, os.Getenv(pluginrpc.EnvFD))
		return 1
	}
	fds, err := fdpass.Open(uintptr(n))
	if err != nil {
		logger.Error("opening the descriptor channel", "error", err)
		return 1
	}
	s := newServer(d, fds, logger, name, version)
	go watchHost(fds, logger)
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  pluginrpc.Handshake,
		VersionedPlugins: pluginrpc.Versions(DriverVersion, &pluginrpc.Plugin{Transport: s}),
		GRPCServer:       plugin.DefaultGRPCServer,
		Logger:           logger,
	})
	s.stop()
	if dr, ok := d.(Drainer); ok {
		dr.Drain(time.Now().Add(drainTime))
	}
	return 0
}

// drainTime is how long a Drainer may take: the host kills a plugin that
// has not exited two seconds after asking it to stop (go-plugin's Kill).
const drainTime = 1500 * time.Millisecond

// watchHost ends the plugin when the host has gone: the host never writes
// on the channel, so a read returns only when every copy of the host's end
// is closed. It backs up the parent-death signal, which Linux ties to the
// thread that started the plugin rather than to the host process.
func watchHost(fds *net.UnixConn, logger hclog.Logger) {
	var b [fdpass.TokenSize]byte
	for {
		n, _, _, _, err := fds.ReadMsgUnix(b[:], nil)
		if err != nil || n == 0 {
			logger.Debug("the host has gone; exiting")
			os.Exit(0)
		}
	}
}

// server is the plugin's side of the transport service.
type server struct {
	pb.UnimplementedTransportServer
	d             Driver
	fds           *net.UnixConn
	log           hclog.Logger
	name, version string

	mu        sync.Mutex
	listeners map[uint64]*served
	nextID    uint64
	splices   map[io.Closer]struct{}
	stopped   bool
	wg        sync.WaitGroup // acceptors and splices
}

// served is one of the driver's listeners.
type served struct {
	l          Listener
	handedOver bool
	closed     chan struct{}

	acceptOnce sync.Once
	accepted   chan acceptResult // for a listener accepted on here
}

type acceptResult struct {
	c   net.Conn
	err error
}

func newServer(d Driver, fds *net.UnixConn, log hclog.Logger, name, version string) *server {
	return &server{
		d: d, fds: fds, log: log, name: name, version: version,
		listeners: make(map[uint64]*served),
		splices:   make(map[io.Closer]struct{}),
	}
}

// stop closes every listener and splice; the process is ending.
func (s *server) stop() {
	s.mu.Lock()
	s.stopped = true
	ls := s.listeners
	s.listeners = map[uint64]*served{}
	for c := range s.splices {
		c.Close()
	}
	s.mu.Unlock()
	for _, sl := range ls {
		close(sl.closed)
		sl.l.Close()
	}
	s.wg.Wait()
}

func (s *server) Info(_ context.Context, _ *pb.InfoRequest) (*pb.InfoReply, error) {
	return &pb.InfoReply{
		Schemes:       s.d.Schemes(),
		DriverVersion: DriverVersion,
		Name:          s.name,
		Version:       s.version,
		GoVersion:     runtime.Version(),
	}, nil
}

func (s *server) Validate(_ context.Context, req *pb.ValidateRequest) (*pb.ValidateReply, error) {
	v, ok := s.d.(Validator)
	if !ok {
		return &pb.ValidateReply{}, nil
	}
	err := v.Validate(Endpoint{Scheme: req.Scheme, Address: req.Address}, req.Bind)
	return &pb.ValidateReply{Error: encodeError(err)}, nil
}

// syscallConner is what Serve looks for to find a kernel socket.
type syscallConner interface {
	SyscallConn() (syscall.RawConn, error)
}

func (s *server) Listen(ctx context.Context, req *pb.ListenRequest) (*pb.ListenReply, error) {
	l, err := s.d.Listen(ctx, Endpoint{Scheme: req.Scheme, Address: req.Address}, decodeOptions(req.Options))
	if err != nil {
		return &pb.ListenReply{Error: encodeError(err)}, nil
	}
	sl := &served{l: l, closed: make(chan struct{}), accepted: make(chan acceptResult)}
	if sc, ok := l.(syscallConner); ok {
		fd, err := fdpass.Dup(sc)
		if err == nil {
			err = fdpass.Send(s.fds, req.Token, fd)
			unix.Close(fd)
			if err != nil {
				l.Close()
				return &pb.ListenReply{Error: encodeError(fmt.Errorf("handing the listener over: %w", err))}, nil
			}
			sl.handedOver = true
		} else if !errors.Is(err, fdpass.ErrRejected) {
			l.Close()
			return &pb.ListenReply{Error: encodeError(err)}, nil
		}
	}
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		l.Close()
		return &pb.ListenReply{Error: encodeError(net.ErrClosed)}, nil
	}
	s.nextID++
	id := s.nextID
	s.listeners[id] = sl
	s.mu.Unlock()
	ep := l.Endpoint()
	s.log.Debug("listening", "endpoint", ep.String(), "handed_over", sl.handedOver)
	return &pb.ListenReply{ListenerId: id, Scheme: ep.Scheme, Address: ep.Address, HandedOver: sl.handedOver}, nil
}

func (s *server) listener(id uint64) *served {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.listeners[id]
}

// Accept serves a listener that was not handed over: one goroutine accepts
// on it for as long as it is open, and each Accept call takes the next
// connection and hands it over.
func (s *server) Accept(ctx context.Context, req *pb.AcceptRequest) (*pb.AcceptReply, error) {
	sl := s.listener(req.ListenerId)
	if sl == nil {
		return &pb.AcceptReply{Error: encodeError(net.ErrClosed)}, nil
	}
	if sl.handedOver {
		return &pb.AcceptReply{Error: encodeError(fmt.Errorf("listener %d was handed over: %w", req.ListenerId, ErrNotSupported))}, nil
	}
	sl.acceptOnce.Do(func() {
		s.wg.Add(1)
		go s.acceptLoop(sl)
	})
	select {
	case r := <-sl.accepted:
		if r.err != nil {
			return &pb.AcceptReply{Error: encodeError(r.err)}, nil
		}
		return &pb.AcceptReply{Error: encodeError(s.handOff(r.c, req.Token))}, nil
	case <-sl.closed:
		return &pb.AcceptReply{Error: encodeError(net.ErrClosed)}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *server) acceptLoop(sl *served) {
	defer s.wg.Done()
	for {
		c, err := sl.l.Accept()
		select {
		case sl.accepted <- acceptResult{c, err}:
		case <-sl.closed:
			if c != nil {
				c.Close()
			}
			return
		}
		if err != nil {
			return
		}
	}
}

func (s *server) Close(_ context.Context, req *pb.CloseRequest) (*pb.CloseReply, error) {
	s.mu.Lock()
	sl := s.listeners[req.ListenerId]
	delete(s.listeners, req.ListenerId)
	s.mu.Unlock()
	if sl == nil {
		return &pb.CloseReply{}, nil
	}
	close(sl.closed)
	return &pb.CloseReply{Error: encodeError(sl.l.Close())}, nil
}

func (s *server) Dial(ctx context.Context, req *pb.DialRequest) (*pb.DialReply, error) {
	c, err := s.d.Dial(ctx, Endpoint{Scheme: req.Scheme, Address: req.Address}, decodeOptions(req.Options))
	if err != nil {
		return &pb.DialReply{Error: encodeError(err)}, nil
	}
	return &pb.DialReply{Error: encodeError(s.handOff(c, req.Token))}, nil
}

// handOff sends c's socket to the core with token and closes the plugin's
// copy. A connection without a kernel socket is spliced through a stream
// pair, whose other end the plugin keeps copying.
func (s *server) handOff(c net.Conn, token uint64) error {
	if sc, ok := c.(syscallConner); ok {
		fd, err := fdpass.Dup(sc)
		if err == nil {
			err = fdpass.Send(s.fds, token, fd)
			unix.Close(fd)
			c.Close()
			return err
		}
		if !errors.Is(err, fdpass.ErrRejected) {
			c.Close()
			return err
		}
	}
	remote, local, err := fdpass.StreamPair()
	if err != nil {
		c.Close()
		return err
	}
	fd, err := fdpass.Dup(remote)
	remote.Close()
	if err == nil {
		err = fdpass.Send(s.fds, token, fd)
		unix.Close(fd)
	}
	if err != nil {
		local.Close()
		c.Close()
		return err
	}
	s.splice(c, local)
	return nil
}

// splice copies between a user-space connection and the plugin's end of the
// pair handed over, until either side ends.
func (s *server) splice(c net.Conn, local *net.UnixConn) {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		c.Close()
		local.Close()
		return
	}
	s.splices[c] = struct{}{}
	s.splices[local] = struct{}{}
	s.wg.Add(2)
	s.mu.Unlock()
	var once sync.Once
	end := func() {
		once.Do(func() {
			c.Close()
			local.Close()
			s.mu.Lock()
			delete(s.splices, c)
			delete(s.splices, local)
			s.mu.Unlock()
		})
	}
	go func() { defer s.wg.Done(); io.Copy(local, c); end() }()
	go func() { defer s.wg.Done(); io.Copy(c, local); end() }()
}

// encodeError keeps an error's class across the process boundary.
func encodeError(err error) *pb.Error {
	if err == nil {
		return nil
	}
	e := &pb.Error{Message: err.Error()}
	switch {
	case errors.Is(err, ErrBadEndpoint):
		e.Kind = pb.ErrorKind_ERROR_KIND_BAD_ENDPOINT
	case errors.Is(err, ErrUnknownScheme):
		e.Kind = pb.ErrorKind_ERROR_KIND_UNKNOWN_SCHEME
	case errors.Is(err, ErrNoSuchDevice):
		e.Kind = pb.ErrorKind_ERROR_KIND_NO_SUCH_DEVICE
	case errors.Is(err, ErrNotSupported):
		e.Kind = pb.ErrorKind_ERROR_KIND_NOT_SUPPORTED
	case errors.Is(err, context.Canceled):
		e.Kind = pb.ErrorKind_ERROR_KIND_CANCELED
	case errors.Is(err, context.DeadlineExceeded):
		e.Kind = pb.ErrorKind_ERROR_KIND_DEADLINE
	case errors.Is(err, net.ErrClosed):
		e.Kind = pb.ErrorKind_ERROR_KIND_CLOSED
	}
	// The errno is what the host rebuilds the sentinel from (ErrAddrInUse
	// from EADDRINUSE). An error that names a sentinel with no system
	// error behind it, and has no class of its own, is sent as the
	// sentinel's errno.
	var errno syscall.Errno
	if errors.As(err, &errno) {
		e.Errno = int32(errno)
	} else if e.Kind == pb.ErrorKind_ERROR_KIND_OTHER {
		e.Errno = int32(SentinelErrno(err))
	}
	return e
}

func decodeOptions(o *pb.Options) Options {
	if o == nil {
		return Options{}
	}
	return Options{
		IPv6:              o.Ipv6,
		TCPKeepAlive:      int(o.TcpKeepAlive),
		TCPKeepAliveIdle:  time.Duration(o.TcpKeepAliveIdle),
		TCPKeepAliveIntvl: time.Duration(o.TcpKeepAliveIntvl),
		TCPKeepAliveCount: int(o.TcpKeepAliveCount),
		SendBuffer:        int(o.SendBuffer),
		RecvBuffer:        int(o.RecvBuffer),
		ConnectTimeout:    time.Duration(o.ConnectTimeout),
		TOS:               int(o.Tos),
		BindToDevice:      o.BindToDevice,
		TCPMaxRT:          time.Duration(o.TcpMaxRt),
		Backlog:           int(o.Backlog),
		SocketType:        o.SocketType,
		Rate:              int(o.Rate),
		RecoveryIvl:       time.Duration(o.RecoveryIvl),
		MulticastHops:     int(o.MulticastHops),
		MulticastMaxTPDU:  int(o.MulticastMaxTpdu),
		Extra:             o.Extra,
	}
}

// StreamPair returns the two ends of a connected unix stream socketpair, for
// a transport whose protocol runs in user space (pgm, norm): its Dial (or
// its Listener's Accept) returns remote, which Serve hands to the core, and
// the plugin speaks ZMTP on local as the core's peer, with sdk/zmtp:
//
//	remote, local, err := sdk.StreamPair()
//	go func() {
//		enc, dec := zmtp.NewEncoder(local), zmtp.NewDecoder(local, 0)
//		if _, err := zmtp.Handshake(enc, dec, zmtp.Config{SocketType: "PUB"}); err != nil {
//			local.Close()
//			return
//		}
//		for msg := range heard { // what the group carried
//			enc.Frame(0, msg)
//			enc.Flush()
//		}
//	}()
//	return remote, err
func StreamPair() (remote, local net.Conn, err error) {
	a, b, err := fdpass.StreamPair()
	if err != nil {
		return nil, nil, err
	}
	return a, b, nil
}
