package pluginhost

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/zeroplug/zeroplug/sdk"
	"github.com/zeroplug/zeroplug/sdk/internal/fdpass"
	"github.com/zeroplug/zeroplug/sdk/internal/pluginrpc"
	pb "github.com/zeroplug/zeroplug/sdk/internal/transportpb"
)

// plat is the Linux part of a process.
type plat struct {
	name       string // the plugin's file name, for errors
	rpc        pb.TransportClient
	fds        *fdpass.Receiver
	kill       func()        // stops the process; returns once it has ended
	release    func()        // frees what is left once it has ended
	exitStatus func() string // how it ended
}

// cleanup releases what an ended process left: the descriptor channel, the
// go-plugin client's goroutines and connection.
func (pr *process) cleanup() { pr.release() }

// fdWait bounds the wait for a descriptor after the plugin has answered
// that it sent it.
const fdWait = 5 * time.Second

// startProcess execs the plugin, runs go-plugin's handshake and asks what
// it serves. It runs on the goroutine (and OS thread) that stays with the
// process.
func (h *Host) startProcess(p *Plugin) (*process, error) {
	f := p.found
	var secure *plugin.SecureConfig
	manifest, mpath, err := h.loadManifest()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrNotPinned, f.Path, err)
	}
	var want []byte
	if manifest != nil {
		sum, ok := manifest.lookup(f)
		if !ok {
			return nil, fmt.Errorf("%w: %s is not in the manifest %s", ErrNotPinned, f.Path, mpath)
		}
		want = sum
		secure = &plugin.SecureConfig{Checksum: sum, Hash: sha256.New()}
	}

	hostEnd, child, err := fdpass.Socketpair()
	if err != nil {
		return nil, err
	}
	// go-plugin's unix socket goes in a private directory, removed as soon
	// as the gRPC connection is up.
	sockDir, err := os.MkdirTemp(h.cfg.TempDir, "zeroplug-plugin-")
	if err != nil {
		hostEnd.Close()
		child.Close()
		return nil, err
	}
	cmd := exec.Command(f.Path)
	cmd.Env = append(pluginEnviron(),
		pluginrpc.EnvFD+"=3",
		pluginrpc.EnvLogLevel+"="+logLevel(h.log),
		plugin.EnvUnixSocketDir+"="+sockDir,
	)
	cmd.ExtraFiles = []*os.File{child}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  pluginrpc.Handshake,
		VersionedPlugins: pluginrpc.Versions(sdk.DriverVersion, &pluginrpc.Plugin{}),
		Cmd:              cmd,
		SecureConfig:     secure,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           quietExit{h.log},
		StartTimeout:     h.cfg.StartTimeout,
		SkipHostEnv:      true,
		// The socket file is gone once connected: gRPC must never dial
		// again, as it would after its default 30 minutes of idleness.
		GRPCDialOptions: []grpc.DialOption{grpc.WithIdleTimeout(0)},
	})
	fail := func(err error) (*process, error) {
		client.Kill()
		hostEnd.Close()
		child.Close()
		os.RemoveAll(sockDir)
		return nil, err
	}

	t0 := time.Now()
	proto, err := client.Client()
	child.Close() // the plugin has its copy
	if err != nil {
		if errors.Is(err, plugin.ErrChecksumsDoNotMatch) {
			return fail(checksumError(f, mpath, want))
		}
		return fail(fmt.Errorf("zeroplug: starting transport plugin %s: %w", f.Path, err))
	}
	raw, err := proto.Dispense(pluginrpc.Name)
	if err != nil {
		return fail(fmt.Errorf("zeroplug: transport plugin %s: %w", f.Path, err))
	}
	rc := raw.(*pluginrpc.Client)
	ctx, cancel := context.WithTimeout(context.Background(), h.cfg.StartTimeout)
	info, err := rc.Info(ctx, &pb.InfoRequest{DriverVersion: sdk.DriverVersion})
	cancel()
	if err != nil {
		return fail(fmt.Errorf("zeroplug: transport plugin %s: Info: %w", f.Path, err))
	}
	os.RemoveAll(sockDir)
	if v := client.NegotiatedVersion(); v != sdk.DriverVersion || int(info.DriverVersion) != v {
		return fail(fmt.Errorf("zeroplug: transport plugin %s speaks driver interface %d (handshake %d), this core %d",
			f.Path, info.DriverVersion, v, sdk.DriverVersion))
	}
	if len(info.Schemes) == 0 {
		return fail(fmt.Errorf("zeroplug: transport plugin %s serves no scheme", f.Path))
	}
	// Kill is called to stop the process and, once it has ended, to reap
	// the client: once, and a second caller waits for the first.
	var killOnce sync.Once
	kill := func() { killOnce.Do(client.Kill) }
	pr := &process{
		plat: plat{
			name: f.Name,
			rpc:  rc,
			fds:  fdpass.NewReceiver(hostEnd),
			kill: kill,
			exitStatus: func() string {
				if st := cmd.ProcessState; st != nil {
					return st.String()
				}
				return "ended"
			},
		},
		exited:  rc.Done,
		cleaned: make(chan struct{}),
		info: Info{
			Name: info.Name, Version: info.Version, GoVersion: info.GoVersion,
			Schemes: info.Schemes, DriverVersion: int(info.DriverVersion),
			Pid: cmd.Process.Pid, StartTime: time.Since(t0),
		},
	}
	pr.release = func() {
		kill() // reaps go-plugin's goroutines and closes its connection
		pr.fds.Close()
	}
	h.log.Debug("transport plugin started", "plugin", f.Name, "pid", pr.info.Pid,
		"schemes", strings.Join(info.Schemes, ","), "version", info.Version, "took", pr.info.StartTime)
	return pr, nil
}

