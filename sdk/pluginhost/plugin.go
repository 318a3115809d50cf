package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zeroplug/zeroplug/sdk"
)

// Plugin is one plugin binary of a Host, presented as an sdk.Driver (and an
// sdk.Validator). Its process starts on the first Listen, Dial or Validate
// (or Start), and again on the first after a crash.
type Plugin struct {
	h     *Host
	found Found
	start func() (*process, error) // starts a process; blocks until it serves

	described []string // the schemes its description declares, if found so; set under the Host's lock

	mu      sync.Mutex
	proc    *process // the current process, possibly exited
	pending *attempt // a start under way
	info    Info     // of the last process started
	closed  bool
	wg      sync.WaitGroup // one goroutine per process started or starting
}

var (
	_ sdk.Driver    = (*Plugin)(nil)
	_ sdk.Validator = (*Plugin)(nil)
)

// Info is what a plugin states when it starts.
type Info struct {
	// Name and Version are the plugin's own ("tcpplug", "v1.2.0").
	Name, Version string
	// GoVersion is the toolchain it was built with.
	GoVersion string
	// Schemes are the endpoint schemes it serves.
	Schemes []string
	// DriverVersion is the version of the driver interface agreed on in
	// the handshake.
	DriverVersion int
	// Pid is its process id.
	Pid int
	// StartTime is how long the start took: exec, handshake, the gRPC
	// connection and the first call.
	StartTime time.Duration
}

// attempt is one start of a process.
type attempt struct {
	done chan struct{}
	proc *process
	err  error
}

// Name is the plugin's file name.
func (p *Plugin) Name() string { return p.found.Name }

// Path is the plugin's file.
func (p *Plugin) Path() string { return p.found.Path }

// Info describes the last process started; false if none has started.
func (p *Plugin) Info() (Info, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.info, p.info.Pid != 0
}

// Pid is the id of the running process, or 0.
func (p *Plugin) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.proc != nil && p.proc.alive() {
		return p.proc.info.Pid
	}
	return 0
}

// Start starts the process unless it runs, and says what it serves.
func (p *Plugin) Start(ctx context.Context) (Info, error) {
	pr, err := p.running(ctx)
	if err != nil {
		return Info{}, err
	}
	return pr.info, nil
}

// Stop stops the process, if it runs, and waits until it has ended. The
// next Listen, Dial or Validate starts it again.
func (p *Plugin) Stop() error {
	p.mu.Lock()
	pr := p.proc
	p.mu.Unlock()
	if pr != nil {
		pr.stop()
		<-pr.cleaned
	}
	return nil
}

// close stops the process for good (Host.Close).
func (p *Plugin) close() {
	p.mu.Lock()
	p.closed = true
	pr := p.proc
	p.mu.Unlock()
	if pr != nil {
		pr.stop()
	}
	p.wg.Wait()
}

// running returns the live process, starting one if there is none. A start
// runs on its own goroutine, which ctx does not stop: a caller that gives
// up leaves the process to the next.
func (p *Plugin) running(ctx context.Context) (*process, error) {
	for tries := 0; ; tries++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return nil, ErrClosed
		}
		if pr := p.proc; pr != nil && pr.alive() {
			p.mu.Unlock()
			return pr, nil
		}
		a := p.pending
		if a == nil {
			a = &attempt{done: make(chan struct{})}
			p.pending = a
			p.wg.Add(1)
			go p.run(a)
		}
		p.mu.Unlock()
		select {
		case <-a.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if a.err != nil {
			return nil, a.err
		}
		if a.proc.alive() {
			return a.proc, nil
		}
		if tries > 0 {
			return nil, a.proc.exitError(p)
		}
	}
}

