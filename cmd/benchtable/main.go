// Command benchtable measures zeroplug against libzmq and go-zeromq/zmq4 side by side and
// prints the results as Markdown tables. `make bench` runs it.
//
//	go run ./cmd/benchtable [-zeroplug PATH] [-zmqpeer PATH] [-zmq4peer PATH] [-rounds 3] ...
//
// The three programs have the same modes and print the same result lines: `zeroplug
// bench`, cmd/zmqpeer (libzmq) and cmd/zmq4peer (zmq4). A program whose path is not given
// is built into a temporary directory. For each transport (inproc, ipc, tcp) and message
// size, benchtable runs `thr` (both ends in one process) for each program in turn,
// alternating them round after round so that a drift of the machine touches all alike,
// and reports each program's median msgs/s. Then `lat` over tcp and ipc, the median
// one-way latency. Each run has a time limit: a run that hangs is reported as "timeout".
//
// Counts are scaled by size so that each run takes about -target (default 1 s): a
// calibration run of each program, not counted, measures its rate, and the measured runs
// use rate × target messages, at most the size's default count × -scale (2,000,000 at
// 16 B down to 20,000 at 64 KiB). The tables and the list of runs say which counts
// were used.
//
// -curve adds two tables of CURVE (encrypted) runs over tcp, zeroplug beside libzmq in
// the same way: `zeroplug bench thr ENDPOINT ... --curve` and `ZMQPEER_CURVE=1 zmqpeer
// thr ENDPOINT ...`, where the binding end is a CURVE server with a fresh key pair and the
// connecting end its client; throughput at -curve-sizes (64 B and 1 KiB), then latency.
// `make bench` sets it. With -transports= -lat-transports= only the CURVE tables run.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	os.Exit(run(os.Args, os.Stdout, os.Stderr))
}

// config is the command line.
type config struct {
	paths      map[string]string // implementation name -> program, "" to build
	rounds     int
	scale      float64
	target     time.Duration
	timeout    time.Duration
	transports []string
	sizes      []int
	latCount   int
	latSize    int
	latOver    []string
	curve      bool
	curveSizes []int
	draft      bool // the draft tables (draft.go)
	split      bool // the separate-process table (split.go)
}

// impl is one implementation under test.
type impl struct {
	name    string // column name: libzmq, zeroplug, zmq4
	program string // zmqpeer, zeroplug, zmq4peer
	path    string
	// skip says why a transport is not measured, when it is not.
	skip func(transport string, size int) string
	// env ("KEY=value") and flags (after zeroplug's) are added to every run: how the
	// CURVE variants ask for CURVE.
	env   []string
	flags []string
}

// args builds the command line of one run: mode thr or lat.
func (im *impl) args(mode, endpoint string, size, count int) []string {
	if im.program == "zeroplug" {
		return append([]string{"bench", mode, endpoint, "--size", strconv.Itoa(size), "--count", strconv.Itoa(count)}, im.flags...)
	}
	return []string{mode, endpoint, strconv.Itoa(size), strconv.Itoa(count)}
}

// curveImpls are the CURVE variants of libzmq and zeroplug (zmq4 has no CURVE): each run
// makes a fresh server key pair, the binding end (PULL, REP) is the CURVE server and the
// connecting end its client.
func (b *bencher) curveImpls() []*impl {
	var out []*impl
	for _, im := range b.impls {
		c := *im
		switch im.program {
		case "zmqpeer":
			c.env = []string{"ZMQPEER_CURVE=1"}
		case "zeroplug":
			if len(im.flags) > 0 {
				continue // the CURVE tables compare Send, the default
			}
			c.flags = []string{"--curve"}
		default:
			continue
		}
		out = append(out, &c)
	}
	return out
}