// pluginEnviron is the host's environment without what the host sets for
// its plugin, and without go-plugin's variables that would change the
// protocol (PLUGIN_MULTIPLEX_GRPC, say) if the host happened to have them.
func pluginEnviron() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PLUGIN_") || strings.HasPrefix(kv, "ZEROPLUG_PLUGIN_FD=") ||
			strings.HasPrefix(kv, pluginrpc.EnvLogLevel+"=") || strings.HasPrefix(kv, pluginrpc.Handshake.MagicCookieKey+"=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

func logLevel(l hclog.Logger) string {
	if lv := l.GetLevel(); lv != hclog.NoLevel {
		return lv.String()
	}
	return "info"
}

// callError turns a failed RPC into the error the caller should see: the
// context's own when it ended, ErrExited when the plugin died under the
// call.
func (pr *process) callError(ctx context.Context, op string, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	if status.Code(err) == codes.Unavailable || status.Code(err) == codes.Canceled {
		// The process may be ending: give the exit a moment to show.
		select {
		case <-pr.exited:
		case <-time.After(100 * time.Millisecond):
		}
	}
	if !pr.alive() {
		return fmt.Errorf("%w: %s (pid %d) during %s: %s", ErrExited, pr.name, pr.info.Pid, op, pr.exitStatus())
	}
	return fmt.Errorf("zeroplug: transport plugin %s: %s: %w", pr.name, op, err)
}

func (pr *process) validate(ctx context.Context, ep sdk.Endpoint, bind bool) error {
	rep, err := pr.rpc.Validate(ctx, &pb.ValidateRequest{Scheme: ep.Scheme, Address: ep.Address, Bind: bind})
	if err != nil {
		return pr.callError(ctx, "Validate", err)
	}
	return decodeError(rep.Error)
}

func (pr *process) dial(ctx context.Context, ep sdk.Endpoint, opts sdk.Options) (net.Conn, error) {
	token := pr.tokens.Add(1)
	pend := pr.fds.Expect(token)
	rep, err := pr.rpc.Dial(ctx, &pb.DialRequest{Scheme: ep.Scheme, Address: ep.Address, Options: encodeOptions(opts), Token: token})
	if err != nil {
		pend.Cancel()
		return nil, pr.callError(ctx, "Dial", err)
	}
	if rep.Error != nil {
		pend.Cancel()
		return nil, decodeError(rep.Error)
	}
	fd, err := pend.Wait(ctx, fdWait)
	if err != nil {
		return nil, pr.fdError(err)
	}
	return fdpass.Conn(fd)
}

func (pr *process) fdError(err error) error {
	if errors.Is(err, fdpass.ErrGone) {
		return fmt.Errorf("%w: %s (pid %d) before its descriptor arrived", ErrExited, pr.name, pr.info.Pid)
	}
	return err
}

func (pr *process) listen(ctx context.Context, ep sdk.Endpoint, opts sdk.Options) (sdk.Listener, error) {
	token := pr.tokens.Add(1)
	pend := pr.fds.Expect(token)
	rep, err := pr.rpc.Listen(ctx, &pb.ListenRequest{Scheme: ep.Scheme, Address: ep.Address, Options: encodeOptions(opts), Token: token})
	if err != nil {
		pend.Cancel()
		return nil, pr.callError(ctx, "Listen", err)
	}
	if rep.Error != nil {
		pend.Cancel()
		return nil, decodeError(rep.Error)
	}
	bound := sdk.Endpoint{Scheme: rep.Scheme, Address: rep.Address}
	if !rep.HandedOver {
		pend.Cancel()
		lctx, cancel := context.WithCancel(context.Background())
		return &rpcListener{pr: pr, id: rep.ListenerId, ep: bound, ctx: lctx, cancel: cancel}, nil
	}
	fd, err := pend.Wait(ctx, fdWait)
	if err != nil {
		pr.closeListener(rep.ListenerId)
		return nil, pr.fdError(err)
	}
	l, err := fdpass.NewListener(fd)
	if err != nil {
		pr.closeListener(rep.ListenerId)
		return nil, err
	}
	return &fdListener{pr: pr, id: rep.ListenerId, ep: bound, l: l}, nil
}

// closeListener closes the plugin's side of a listener; false if the
// plugin could not be told.
func (pr *process) closeListener(id uint64) bool {
	if !pr.alive() {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), fdWait)
	defer cancel()
	_, err := pr.rpc.Close(ctx, &pb.CloseRequest{ListenerId: id})
	return err == nil
}

