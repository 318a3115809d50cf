package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fake writes a shell script that stands for a benchmark program: body runs with the
// program's arguments.
func fake(t *testing.T, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// The tables from programs that answer at once, one that fails and one that hangs.
func TestTables(t *testing.T) {
	dir := t.TempDir()
	// zmqpeer's arguments: MODE ENDPOINT SIZE COUNT.
	zmqpeer := fake(t, dir, "zmqpeer", `case $1 in
thr) echo "mode=thr size=$3 count=$4 seconds=0.1 msgs_per_s=1000000 mbit_per_s=128.0";;
lat) echo "mode=lat size=$3 roundtrips=$4 seconds=0.1 one_way_us=20.00";;
esac`)
	// zeroplug's: bench MODE ENDPOINT --size SIZE --count COUNT [--nocopy]. Its tcp thr
	// fails; --nocopy is a little faster.
	zeroplug := fake(t, dir, "zeroplug", `rate=500000 us=10.00
[ "$8" = --nocopy ] && rate=600000 us=8.00
case $2-$3 in
thr-tcp*) echo "zeroplug bench: connect refused" >&2; exit 1;;
thr*) echo "mode=thr size=$5 count=$7 seconds=0.1 msgs_per_s=$rate mbit_per_s=64.0";;
lat*) echo "mode=lat size=$5 roundtrips=$7 seconds=0.1 one_way_us=$us";;
esac`)
	// zmq4peer hangs over ipc.
	zmq4peer := fake(t, dir, "zmq4peer", `case $1-$2 in
*ipc*) exec sleep 60;;
thr*) echo "mode=thr size=$3 count=$4 seconds=0.1 msgs_per_s=20000 mbit_per_s=2.5";;
lat*) echo "mode=lat size=$3 roundtrips=$4 seconds=0.1 one_way_us=40.00";;
esac`)
	var stdout, stderr bytes.Buffer
	code := run([]string{"benchtable", "-zeroplug", zeroplug, "-zmqpeer", zmqpeer, "-zmq4peer", zmq4peer,
		"-rounds", "3", "-sizes", "16,65536", "-timeout", "1s", "-scale", "0.001"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("status %d; stderr:\n%s", code, stderr.String())
	}
	out := stdout.String()
	// The list of runs: one line per run.
	var runs []string
	for line := range strings.SplitSeq(out, "\n") {
		if strings.Contains(line, "   -> ") {
			runs = append(runs, line)
		}
	}
	count := func(prefix string) int {
		n := 0
		for _, r := range runs {
			if strings.HasPrefix(r, prefix) {
				n++
			}
		}
		return n
	}
	for _, want := range []string{
		"- command: `benchtable -zeroplug " + zeroplug,
		"- machine: ",
		"libzmq 4.3",
		"| inproc | 16 | 1,000,000 | 500,000 | 0.50× | 600,000 | 0.60× | n/a¹ | – |",
		"| ipc | 65536 | 1,000,000 | 500,000 | 0.50× | 600,000 | 0.60× | timeout | – |",
		"| tcp | 16 | 1,000,000 | error | – | error | – | 20,000 | 0.02× |",
		"¹ not measured: zmq4 inproc",
		"| tcp | 20.00 | 10.00 | 0.50× | 8.00 | 0.40× | 40.00 | 2.00× |",
		"| ipc | 20.00 | 10.00 | 0.50× | 8.00 | 0.40× | timeout | – |",
		" --size 16 --count 2000 --nocopy   -> msgs_per_s=600,000",
		"zmqpeer thr tcp://127.0.0.1:",
		"zeroplug bench lat ipc://",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Counts: 2,000,000 × 0.001 at 16 B; a calibration of 1/20 first.
	if !strings.Contains(out, "| inproc | 16 | 1,000,000 | 500,000 | 0.50× | 600,000 | 0.60× | n/a¹ | – | 2,000 / 2,000 / 2,000 / – |") {
		t.Errorf("counts not as expected:\n%s", out)
	}
	if n := count("zmqpeer thr inproc://bench 16 100 "); n != 1 {
		t.Errorf("%d calibration runs of zmqpeer at 16 B over inproc, want 1", n)
	}
	// A program that hangs is not run again: one timeout per cell, not four.
	if n := count("zmq4peer thr ipc://"); n != 2 { // two sizes
		t.Errorf("zmq4peer thr over ipc ran %d times, want once per size", n)
	}
	if n := count("zmq4peer lat ipc://"); n != 1 {
		t.Errorf("zmq4peer lat over ipc ran %d times, want once", n)
	}
	// The programs alternate, round after round (zeroplug's tcp thr failed at once).
	var order []string
	for _, line := range runs {
		if strings.Contains(line, " thr tcp://") && !strings.Contains(line, "calibration") {
			order = append(order, strings.Fields(line)[0])
		}
	}
	if got, want := strings.Join(order, ","), strings.Repeat("zmqpeer,zmq4peer,", 6); got+"," != want {
		t.Errorf("measured tcp thr runs in the order %s, want %s", got, want)
	}
	// Failures are listed with their command.
	if !strings.Contains(out, "- zeroplug thr tcp 16 B: `zeroplug bench thr tcp://127.0.0.1:") ||
		!strings.Contains(out, "connect refused") || !strings.Contains(out, "- zmq4 lat ipc 16 B: `zmq4peer lat ipc://") {
		t.Errorf("failures not listed:\n%s", out)
	}
}

// -curve runs libzmq with ZMQPEER_CURVE=1 and zeroplug with --curve, over tcp, and not zmq4.
func TestCurveTables(t *testing.T) {
	dir := t.TempDir()
	// Each fake answers only when asked for CURVE, with a rate that says which it is.
	zmqpeer := fake(t, dir, "zmqpeer", `[ "$ZMQPEER_CURVE" = 1 ] || { echo "no CURVE" >&2; exit 1; }
case $1 in
thr) echo "mode=thr size=$3 count=$4 seconds=0.1 msgs_per_s=800000 mbit_per_s=1.0";;
lat) echo "mode=lat size=$3 roundtrips=$4 seconds=0.1 one_way_us=30.00";;
esac`)
	zeroplug := fake(t, dir, "zeroplug", `[ "$8" = --curve ] && [ -z "$ZMQPEER_CURVE" ] || { echo "no --curve" >&2; exit 1; }
case $2 in
thr) echo "mode=thr size=$5 count=$7 seconds=0.1 msgs_per_s=600000 mbit_per_s=1.0";;
lat) echo "mode=lat size=$5 roundtrips=$7 seconds=0.1 one_way_us=33.00";;
esac`)
	ran := filepath.Join(dir, "zmq4peer-ran")
	zmq4peer := fake(t, dir, "zmq4peer", "touch "+ran+"; exit 1")
	var stdout, stderr bytes.Buffer
	code := run([]string{"benchtable", "-zeroplug", zeroplug, "-zmqpeer", zmqpeer, "-zmq4peer", zmq4peer,
		"-curve", "-transports=", "-lat-transports=", "-rounds", "3", "-timeout", "5s", "-scale", "0.001"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("status %d; stderr:\n%s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{
		"## CURVE throughput",
		"| tcp | 64 | 800,000 | 600,000 | 0.75× |",
		"| tcp | 1024 | 800,000 | 600,000 | 0.75× | 500 / 500 |",
		"## CURVE latency (lat over tcp, encrypted: REQ ↔ REP in one process, 16 B, 10 round trips",
		"| tcp | 30.00 | 33.00 | 1.10× |",
		"ZMQPEER_CURVE=1 zmqpeer thr tcp://127.0.0.1:",
		"ZMQPEER_CURVE=1 zmqpeer lat tcp://127.0.0.1:",
		" --size 1024 --count 500 --curve   -> msgs_per_s=600,000",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, absent := range []string{"## Throughput", "## Latency", "Failures", "zmq4peer thr", "zmq4 msgs/s"} {
		if strings.Contains(out, absent) {
			t.Errorf("output has %q:\n%s", absent, out)
		}
	}
	if _, err := os.Stat(ran); err == nil {
		t.Error("zmq4peer ran: it has no CURVE")
	}
	// Alternating, three measured rounds of each cell after one calibration of each.
	var order []string
	for line := range strings.SplitSeq(out, "\n") {
		if strings.Contains(line, " thr tcp://") && strings.Contains(line, " 64 ") || strings.Contains(line, "--size 64 ") {
			order = append(order, strings.Fields(line)[0])
		}
	}
	if got, want := strings.Join(order, ","), "ZMQPEER_CURVE=1,zeroplug,"+strings.Repeat("ZMQPEER_CURVE=1,zeroplug,", 3); got+"," != want {
		t.Errorf("runs at 64 B in the order %s, want %s", got, want)
	}
}

// -draft runs zmqpeer-draft with ZMQPEER_PATTERN and zeroplug with --pattern, RADIO/DISH
// over udp and tcp and CLIENT/SERVER over tcp, and shows RADIO/DISH's losses.
func TestDraftTables(t *testing.T) {
	dir := t.TempDir()
	// zmqpeer-draft: MODE ENDPOINT SIZE COUNT, the pattern in the environment; it loses
	// nothing. zeroplug: bench MODE ENDPOINT --size SIZE --count COUNT --pattern P; over
	// udp it loses a fifth.
	draft := fake(t, dir, "zmqpeer-draft", `case $ZMQPEER_PATTERN-$1 in
radio-dish-thr) echo "mode=thr size=$3 count=$4 sent=$4 lost=0 seconds=0.1 msgs_per_s=100000 mbit_per_s=1.0";;
client-server-thr) echo "mode=thr size=$3 count=$4 seconds=0.1 msgs_per_s=1000000 mbit_per_s=1.0";;
*-lat) echo "mode=lat size=$3 roundtrips=$4 seconds=0.1 one_way_us=40.00";;
*) echo "no pattern" >&2; exit 1;;
esac`)
	zeroplug := fake(t, dir, "zeroplug", `[ "$8" = --pattern ] || { echo "no --pattern" >&2; exit 1; }
case $9-$2-$3 in
radio-dish-thr-udp*) echo "mode=thr size=$5 count=$(($7 * 4 / 5)) sent=$7 lost=$(($7 / 5)) seconds=0.1 msgs_per_s=150000 mbit_per_s=1.0";;
radio-dish-thr-tcp*) echo "mode=thr size=$5 count=$7 sent=$7 lost=0 seconds=0.1 msgs_per_s=200000 mbit_per_s=1.0";;
client-server-thr*) echo "mode=thr size=$5 count=$7 seconds=0.1 msgs_per_s=1500000 mbit_per_s=1.0";;
*-lat-*) echo "mode=lat size=$5 roundtrips=$7 seconds=0.1 one_way_us=20.00";;
esac`)
	zmqpeer := fake(t, dir, "zmqpeer", "exit 1")
	zmq4peer := fake(t, dir, "zmq4peer", "exit 1")
	var stdout, stderr bytes.Buffer
	code := run([]string{"benchtable", "-zeroplug", zeroplug, "-zmqpeer", zmqpeer, "-zmq4peer", zmq4peer, "-zmqpeer-draft", draft,
		"-draft", "-transports=", "-lat-transports=", "-rounds", "3", "-timeout", "5s", "-scale", "0.01", "-target", "0"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("status %d; stderr:\n%s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{
		"## Draft sockets: throughput",
		"| RADIO-DISH | udp | 64 | 100,000 | 0.0 % | 150,000 | 20.0 % | 1.50× |",
		"| RADIO-DISH | tcp | 1024 | 100,000 | 0.0 % | 200,000 | 0.0 % | 2.00× |",
		"| CLIENT-SERVER | tcp | 64 | 1,000,000 | – | 1,500,000 | – | 1.50× |",
		"## Draft sockets: latency",
		"| RADIO-DISH | udp | 40.00 | 20.00 | 0.50× |",
		"| CLIENT-SERVER | tcp | 40.00 | 20.00 | 0.50× |",
		"ZMQPEER_PATTERN=radio-dish zmqpeer-draft thr udp://127.0.0.1:",
		"zeroplug bench lat tcp://127.0.0.1:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Failures") {
		t.Errorf("a run failed:\n%s", out)
	}
}

// -split runs each sender beside its receiver, in two processes, in every direction
// and over a raw socket, and reads the rate from the receiver.
func TestSplitTable(t *testing.T) {
	dir := t.TempDir()
	// zmqpeer: MODE ENDPOINT SIZE COUNT; zeroplug: bench MODE ENDPOINT --size SIZE --count COUNT.
	// A receiver prints a rate that says which it is; a sender prints nothing.
	zmqpeer := fake(t, dir, "zmqpeer", `case $1 in
thr-recv) echo "mode=thr size=$3 count=$4 seconds=0.1 msgs_per_s=1000000 mbit_per_s=1.0";;
thr-send) ;;
*) exit 1;;
esac`)
	zeroplug := fake(t, dir, "zeroplug", `case $2 in
thr-recv) echo "mode=thr size=$5 count=$7 seconds=0.1 msgs_per_s=1500000 mbit_per_s=1.0";;
raw-recv) echo "mode=thr size=$5 count=$7 seconds=0.1 msgs_per_s=4000000 mbit_per_s=1.0";;
thr-send|raw-send) ;;
*) exit 1;;
esac`)
	zmq4peer := fake(t, dir, "zmq4peer", "exit 1")
	var stdout, stderr bytes.Buffer
	code := run([]string{"benchtable", "-zeroplug", zeroplug, "-zmqpeer", zmqpeer, "-zmq4peer", zmq4peer,
		"-split", "-transports=", "-lat-transports=", "-rounds", "3", "-timeout", "5s", "-scale", "0.001"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("status %d; stderr:\n%s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{
		"## Throughput in two processes",
		"| tcp | 16 | 1,000,000 | 1,500,000 | 1.50× | 1,000,000 | 1.00× | 1,500,000 | 1.50× | 4,000,000 | 0.25× | 0.38× |",
		"| ipc | 1048576 | 1,000,000 | 1,500,000 | 1.50× |",
		"zmqpeer thr-recv tcp://127.0.0.1:",
		" & zeroplug bench thr-send tcp://127.0.0.1:",
		"zeroplug bench raw-recv ipc://",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Failures") {
		t.Errorf("a run failed:\n%s", out)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", 100000: "100,000"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		values []float64
		want   float64
	}{{[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}, {[]float64{7}, 7}} {
		c := cell{values: tc.values}
		if got, ok := c.median(); !ok || got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.values, got, tc.want)
		}
	}
	c := cell{failed: []string{"timeout", "timeout"}}
	if got := c.text("msgs_per_s"); got != "timeout" {
		t.Errorf("all runs timed out: %q", got)
	}
	c = cell{values: []float64{10}, failed: []string{"timeout"}}
	if got := c.text("msgs_per_s"); got != "10 (1 of 2 runs)" {
		t.Errorf("one of two runs: %q", got)
	}
}

func TestCommandLine(t *testing.T) {
	if got := commandLine([]string{"/tmp/go-build123/b001/exe/benchtable", "-zeroplug", "bin/zeroplug", "-sizes", "16, 256"}); got != "go run ./cmd/benchtable -zeroplug bin/zeroplug -sizes '16, 256'" {
		t.Errorf("commandLine = %q", got)
	}
}

func TestDefaultCount(t *testing.T) {
	for size, want := range map[int]int{16: 2000000, 256: 1000000, 1024: 500000, 65536: 20000} {
		if got := defaultCount(size); got != want {
			t.Errorf("defaultCount(%d) = %d, want %d", size, got, want)
		}
	}
	if a, b := defaultCount(4096), defaultCount(16384); !(a > b && b > 20000 && a < 500000) {
		t.Errorf("defaultCount(4096) = %d, defaultCount(16384) = %d", a, b)
	}
}