func run(argv []string, stdout, stderr io.Writer) int {
	c := config{paths: map[string]string{}}
	fs := flag.NewFlagSet("benchtable", flag.ContinueOnError)
	fs.SetOutput(stderr)
	zeroplugPath := fs.String("zeroplug", "", "path of the zeroplug binary (default: build ./cmd/zeroplug)")
	zmqpeerPath := fs.String("zmqpeer", "", "path of zmqpeer, the libzmq peer (default: build cmd/zmqpeer/zmqpeer.c)")
	zmq4peerPath := fs.String("zmq4peer", "", "path of zmq4peer, the go-zeromq/zmq4 peer (default: build ./cmd/zmq4peer)")
	draftPath := fs.String("zmqpeer-draft", "", "path of zmqpeer-draft, zmqpeer on zeromq.js's libzmq 4.3.5 with the draft API (default: build it with scripts/build-zmqpeer-draft.sh)")
	fs.BoolVar(&c.split, "split", false, "also measure with the sender and the receiver in separate processes, over tcp and ipc, each direction between zeroplug and libzmq, beside a raw socket, with the receivers' peak memory")
	fs.BoolVar(&c.draft, "draft", false, "also measure the draft sockets, RADIO/DISH over udp and tcp and CLIENT/SERVER over tcp, zeroplug (bench --pattern) beside libzmq 4.3.5 (zmqpeer-draft)")
	fs.IntVar(&c.rounds, "rounds", 3, "measured runs of each program per cell, alternating the programs; the median is reported")
	fs.Float64Var(&c.scale, "scale", 1, "multiplies the default counts (2,000,000 at 16 B ... 20,000 at 64 KiB; 10,000 round trips)")
	fs.DurationVar(&c.target, "target", time.Second, "how long each measured thr run should take, from a calibration run (0: always the full count)")
	fs.DurationVar(&c.timeout, "timeout", 60*time.Second, "time limit of one run; a run that exceeds it is reported as timeout")
	transports := fs.String("transports", "inproc,ipc,tcp", "transports of the throughput table")
	sizes := fs.String("sizes", "16,256,1024,65536", "message sizes of the throughput table, in bytes")
	latOver := fs.String("lat-transports", "tcp,ipc", "transports of the latency table (empty: none)")
	fs.IntVar(&c.latSize, "lat-size", 16, "message size of the latency table, in bytes")
	fs.IntVar(&c.latCount, "lat-count", 10000, "round trips of each latency run (times -scale)")
	fs.BoolVar(&c.curve, "curve", false, "also measure CURVE over tcp, zeroplug (bench --curve) beside libzmq (ZMQPEER_CURVE=1): throughput at -curve-sizes, latency at -lat-size")
	curveSizes := fs.String("curve-sizes", "64,1024", "message sizes of the CURVE throughput table, in bytes")
	if err := fs.Parse(argv[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "benchtable: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	c.paths = map[string]string{"zeroplug": *zeroplugPath, "zmqpeer": *zmqpeerPath, "zmq4peer": *zmq4peerPath, "zmqpeer-draft": *draftPath}
	c.transports = splitList(*transports)
	c.latOver = splitList(*latOver)
	for _, list := range []struct {
		flag  string
		value string
		to    *[]int
	}{{"-sizes", *sizes, &c.sizes}, {"-curve-sizes", *curveSizes, &c.curveSizes}} {
		for _, s := range splitList(list.value) {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				fmt.Fprintf(stderr, "benchtable: %s: %q is not a size in bytes\n", list.flag, s)
				return 2
			}
			*list.to = append(*list.to, n)
		}
	}
	for _, t := range append(slices.Clone(c.transports), c.latOver...) {
		if t != "inproc" && t != "ipc" && t != "tcp" {
			fmt.Fprintf(stderr, "benchtable: unknown transport %q (inproc, ipc, tcp)\n", t)
			return 2
		}
	}
	if c.rounds < 1 || c.scale <= 0 || c.latCount < 1 || c.latSize < 0 || c.timeout <= 0 {
		fmt.Fprintln(stderr, "benchtable: -rounds, -scale, -lat-count and -timeout must be positive")
		return 2
	}

	b := &bencher{config: c, stderr: stderr}
	defer b.cleanup()
	if err := b.prepare(); err != nil {
		fmt.Fprintf(stderr, "benchtable: %v\n", err)
		return 1
	}
	b.header(stdout, argv)
	if len(c.transports) > 0 && len(c.sizes) > 0 {
		b.throughput(stdout)
	}
	if len(c.latOver) > 0 {
		b.latency(stdout)
	}
	if c.curve {
		b.curveTables(stdout)
	}
	if c.split {
		b.splitTable(stdout)
	}
	if c.draft {
		b.draftTables(stdout)
	}
	b.runList(stdout)
	return 0
}

func splitList(s string) []string {
	var out []string
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// defaultCount is the thr count for a size before -scale: 2,000,000 at 16 B, 1,000,000
// at 256 B, 500,000 at 1 KiB, 20,000 at 64 KiB, and in between about what a fast
// implementation moves in a second (a fixed cost per message plus one per byte).
func defaultCount(size int) int {
	switch size {
	case 16:
		return 2000000
	case 256:
		return 1000000
	case 1024:
		return 500000
	case 65536:
		return 20000
	}
	n := 0.5 / (2.5e-7 + float64(size)*7e-10)
	return max(1000, int(n))
}

// bencher runs the benchmark.
type bencher struct {
	config
	stderr io.Writer
	tmp    string
	impls  []*impl
	// draftPath is zmqpeer-draft's, when -draft is given.
	draftPath string
	runs      []runRecord // every run, for the list at the end
	// failures of the table being made: "zeroplug thr tcp 16 B: timeout".
	failures []string
	ran      int // runs done, for the progress lines
}

// runRecord is one run as the list at the end shows it.
type runRecord struct {
	command string
	result  string // the result line, or what went wrong
	counted bool   // a measured run (not a calibration)
}

func (b *bencher) cleanup() {
	if b.tmp != "" {
		os.RemoveAll(b.tmp)
	}
}

// prepare makes the temporary directory and builds the programs not given.
func (b *bencher) prepare() error {
	var err error
	if b.tmp, err = os.MkdirTemp("", "benchtable-"); err != nil {
		return err
	}
	b.impls = []*impl{
		{name: "libzmq", program: "zmqpeer", skip: func(string, int) string { return "" }},
		{name: "zeroplug", program: "zeroplug", skip: func(string, int) string { return "" }},
		// Send copies each message (the default, as zmq_send); SendNoCopy hands it over.
		{name: "zeroplug SendNoCopy", program: "zeroplug", flags: []string{"--nocopy"}, skip: func(string, int) string { return "" }},
		{name: "zmq4", program: "zmq4peer", skip: func(transport string, _ int) string {
			if transport == "inproc" {
				// Measured with zmq4 v0.17.0: over inproc its PULL reports the PUSH's
				// close as an EOF and loses messages, so thr never ends (any size);
				// frames of 256 bytes or more also come out corrupt.
				return "zmq4 inproc loses messages (thr hangs)"
			}
			return ""
		}},
	}
	built := map[string]string{} // program -> path: the two zeroplug columns share one
	for _, im := range b.impls {
		im.path = b.paths[im.program]
		if im.path == "" && built[im.program] != "" {
			im.path = built[im.program]
		} else if im.path == "" {
			fmt.Fprintf(b.stderr, "benchtable: building %s\n", im.program)
			if im.path, err = b.build(im.program); err != nil {
				return err
			}
			built[im.program] = im.path
		} else if im.path, err = filepath.Abs(im.path); err != nil {
			return err
		}
		if _, err := os.Stat(im.path); err != nil {
			return fmt.Errorf("%s: %w (run `make build`, or leave the flag out to build it)", im.program, err)
		}
	}
	if b.draft {
		if b.draftPath = b.paths["zmqpeer-draft"]; b.draftPath == "" {
			fmt.Fprintf(b.stderr, "benchtable: building zmqpeer-draft\n")
			if b.draftPath, err = b.build("zmqpeer-draft"); err != nil {
				return err
			}
		} else if b.draftPath, err = filepath.Abs(b.draftPath); err != nil {
			return err
		}
		if _, err := os.Stat(b.draftPath); err != nil {
			return fmt.Errorf("zmqpeer-draft: %w (run `make bench`, or leave -zmqpeer-draft out to build it)", err)
		}
	}
	return nil
}

// build builds program into the temporary directory.
func (b *bencher) build(program string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	out := filepath.Join(b.tmp, program)
	var cmd *exec.Cmd
	if program == "zmqpeer-draft" {
		cmd = exec.Command("bash", filepath.Join(root, "scripts", "build-zmqpeer-draft.sh"), out)
	} else if program == "zmqpeer" {
		cmd = exec.Command("cc", "-O2", "-o", out, filepath.Join(root, "cmd", "zmqpeer", "zmqpeer.c"), "-lzmq", "-lpthread")
	} else {
		cmd = exec.Command(goCommand(), "build", "-o", out, "./cmd/"+program)
	}
	cmd.Dir = root
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building %s: %v\n%s", program, err, msg)
	}
	return out, nil
}

// moduleRoot finds the directory of go.mod from the working directory.
func moduleRoot() (string, error) {
	out, err := exec.Command(goCommand(), "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside the zeroplug module: run from the repository, or give every program's path")
	}
	return filepath.Dir(gomod), nil
}