// fdListener accepts in the core's process on a listening socket the
// plugin handed over: at native speed, and after the plugin has died.
type fdListener struct {
	pr   *process
	id   uint64
	ep   sdk.Endpoint
	l    *fdpass.Listener
	once sync.Once
}

func (l *fdListener) Accept() (net.Conn, error) { return l.l.Accept() }
func (l *fdListener) Endpoint() sdk.Endpoint    { return l.ep }

// Close closes the core's copy, then the plugin's, which releases the
// address (an ipc-like transport removes its socket file then). With the
// plugin gone, the core removes a socket file itself.
func (l *fdListener) Close() error {
	var err error
	l.once.Do(func() {
		err = l.l.Close()
		if !l.pr.closeListener(l.id) && l.l.Path() != "" {
			fdpass.RemoveSocketFile(l.l.Path())
		}
	})
	return err
}

// rpcListener is a listener the plugin accepts on (one without a kernel
// socket): each Accept is a call, whose connection is handed over.
type rpcListener struct {
	pr     *process
	id     uint64
	ep     sdk.Endpoint
	ctx    context.Context // ends at Close
	cancel context.CancelFunc
	once   sync.Once
}

func (l *rpcListener) Endpoint() sdk.Endpoint { return l.ep }

func (l *rpcListener) Accept() (net.Conn, error) {
	closed := &net.OpError{Op: "accept", Net: l.ep.Scheme, Err: net.ErrClosed}
	if l.ctx.Err() != nil {
		return nil, closed
	}
	token := l.pr.tokens.Add(1)
	pend := l.pr.fds.Expect(token)
	rep, err := l.pr.rpc.Accept(l.ctx, &pb.AcceptRequest{ListenerId: l.id, Token: token})
	if err != nil {
		pend.Cancel()
		if l.ctx.Err() != nil {
			return nil, closed
		}
		if err := l.pr.callError(l.ctx, "Accept", err); errors.Is(err, ErrExited) {
			// The listener died with the plugin: tell the core to stop
			// accepting here, as after Close.
			return nil, fmt.Errorf("%w (%w)", err, net.ErrClosed)
		} else {
			return nil, err
		}
	}
	if rep.Error != nil {
		pend.Cancel()
		return nil, decodeError(rep.Error)
	}
	fd, err := pend.Wait(l.ctx, fdWait)
	if err != nil {
		if l.ctx.Err() != nil {
			return nil, closed
		}
		return nil, l.pr.fdError(err)
	}
	return fdpass.Conn(fd)
}

func (l *rpcListener) Close() error {
	l.once.Do(func() {
		l.cancel()
		l.pr.closeListener(l.id)
	})
	return nil
}

// quietExit demotes go-plugin's own lines about a plugin's end: the Host
// says it once, with what it means for the connections.
type quietExit struct{ hclog.Logger }

func (l quietExit) Error(msg string, args ...any) {
	if msg == "plugin process exited" {
		l.Logger.Debug(msg, args...)
		return
	}
	l.Logger.Error(msg, args...)
}

func (l quietExit) Warn(msg string, args ...any) {
	if msg == "plugin failed to exit gracefully" {
		l.Logger.Debug(msg, args...)
		return
	}
	l.Logger.Warn(msg, args...)
}
