package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/zeroplug/zeroplug/core"
	"github.com/zeroplug/zeroplug/sdk/zmtp/curve"
	"github.com/zeroplug/zeroplug/sdk/zmtp/zap"
)

const benchHelp = `Usage: zeroplug bench MODE ENDPOINT [--size BYTES] [--count N] [--nocopy] [--curve | SECURITY]
                      [--pattern radio-dish|client-server]

bench measures throughput or latency exactly as cmd/zmqpeer (the libzmq reference peer) and
libzmq's perf tools do, and prints one result line in zmqpeer's format, so that either end
of a measurement can be libzmq.

Modes:
  thr       PULL binds ENDPOINT, PUSH connects to it, both in this process; prints
            mode=thr size=S count=N seconds=T msgs_per_s=R mbit_per_s=M
  thr-recv  PULL binds and receives N messages; prints the mode=thr line
  thr-send  PUSH connects and sends N messages; prints nothing
  lat       REP binds ENDPOINT, REQ connects, both in this process; prints
            mode=lat size=S roundtrips=N seconds=T one_way_us=U
  lat-rep   REP binds and echoes N requests; prints nothing
  lat-req   REQ connects and makes N round trips; prints the mode=lat line
` + benchRawHelp + `

Flags (before or after MODE and ENDPOINT):
  --size BYTES  the size of each message (default 16)
  --count N     messages (thr) or round trips (lat) (default 1000000 for thr, 10000 for lat)
  --nocopy      send with SendNoCopy, which hands the buffer over, instead of Send, which
                copies it (the default, and what libzmq's zmq_send does)
  --curve       thr, lat: encrypt with CURVE, as zmqpeer's ZMQPEER_CURVE=1: a fresh server
                key pair; the binding end (PULL, REP) is the CURVE server, the connecting
                end (PUSH, REQ) a client with a fresh key pair of its own. tcp and ipc.
  --pattern P   thr, lat: a draft pattern instead of PUSH/PULL and REQ/REP (below)
  -h, --help    print this text.

The one-end modes (thr-recv, thr-send, lat-rep, lat-req) take the security flags below
for their socket instead, so that the other end can be libzmq: zmqpeer reads
ZMQPEER_CURVE_SECRETKEY (a CURVE server), ZMQPEER_CURVE_SERVERKEY (a CURVE client),
ZMQPEER_PLAIN_SERVER, ZMQPEER_PLAIN_USER and ZMQPEER_PLAIN_PASSWORD from its environment.

` + benchPatternHelp + `

` + securityHelp + `

Measurement, as zmqpeer: sockets have no high-water mark (ZMQPEER_HWM in the environment
sets one on both ends) and linger until everything is delivered; every message is sent from one
buffer of BYTES bytes, which Send copies (--nocopy: hands over, as zmqpeer's zmq_msg_send of
a fresh zmq_msg_init_size buffer does); the receiver checks each size and releases each
message (Msg.Release), as libzmq's perf tools close each one. thr starts its clock when the
first message arrives and reports (N-1)/seconds; lat times N round trips and reports
seconds/N/2 as one_way_us. inproc:// endpoints work in thr and lat only (both ends in this
process); a wildcard port (tcp://127.0.0.1:*) works in thr and lat.
ZEROPLUG_BENCH_CPUPROFILE=FILE in the environment writes a CPU profile of the run
(go tool pprof).

Examples:
  zeroplug bench thr tcp://127.0.0.1:5555 --size 256
  zeroplug bench lat ipc:///tmp/lat --count 20000
  zmqpeer thr-recv tcp://127.0.0.1:5555 16 100000 & zeroplug bench thr-send tcp://127.0.0.1:5555 --count 100000
  zeroplug bench thr tcp://127.0.0.1:5555 --size 1024 --curve
  zeroplug keygen   # public=K secret=S
  ZMQPEER_CURVE_SECRETKEY='S' zmqpeer thr-recv tcp://127.0.0.1:5555 64 100000 &
  zeroplug bench thr-send tcp://127.0.0.1:5555 --size 64 --count 100000 --curve-serverkey 'K'
`