func goCommand() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if root := os.Getenv("GOROOT"); root != "" {
		return filepath.Join(root, "bin", "go")
	}
	return "/usr/local/go/bin/go"
}

// endpoint returns a fresh endpoint of transport for one run.
func (b *bencher) endpoint(transport string) (string, error) {
	switch transport {
	case "inproc":
		return "inproc://bench", nil
	case "udp":
		return udpEndpoint()
	case "ipc":
		b.ran++
		return "ipc://" + filepath.Join(b.tmp, fmt.Sprintf("run-%d.ipc", b.ran)), nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return "tcp://" + l.Addr().String(), nil
}

// outcome is what one run gave.
type outcome struct {
	value  float64 // msgs_per_s or one_way_us
	failed string  // "timeout", or "error: ..."; "" when value is good
	// loss is the share of the messages sent that did not arrive, when the
	// result line says (sent= and lost=: RADIO/DISH), or -1.
	loss float64
}

// runOnce runs one program once and reads key from its result line.
func (b *bencher) runOnce(im *impl, mode, transport string, size, count int, key string, counted bool) outcome {
	endpoint, err := b.endpoint(transport)
	if err != nil {
		return outcome{failed: "error: " + err.Error()}
	}
	args := im.args(mode, endpoint, size, count)
	rec := runRecord{command: displayCommand(im.env, im.program, args), counted: counted}
	o := b.exec(im.path, im.env, args, key)
	if o.failed != "" {
		rec.result = o.failed
		b.failures = append(b.failures, fmt.Sprintf("%s %s %s %d B: `%s`: %s", im.name, mode, transport, size, rec.command, o.failed))
	} else {
		rec.result = fmt.Sprintf("%s=%s", key, formatValue(key, o.value))
	}
	b.runs = append(b.runs, rec)
	note := ""
	if !counted {
		note = " (calibration)"
	}
	fmt.Fprintf(b.stderr, "benchtable: %-70s %s%s\n", rec.command, rec.result, note)
	return o
}

// exec runs path with args, and env added to the environment, under the time limit and
// returns the value of key in the result line it prints.
func (b *bencher) exec(path string, env, args []string, key string) outcome {
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	defer cancel()
	cmd := processCommand(ctx, path, args)
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // whatever it left in its group
	}
	if ctx.Err() != nil {
		return outcome{failed: "timeout"}
	}
	if err != nil {
		return outcome{failed: fmt.Sprintf("error: %v: %s", err, firstLine(stderr.String()))}
	}
	return parseResult(string(out), key)
}

