package fdpass

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Socketpair makes the private channel of one plugin process: host stays in
// the core, child becomes the plugin's fd 3 (exec.Cmd.ExtraFiles). Both ends
// are close-on-exec, so no other child inherits them.
func Socketpair() (host *net.UnixConn, child *os.File, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, os.NewSyscallError("socketpair", err)
	}
	hf := os.NewFile(uintptr(fds[0]), "zeroplug-fdpass-host")
	child = os.NewFile(uintptr(fds[1]), "zeroplug-fdpass-child")
	c, err := net.FileConn(hf)
	hf.Close()
	if err != nil {
		child.Close()
		return nil, nil, err
	}
	return c.(*net.UnixConn), child, nil
}

// Open makes the plugin's end of the channel from the descriptor the host
// passed (fd 3).
func Open(fd uintptr) (*net.UnixConn, error) {
	f := os.NewFile(fd, "zeroplug-fdpass")
	if f == nil {
		return nil, errors.New("zeroplug: no descriptor channel")
	}
	return FileConn(f)
}

// FileConn makes a unix socket connection of f, and closes f.
func FileConn(f *os.File) (*net.UnixConn, error) {
	defer f.Close()
	c, err := net.FileConn(f)
	if err != nil {
		return nil, err
	}
	uc, ok := c.(*net.UnixConn)
	if !ok {
		c.Close()
		return nil, errors.New("zeroplug: the descriptor channel is not a unix socket")
	}
	return uc, nil
}

// Send sends fd with token. The caller keeps fd and closes it afterwards:
// the core has its own copy once Send returns.
func Send(c *net.UnixConn, token uint64, fd int) error {
	var b [TokenSize]byte
	binary.LittleEndian.PutUint64(b[:], token)
	_, _, err := c.WriteMsgUnix(b[:], unix.UnixRights(fd), nil)
	return err
}

// Receiver reads the channel of one plugin and gives each descriptor to the
// request waiting for its token. A descriptor nobody waits for (its request
// was cancelled) is closed.
type Receiver struct {
	c    *net.UnixConn
	done chan struct{} // closed when the reading goroutine ends

	mu      sync.Mutex
	waiting map[uint64]chan int
	ended   bool
}

// NewReceiver starts reading c. Close stops it.
func NewReceiver(c *net.UnixConn) *Receiver {
	r := &Receiver{c: c, done: make(chan struct{}), waiting: make(map[uint64]chan int)}
	go r.run()
	return r
}

// Done is closed when the channel has ended: the plugin exited (and every
// copy of its end is closed) or Close was called.
func (r *Receiver) Done() <-chan struct{} { return r.done }

// Close closes the channel and waits for the reader to end. Descriptors that
// arrived for nobody are closed.
func (r *Receiver) Close() error {
	err := r.c.Close()
	<-r.done
	return err
}

// maxRights is how many descriptors one message may carry before the kernel
// truncates (and closes) the rest; a message must carry exactly one.
const maxRights = 4

func (r *Receiver) run() {
	defer close(r.done)
	defer r.end()
	buf := make([]byte, TokenSize+1)
	oob := make([]byte, unix.CmsgSpace(4*maxRights))
	for {
		n, oobn, _, _, err := r.c.ReadMsgUnix(buf, oob)
		if err != nil || n == 0 && oobn == 0 {
			return // EOF: the plugin's end is closed
		}
		fds := parseRights(oob[:oobn])
		if n != TokenSize || len(fds) != 1 {
			closeAll(fds)
			continue
		}
		r.deliver(binary.LittleEndian.Uint64(buf[:TokenSize]), fds[0])
	}
}

func (r *Receiver) deliver(token uint64, fd int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ch, ok := r.waiting[token]
	if !ok {
		unix.Close(fd)
		return
	}
	// Under the lock, so that Cancel sees either the token still waiting
	// or the descriptor in the channel (buffered: this never blocks).
	delete(r.waiting, token)
	ch <- fd
}

// end wakes every waiter: nothing more will arrive.
func (r *Receiver) end() {
	r.mu.Lock()
	r.ended = true
	for token, ch := range r.waiting {
		delete(r.waiting, token)
		close(ch)
	}
	r.mu.Unlock()
}

func parseRights(oob []byte) []int {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	var fds []int
	for _, m := range msgs {
		if got, err := unix.ParseUnixRights(&m); err == nil {
			fds = append(fds, got...)
		}
	}
	return fds
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

// Pending is a descriptor expected for one token.
type Pending struct {
	r     *Receiver
	token uint64
	ch    chan int
}

// Expect registers token before the request that names it is sent, so that
// the descriptor cannot arrive unexpected.
func (r *Receiver) Expect(token uint64) *Pending {
	p := &Pending{r: r, token: token, ch: make(chan int, 1)}
	r.mu.Lock()
	if r.ended {
		close(p.ch)
	} else {
		r.waiting[token] = p.ch
	}
	r.mu.Unlock()
	return p
}

// Wait returns the descriptor once it has arrived; the caller owns it. The
// plugin sends it before answering, so after a successful answer it is in
// the socket already or about to be: Wait gives up after timeout, when ctx
// ends or when the channel ends.
func (p *Pending) Wait(ctx context.Context, timeout time.Duration) (int, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case fd, ok := <-p.ch:
		if !ok {
			return -1, ErrGone
		}
		return fd, nil
	case <-ctx.Done():
		p.Cancel()
		return -1, ctx.Err()
	case <-t.C:
		p.Cancel()
		return -1, errors.New("zeroplug: the plugin answered but its descriptor did not arrive")
	}
}

// Cancel gives up on the descriptor: one that has arrived is closed, one
// that arrives later is closed by the Receiver.
func (p *Pending) Cancel() {
	p.r.mu.Lock()
	if p.r.waiting[p.token] == p.ch {
		delete(p.r.waiting, p.token)
	}
	p.r.mu.Unlock()
	select {
	case fd, ok := <-p.ch:
		if ok {
			unix.Close(fd)
		}
	default:
	}
}

// Dup duplicates the socket behind a Go connection or listener (anything
// with SyscallConn), for Send. It fails, wrapping ErrRejected, when the
// descriptor is not a socket.
func Dup(sc interface {
	SyscallConn() (syscall.RawConn, error)
}) (int, error) {
	rc, err := sc.SyscallConn()
	if err != nil {
		return -1, err
	}
	nfd, derr := -1, error(nil)
	err = rc.Control(func(fd uintptr) {
		nfd, derr = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0)
	})
	if err != nil {
		return -1, err
	}
	if derr != nil {
		return -1, os.NewSyscallError("fcntl", derr)
	}
	if _, err := unix.GetsockoptInt(nfd, unix.SOL_SOCKET, unix.SO_TYPE); err != nil {
		unix.Close(nfd)
		return -1, rejected("descriptor is not a socket")
	}
	return nfd, nil
}

// StreamPair returns the two ends of a connected AF_UNIX stream socketpair
// as *net.UnixConn.
func StreamPair() (a, b *net.UnixConn, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, os.NewSyscallError("socketpair", err)
	}
	conns := make([]*net.UnixConn, 2)
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "zeroplug-streampair")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			for _, done := range conns[:i] {
				done.Close()
			}
			if i == 0 {
				unix.Close(fds[1])
			}
			return nil, nil, err
		}
		conns[i] = c.(*net.UnixConn)
	}
	return conns[0], conns[1], nil
}