// benchConfig is bench's command line.
type benchConfig struct {
	mode     string
	endpoint string
	size     int
	count    int64
	hwm      int
	curve    bool     // --curve: CURVE between the ends of thr and lat
	noCopy   bool     // --nocopy: SendNoCopy instead of Send
	pattern  string   // --pattern: a draft pattern for thr and lat (benchdraft.go)
	sec      security // the one-end modes' security flags
}

// parseBench reads bench's command line; a non-zero status means it has been reported.
func parseBench(args []string, stdout, stderr io.Writer) (benchConfig, int) {
	var c benchConfig
	fs := newFlagSet("bench")
	fs.IntVar(&c.size, "size", 16, "")
	fs.Int64Var(&c.count, "count", 0, "")
	fs.BoolVar(&c.curve, "curve", false, "")
	fs.BoolVar(&c.noCopy, "nocopy", false, "")
	fs.StringVar(&c.pattern, "pattern", "", "")
	var secFlags securityFlags
	secFlags.register(fs)
	positional, err := parseArgs(fs, args)
	if err != nil {
		return c, parseFailed(err, "bench", benchHelp, stdout, stderr)
	}
	secFlags.visit(fs)
	bad := func(format string, args ...any) (benchConfig, int) {
		return c, usageError(stderr, "bench", format, args...)
	}
	if len(positional) != 2 {
		return bad("want MODE and ENDPOINT, got %d arguments", len(positional))
	}
	c.mode, c.endpoint = positional[0], positional[1]
	counted := false
	fs.Visit(func(f *flag.Flag) { counted = counted || f.Name == "count" })
	switch c.mode {
	case "thr", "thr-recv", "thr-send", "raw-recv", "raw-send":
		if !counted {
			c.count = 1000000
		}
	case "lat", "lat-rep", "lat-req":
		if !counted {
			c.count = 10000
		}
	default:
		return bad("unknown mode %q (thr, thr-recv, thr-send, lat, lat-rep, lat-req, raw-recv, raw-send)", c.mode)
	}
	switch {
	case c.size < 0:
		return bad("--size %d: want 0 or more bytes", c.size)
	case c.count < 1:
		return bad("--count %d: want at least 1", c.count)
	case strings.HasPrefix(c.mode, "raw-") && !strings.HasPrefix(c.endpoint, "tcp://") && !strings.HasPrefix(c.endpoint, "ipc://"):
		return bad("%s: raw modes take tcp:// or ipc://", c.endpoint)
	case strings.HasPrefix(c.endpoint, "inproc://") && c.mode != "thr" && c.mode != "lat":
		return bad("%s: inproc needs both ends in one process: use mode thr or lat", c.endpoint)
	}
	bothEnds := c.mode == "thr" || c.mode == "lat"
	given := secFlags.given()
	switch {
	case strings.HasPrefix(c.mode, "raw-") && (c.curve || c.noCopy || len(given) > 0):
		return bad("%s moves bytes over a plain socket: no ZMTP, no security, no SendNoCopy", c.mode)
	case c.curve && !bothEnds:
		return bad("--curve is for thr and lat, which run both ends; %s takes --curve-serverkey KEY "+
			"(a client) or --curve-server --curve-secretkey KEY (a server)", c.mode)
	case c.curve && strings.HasPrefix(c.endpoint, "inproc://"):
		return bad("--curve: inproc has no security mechanism (its messages never leave the process); use tcp or ipc")
	case bothEnds && len(given) > 0:
		return bad("%s is for the one-end modes (thr-recv, thr-send, lat-rep, lat-req); %s takes --curve", given[0], c.mode)
	}
	if err := c.checkPattern(); err != nil {
		return bad("%v", err)
	}
	if c.sec, err = secFlags.build(); err != nil {
		return bad("%v", err)
	}
	if v, ok := os.LookupEnv("ZMQPEER_HWM"); ok {
		c.hwm = int(atol(v))
	}
	return c, exitOK
}