// parseResult reads key from the mode= line of a program's output, and the
// loss when the line gives sent= and lost= (RADIO/DISH over udp).
func parseResult(out, key string) outcome {
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "mode=") {
			continue
		}
		fields := map[string]string{}
		for _, f := range strings.Fields(line) {
			if k, v, ok := strings.Cut(f, "="); ok {
				fields[k] = v
			}
		}
		v, ok := fields[key]
		if !ok {
			return outcome{failed: fmt.Sprintf("error: no %s in %q", key, line)}
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return outcome{failed: fmt.Sprintf("error: %s=%q in %q", key, v, line)}
		}
		o := outcome{value: x, loss: -1}
		sent, err1 := strconv.ParseFloat(fields["sent"], 64)
		lost, err2 := strconv.ParseFloat(fields["lost"], 64)
		if err1 == nil && err2 == nil && sent > 0 {
			o.loss = lost / sent
		}
		return o
	}
	return outcome{failed: fmt.Sprintf("error: no result line in %q", strings.TrimSpace(out))}
}

// displayCommand is a run's command line as a shell would take it.
func displayCommand(env []string, program string, args []string) string {
	return strings.Join(append(append(slices.Clone(env), program), args...), " ")
}

// cell is one implementation's result in a table row.
type cell struct {
	skip   string    // why it was not measured
	values []float64 // good runs
	failed []string  // failed runs
	counts []int     // counts of the measured runs
	losses []float64 // of the good runs whose line gives one
}

// median of the good runs.
func (c *cell) median() (float64, bool) {
	if len(c.values) == 0 {
		return 0, false
	}
	v := slices.Clone(c.values)
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2], true
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2, true
}

// text is the cell as the table shows it.
func (c *cell) text(key string) string {
	if c.skip != "" {
		return "n/a¹"
	}
	m, ok := c.median()
	if !ok {
		if len(c.failed) > 0 && allTimeouts(c.failed) {
			return "timeout"
		}
		return "error"
	}
	s := formatValue(key, m)
	if len(c.failed) > 0 {
		s += fmt.Sprintf(" (%d of %d runs)", len(c.values), len(c.values)+len(c.failed))
	}
	return s
}

