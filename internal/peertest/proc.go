package peertest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	// maxStderr is how much of a peer's stderr is kept; the rest is dropped.
	maxStderr = 1 << 20
	// stderrInErrors is how much of the end of stderr an error message quotes.
	stderrInErrors = 8 << 10
	// reapTimeout bounds the wait for a killed peer at the end of a test.
	reapTimeout = 10 * time.Second
	// stderrDrain bounds the wait for a reaped peer's stderr to reach its end.
	stderrDrain = time.Second
)

// Proc is a peer process started by Start: its stdin is a pipe, its stdout is read line
// by line, its stderr is kept for error messages. The process and its process group are
// killed when the test ends. Line, Lines and Send are meant for one goroutine at a time.
type Proc struct {
	t      testing.TB
	desc   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *os.File // read end
	stderr *os.File // read end

	mu     sync.Mutex
	lines  []string  // stdout lines not yet taken by Line
	eof    bool      // stdout is finished
	errbuf []byte    // stderr, up to maxStderr
	notify chan bool // a line or EOF arrived (capacity 1)

	readers sync.WaitGroup
	done    chan struct{} // closed when the process has exited and been reaped
	// stderrEOF is closed when the stderr reader has read the pipe to its end.
	stderrEOF chan struct{}
	waitErr   error // set before done is closed
}

// Start runs the program name with args as a peer of the test. See StartEnv.
func Start(t testing.TB, name string, args ...string) *Proc {
	t.Helper()
	return StartEnv(t, nil, name, args...)
}

