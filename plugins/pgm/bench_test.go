package pgm

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/internal/netnstest"
	"github.com/zeroplug/zeroplug/internal/peertest"
)

// benchEnv runs TestBenchDelivery, which takes minutes: ZEROPLUG_PGM_BENCH=1 (or a
// scheme, "pgm" or "epgm"; 1 means epgm).
const benchEnv = "ZEROPLUG_PGM_BENCH"

// benchSeconds is how long each publisher sends: long enough that the one-second
// burst OpenPGM's rate limit allows at start (the token bucket holds one second of
// RATE below 12 Mbit/s) weighs little.
const benchSeconds = "4"

// TestBenchDelivery measures, beside libzmq's pgm in the same run and on the same veth
// pair, the message rate a SUB receives from a publisher sending as fast as RATE lets
// it (from one second after its first message on, past the burst OpenPGM's rate
// limit allows at start), at RATE 10, 100 and 1000 Mbit/s, with 0 and 10 % loss, for 64-byte and 1-KiB
// messages, and the CPU time each side spends per message delivered (the processes of
// its namespace: for zeroplug the program and its plugin). The publisher is an XPUB
// with XPUB_NODROP, so that it waits at its high-water mark rather than drop: a
// missing message is one repair did not recover. The figures are printed, not
// asserted; every run must deliver something.
//
//	sudo ZEROPLUG_PGM_BENCH=1 go test -run TestBenchDelivery -v ./plugins/pgm/
func TestBenchDelivery(t *testing.T) {
	scheme := os.Getenv(benchEnv)
	switch scheme {
	case "":
		t.Log("set " + benchEnv + "=1 to run the benchmark")
		return
	case "1":
		scheme = SchemeEPGM
	}
	binaries(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cbench := filepath.Join(built.dir, "pgmbench")
	if out, err := exec.Command("cc", "-O2", "-o", cbench, "testdata/pgmbench.c", "-lzmq").CombinedOutput(); err != nil {
		t.Fatalf("cc pgmbench.c: %v\n%s", err, out)
	}
	var table []string
	table = append(table, "| RATE | loss | size | libzmq msg/s | zeroplug msg/s | libzmq received/sent | zeroplug received/sent | libzmq CPU µs/msg (recv+send) | zeroplug CPU µs/msg (recv+send) |",
		"| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, rate := range benchRates() {
		for _, loss := range []int{0, 10} {
			for _, size := range []int{64, 1024} {
				var cells [2]benchResult
				for i, impl := range []string{"libzmq", "zeroplug"} {
					cells[i] = benchRun(t, impl, scheme, self, cbench, rate, loss, size)
				}
				row := fmt.Sprintf("| %d Mbit/s | %d %% | %d B | %s | %s | %d/%d | %d/%d | %.2f + %.2f | %.2f + %.2f |",
					rate, loss, size, cells[0].rate(), cells[1].rate(), cells[0].received, cells[0].sent,
					cells[1].received, cells[1].sent, cells[0].recvCPU, cells[0].sendCPU, cells[1].recvCPU, cells[1].sendCPU)
				t.Log(row)
				table = append(table, row)
			}
		}
	}
	fmt.Printf("\n%s over a veth pair between two namespaces, %s s per run:\n\n%s\n", scheme, benchSeconds, strings.Join(table, "\n"))
}

type benchResult struct {
	perSec           float64
	seconds          float64 // from the first message received to the last
	sent, received   int
	missing          int
	recvCPU, sendCPU float64 // µs per message delivered
}

// rate is the steady rate, or why there is none: the messages came within two
// seconds (the first second is not counted), or repair never caught up.
func (r benchResult) rate() string {
	if r.seconds < 2 {
		return fmt.Sprintf("n/a (all in %.1f s)", r.seconds)
	}
	return fmt.Sprintf("%.0f", r.perSec)
}

// benchRun runs one publisher and one subscriber of impl in a fresh pair.
func benchRun(t *testing.T, impl, scheme, self, cbench string, rateMbit, loss, size int) benchResult {
	t.Helper()
	a, b := netnstest.Pair(t)
	if loss > 0 {
		b.DropFrom(t, a.Addr, loss)
	}
	env := []string{"PGM_RATE=" + strconv.Itoa(rateMbit*1000), "PGM_RECOVERY_IVL=2000", "ZEROPLUG_PLUGIN_PATH=" + built.dir}
	start := func(n *netnstest.Namespace, mode string) *peertest.Proc {
		args := []string{"netns", "exec", n.Name}
		spec := fmt.Sprintf("%s %s %d %s", mode, endpoint(scheme, n), size, benchSeconds)
		if impl == "libzmq" {
			args = append(args, cbench, mode, libzmqEndpoint(scheme, n), strconv.Itoa(size), benchSeconds)
		} else {
			args = append(args, "env", "ZEROPLUG_PGM_BENCH_HELPER="+spec, self, "-test.run=^TestBenchHelper$")
		}
		return peertest.StartEnv(t, env, "ip", args...)
	}
	sub := start(b, "sub")
	expectLine(t, sub, "ready")
	pub := start(a, "pub")
	var r benchResult
	line, err := pub.Line(time.Minute)
	if err == nil {
		_, err = fmt.Sscanf(line, "sent=%d", &r.sent)
	}
	if err != nil {
		t.Fatalf("%s publisher: %q %v", impl, line, err)
	}
	line, err = sub.Line(time.Minute)
	if err != nil {
		t.Fatalf("%s subscriber: %v", impl, err)
	}
	if _, err := fmt.Sscanf(line, "received=%d seconds=%f msgs_per_s=%f missing=%d", &r.received, &r.seconds, &r.perSec, &r.missing); err != nil {
		t.Fatalf("%s subscriber: %q: %v", impl, line, err)
	}
	if r.received == 0 {
		t.Fatalf("%s: nothing delivered", impl)
	}
	r.recvCPU = namespaceCPU(t, b).Seconds() * 1e6 / float64(r.received)
	r.sendCPU = namespaceCPU(t, a).Seconds() * 1e6 / float64(r.received)
	pub.CloseStdin()
	sub.CloseStdin()
	pub.Wait(testTimeout)
	sub.Wait(testTimeout)
	return r
}

// namespaceCPU is the user and system time of every process in n so far.
func namespaceCPU(t *testing.T, n *netnstest.Namespace) time.Duration {
	t.Helper()
	out, err := exec.Command("ip", "netns", "pids", n.Name).Output()
	if err != nil {
		t.Fatal(err)
	}
	var ticks int64
	for _, pid := range strings.Fields(string(out)) {
		stat, err := os.ReadFile("/proc/" + pid + "/stat")
		if err != nil {
			continue // gone meanwhile
		}
		// The fields after the command's closing parenthesis: utime and stime are
		// the 12th and 13th.
		s := string(stat)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) > 12 {
			u, _ := strconv.ParseInt(fields[11], 10, 64)
			k, _ := strconv.ParseInt(fields[12], 10, 64)
			ticks += u + k
		}
	}
	const clockTicks = 100 // USER_HZ on Linux
	return time.Duration(ticks) * time.Second / clockTicks
}

// benchRates are the RATEs measured, in Mbit/s: ZEROPLUG_PGM_BENCH_RATES="10 100"
// picks some.
func benchRates() []int {
	rates := []int{10, 100, 1000}
	if v := os.Getenv("ZEROPLUG_PGM_BENCH_RATES"); v != "" {
		rates = rates[:0]
		for _, f := range strings.Fields(v) {
			if r, err := strconv.Atoi(f); err == nil {
				rates = append(rates, r)
			}
		}
	}
	return rates
}
