package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/zeroplug/zeroplug/core"
)

const catHelp = `Usage: zeroplug cat -t TYPE [-b ENDPOINT]... [-c ENDPOINT]... [-s PREFIX]... [-n N] [--echo]
                    [--format text|hex|z85] [-o NAME=VALUE]... [SECURITY]

cat opens one socket of type TYPE, binds and connects it, then sends each line of standard
input as one message (when TYPE can send) and prints each message it receives on one line
(when TYPE can receive). A '|' in an input line separates the frames of a multipart message
("a|b|" is three frames: "a", "b" and an empty one); received frames are printed joined by
'|'. Frames are printed as they are, without escaping, unless --format says otherwise.

Flags:
  -t TYPE      the socket type: PAIR PUB SUB REQ REP DEALER ROUTER PULL PUSH XPUB XSUB
               STREAM (case does not matter). Required.
  -b ENDPOINT  bind to ENDPOINT; repeat for several. A wildcard port (tcp://127.0.0.1:*)
               is resolved and the endpoint printed on standard error.
  -c ENDPOINT  connect to ENDPOINT; repeat for several. Connections are made, and remade,
               in the background. At least one -b or -c is required.
  -s PREFIX    SUB, XSUB: subscribe to messages whose first frame starts with PREFIX;
               repeat for several. A SUB without -s subscribes to everything.
  -n N         exit after printing N messages (types that receive).
  --echo       REP, ROUTER, DEALER, PAIR: send every message received back (a ROUTER to
               the peer it came from), printing it too, until interrupted or -n N
               messages; standard input is not read.
  --format F   how frames are printed and input frames read, each frame on its own
               (still separated by '|'): text (the default: the bytes as they are, not
               binary-safe), hex (two hex digits a byte) or z85 (Z85, RFC 32: frames of a
               multiple of 4 bytes only; cat fails, with status 1, at a frame of another
               length, received or in its input: use hex for those, such as a ROUTER's
               5-byte routing ids). An empty frame is empty in every format.
  -o NAME=VALUE
               set a socket option by libzmq's name, without ZMQ_ (case does not
               matter), before binding and connecting: -o SNDHWM=10 -o ROUTING_ID=w1
               -o LINGER=0; repeat for several. Times are in libzmq's units
               (milliseconds), booleans 1 or 0. '-o help' lists the names.
  -h, --help   print this text.

` + securityHelp + `
What each type does:
  PUSH, PUB       send standard input; exit once it has ended and every message has been
                  delivered (the socket lingers until its peers have them; a PUB drops
                  messages nobody subscribes to, as in ZeroMQ).
  PULL, SUB       print what arrives, until interrupted or -n N messages.
  REQ             send a line, print its reply, then the next line; exit at the end of
                  standard input or after -n N replies.
  REP             print a request, answer it with the next line of standard input; exit
                  at the end of standard input or after answering -n N requests.
  PAIR, DEALER, ROUTER, XPUB, XSUB, STREAM
                  send standard input and print what arrives, both at once; exit once
                  standard input has ended and its messages are delivered, or, with -n N,
                  after printing N messages (input not sent by then is dropped). A
                  ROUTER's first frame is the routing id of the peer (received: printed;
                  sent: chooses the peer); an XPUB prints subscriptions ("\x01topic"),
                  an XSUB may send them.

SIGINT or SIGTERM closes the socket at once (queued messages are dropped) and exits with
status 0. Errors exit with status 1, usage errors with status 2.

Examples:
  zeroplug cat -t PULL -b tcp://127.0.0.1:5555
  printf 'hello\na|b\n' | zeroplug cat -t PUSH -c tcp://127.0.0.1:5555
  zeroplug cat -t REP -b ipc:///tmp/echo --echo
  echo ping | zeroplug cat -t REQ -c ipc:///tmp/echo
  zeroplug cat -t SUB -c tcp://127.0.0.1:5556 -s weather. -s news.
  zeroplug cat -t ROUTER -b tcp://*:5559 --format hex    # routing ids as hex
  echo 6869 | zeroplug cat -t DEALER -c tcp://127.0.0.1:5559 -o ROUTING_ID=w1 --format hex
  zeroplug keygen   # public=K1 secret=S1, for the server; a second pair for a client: public=K2 secret=S2
  zeroplug cat -t PULL -b tcp://*:5557 --curve-server --curve-secretkey 'S1' --allow-curve 'K2'
  echo secret | zeroplug cat -t PUSH -c tcp://127.0.0.1:5557 --curve-serverkey 'K1' --curve-secretkey 'S2'
  zeroplug cat -t REP -b tcp://*:5558 --echo --plain-server --allow-plain 'alice:open sesame'
  echo hi | zeroplug cat -t REQ -c tcp://127.0.0.1:5558 --plain-user alice --plain-password 'open sesame'
`