func allTimeouts(failed []string) bool {
	for _, f := range failed {
		if f != "timeout" {
			return false
		}
	}
	return true
}

// ratio of two cells' medians as "0.61×", or "–".
func ratio(a, base *cell) string {
	x, ok1 := a.median()
	y, ok2 := base.median()
	if !ok1 || !ok2 || y == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", x/y)
}

// formatValue prints msgs/s with thousands separators, microseconds with two decimals.
func formatValue(key string, v float64) string {
	if key == "one_way_us" {
		return fmt.Sprintf("%.2f", v)
	}
	return thousands(int64(v + 0.5))
}

func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// measure runs every implementation of impls rounds times for one cell, alternating
// them, and returns their cells in impls's order. thr runs get a calibration run first,
// which sizes the measured runs to about -target. A program stops at its first failure.
func (b *bencher) measure(impls []*impl, mode, transport string, size, fullCount int, key string) []*cell {
	cells := make([]*cell, len(impls))
	counts := make([]int, len(impls))
	for i, im := range impls {
		cells[i] = &cell{skip: im.skip(transport, size)}
		counts[i] = fullCount
	}
	if mode == "thr" && b.target > 0 {
		for i, im := range impls {
			if cells[i].skip != "" {
				continue
			}
			pilot := max(2, fullCount/20)
			o := b.runOnce(im, mode, transport, size, pilot, key, false)
			if o.failed != "" {
				cells[i].failed = append(cells[i].failed, o.failed)
				continue
			}
			counts[i] = min(fullCount, max(pilot, int(o.value*b.target.Seconds())))
		}
	}
	for range b.rounds {
		for i, im := range impls {
			c := cells[i]
			// A program that failed or hung once is not run again for this cell: it
			// would most likely do it again, and a hang costs the whole time limit.
			if c.skip != "" || len(c.failed) > 0 {
				continue
			}
			o := b.runOnce(im, mode, transport, size, counts[i], key, true)
			c.counts = append(c.counts, counts[i])
			if o.failed != "" {
				c.failed = append(c.failed, o.failed)
			} else {
				c.values = append(c.values, o.value)
				if o.loss >= 0 {
					c.losses = append(c.losses, o.loss)
				}
			}
		}
	}
	return cells
}

// The columns of the throughput and latency tables are b.impls's, in order.
const (
	colLibzmq = iota
	colSend
	colNoCopy
	colZmq4
)

// throughput prints the thr table.
func (b *bencher) throughput(w io.Writer) {
	fmt.Fprintf(w, "## Throughput (thr: PUSH → PULL in one process, msgs/s, median of %d)\n\n", b.rounds)
	fmt.Fprintln(w, "zeroplug's Send copies each message, as libzmq's zmq_send does; SendNoCopy (`bench --nocopy`) hands the buffer over.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| transport | size (B) | libzmq msgs/s | zeroplug Send msgs/s | Send/libzmq | zeroplug SendNoCopy msgs/s | SendNoCopy/libzmq | zmq4 msgs/s | zmq4/libzmq | counts (libzmq / Send / SendNoCopy / zmq4) |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
	var skips []string
	for _, transport := range b.transports {
		for _, size := range b.sizes {
			full := max(2, int(float64(defaultCount(size))*b.scale))
			cells := b.measure(b.impls, "thr", transport, size, full, "msgs_per_s")
			for _, c := range cells {
				if c.skip != "" && !slices.Contains(skips, c.skip) {
					skips = append(skips, c.skip)
				}
			}
			base := cells[colLibzmq]
			fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |\n", transport, size, base.text("msgs_per_s"),
				cells[colSend].text("msgs_per_s"), ratio(cells[colSend], base),
				cells[colNoCopy].text("msgs_per_s"), ratio(cells[colNoCopy], base),
				cells[colZmq4].text("msgs_per_s"), ratio(cells[colZmq4], base), countsText(cells))
		}
	}
	b.notes(w, skips)
}

// countsText is the counts column: each cell's measured count, "–" for one
// not measured.
func countsText(cells []*cell) string {
	counts := make([]string, len(cells))
	for i, c := range cells {
		counts[i] = "–"
		if len(c.counts) > 0 {
			counts[i] = thousands(int64(c.counts[0]))
		}
	}
	return strings.Join(counts, " / ")
}