// StartEnv runs the program name with args and the test's environment plus env
// ("KEY=value" entries, later ones winning) as a peer of the test, in its own process
// group. It fails the test if the program cannot start.
func StartEnv(t testing.TB, env []string, name string, args ...string) *Proc {
	t.Helper()
	p := &Proc{
		t:         t,
		desc:      strings.Join(append([]string{filepath.Base(name)}, args...), " "),
		notify:    make(chan bool, 1),
		done:      make(chan struct{}),
		stderrEOF: make(chan struct{}),
	}
	cmd := exec.Command(name, args...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// Pipes of our own rather than StdoutPipe: the process can then be reaped while
	// its output is still being read, and a test that stops reading never blocks it.
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatalf("peertest: %s: %v", p.desc, err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		t.Fatalf("peertest: %s: %v", p.desc, err)
	}
	cmd.Stdout, cmd.Stderr = outW, errW
	stdin, err := cmd.StdinPipe()
	if err == nil {
		err = cmd.Start()
	}
	outW.Close()
	errW.Close()
	if err != nil {
		outR.Close()
		errR.Close()
		t.Fatalf("peertest: cannot start %s: %v", p.desc, err)
	}
	p.cmd, p.stdin, p.stdout, p.stderr = cmd, stdin, outR, errR

	p.readers.Add(2)
	go p.readStdout()
	go p.readStderr()
	go func() {
		err := cmd.Wait()
		// The leader has just been reaped: kill what it may have left in its group
		// now, before its process id can be reused.
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		// What the peer wrote to stderr before it exited belongs to its exit
		// error (Wait quotes it): let the reader drain the pipe first. Bounded,
		// for a descendant outside the group that still holds the pipe open.
		select {
		case <-p.stderrEOF:
		case <-time.After(stderrDrain):
		}
		p.waitErr = err
		close(p.done)
	}()
	t.Cleanup(p.cleanup)
	return p
}

func (p *Proc) readStdout() {
	defer p.readers.Done()
	r := bufio.NewReader(p.stdout)
	for {
		line, err := r.ReadString('\n')
		if line != "" || err != nil {
			p.mu.Lock()
			if line != "" {
				p.lines = append(p.lines, strings.TrimSuffix(line, "\n"))
			}
			if err != nil {
				p.eof = true
			}
			p.mu.Unlock()
			select {
			case p.notify <- true:
			default:
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *Proc) readStderr() {
	defer p.readers.Done()
	defer close(p.stderrEOF)
	buf := make([]byte, 4096)
	for {
		n, err := p.stderr.Read(buf)
		if n > 0 {
			p.mu.Lock()
			if room := maxStderr - len(p.errbuf); room > 0 {
				p.errbuf = append(p.errbuf, buf[:min(n, room)]...)
			}
			p.mu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

// cleanup kills the process group, reaps the process and closes the pipes. When the
// test has failed, it logs the peer's stderr.
func (p *Proc) cleanup() {
	p.kill()
	select {
	case <-p.done:
	case <-time.After(reapTimeout):
		p.t.Errorf("peertest: %s did not exit within %v of SIGKILL", p.desc, reapTimeout)
	}
	p.stdin.Close()
	p.stdout.Close()
	p.stderr.Close()
	p.readers.Wait()
	if p.t.Failed() {
		if s := p.Stderr(); s != "" {
			p.t.Logf("peertest: stderr of %s:\n%s", p.desc, s)
		}
	}
}

// kill sends SIGKILL to the process group unless the process has been reaped.
func (p *Proc) kill() {
	select {
	case <-p.done:
	default:
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	}
}

// Kill kills the peer and its process group and waits until it has exited.
func (p *Proc) Kill() {
	p.kill()
	<-p.done
}

// Stderr returns what the peer has written to stderr so far (its first MiB).
func (p *Proc) Stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return string(p.errbuf)
}

// String describes the peer: its program's base name and arguments.
func (p *Proc) String() string { return p.desc }

// errorf makes an error about the peer that ends with the tail of its stderr.
func (p *Proc) errorf(format string, args ...any) error {
	err := fmt.Errorf("peertest: %s: "+format, append([]any{p.desc}, args...)...)
	stderr := p.Stderr()
	if len(stderr) > stderrInErrors {
		stderr = "..." + stderr[len(stderr)-stderrInErrors:]
	}
	if stderr = strings.TrimRight(stderr, "\n"); stderr != "" {
		err = fmt.Errorf("%w\nstderr:\n%s", err, stderr)
	}
	return err
}

// exitStatus describes how the process ended, or "" while it runs.
func (p *Proc) exitStatus() string {
	select {
	case <-p.done:
		if p.waitErr != nil {
			return p.waitErr.Error()
		}
		return "exit status 0"
	default:
		return ""
	}
}

// Line returns the next line of the peer's stdout without its newline. It returns an
// error wrapping io.EOF when stdout ends first, and an error when timeout passes first;
// both quote the peer's stderr.
func (p *Proc) Line(timeout time.Duration) (string, error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		p.mu.Lock()
		if len(p.lines) > 0 {
			line := p.lines[0]
			p.lines = p.lines[1:]
			p.mu.Unlock()
			return line, nil
		}
		eof := p.eof
		p.mu.Unlock()
		if eof {
			// stdout ends as the process exits: give Wait a moment to tell how.
			select {
			case <-p.done:
			case <-time.After(100 * time.Millisecond):
			}
			if status := p.exitStatus(); status != "" {
				return "", p.errorf("%w of stdout before a line (%s)", io.EOF, status)
			}
			return "", p.errorf("%w of stdout before a line", io.EOF)
		}
		select {
		case <-p.notify:
		case <-timer.C:
			return "", p.errorf("no line on stdout within %v", timeout)
		}
	}
}

// Lines returns the next n lines of the peer's stdout, all within timeout. On error it
// also returns the lines read so far.
func (p *Proc) Lines(n int, timeout time.Duration) ([]string, error) {
	deadline := time.Now().Add(timeout)
	lines := make([]string, 0, n)
	for len(lines) < n {
		line, err := p.Line(time.Until(deadline))
		if err != nil {
			return lines, fmt.Errorf("after %d of %d lines: %w", len(lines), n, err)
		}
		lines = append(lines, line)
	}
	return lines, nil
}

// Send writes line and a newline to the peer's stdin.
func (p *Proc) Send(line string) error {
	if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
		return p.errorf("writing stdin: %v", err)
	}
	return nil
}

// CloseStdin closes the peer's stdin, which ends the input of the send mode.
func (p *Proc) CloseStdin() error {
	if err := p.stdin.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
		return p.errorf("closing stdin: %v", err)
	}
	return nil
}

// Wait waits for the peer to exit and returns an error, quoting its stderr, if it exited
// with a failure status or was killed. If timeout passes first, Wait kills the peer and
// returns an error.
func (p *Proc) Wait(timeout time.Duration) error {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-p.done:
	case <-timer.C:
		p.Kill()
		return p.errorf("did not exit within %v; killed", timeout)
	}
	if p.waitErr != nil {
		return p.errorf("%v", p.waitErr)
	}
	return nil
}
