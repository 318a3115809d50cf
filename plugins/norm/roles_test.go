package norm_test

import (
	"github.com/zeroplug/zeroplug/plugins/norm/internal/normtest"

	"bufio"
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/zeroplug/zeroplug"
)

// The zeroplug side of the namespace tests: the test binary, run again
// inside a namespace with roleEnv set, is a zeroplug PUB or SUB on a
// norm:// endpoint, through the core and the plugin binary found in
// $ZEROPLUG_PLUGIN_PATH. It prints what it does on standard output, one
// line at a time, and the plugin's log lines (their statistics) on
// standard error.

const roleEnv = "ZEROPLUG_NORM_TEST_ROLE"

// testMessage is message i of a run tagged tag, with frames a libzmq peer
// can take (normtest.Message).
func testMessage(tag byte, i int) [][]byte { return normtest.Message(tag, i, normtest.LibzmqSpan) }

// checkMessage returns the tag and index of a message, and whether it is
// intact.
func checkMessage(frames [][]byte) (tag byte, i int, ok bool) {
	if len(frames) == 0 || len(frames[0]) < 9 {
		return 0, 0, false
	}
	tag, i = frames[0][0], int(binary.BigEndian.Uint64(frames[0][1:9]))
	want := testMessage(tag, i)
	if len(want) != len(frames) {
		return tag, i, false
	}
	for j := range want {
		if string(want[j]) != string(frames[j]) {
			return tag, i, false
		}
	}
	return tag, i, true
}

// runRole runs the role named in the environment, with os.Args after "--"
// as its arguments, and returns the exit status.
//
//	pub ENDPOINT COUNT TAG [NAME=VALUE...]  wait for "go" on stdin, publish COUNT messages
//	                                        5 ms apart (interval=DUR), print "sent", close
//	                                        and exit
//	sub ENDPOINT COUNT [NAME=VALUE...]      print "got INDEX TAG OK" per message (pausing
//	                                        slow=DUR after each), "done" at COUNT or after
//	                                        20 s (quiet=DUR) of silence
//
// NAME=VALUE is a socket option by libzmq's name; dial=1 connects rather
// than binds; size=N sends one frame of N bytes instead of testMessage;
// summary=1 prints "summary COUNT SECONDS INORDER" instead of a line per
// message, the seconds from the first message to the last.
func runRole(role string, args []string) int {
	fail := func(err error) int { fmt.Println("error:", err); return 1 }
	if len(args) < 2 {
		return fail(fmt.Errorf("role %s: too few arguments %q", role, args))
	}
	ep := args[0]
	count, err := strconv.Atoi(args[1])
	if err != nil {
		return fail(err)
	}
	var tag byte
	rest := args[2:]
	if role == "pub" {
		if len(rest) == 0 {
			return fail(fmt.Errorf("pub: no tag"))
		}
		tag, rest = rest[0][0], rest[1:]
	}
	var opts []zeroplug.Option
	interval, slow, quiet := 5*time.Millisecond, time.Duration(0), 20*time.Second
	dial, summary, size := false, false, 0
	for _, kv := range rest {
		name, value, _ := strings.Cut(kv, "=")
		switch name {
		case "dial": // connect rather than bind
			dial = value == "1"
			continue
		case "summary": // print one line of figures, not one per message
			summary = value == "1"
			continue
		case "size": // send one frame of SIZE bytes, not testMessage
			if size, err = strconv.Atoi(value); err != nil || size < 9 {
				return fail(fmt.Errorf("size=%s: at least 9", value))
			}
			continue
		}
		// The role's own settings: the pause between messages sent, or
		// received (a receiver that falls behind).
		if name == "interval" || name == "slow" || name == "quiet" {
			d, err := time.ParseDuration(value)
			if err != nil {
				return fail(err)
			}
			*map[string]*time.Duration{"interval": &interval, "slow": &slow, "quiet": &quiet}[name] = d
			continue
		}
		o, err := zeroplug.ParseOption(name, value)
		if err != nil {
			return fail(err)
		}
		opts = append(opts, o)
	}
	logger := hclog.New(&hclog.LoggerOptions{Name: role, Output: os.Stderr, Level: hclog.Info})
	ctx := zeroplug.NewContext(zeroplug.WithLogger(logger))
	defer ctx.Close()
	typ := zeroplug.SUB
	if role == "pub" {
		typ = zeroplug.PUB
	}
	s, err := ctx.NewSocket(typ, opts...)
	if err != nil {
		return fail(err)
	}
	defer s.Close()
	if typ == zeroplug.SUB {
		if err := s.Subscribe(""); err != nil {
			return fail(err)
		}
		if err := s.SetOption(zeroplug.RecvTimeout(quiet)); err != nil {
			return fail(err)
		}
	}
	attach := s.Bind
	if dial {
		attach = s.Connect
	}
	if err := attach(ep); err != nil {
		return fail(err)
	}
	fmt.Println("ready")
	if typ == zeroplug.PUB {
		in := bufio.NewScanner(os.Stdin)
		if !in.Scan() || in.Text() != "go" {
			return fail(fmt.Errorf("pub: no go on stdin"))
		}
		for i := range count {
			m := testMessage(tag, i)
			if size > 0 {
				m = [][]byte{make([]byte, size)}
				m[0][0] = tag
				binary.BigEndian.PutUint64(m[0][1:9], uint64(i))
			}
			if err := s.Send(m...); err != nil {
				return fail(err)
			}
			if interval > 0 {
				time.Sleep(interval)
			}
		}
		fmt.Println("sent")
		return 0
	}
	var first, last time.Time
	n, inOrder := 0, true
	for ; n < count; n++ {
		frames, err := s.Recv()
		if err != nil {
			break
		}
		last = time.Now()
		if n == 0 {
			first = last
		}
		if summary {
			inOrder = inOrder && len(frames[0]) >= 9 && int(binary.BigEndian.Uint64(frames[0][1:9])) == n
			continue
		}
		tag, i, ok := checkMessage(frames)
		fmt.Printf("got %d %c %v\n", i, tag, ok)
		time.Sleep(slow)
	}
	if summary {
		// From the first message to the last: the delivered rate.
		fmt.Printf("summary %d %.6f %v\n", n, last.Sub(first).Seconds(), inOrder)
	}
	fmt.Println("done")
	return 0
}
