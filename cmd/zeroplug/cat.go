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

const catHelp = `Usage: zeroplug cat -t TYPE [-b ENDPOINT]... [-c ENDPOINT]... [-s PREFIX]... [-j GROUP...]
                    [-n N] [--echo] [--format text|hex|z85] [-o NAME=VALUE]... [SECURITY]

cat opens one socket of type TYPE, binds and connects it, then sends each line of standard
input as one message (when TYPE can send) and prints each message it receives on one line
(when TYPE can receive). A '|' in an input line separates the frames of a multipart message
("a|b|" is three frames: "a", "b" and an empty one); received frames are printed joined by
'|'. Frames are printed as they are, without escaping, unless --format says otherwise.
The draft types (SERVER CLIENT RADIO DISH SCATTER GATHER PEER CHANNEL) send single-part
messages: each line is one message, '|' and all, except for RADIO, DISH and PEER (below).
DGRAM's messages are an address and a datagram: a line is ADDRESS|BODY (below).

Flags:
  -t TYPE      the socket type: PAIR PUB SUB REQ REP DEALER ROUTER PULL PUSH XPUB XSUB
               STREAM, or a draft type: SERVER CLIENT RADIO DISH SCATTER GATHER DGRAM
               PEER CHANNEL (case does not matter). Required.
  -b ENDPOINT  bind to ENDPOINT; repeat for several. A wildcard port (tcp://127.0.0.1:*)
               is resolved and the endpoint printed on standard error.
  -c ENDPOINT  connect to ENDPOINT; repeat for several. Connections are made, and remade,
               in the background. At least one -b or -c is required. A PEER prints
               the routing id of each connection it makes on standard error.
  -s PREFIX    SUB, XSUB: subscribe to messages whose first frame starts with PREFIX;
               repeat for several. A SUB without -s subscribes to everything.
  -j GROUP...  DISH: join each GROUP (at most 255 bytes): -j a b, or -j a -j b. Required
               for a DISH, which receives nothing else.
  -n N         exit after printing N messages (types that receive).
  --echo       REP, ROUTER, DEALER, PAIR, SERVER, PEER, CHANNEL, DGRAM: send every
               message received back (a ROUTER, SERVER, PEER or DGRAM to the peer it
               came from), printing it too, until interrupted or -n N messages; standard
               input is not read.
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
  SERVER          print the body of each message from its CLIENTs; with --echo, send
                  each back to the routing id it came from.
  CLIENT          send each line as one message and print what arrives, both at once
                  (as DEALER); with -n N, exit after printing N messages.
  SCATTER         send each line as one message, round-robin to the GATHERs (as PUSH).
  GATHER          print what arrives (as PULL), until interrupted or -n N messages.
  RADIO           send each line GROUP|BODY as BODY to GROUP, split at the first '|'
                  (the body may hold more); a line without '|' is an error.
  DISH            print each message of the groups joined (-j) as GROUP|BODY.
  PEER            print each message as ROUTINGID|BODY, the routing id (in decimal,
                  whatever --format) naming the connection it came on; send each line
                  ROUTINGID|BODY as BODY to that connection, split at the first '|'. With
                  one -c and no -b, each line is a BODY, sent whole to that connection
                  (its routing id is printed on standard error). Both at once, as PAIR.
  CHANNEL         send each line as one message and print what arrives, both at once
                  (as PAIR: one peer only).
  DGRAM           udp:// only, bound (-b udp://*:5562): send each line ADDRESS|BODY as
                  one datagram of BODY to ADDRESS ("ip:port"), split at the first '|',
                  and print each datagram received as ADDRESS|BODY, ADDRESS its sender,
                  both at once (as PAIR).

udp:// (RADIO connects, DISH and DGRAM bind): udp://HOST:PORT, udp://*:PORT, and for a
multicast group udp://GROUP:PORT or udp://IFACE;GROUP:PORT (quote the ';' in a shell).
A datagram holds at most 8192 bytes; UDP may lose or reorder them.

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
  zeroplug cat -t SERVER -b tcp://127.0.0.1:5560 --echo
  echo hello | zeroplug cat -t CLIENT -c tcp://127.0.0.1:5560 -n 1
  zeroplug cat -t DISH -b tcp://127.0.0.1:5561 -j weather -j news
  printf 'weather|rain\nsport|goal\n' | zeroplug cat -t RADIO -c tcp://127.0.0.1:5561
  zeroplug cat -t PEER -b tcp://127.0.0.1:5563 --echo
  echo hello | zeroplug cat -t PEER -c tcp://127.0.0.1:5563 -n 1   # prints ROUTINGID|hello
  zeroplug cat -t DISH -b 'udp://eth0;239.0.0.1:5562' -j weather
  echo 'weather|rain' | zeroplug cat -t RADIO -c 'udp://eth0;239.0.0.1:5562'
  zeroplug cat -t DGRAM -b udp://127.0.0.1:5563 --echo
  echo '127.0.0.1:5563|ping' | zeroplug cat -t DGRAM -b udp://127.0.0.1:5564 -n 1
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
	joins    listFlag // -j GROUP, for DISH
	n        int      // messages to print before exiting; 0: no limit
	echo     bool
	format   frameFormat
	opts     []core.Option // -o NAME=VALUE
	sec      security
}

// What each socket type can do.
var (
	canSend = map[core.Type]bool{core.PAIR: true, core.PUB: true, core.REQ: true, core.REP: true,
		core.DEALER: true, core.ROUTER: true, core.PUSH: true, core.XPUB: true, core.XSUB: true, core.STREAM: true,
		core.CLIENT: true, core.RADIO: true, core.SCATTER: true, core.PEER: true, core.CHANNEL: true, core.DGRAM: true}
	canRecv = map[core.Type]bool{core.PAIR: true, core.SUB: true, core.REQ: true, core.REP: true,
		core.DEALER: true, core.ROUTER: true, core.PULL: true, core.XPUB: true, core.XSUB: true, core.STREAM: true,
		core.SERVER: true, core.CLIENT: true, core.DISH: true, core.GATHER: true, core.PEER: true, core.CHANNEL: true, core.DGRAM: true}
	canEcho = map[core.Type]bool{core.REP: true, core.ROUTER: true, core.DEALER: true, core.PAIR: true, core.SERVER: true,
		core.PEER: true, core.CHANNEL: true, core.DGRAM: true}
)

// parseCat reads cat's command line; a non-zero status means it has been reported.
func parseCat(args []string, stdout, stderr io.Writer) (catConfig, int) {
	var c catConfig
	fs := newFlagSet("cat")
	typeName := fs.String("t", "", "")
	fs.Var(&c.binds, "b", "")
	fs.Var(&c.connects, "c", "")
	fs.Var(&c.subs, "s", "")
	fs.Var(&c.joins, "j", "")
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
	if *typeName == "" {
		return bad("-t TYPE is required")
	}
	if c.typ, err = core.ParseType(*typeName); err != nil {
		return bad("-t %s: not a socket type (PAIR PUB SUB REQ REP DEALER ROUTER PULL PUSH XPUB XSUB STREAM SERVER CLIENT RADIO DISH SCATTER GATHER DGRAM PEER CHANNEL)", *typeName)
	}
	if c.typ == core.DISH && len(c.joins) > 0 {
		// -j GROUP...: the arguments after a -j are groups too.
		c.joins = append(c.joins, positional...)
		positional = nil
	}
	if len(positional) > 0 {
		return bad("unexpected argument %q", positional[0])
	}
	switch {
	case len(c.binds)+len(c.connects) == 0:
		return bad("give at least one -b ENDPOINT or -c ENDPOINT")
	case len(c.subs) > 0 && c.typ != core.SUB && c.typ != core.XSUB:
		return bad("-s is for SUB and XSUB sockets, not %s", c.typ)
	case len(c.joins) > 0 && c.typ != core.DISH:
		return bad("-j is for DISH sockets, not %s", c.typ)
	case c.typ == core.DISH && len(c.joins) == 0:
		return bad("a DISH needs at least one -j GROUP to receive anything")
	case c.echo && !canEcho[c.typ]:
		return bad("--echo is for REP, ROUTER, DEALER, PAIR, SERVER, PEER, CHANNEL and DGRAM sockets, not %s", c.typ)
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
	// Closing the context at the end stops its plugin processes as a program should: a
	// multicast plugin (norm) then finishes its repairs before it exits, where the
	// process ending would kill it at once. finish has closed the one socket by then.
	zctx := newContext(stderr, c.sec.contextOptions()...)
	defer zctx.Close()
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
	for _, g := range c.joins {
		if err := s.Join(g); err != nil {
			s.Close()
			fmt.Fprintf(stderr, "zeroplug cat: -j %s: %v\n", g, err)
			return exitError
		}
	}
	parse := lineParser(c.typ, c.format)
	if c.typ == core.PEER {
		var only uint32
		only, err = attachPeer(s, c.binds, c.connects, stderr)
		parse = peerLineParser(c.format, only)
	} else {
		err = attach(s, c.binds, c.connects, "cat", stderr)
	}
	if err != nil {
		s.SetOption(core.Linger(0))
		s.Close()
		fmt.Fprintf(stderr, "zeroplug cat: %v\n", err)
		return exitError
	}

	r := &catRun{c: c, s: s, out: bufio.NewWriter(stdout)}
	stop := make(chan struct{})
	defer close(stop)
	if !c.echo && canSend[c.typ] {
		r.lines, r.ended = readLines(stdin, parse, stop)
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

// readLines reads in line by line into the channel lines, each line made into frames
// by parse (lineParser), until in ends, a line does not parse, or stop is closed; then it closes lines and ended. Only the newline is removed, as zmqpeer
// does; a last line without one counts too. A reader that never ends keeps its
// goroutine blocked in Read: the caller's to close.
func readLines(in io.Reader, parse func([]byte) ([][]byte, error), stop <-chan struct{}) (lines <-chan lineOrErr, ended <-chan struct{}) {
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
				frames, ferr := parse(line)
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

// recv receives one message and prints it (a DISH's as its group and body).
func (r *catRun) recv(ctx context.Context) (core.Msg, error) {
	m, err := r.s.RecvMsg(ctx, false)
	if err != nil {
		if ctx.Err() != nil {
			return m, errInterrupted
		}
		return m, fmt.Errorf("receive: %w", err)
	}
	line, err := appendFrames(printedPrefix(r.c.typ, m), printedFrames(r.c.typ, m), r.c.format)
	if err != nil {
		return m, fmt.Errorf("printing a message received: %w", err)
	}
	r.out.Write(append(line, '\n'))
	if err := r.out.Flush(); err != nil {
		return m, fmt.Errorf("writing standard output: %w", err)
	}
	r.printed++
	return m, nil
}

// sendFrames sends one message: a line's frames, which for a RADIO are its group and
// body, for a PEER its routing id and body.
func (r *catRun) sendFrames(ctx context.Context, frames [][]byte) error {
	var err error
	switch r.c.typ {
	case core.RADIO:
		err = r.s.SendMsgContext(ctx, core.Msg{Group: string(frames[0]), Frames: frames[1:]})
	case core.PEER:
		err = r.s.SendMsgContext(ctx, peerMsg(frames))
	default:
		err = r.s.SendContext(ctx, frames...)
	}
	if err != nil {
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

// echo sends every message back (--echo), a SERVER's or PEER's to the routing id it
// came from.
func (r *catRun) echo(ctx context.Context) error {
	for !r.done() {
		m, err := r.recv(ctx)
		if err != nil {
			return err
		}
		if r.c.typ == core.SERVER || r.c.typ == core.PEER {
			err = r.s.SendMsgContext(ctx, m)
			if err != nil && ctx.Err() != nil {
				return errInterrupted
			}
			if errors.Is(err, core.ErrHostUnreachable) {
				continue // the client has gone: nobody to answer
			}
			if err != nil {
				return fmt.Errorf("send: %w", err)
			}
			continue
		}
		if err := r.sendFrames(ctx, m.Frames); err != nil {
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