// catConfig is cat's command line.
type catConfig struct {
	typ      core.Type
	binds    listFlag
	connects listFlag
	subs     listFlag
	n        int // messages to print before exiting; 0: no limit
	echo     bool
	format   frameFormat
	opts     []core.Option // -o NAME=VALUE
	sec      security
}

// What each socket type can do.
var (
	canSend = map[core.Type]bool{core.PAIR: true, core.PUB: true, core.REQ: true, core.REP: true,
		core.DEALER: true, core.ROUTER: true, core.PUSH: true, core.XPUB: true, core.XSUB: true, core.STREAM: true}
	canRecv = map[core.Type]bool{core.PAIR: true, core.SUB: true, core.REQ: true, core.REP: true,
		core.DEALER: true, core.ROUTER: true, core.PULL: true, core.XPUB: true, core.XSUB: true, core.STREAM: true}
	canEcho = map[core.Type]bool{core.REP: true, core.ROUTER: true, core.DEALER: true, core.PAIR: true}
)

// parseCat reads cat's command line; a non-zero status means it has been reported.
func parseCat(args []string, stdout, stderr io.Writer) (catConfig, int) {
	var c catConfig
	fs := newFlagSet("cat")
	typeName := fs.String("t", "", "")
	fs.Var(&c.binds, "b", "")
	fs.Var(&c.connects, "c", "")
	fs.Var(&c.subs, "s", "")
	n := fs.Int("n", -1, "")
	fs.BoolVar(&c.echo, "echo", false, "")
	formatName := fs.String("format", "text", "")
	var options listFlag
	fs.Var(&options, "o", "")
	var secFlags securityFlags
	secFlags.register(fs)
	positional, err := parseArgs(fs, args)
	if err != nil {
		return c, parseFailed(err, "cat", catHelp, stdout, stderr)
	}
	secFlags.visit(fs)
	bad := func(format string, args ...any) (catConfig, int) {
		return c, usageError(stderr, "cat", format, args...)
	}
	if slices.Contains(options, "help") {
		printOptionNames(stdout)
		return c, exitHelped
	}
	if c.format, err = parseFormat(*formatName); err != nil {
		return bad("%v", err)
	}
	if c.opts, err = parseOptions(options); err != nil {
		return bad("%v", err)
	}
	switch {
	case len(positional) > 0:
		return bad("unexpected argument %q", positional[0])
	case *typeName == "":
		return bad("-t TYPE is required")
	}
	if c.typ, err = core.ParseType(*typeName); err != nil {
		return bad("-t %s: not a socket type (PAIR PUB SUB REQ REP DEALER ROUTER PULL PUSH XPUB XSUB STREAM)", *typeName)
	}
	switch {
	case len(c.binds)+len(c.connects) == 0:
		return bad("give at least one -b ENDPOINT or -c ENDPOINT")
	case len(c.subs) > 0 && c.typ != core.SUB && c.typ != core.XSUB:
		return bad("-s is for SUB and XSUB sockets, not %s", c.typ)
	case c.echo && !canEcho[c.typ]:
		return bad("--echo is for REP, ROUTER, DEALER and PAIR sockets, not %s", c.typ)
	case *n == 0 || *n < -1:
		return bad("-n %d: want a count of at least 1", *n)
	case *n > 0 && !canRecv[c.typ]:
		return bad("-n: a %s socket receives nothing to count", c.typ)
	}
	if c.sec, err = secFlags.build(); err != nil {
		return bad("%v", err)
	}
	if *n > 0 {
		c.n = *n
	}
	return c, exitOK
}

