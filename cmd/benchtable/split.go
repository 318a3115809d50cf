package main

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The separate-process table (-split): the sender and the receiver in two processes,
// as libzmq's perf tools (local_thr, remote_thr) measure, over tcp and ipc, each
// direction between zeroplug and libzmq, beside a plain socket moving the same
// bytes (`zeroplug bench raw-send` / `raw-recv`: no ZMTP, a 64 KiB buffer) and with
// the peak memory of both ends.

// splitEnd is one end of a separate-process run.
type splitEnd struct {
	program string // zmqpeer or zeroplug
	path    string
	mode    string // thr-recv, thr-send, raw-recv, raw-send
}

func (e splitEnd) args(endpoint string, size, count int) []string {
	if e.program == "zeroplug" {
		return []string{"bench", e.mode, endpoint, "--size", strconv.Itoa(size), "--count", strconv.Itoa(count)}
	}
	return []string{e.mode, endpoint, strconv.Itoa(size), strconv.Itoa(count)}
}

// splitColumn is a sender and receiver pair, a column of the table.
type splitColumn struct {
	name       string
	send, recv splitEnd
}

func (b *bencher) splitColumns() []splitColumn {
	zmqpeer, zeroplug := b.impls[colLibzmq].path, b.impls[colSend].path
	lz := func(mode string) splitEnd { return splitEnd{"zmqpeer", zmqpeer, mode} }
	zp := func(mode string) splitEnd { return splitEnd{"zeroplug", zeroplug, mode} }
	return []splitColumn{
		{"libzmq → libzmq", lz("thr-send"), lz("thr-recv")},
		{"zeroplug → zeroplug", zp("thr-send"), zp("thr-recv")},
		{"zeroplug → libzmq", zp("thr-send"), lz("thr-recv")},
		{"libzmq → zeroplug", lz("thr-send"), zp("thr-recv")},
		{"raw socket", zp("raw-send"), zp("raw-recv")},
	}
}

// splitCell is a column's results in one row.
type splitCell struct {
	cell
	recvRSS []float64 // peak resident memory of the receiver, KiB, per good run
}

// runSplit runs one sender and receiver pair and returns the receiver's rate and its
// peak memory.
func (b *bencher) runSplit(col splitColumn, transport string, size, count int) (outcome, float64) {
	endpoint, err := b.endpoint(transport)
	if err != nil {
		return outcome{failed: "error: " + err.Error()}, 0
	}
	recvArgs, sendArgs := col.recv.args(endpoint, size, count), col.send.args(endpoint, size, count)
	rec := runRecord{command: displayCommand(nil, col.recv.program, recvArgs) + " & " +
		displayCommand(nil, col.send.program, sendArgs), counted: true}
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	defer cancel()
	recv := processCommand(ctx, col.recv.path, recvArgs)
	var recvOut, recvErr strings.Builder
	recv.Stdout, recv.Stderr = &recvOut, &recvErr
	send := processCommand(ctx, col.send.path, sendArgs)
	var sendErr strings.Builder
	send.Stderr = &sendErr
	o := outcome{loss: -1}
	var rss float64
	if err := recv.Start(); err != nil {
		o.failed = "error: " + err.Error()
	} else {
		if err := send.Start(); err != nil {
			o.failed = "error: " + err.Error()
		} else if err := send.Wait(); err != nil && ctx.Err() == nil {
			o.failed = fmt.Sprintf("error: sender: %v: %s", err, firstLine(sendErr.String()))
		}
		if o.failed != "" {
			syscall.Kill(-recv.Process.Pid, syscall.SIGKILL)
		}
		err := recv.Wait()
		switch {
		case ctx.Err() != nil:
			o.failed = "timeout"
		case o.failed != "":
		case err != nil:
			o.failed = fmt.Sprintf("error: receiver: %v: %s", err, firstLine(recvErr.String()))
		default:
			o = parseResult(recvOut.String(), "msgs_per_s")
			if ru, ok := recv.ProcessState.SysUsage().(*syscall.Rusage); ok {
				rss = float64(ru.Maxrss) // KiB on Linux
			}
		}
	}
	for _, c := range []*exec.Cmd{recv, send} {
		if c.Process != nil {
			syscall.Kill(-c.Process.Pid, syscall.SIGKILL) // whatever it left in its group
		}
	}
	if o.failed != "" {
		rec.result = o.failed
		b.failures = append(b.failures, fmt.Sprintf("%s %s %d B: `%s`: %s", col.name, transport, size, rec.command, o.failed))
	} else {
		rec.result = fmt.Sprintf("msgs_per_s=%s maxrss_kib=%.0f", formatValue("msgs_per_s", o.value), rss)
	}
	b.runs = append(b.runs, rec)
	fmt.Fprintf(b.stderr, "benchtable: %-70s %s\n", rec.command, rec.result)
	return o, rss
}