// notes prints the footnote of the cells not measured and the failures of the table.
func (b *bencher) notes(w io.Writer, skips []string) {
	fmt.Fprintln(w)
	for _, s := range skips {
		fmt.Fprintf(w, "¹ not measured: %s.\n\n", s)
	}
	if len(b.failures) > 0 {
		fmt.Fprintln(w, "Failures (each program stops at its first failure in a cell):")
		fmt.Fprintln(w)
		for _, f := range b.failures {
			fmt.Fprintf(w, "- %s\n", f)
		}
		fmt.Fprintln(w)
		b.failures = nil
	}
}

// latency prints the lat table.
func (b *bencher) latency(w io.Writer) {
	count := max(1, int(float64(b.latCount)*b.scale))
	fmt.Fprintf(w, "## Latency (lat: REQ ↔ REP in one process, %d B, %s round trips, one-way µs, median of %d; lower is better)\n\n",
		b.latSize, thousands(int64(count)), b.rounds)
	fmt.Fprintln(w, "| transport | libzmq µs | zeroplug Send µs | Send/libzmq | zeroplug SendNoCopy µs | SendNoCopy/libzmq | zmq4 µs | zmq4/libzmq |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	var skips []string
	for _, transport := range b.latOver {
		cells := b.measure(b.impls, "lat", transport, b.latSize, count, "one_way_us")
		for _, c := range cells {
			if c.skip != "" && !slices.Contains(skips, c.skip) {
				skips = append(skips, c.skip)
			}
		}
		base := cells[colLibzmq]
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", transport, base.text("one_way_us"),
			cells[colSend].text("one_way_us"), ratio(cells[colSend], base),
			cells[colNoCopy].text("one_way_us"), ratio(cells[colNoCopy], base),
			cells[colZmq4].text("one_way_us"), ratio(cells[colZmq4], base))
	}
	b.notes(w, skips)
}

// runList prints every run, so that any number can be reproduced by hand.
func (b *bencher) runList(w io.Writer) {
	fmt.Fprintf(w, "<details><summary>All %d runs, in order (endpoints were fresh for each)</summary>\n\n```\n", len(b.runs))
	for _, r := range b.runs {
		note := ""
		if !r.counted {
			note = "   # calibration, not counted"
		}
		fmt.Fprintf(w, "%s   -> %s%s\n", r.command, r.result, note)
	}
	fmt.Fprint(w, "```\n\n</details>\n")
}

// curveTables prints the CURVE tables: thr over tcp at each of -curve-sizes, then lat.
func (b *bencher) curveTables(w io.Writer) {
	impls := b.curveImpls() // libzmq, zeroplug
	fmt.Fprintf(w, "## CURVE throughput (thr over tcp, encrypted: PUSH → PULL in one process, msgs/s, median of %d)\n\n", b.rounds)
	fmt.Fprintln(w, "`ZMQPEER_CURVE=1 zmqpeer thr ...` beside `zeroplug bench thr ... --curve`: each run makes a fresh "+
		"server key pair; the binding end (PULL) is the CURVE server, the connecting end (PUSH) its client with a key "+
		"pair of its own; every message is encrypted and authenticated (XSalsa20-Poly1305).")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| transport | size (B) | libzmq msgs/s | zeroplug msgs/s | zeroplug/libzmq | counts (libzmq / zeroplug) |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | --- |")
	for _, size := range b.curveSizes {
		full := max(2, int(float64(defaultCount(size))*b.scale))
		cells := b.measure(impls, "thr", "tcp", size, full, "msgs_per_s")
		fmt.Fprintf(w, "| tcp | %d | %s | %s | %s | %s |\n", size,
			cells[0].text("msgs_per_s"), cells[1].text("msgs_per_s"), ratio(cells[1], cells[0]), countsText(cells))
	}
	b.notes(w, nil)

	count := max(1, int(float64(b.latCount)*b.scale))
	fmt.Fprintf(w, "## CURVE latency (lat over tcp, encrypted: REQ ↔ REP in one process, %d B, %s round trips, one-way µs, median of %d; lower is better)\n\n",
		b.latSize, thousands(int64(count)), b.rounds)
	fmt.Fprintln(w, "| transport | libzmq µs | zeroplug µs | zeroplug/libzmq |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: |")
	cells := b.measure(impls, "lat", "tcp", b.latSize, count, "one_way_us")
	fmt.Fprintf(w, "| tcp | %s | %s | %s |\n", cells[0].text("one_way_us"), cells[1].text("one_way_us"), ratio(cells[1], cells[0]))
	b.notes(w, nil)
}