// runBench is `zeroplug bench`: see benchHelp.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, code := parseBench(args, stdout, stderr)
	if code != exitOK {
		return code
	}
	// The context needs no Close: it has no goroutines of its own, and every socket is
	// closed where it is made, and waited for where it lingers (closeLingering).
	b := &bench{benchConfig: c, bindSec: c.sec, connectSec: c.sec}
	if c.curve {
		var err error
		if b.bindSec, b.connectSec, err = curvePair(); err != nil {
			fmt.Fprintf(stderr, "zeroplug bench: %v\n", err)
			return exitError
		}
	}
	b.zctx = newContext(stderr, b.bindSec.contextOptions()...)
	if path := os.Getenv("ZEROPLUG_BENCH_CPUPROFILE"); path != "" {
		stop, err := startCPUProfile(path)
		if err != nil {
			fmt.Fprintf(stderr, "zeroplug bench: %v\n", err)
			return exitError
		}
		defer stop()
	}
	var err error
	switch {
	case c.pattern != "":
		err = b.runPattern(ctx, stdout)
	case c.mode == "thr":
		err = b.thr(ctx, stdout)
	case c.mode == "raw-recv":
		err = b.rawRecv(ctx, stdout)
	case c.mode == "raw-send":
		err = b.rawSend(ctx)
	case c.mode == "thr-recv":
		err = b.thrRecv(ctx, stdout)
	case c.mode == "thr-send":
		err = b.thrSend(ctx, c.endpoint)
	case c.mode == "lat":
		err = b.lat(ctx, stdout)
	case c.mode == "lat-rep":
		err = b.latRep(ctx)
	case c.mode == "lat-req":
		err = b.latReq(ctx, c.endpoint, stdout)
	}
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errInterrupted):
		return exitOK
	}
	fmt.Fprintf(stderr, "zeroplug bench: %v\n", err)
	return exitError
}

// startCPUProfile writes a CPU profile of the run to path (ZEROPLUG_BENCH_CPUPROFILE), for
// go tool pprof: a benchmark's two ends run in separate processes, where go test's
// -cpuprofile cannot reach.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// bench is one run of bench.
type bench struct {
	benchConfig
	zctx *core.Context
	// The security of the binding and the connecting socket: with --curve, a CURVE server
	// and its client; otherwise the same flags for both (one-end modes have one socket).
	bindSec, connectSec security
}

// curvePair makes the two ends of --curve, as zmqpeer's ZMQPEER_CURVE=1 does: a server
// with a fresh key pair, a client of it (with a fresh key pair of its own, which the
// core makes). Every client is let in.
func curvePair() (server, client security, err error) {
	public, secret, err := curve.GenerateKeyPair(nil)
	if err != nil {
		return server, client, err
	}
	server = security{
		opts:   []core.Option{core.CurveServer(true), core.CurveSecretKey(secret.String())},
		policy: &zap.Policy{},
	}
	client = security{opts: []core.Option{core.CurveServerKey(public.String())}}
	return server, client, nil
}

// open makes a socket as zmqpeer's open_socket does: no high-water mark (or
// ZMQPEER_HWM), linger for ever, the security of its end; then binds or connects it.
func (b *bench) open(t core.Type, bind bool, endpoint string) (*core.Socket, error) {
	opts := []core.Option{core.SendHWM(b.hwm), core.RecvHWM(b.hwm), core.Linger(-1)}
	if bind {
		opts = append(opts, b.bindSec.opts...)
	} else {
		opts = append(opts, b.connectSec.opts...)
	}
	s, err := b.zctx.NewSocket(t, opts...)
	if err != nil {
		return nil, err
	}
	if bind {
		err = s.Bind(endpoint)
	} else {
		err = s.Connect(endpoint)
	}
	if err != nil {
		s.Close()
		verb := map[bool]string{true: "bind", false: "connect"}[bind]
		return nil, fmt.Errorf("%s %s: %w", verb, endpoint, err)
	}
	return s, nil
}

// interruptCheck is how many messages bench sends or receives between two looks at
// whether it has been interrupted: a call that need not wait does not look.
const interruptCheck = 1024