// processCommand is a command in a process group of its own, killed with its group
// when ctx ends.
func processCommand(ctx context.Context, path string, args []string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// splitSizes are the sizes of the separate-process table: where the engine's memory
// and system calls matter.
var splitSizes = []int{16, 1024, 16384, 65536, 1 << 20}

// splitTable prints the separate-process table.
func (b *bencher) splitTable(w io.Writer) {
	cols := b.splitColumns()
	fmt.Fprintf(w, "## Throughput in two processes (thr-send → thr-recv, msgs/s, median of %d)\n\n", b.rounds)
	fmt.Fprintln(w, "The sender and the receiver are separate programs, as libzmq's local_thr and remote_thr: "+
		"`zmqpeer thr-recv` / `thr-send` (libzmq) and `zeroplug bench thr-recv` / `thr-send`, each direction, "+
		"and `zeroplug bench raw-recv` / `raw-send`, a plain socket moving the same bytes through a 64 KiB buffer "+
		"with no ZMTP: the most this machine moves. zeroplug's receiver releases each message (Msg.Release) as "+
		"libzmq's perf tools close each one. Ratios are over libzmq → libzmq; the last columns are each "+
		"library's share of the raw socket, and the receivers' peak resident memory (getrusage).")
	fmt.Fprintln(w)
	header := "| transport | size (B) |"
	sep := "| --- | ---: |"
	for i, c := range cols {
		header += " " + c.name + " |"
		sep += " ---: |"
		if i > 0 && i < 4 {
			header += " ratio |"
			sep += " ---: |"
		}
	}
	header += " libzmq / raw | zeroplug / raw | receiver peak RSS MiB (libzmq / zeroplug) | count |"
	sep += " ---: | ---: | --- | ---: |"
	fmt.Fprintln(w, header)
	fmt.Fprintln(w, sep)
	for _, transport := range []string{"tcp", "ipc"} {
		for _, size := range splitSizes {
			count := max(2, int(float64(defaultCount(size))*b.scale))
			cells := make([]*splitCell, len(cols))
			for i := range cells {
				cells[i] = &splitCell{}
			}
			for range b.rounds {
				for i, col := range cols {
					c := cells[i]
					if len(c.failed) > 0 {
						continue // as measure: a failure or hang is not tried again
					}
					o, rss := b.runSplit(col, transport, size, count)
					if o.failed != "" {
						c.failed = append(c.failed, o.failed)
					} else {
						c.values = append(c.values, o.value)
						c.recvRSS = append(c.recvRSS, rss)
					}
				}
			}
			row := fmt.Sprintf("| %s | %d |", transport, size)
			base := &cells[0].cell
			for i, c := range cells {
				row += " " + c.text("msgs_per_s") + " |"
				if i > 0 && i < 4 {
					row += " " + ratio(&c.cell, base) + " |"
				}
			}
			raw := &cells[4].cell
			row += fmt.Sprintf(" %s | %s | %s / %s | %s |", ratio(base, raw), ratio(&cells[1].cell, raw),
				mib(cells[0].recvRSS), mib(cells[1].recvRSS), thousands(int64(count)))
			fmt.Fprintln(w, row)
		}
	}
	b.notes(w, nil)
}

// mib is the median of KiB figures in MiB.
func mib(kib []float64) string {
	m, ok := (&cell{values: kib}).median()
	if !ok {
		return "–"
	}
	return fmt.Sprintf("%.1f", m/1024)
}