// runCat is `zeroplug cat`: see catHelp.
func runCat(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c, code := parseCat(args, stdout, stderr)
	if code == exitHelped {
		return exitOK
	}
	if code != exitOK {
		return code
	}
	// The context needs no Close: it has no goroutines of its own, and finish closes the
	// one socket (which may go on lingering in the background after an interrupt).
	zctx := newContext(stderr, c.sec.contextOptions()...)
	opts := append(slices.Clone(c.sec.opts), c.opts...)
	if c.typ == core.SUB && len(c.subs) == 0 {
		opts = append(opts, core.Subscribe(""))
	}
	for _, prefix := range c.subs {
		opts = append(opts, core.Subscribe(prefix))
	}
	s, err := zctx.NewSocket(c.typ, opts...)
	if err != nil {
		fmt.Fprintf(stderr, "zeroplug cat: %v\n", err)
		return exitError
	}
	if err := attach(s, c.binds, c.connects, "cat", stderr); err != nil {
		s.SetOption(core.Linger(0))
		s.Close()
		fmt.Fprintf(stderr, "zeroplug cat: %v\n", err)
		return exitError
	}

	r := &catRun{c: c, s: s, out: bufio.NewWriter(stdout)}
	stop := make(chan struct{})
	defer close(stop)
	if !c.echo && canSend[c.typ] {
		r.lines, r.ended = readLines(stdin, c.format, stop)
	}
	err = r.run(ctx)
	return r.finish(ctx, err, stderr)
}

// attach binds and connects s; the error names the endpoint. A bound endpoint that
// resolves to another (a wildcard port) is printed on stderr.
func attach(s *core.Socket, binds, connects []string, name string, stderr io.Writer) error {
	for _, ep := range binds {
		if err := s.Bind(ep); err != nil {
			return fmt.Errorf("bind %s: %w", ep, err)
		}
		if last := s.LastEndpoint(); last != ep {
			fmt.Fprintf(stderr, "zeroplug %s: %s bound to %s\n", name, s.Type(), last)
		}
	}
	for _, ep := range connects {
		if err := s.Connect(ep); err != nil {
			return fmt.Errorf("connect %s: %w", ep, err)
		}
	}
	return nil
}

// errInterrupted ends a run that SIGINT or SIGTERM stopped.
var errInterrupted = errors.New("interrupted")

// catRun is one run of cat: its socket, its input lines and its output.
type catRun struct {
	c       catConfig
	s       *core.Socket
	lines   <-chan lineOrErr // nil when standard input is not read
	ended   <-chan struct{}  // closed when lines has nothing more to give
	out     *bufio.Writer
	printed int
}

// lineOrErr is one line of standard input as frames, or why reading stopped.
type lineOrErr struct {
	frames [][]byte
	err    error
}

// readLines reads in line by line into the channel lines, each line split into frames
// at '|' and each frame read in format, until in ends, a frame is not in format, or stop
// is closed; then it closes lines and ended. Only the newline is removed, as zmqpeer
// does; a last line without one counts too. A reader that never ends keeps its
// goroutine blocked in Read: the caller's to close.
func readLines(in io.Reader, format frameFormat, stop <-chan struct{}) (lines <-chan lineOrErr, ended <-chan struct{}) {
	ch := make(chan lineOrErr)
	end := make(chan struct{})
	go func() {
		defer close(end)
		defer close(ch)
		br := bufio.NewReaderSize(in, 64<<10)
		for lineNo := 1; ; lineNo++ {
			line, err := br.ReadBytes('\n')
			if len(line) > 0 {
				line = bytes.TrimSuffix(line, []byte("\n"))
				frames, ferr := parseFrames(line, format)
				if ferr != nil {
					select {
					case ch <- lineOrErr{err: fmt.Errorf("standard input, line %d: %w", lineNo, ferr)}:
					case <-stop:
					}
					return
				}
				select {
				case ch <- lineOrErr{frames: frames}:
				case <-stop:
					return
				}
			}
			if err != nil {
				if err != io.EOF {
					select {
					case ch <- lineOrErr{err: fmt.Errorf("reading standard input: %w", err)}:
					case <-stop:
					}
				}
				return
			}
		}
	}()
	return ch, end
}

// nextLine returns the next line of standard input; ok is false at its end.
func (r *catRun) nextLine(ctx context.Context) (frames [][]byte, ok bool, err error) {
	select {
	case l, open := <-r.lines:
		if !open {
			return nil, false, nil
		}
		return l.frames, l.err == nil, l.err
	case <-ctx.Done():
		return nil, false, errInterrupted
	}
}

// run does what c asks until it is done (nil), interrupted (errInterrupted) or fails.
func (r *catRun) run(ctx context.Context) error {
	switch t := r.c.typ; {
	case r.c.echo:
		return r.echo(ctx)
	case t == core.REQ:
		return r.request(ctx)
	case t == core.REP:
		return r.reply(ctx)
	case !canRecv[t]:
		return r.send(ctx)
	case !canSend[t]:
		return r.receive(ctx)
	default:
		return r.both(ctx)
	}
}

// done reports whether -n messages have been printed.
func (r *catRun) done() bool { return r.c.n > 0 && r.printed >= r.c.n }