// failed turns an error of a blocking call into errInterrupted when ctx has ended.
func failed(ctx context.Context, what string, err error) error {
	if ctx.Err() != nil {
		return errInterrupted
	}
	return fmt.Errorf("%s: %w", what, err)
}

// abandon closes s without waiting for anything queued (after an error or interrupt).
func abandon(s *core.Socket) {
	s.SetOption(core.Linger(0))
	s.Close()
}

// thr runs both ends in this process, as zmqpeer's thr.
func (b *bench) thr(ctx context.Context, stdout io.Writer) error {
	pull, err := b.open(core.PULL, true, b.endpoint)
	if err != nil {
		return err
	}
	err = bothEnds(ctx,
		func(ctx context.Context) error { return b.thrSend(ctx, pull.LastEndpoint()) },
		func(ctx context.Context) error { return b.thrReceive(ctx, pull, stdout) })
	if err != nil {
		abandon(pull)
		return err
	}
	return pull.Close()
}

// bothEnds runs side in a goroutine beside run, until run returns; the
// first to fail cancels the other (which would wait for ever), and so does
// run's return. The error is side's unless side only saw the cancel, then
// run's: the one that failed first is the cause.
func bothEnds(ctx context.Context, side, run func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sideErr := make(chan error, 1)
	go func() {
		err := side(ctx)
		if err != nil {
			cancel()
		}
		sideErr <- err
	}()
	err := run(ctx)
	cancel()
	if serr := <-sideErr; serr != nil && !errors.Is(serr, errInterrupted) {
		return serr
	}
	return err
}

// thrRecv is the receiving end alone (zmqpeer thr-recv).
func (b *bench) thrRecv(ctx context.Context, stdout io.Writer) error {
	pull, err := b.open(core.PULL, true, b.endpoint)
	if err != nil {
		return err
	}
	if err := b.thrReceive(ctx, pull, stdout); err != nil {
		abandon(pull)
		return err
	}
	return pull.Close()
}

// thrReceive receives count messages of size bytes and prints the mode=thr line. Each
// message is received into one Msg and released once checked, as libzmq's perf tools
// close each zmq_msg_t (which frees its buffer to malloc, which hands it straight
// back): the next message is read into the same memory.
func (b *bench) thrReceive(ctx context.Context, pull *core.Socket, stdout io.Writer) error {
	var m core.Msg
	recv := func() error {
		if err := pull.RecvIntoContext(ctx, &m); err != nil {
			return failed(ctx, "recv", err)
		}
		if len(m.Frames) != 1 || len(m.Frames[0]) != b.size {
			return fmt.Errorf("bad size: got %d frames of %d bytes, want 1 of %d", len(m.Frames), msgLen(m.Frames), b.size)
		}
		m.Release()
		return nil
	}
	if err := recv(); err != nil {
		return err
	}
	start := time.Now()
	for i := int64(1); i < b.count; i++ {
		if i%interruptCheck == 0 && ctx.Err() != nil {
			return errInterrupted
		}
		if err := recv(); err != nil {
			return err
		}
	}
	secs := time.Since(start).Seconds()
	rate := float64(b.count-1) / secs
	fmt.Fprintf(stdout, "mode=thr size=%d count=%d seconds=%.6f msgs_per_s=%.0f mbit_per_s=%.1f\n",
		b.size, b.count, secs, rate, rate*float64(b.size)*8/1e6)
	return nil
}

// send sends one message with Send, or with SendNoCopy under --nocopy.
func (b *bench) send(ctx context.Context, s *core.Socket, frames ...[]byte) error {
	if b.noCopy {
		return s.SendNoCopyContext(ctx, frames...)
	}
	return s.SendContext(ctx, frames...)
}