// run starts one process and stays with it until it ends. The goroutine
// keeps its OS thread for the process's whole life: Linux sends the
// parent-death signal when the thread that started a child ends, not only
// the process.
func (p *Plugin) run(a *attempt) {
	defer p.wg.Done()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	pr, err := p.start()
	p.mu.Lock()
	a.proc, a.err = pr, err
	p.pending = nil
	closed := p.closed
	if err == nil {
		p.proc, p.info = pr, pr.info
	}
	p.mu.Unlock()
	close(a.done)
	if err != nil {
		return
	}
	if closed {
		pr.stop()
	} else {
		p.h.learn(p, pr.info.Schemes)
	}

	<-pr.exited
	crashed := !pr.stopping.Load()
	pr.cleanup()
	p.mu.Lock()
	if p.proc == pr {
		p.proc = nil
	}
	p.mu.Unlock()
	if crashed {
		p.h.crashed(p, pr)
	}
	close(pr.cleaned)
}

// Schemes are the schemes the plugin states: those of its last process, or
// of its description; a plugin opened by path that has never run is started
// to learn them, and if it cannot start, the scheme its file name stands
// for.
func (p *Plugin) Schemes() []string {
	if info, ok := p.Info(); ok {
		return slices.Clone(info.Schemes)
	}
	p.h.mu.Lock()
	described := slices.Clone(p.described)
	p.h.mu.Unlock()
	if len(described) > 0 {
		return described
	}
	ctx, cancel := context.WithTimeout(context.Background(), p.h.cfg.StartTimeout)
	defer cancel()
	if info, err := p.Start(ctx); err == nil {
		return slices.Clone(info.Schemes)
	}
	return []string{p.found.Scheme}
}

// Validate checks ep in the plugin, starting it: this is where a connect
// first needs the plugin, and where a plugin that cannot start (a checksum
// refused) is reported to the caller of Connect.
func (p *Plugin) Validate(ep sdk.Endpoint, bind bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), p.h.cfg.StartTimeout)
	defer cancel()
	return retry(ctx, p, ep, func(pr *process) error { return pr.validate(ctx, ep, bind) })
}

// Listen binds in the plugin; the listening socket is handed over and the
// core accepts on it.
func (p *Plugin) Listen(ctx context.Context, ep sdk.Endpoint, opts sdk.Options) (sdk.Listener, error) {
	var l sdk.Listener
	err := retry(ctx, p, ep, func(pr *process) (err error) {
		l, err = pr.listen(ctx, ep, opts)
		return err
	})
	return l, err
}

// Dial connects in the plugin; the connected socket is handed over.
func (p *Plugin) Dial(ctx context.Context, ep sdk.Endpoint, opts sdk.Options) (net.Conn, error) {
	var c net.Conn
	err := retry(ctx, p, ep, func(pr *process) (err error) {
		c, err = pr.dial(ctx, ep, opts)
		return err
	})
	return c, err
}

// retry runs call on the live process, and once more on a new one if the
// process turns out to have died under it, which a crash just before the
// call looks like.
func retry(ctx context.Context, p *Plugin, ep sdk.Endpoint, call func(*process) error) error {
	for tries := 0; ; tries++ {
		pr, err := p.running(ctx)
		if err != nil {
			return err
		}
		if !slices.Contains(pr.info.Schemes, ep.Scheme) {
			return &sdk.EndpointError{Endpoint: ep.String(), Err: sdk.ErrUnknownScheme,
				Reason: fmt.Sprintf("the plugin %s serves %s only", p.found.Path, strings.Join(pr.info.Schemes, ", "))}
		}
		err = call(pr)
		if err == nil || tries > 0 || !errors.Is(err, ErrExited) {
			return err
		}
	}
}

// process is one running plugin process, or an in-process server.
type process struct {
	plat // the platform's part: the gRPC client, the descriptor channel

	info     Info
	exited   <-chan struct{} // closed when the process has ended
	stopping atomic.Bool     // the Host is stopping it: not a crash
	cleaned  chan struct{}   // closed when everything it held is released
	tokens   atomic.Uint64
}

func (pr *process) alive() bool {
	select {
	case <-pr.exited:
		return false
	default:
		return true
	}
}

// stop asks the process to end and waits until it has, killing it if it
// does not within two seconds (go-plugin's Kill).
func (pr *process) stop() {
	pr.stopping.Store(true)
	pr.kill()
}

func (pr *process) exitError(p *Plugin) error {
	return fmt.Errorf("%w: %s (pid %d): %s", ErrExited, p.found.Name, pr.info.Pid, pr.exitStatus())
}
