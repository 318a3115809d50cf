package pgm_test

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug"
)

// benchHelperEnv makes the test binary the zeroplug side of the benchmark: run inside
// a namespace as "pgm.test -test.run=TestBenchHelper" with
// ZEROPLUG_PGM_BENCH_HELPER="pub|sub ENDPOINT SIZE SECONDS", it does what
// testdata/pgmbench.c does with libzmq, through the root package and the plugin (found
// on ZEROPLUG_PLUGIN_PATH), and prints the same lines.
const benchHelperEnv = "ZEROPLUG_PGM_BENCH_HELPER"

// TestBenchHelper is not a test: it is the benchmark's helper process, and does
// nothing unless the benchmark started it.
func TestBenchHelper(t *testing.T) {
	spec := os.Getenv(benchHelperEnv)
	if spec == "" {
		return
	}
	var mode, endpoint string
	var size int
	var seconds float64
	if _, err := fmt.Sscan(spec, &mode, &endpoint, &size, &seconds); err != nil {
		fmt.Fprintln(os.Stderr, "bench helper:", err)
		os.Exit(2)
	}
	os.Exit(benchHelper(mode, endpoint, max(size, 8), time.Duration(seconds*float64(time.Second))))
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func benchHelper(mode, endpoint string, size int, d time.Duration) int {
	rate := zeroplug.Rate(envInt("PGM_RATE", 100))
	ivl := zeroplug.RecoveryInterval(time.Duration(envInt("PGM_RECOVERY_IVL", 10000)) * time.Millisecond)
	ctx := zeroplug.NewContext()
	defer ctx.Close()
	die := func(err error) int {
		fmt.Fprintln(os.Stderr, "bench helper:", err)
		return 1
	}
	waitStdin := func() {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
		}
	}
	if mode == "pub" {
		// An XPUB that waits at its high-water mark, as pgmbench's: every gap
		// the receiver sees is the network's.
		s, err := ctx.NewSocket(zeroplug.XPUB, rate, ivl, zeroplug.XPubNoDrop(true), zeroplug.Linger(0))
		if err != nil {
			return die(err)
		}
		defer s.Close()
		if err := s.Connect(endpoint); err != nil {
			return die(err)
		}
		time.Sleep(300 * time.Millisecond)
		buf := make([]byte, size)
		var seq uint64
		for end := time.Now().Add(d); time.Now().Before(end); {
			for range 256 {
				binary.BigEndian.PutUint64(buf, seq)
				if err := s.Send(buf); err != nil {
					return die(err)
				}
				seq++
			}
		}
		fmt.Printf("sent=%d\n", seq)
		waitStdin()
		return 0
	}
	s, err := ctx.NewSocket(zeroplug.SUB, rate, ivl, zeroplug.Subscribe(""), zeroplug.RecvTimeout(time.Second), zeroplug.Linger(0))
	if err != nil {
		return die(err)
	}
	defer s.Close()
	if err := s.Connect(endpoint); err != nil {
		return die(err)
	}
	time.Sleep(time.Second)
	fmt.Println("ready")
	var count, lo, hi, markCount uint64
	lo = ^uint64(0)
	var first, last, mark time.Time
	giveUp := time.Now().Add(d + 35*time.Second)
	for {
		frames, err := s.Recv()
		if err != nil {
			if count > 0 || time.Now().After(giveUp) {
				break
			}
			continue
		}
		seq := binary.BigEndian.Uint64(frames[0])
		last = time.Now()
		if count == 0 {
			first = last
		}
		count++
		if mark.IsZero() && last.Sub(first) >= time.Second {
			mark, markCount = last, count
		}
		lo, hi = min(lo, seq), max(hi, seq)
	}
	secs := last.Sub(first).Seconds()
	perSec, missing := 0.0, uint64(0)
	if steady := last.Sub(mark).Seconds(); !mark.IsZero() && steady > 0 {
		perSec = float64(count-markCount) / steady // as pgmbench.c: from one second on
	}
	if count > 0 {
		missing = hi - lo + 1 - count
	}
	fmt.Printf("received=%d seconds=%.3f msgs_per_s=%.0f missing=%d\n", count, secs, perSec, missing)
	waitStdin()
	return 0
}