// recv receives one message and prints it.
func (r *catRun) recv(ctx context.Context) ([][]byte, error) {
	frames, err := r.s.RecvContext(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, errInterrupted
		}
		return nil, fmt.Errorf("receive: %w", err)
	}
	line, err := appendFrames(nil, frames, r.c.format)
	if err != nil {
		return nil, fmt.Errorf("printing a message received: %w", err)
	}
	r.out.Write(append(line, '\n'))
	if err := r.out.Flush(); err != nil {
		return nil, fmt.Errorf("writing standard output: %w", err)
	}
	r.printed++
	return frames, nil
}

// sendFrames sends one message.
func (r *catRun) sendFrames(ctx context.Context, frames [][]byte) error {
	if err := r.s.SendContext(ctx, frames...); err != nil {
		if ctx.Err() != nil {
			return errInterrupted
		}
		return fmt.Errorf("send: %w", err)
	}
	return nil
}

// send sends every line of standard input (PUSH, PUB).
func (r *catRun) send(ctx context.Context) error {
	for {
		frames, ok, err := r.nextLine(ctx)
		if !ok {
			return err
		}
		if err := r.sendFrames(ctx, frames); err != nil {
			return err
		}
	}
}

// receive prints what arrives (PULL, SUB).
func (r *catRun) receive(ctx context.Context) error {
	for !r.done() {
		if _, err := r.recv(ctx); err != nil {
			return err
		}
	}
	return nil
}

// request sends each line and prints its reply (REQ).
func (r *catRun) request(ctx context.Context) error {
	for !r.done() {
		frames, ok, err := r.nextLine(ctx)
		if !ok {
			return err
		}
		if err := r.sendFrames(ctx, frames); err != nil {
			return err
		}
		if _, err := r.recv(ctx); err != nil {
			return err
		}
	}
	return nil
}

// reply prints each request and answers it with the next line (REP). It is done when
// standard input has ended, even while it waits for a request.
func (r *catRun) reply(ctx context.Context) error {
	recvCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-r.ended:
			cancel()
		case <-recvCtx.Done():
		}
	}()
	for !r.done() {
		if _, err := r.recv(recvCtx); err != nil {
			if ctx.Err() == nil && recvCtx.Err() != nil {
				return nil // standard input has ended
			}
			return err
		}
		frames, ok, err := r.nextLine(ctx)
		if !ok {
			return err
		}
		if err := r.sendFrames(ctx, frames); err != nil {
			return err
		}
	}
	return nil
}

// echo sends every message back (--echo).
func (r *catRun) echo(ctx context.Context) error {
	for !r.done() {
		frames, err := r.recv(ctx)
		if err != nil {
			return err
		}
		if err := r.sendFrames(ctx, frames); err != nil {
			return err
		}
	}
	return nil
}

// both sends standard input and prints what arrives at the same time (PAIR, DEALER,
// ROUTER, XPUB, XSUB, STREAM). Without -n it is done when standard input has been sent;
// with -n, when N messages have been printed.
func (r *catRun) both(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	sent := make(chan error, 1)
	wg.Go(func() { sent <- r.send(ctx) })
	received := make(chan error, 1)
	wg.Go(func() { received <- r.receive(ctx) })

	var err error
	select {
	case err = <-received:
	case err = <-sent:
		if err == nil && r.c.n > 0 {
			err = <-received // standard input is sent; wait for -n messages
		}
	}
	cancel()
	wg.Wait()
	return err
}

// finish closes the socket as err requires and returns the exit status: on success it
// lingers until queued messages are delivered; interrupted or failed, it drops them.
func (r *catRun) finish(ctx context.Context, err error, stderr io.Writer) int {
	r.out.Flush()
	if err != nil {
		r.s.SetOption(core.Linger(0))
		r.s.Close()
		if errors.Is(err, errInterrupted) {
			return exitOK
		}
		fmt.Fprintf(stderr, "zeroplug cat: %v\n", err)
		return exitError
	}
	closeLingering(ctx, r.s) // interrupted while delivering: what is left is dropped
	return exitOK
}

// closeLingering closes s and waits for its queued messages to be delivered (its linger),
// reporting whether that finished; when ctx ends first, what is left is dropped
// (LINGER 0 on the closed socket ends its linger) and it returns false.
func closeLingering(ctx context.Context, s *core.Socket) bool {
	s.Close()
	select {
	case <-s.Done():
		return true
	case <-ctx.Done():
		s.SetOption(core.Linger(0))
		<-s.Done() // soon: nothing is waited for any more
		return false
	}
}
