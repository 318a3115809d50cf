package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// header prints what produced the tables: the command line, the date, the machine and
// the versions of everything measured.
func (b *bencher) header(w io.Writer, argv []string) {
	fmt.Fprintln(w, "# zeroplug, libzmq and zmq4 side by side")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "- command: `%s`\n", commandLine(argv))
	fmt.Fprintf(w, "- date: %s\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "- machine: %s CPUs (nproc), %s, %s %s\n", nproc(), cpuModel(), runtime.GOOS, kernel())
	fmt.Fprintf(w, "- versions: %s; libzmq %s (pkg-config --modversion libzmq); go-zeromq/zmq4 %s; zeroplug %s\n",
		runtime.Version(), output("pkg-config", "--modversion", "libzmq"), zmq4Version(b.impls[colZmq4].path), zeroplugRevision())
	var progs []string
	for _, im := range b.impls {
		progs = append(progs, fmt.Sprintf("%s = %s", im.name, im.path))
	}
	if b.draft {
		progs = append(progs, fmt.Sprintf("libzmq 4.3.5 with the draft API (zeromq.js 6.8's) = %s", b.draftPath))
	}
	fmt.Fprintf(w, "- programs: %s\n", strings.Join(progs, ", "))
	fmt.Fprintf(w, "- method: every program runs the same mode with the same result line (`zmqpeer thr ENDPOINT SIZE COUNT`, "+
		"`zeroplug bench thr ENDPOINT --size SIZE --count COUNT`, ...): no high-water mark, linger until delivered, "+
		"libzmq sends a fresh zmq_msg_init_size buffer per message (uninitialised memory from malloc), zeroplug every message "+
		"from one buffer, which Send copies (one allocation per message, as a Go program that reuses its buffer pays) and "+
		"SendNoCopy (`--nocopy`) hands over again and again; "+
		"thr times COUNT-1 messages from the first arrival, lat times COUNT round trips. "+
		"Programs alternate run by run (libzmq, zeroplug Send, zeroplug SendNoCopy, zmq4, libzmq, ...), %d measured rounds each, median reported. "+
		"thr counts: a calibration run (1/20 of the count, not counted) sizes each program's runs to about %v, "+
		"at most the size's count × %g (2,000,000 at 16 B, 1,000,000 at 256 B, 500,000 at 1 KiB, 20,000 at 64 KiB). "+
		"Endpoints: inproc://bench, ipc in a temporary directory, tcp on 127.0.0.1 with a free port per run. "+
		"Time limit per run: %v.\n", b.rounds, b.target, b.scale, b.timeout)
	fmt.Fprintln(w)
}

// commandLine is argv as the user typed it: `go run ./cmd/benchtable ...` when the
// program is a binary go run built.
func commandLine(argv []string) string {
	name := argv[0]
	if strings.Contains(name, string(filepath.Separator)+"go-build") {
		name = "go run ./cmd/benchtable"
	}
	parts := []string{name}
	for _, a := range argv[1:] {
		if a == "" || strings.ContainsAny(a, " \t'\"$`\\*?;&|<>()") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

// output runs a command and returns its first line of output, or "unknown".
func output(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		return "unknown"
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	if line == "" {
		return "unknown"
	}
	return line
}

func nproc() string {
	if n := output("nproc"); n != "unknown" {
		return n
	}
	return fmt.Sprint(runtime.NumCPU())
}

func kernel() string { return output("uname", "-r") }

// cpuModel is the first "model name" of /proc/cpuinfo.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// zmq4Version reads the version of go-zeromq/zmq4 that zmq4peer was built with.
func zmq4Version(path string) string {
	out, err := exec.Command(goCommand(), "version", "-m", path).Output()
	if err != nil {
		return "unknown"
	}
	for line := range strings.SplitSeq(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == "dep" && f[1] == "github.com/go-zeromq/zmq4" {
			return f[2]
		}
	}
	return "unknown"
}

// zeroplugRevision describes the working tree's commit, when it is a git checkout.
func zeroplugRevision() string {
	rev := output("git", "describe", "--always", "--dirty")
	if rev == "unknown" {
		return "(not a git checkout)"
	}
	return "commit " + rev
}
