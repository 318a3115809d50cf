package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/zeroplug/zeroplug/core"
)

const proxyHelp = `Usage: zeroplug proxy -f SPEC -b SPEC [--capture SPEC] [--control SPEC]

proxy runs libzmq's steerable proxy (zmq_proxy_steerable) between a frontend and a backend
socket: every message received on one is sent on the other, both ways where the socket
types allow, until it is interrupted (SIGINT, SIGTERM) or told TERMINATE on the control
socket. It exits with status 0 then.

A SPEC is a socket type, then where it goes: TYPE@bind:ENDPOINT or TYPE@connect:ENDPOINT,
such as ROUTER@bind:tcp://*:5559 or XSUB@connect:ipc:///tmp/feed.

Flags:
  -f SPEC          the frontend socket. Required.
  -b SPEC          the backend socket. Required.
  --capture SPEC   a socket that gets a copy of every message proxied (PUB, PUSH, PAIR,
                   DEALER...), sent as libzmq's zmq_proxy does: a capture socket that
                   blocks (a PUSH with no peer yet) holds the proxy up until it can send.
  --control SPEC   a socket for commands (REP, PAIR or SUB, usually bound): PAUSE,
                   RESUME, TERMINATE, and STATISTICS, which a REP or PAIR answers with
                   eight 8-byte little-endian counters: frontend messages in, bytes in,
                   messages out, bytes out, then the same for the backend.
  -h, --help       print this text.

A SUB frontend or backend subscribes to everything. On exit each socket gets up to one
second to deliver what it still holds.

Examples:
  zeroplug proxy -f ROUTER@bind:tcp://*:5559 -b DEALER@bind:tcp://*:5560
  zeroplug proxy -f XSUB@bind:tcp://*:5570 -b XPUB@bind:tcp://*:5571 --control REP@bind:ipc:///tmp/proxy-ctl
  zeroplug proxy -f PULL@bind:ipc:///tmp/in -b PUSH@bind:ipc:///tmp/out --capture PUB@bind:tcp://127.0.0.1:5580
`

// proxyLinger is how long each socket may go on delivering when the proxy ends.
const proxyLinger = time.Second

// socketSpec is a parsed TYPE@bind:ENDPOINT or TYPE@connect:ENDPOINT.
type socketSpec struct {
	typ      core.Type
	bind     bool
	endpoint string
}

func (s socketSpec) String() string {
	mode := "connect"
	if s.bind {
		mode = "bind"
	}
	return s.typ.String() + "@" + mode + ":" + s.endpoint
}

// parseSpec reads a socket spec.
func parseSpec(spec string) (socketSpec, error) {
	var s socketSpec
	typeName, rest, ok := strings.Cut(spec, "@")
	if !ok {
		return s, fmt.Errorf("%q: want TYPE@bind:ENDPOINT or TYPE@connect:ENDPOINT", spec)
	}
	t, err := core.ParseType(typeName)
	if err != nil {
		return s, fmt.Errorf("%q: %q is not a socket type", spec, typeName)
	}
	mode, endpoint, ok := strings.Cut(rest, ":")
	if !ok || (mode != "bind" && mode != "connect") || endpoint == "" {
		return s, fmt.Errorf("%q: want TYPE@bind:ENDPOINT or TYPE@connect:ENDPOINT", spec)
	}
	return socketSpec{typ: t, bind: mode == "bind", endpoint: endpoint}, nil
}

// runProxy is `zeroplug proxy`: see proxyHelp.
func runProxy(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("proxy")
	front := fs.String("f", "", "")
	back := fs.String("b", "", "")
	capture := fs.String("capture", "", "")
	control := fs.String("control", "", "")
	positional, err := parseArgs(fs, args)
	if err != nil {
		return parseFailed(err, "proxy", proxyHelp, stdout, stderr)
	}
	if len(positional) > 0 {
		return usageError(stderr, "proxy", "unexpected argument %q", positional[0])
	}
	if *front == "" || *back == "" {
		return usageError(stderr, "proxy", "-f SPEC and -b SPEC are both required")
	}
	// The roles in the order ProxySteerable takes them; an empty spec is an absent socket.
	roles := []struct{ name, spec string }{
		{"frontend", *front}, {"backend", *back}, {"capture", *capture}, {"control", *control},
	}
	specs := make([]*socketSpec, len(roles))
	for i, r := range roles {
		if r.spec == "" {
			continue
		}
		s, err := parseSpec(r.spec)
		if err != nil {
			return usageError(stderr, "proxy", "%s: %v", r.name, err)
		}
		specs[i] = &s
	}

	zctx := newContext(stderr)
	socks := make([]*core.Socket, len(specs))
	// closeAll closes the sockets and waits, up to proxyLinger, for what they queued to
	// be delivered: Socket.Close lingers in the background, Context.Close waits for it.
	closeAll := func() {
		for _, s := range socks {
			if s != nil {
				s.SetOption(core.Linger(proxyLinger))
				s.Close()
			}
		}
		zctx.Close()
	}
	for i, spec := range specs {
		if spec == nil {
			continue
		}
		var opts []core.Option
		if spec.typ == core.SUB {
			opts = append(opts, core.Subscribe(""))
		}
		s, err := zctx.NewSocket(spec.typ, opts...)
		if err == nil {
			socks[i] = s
			if spec.bind {
				err = attach(s, []string{spec.endpoint}, nil, "proxy", stderr)
			} else {
				err = attach(s, nil, []string{spec.endpoint}, "proxy", stderr)
			}
		}
		if err != nil {
			closeAll()
			fmt.Fprintf(stderr, "zeroplug proxy: %s: %v\n", roles[i].name, err)
			return exitError
		}
	}

	done := make(chan error, 1)
	go func() { done <- core.ProxySteerable(socks[0], socks[1], socks[2], socks[3]) }()
	select {
	case err = <-done:
	case <-ctx.Done():
		closeAll() // ProxySteerable returns when its sockets close
		<-done
		return exitOK
	}
	closeAll()
	if err != nil && !errors.Is(err, core.ErrClosed) {
		fmt.Fprintf(stderr, "zeroplug proxy: %v\n", err)
		return exitError
	}
	return exitOK
}
