// Command zeroplug talks to ZeroMQ endpoints from the shell, benchmarks them and runs a
// proxy between them, on zeroplug's core:
//
//	zeroplug cat -t TYPE [-b ENDPOINT]... [-c ENDPOINT]... [-s PREFIX]... [-j GROUP...] [-n N]
//	             [--echo] [--format text|hex|z85] [-o NAME=VALUE]... [SECURITY]
//	zeroplug bench MODE ENDPOINT [--size BYTES] [--count N] [--curve | SECURITY]
//	zeroplug proxy -f SPEC -b SPEC [--capture SPEC] [--control SPEC]
//	zeroplug keygen [--cert PATH]
//	zeroplug version
//
// `zeroplug --help` and `zeroplug COMMAND --help` document each command. Each lives in its
// own file (cat.go, bench.go, proxy.go, keygen.go) as a function of its arguments and
// standard streams, so that the tests run it in-process; security.go holds the CURVE and
// PLAIN flags of cat and bench.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/hashicorp/go-hclog"
	"github.com/zeroplug/zeroplug/core"
)

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1 // the command failed
	exitUsage = 2 // the command line is wrong
)

// version is the release, set at build time with -ldflags "-X main.version=v1.2.3";
// otherwise the module's version from the build information.
var version = ""

const mainHelp = `zeroplug talks to ZeroMQ endpoints, benchmarks them and runs proxies. It speaks
ZMTP 3.1, so its peers can be libzmq programs in any language.

Usage:
  zeroplug cat -t TYPE [-b ENDPOINT]... [-c ENDPOINT]... [-s PREFIX]... [-j GROUP...] [-n N]
               [--echo] [--format text|hex|z85] [-o NAME=VALUE]... [SECURITY]
      send standard input as messages, print the messages received (binary-safe in
      hex or z85; -o sets any socket option by libzmq's name, '-o help' lists them)
  zeroplug bench MODE ENDPOINT [--size BYTES] [--count N] [--curve | SECURITY]
      measure throughput or latency, as libzmq's perf tools and zmqpeer
  zeroplug proxy -f SPEC -b SPEC [--capture SPEC] [--control SPEC]
      move messages between a frontend and a backend socket (zmq_proxy_steerable)
  zeroplug plugins [--path DIR]... [--manifest FILE] [--timeout D]
      list the transport plugins found, check that each starts (and its sha256)
  zeroplug keygen [--cert PATH]
      print a new CURVE key pair (public=..., secret=..., in Z85), or write it to the
      certificate files PATH.key and PATH.key_secret
  zeroplug version
      print the version, the Go toolchain and the transports built in
  zeroplug help [COMMAND]
      print this text, or a command's (the same as 'zeroplug COMMAND --help')

Endpoints are written as in libzmq: tcp://127.0.0.1:5555, tcp://*:5555 (every interface),
tcp://127.0.0.1:* (a free port, printed on standard error), tcp://[::1]:5555, ipc:///tmp/feed,
ipc://@abstract, inproc://name (within one process: bench's thr and lat modes).

SECURITY is CURVE (--curve-server --curve-secretkey KEY, or --curve-serverkey KEY) or PLAIN
(--plain-server, or --plain-user USER --plain-password PASSWORD), with --allow-curve KEY and
--allow-plain USER:PASSWORD for a server; 'zeroplug cat --help' documents them. A KEY may be
a certificate file (NAME.key, NAME.key_secret, as pyzmq and czmq write them), and
--allow-curve a directory of public certificates.

Flags may be written -flag or --flag, before or after the other arguments.

Exit status: 0 on success, also after SIGINT or SIGTERM, which close the sockets cleanly;
1 when the command fails (the message on standard error names what failed); 2 for a usage
error.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs the command line args (without the program name) and returns the exit status.
// ctx ends when the program is interrupted.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, mainHelp)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "cat":
		return runCat(ctx, rest, stdin, stdout, stderr)
	case "bench":
		return runBench(ctx, rest, stdout, stderr)
	case "proxy":
		return runProxy(ctx, rest, stdout, stderr)
	case "plugins":
		return runPlugins(ctx, rest, stdout, stderr)
	case "keygen":
		return runKeygen(rest, stdout, stderr)
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, versionString())
		return exitOK
	case "help", "-h", "-help", "--help":
		if len(rest) == 0 {
			fmt.Fprint(stdout, mainHelp)
			return exitOK
		}
		if help, ok := commandHelp[rest[0]]; ok {
			fmt.Fprint(stdout, help)
			return exitOK
		}
		fmt.Fprintf(stderr, "zeroplug help: unknown command %q\n", rest[0])
		return exitUsage
	}
	fmt.Fprintf(stderr, "zeroplug: unknown command %q\nRun 'zeroplug --help' for usage.\n", cmd)
	return exitUsage
}

// commandHelp is each command's --help text.
var commandHelp = map[string]string{
	"cat":     catHelp,
	"bench":   benchHelp,
	"proxy":   proxyHelp,
	"version": "Usage: zeroplug version\n\nPrints zeroplug's version, the Go toolchain and the transports built in.\n",
}

// versionString describes this build: the version, the commit it was built from, the Go
// toolchain and the endpoint schemes the core serves.
func versionString() string {
	v := version
	var rev, modified string
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					modified = "+modified"
				}
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" {
		v += " commit " + rev + modified
	}
	zctx := core.NewContext()
	schemes := zctx.Schemes()
	zctx.Close()
	return fmt.Sprintf("zeroplug %s %s %s/%s transports: %s",
		v, runtime.Version(), runtime.GOOS, runtime.GOARCH, strings.Join(schemes, " "))
}

// newContext makes the private context of one command, logging to stderr, with opts.
func newContext(stderr io.Writer, opts ...core.ContextOption) *core.Context {
	return core.NewContext(append([]core.ContextOption{core.WithLogger(hclog.New(&hclog.LoggerOptions{
		Name:   "zeroplug",
		Output: stderr,
		Level:  hclog.Warn,
	}))}, opts...)...)
}

// listFlag is a flag that may be given more than once; each value is kept in order.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, " ") }

func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// newFlagSet makes the flag set of a command; parseArgs reports its errors.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("zeroplug "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// errHelp is what parseArgs returns for -h, -help and --help.
var errHelp = flag.ErrHelp

// parseArgs parses args with fs, allowing flags after positional arguments as well as
// before them ("--" ends the flags), and returns the positional arguments.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// usageError reports a command-line error of command name and returns exitUsage.
func usageError(stderr io.Writer, name string, format string, args ...any) int {
	fmt.Fprintf(stderr, "zeroplug %s: %s\nRun 'zeroplug %s --help' for usage.\n",
		name, fmt.Sprintf(format, args...), name)
	return exitUsage
}

// parseFailed turns an error of parseArgs into the exit status: the help text on stdout
// for --help, a usage error otherwise.
func parseFailed(err error, name, help string, stdout, stderr io.Writer) int {
	if errors.Is(err, errHelp) {
		fmt.Fprint(stdout, help)
		return exitOK
	}
	return usageError(stderr, name, "%v", err)
}