// thrSend connects a PUSH to endpoint and sends count messages; it returns
// once they are delivered (zmqpeer thr-send). Every message is sent from
// the same buffer, as a Go program reuses one: Send copies it, as
// libzmq's zmq_send does. Under --nocopy nothing ever modifies it, so
// SendNoCopy may hand the same buffer over every time: that is zmqpeer's
// zmq_msg_init_size and zmq_msg_send, less the allocation (malloc hands
// out uninitialised memory from its free lists; a make per message would
// measure Go's zeroing and garbage collector rather than the library).
func (b *bench) thrSend(ctx context.Context, endpoint string) error {
	push, err := b.open(core.PUSH, false, endpoint)
	if err != nil {
		return err
	}
	payload := make([]byte, b.size)
	for i := int64(0); i < b.count; i++ {
		if i%interruptCheck == 0 && ctx.Err() != nil {
			abandon(push)
			return errInterrupted
		}
		if err := b.send(ctx, push, payload); err != nil {
			abandon(push)
			return failed(ctx, "send", err)
		}
	}
	if !closeLingering(ctx, push) {
		return errInterrupted
	}
	return nil
}

// lat runs both ends in this process, as zmqpeer's lat.
func (b *bench) lat(ctx context.Context, stdout io.Writer) error {
	rep, err := b.open(core.REP, true, b.endpoint)
	if err != nil {
		return err
	}
	err = bothEnds(ctx,
		func(ctx context.Context) error { return b.echo(ctx, rep) },
		func(ctx context.Context) error { return b.latReq(ctx, rep.LastEndpoint(), stdout) })
	if err != nil {
		abandon(rep)
		return err
	}
	return rep.Close()
}

// latRep is the echoing end alone (zmqpeer lat-rep).
func (b *bench) latRep(ctx context.Context) error {
	rep, err := b.open(core.REP, true, b.endpoint)
	if err != nil {
		return err
	}
	if err := b.echo(ctx, rep); err != nil {
		abandon(rep)
		return err
	}
	if !closeLingering(ctx, rep) {
		return errInterrupted
	}
	return nil
}

// echo sends count requests back.
func (b *bench) echo(ctx context.Context, rep *core.Socket) error {
	for i := int64(0); i < b.count; i++ {
		frames, err := rep.RecvContext(ctx)
		if err != nil {
			return failed(ctx, "recv", err)
		}
		if err := b.send(ctx, rep, frames...); err != nil {
			return failed(ctx, "send", err)
		}
	}
	return nil
}

// latReq connects a REQ to endpoint, makes count round trips of size bytes and prints
// the mode=lat line (zmqpeer lat-req).
func (b *bench) latReq(ctx context.Context, endpoint string, stdout io.Writer) error {
	return b.latReqOn(ctx, core.REQ, endpoint, stdout)
}

// latReqOn is latReq with a socket of type t (REQ, or CLIENT for --pattern
// client-server).
func (b *bench) latReqOn(ctx context.Context, t core.Type, endpoint string, stdout io.Writer) error {
	req, err := b.open(t, false, endpoint)
	if err != nil {
		return err
	}
	payload := make([]byte, b.size) // as thrSend's
	start := time.Now()
	for i := int64(0); i < b.count; i++ {
		if err := b.send(ctx, req, payload); err != nil {
			abandon(req)
			return failed(ctx, "send", err)
		}
		frames, err := req.RecvContext(ctx)
		if err != nil {
			abandon(req)
			return failed(ctx, "recv", err)
		}
		if len(frames) != 1 || len(frames[0]) != b.size {
			abandon(req)
			return fmt.Errorf("bad size: a reply of %d frames of %d bytes, want 1 of %d", len(frames), msgLen(frames), b.size)
		}
	}
	secs := time.Since(start).Seconds()
	fmt.Fprintf(stdout, "mode=lat size=%d roundtrips=%d seconds=%.6f one_way_us=%.2f\n",
		b.size, b.count, secs, secs/float64(b.count)/2*1e6)
	return req.Close()
}

// msgLen is the number of bytes in a message.
func msgLen(frames [][]byte) int {
	n := 0
	for _, f := range frames {
		n += len(f)
	}
	return n
}

// atol reads a number as C's atol does, as zmqpeer reads ZMQPEER_HWM: leading blanks, an
// optional sign, then digits; anything else ends it, and no digits give 0.
func atol(s string) int64 {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	end := 0
	if end < len(s) && (s[end] == '+' || s[end] == '-') {
		end++
	}
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, _ := strconv.ParseInt(s[:end], 10, 64)
	return n
}
