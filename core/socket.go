package core

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Socket is a ZeroMQ socket. It is safe for concurrent use.
type Socket struct {
	ctx *Context
	typ Type
	log hclog.Logger

	mu sync.Mutex // guards endpoints and pipes, and serialises SetOption

	// opts is the socket's options as an immutable snapshot: SetOption
	// publishes a new one, so that the paths of every message read them
	// with one atomic load, never the lock or a copy.
	opts atomic.Pointer[options]

	pat  pattern
	hook deliverHook // the pattern's, when it takes messages as they arrive

	sendMu, recvMu sync.Mutex // one sender and one receiver at a time
	// pollMu makes pollers look one at a time: a poller that found
	// recvMu held by another poller's look would report the socket not
	// ready and sleep through the wake-up that poller consumed.
	pollMu   sync.Mutex
	fq       fairQueue
	sendWake chan struct{} // some pipe got room, or a pipe came

	closing   chan struct{}
	closeOnce sync.Once
	closed    atomic.Bool
	done      chan struct{} // closed when Close has finished lingering (Done)

	pipes        map[*pipe]struct{}
	listeners    map[string]*binding   // by endpoint, as given and as resolved
	connects     map[string][]*session // by endpoint, as given
	inprocBound  []string
	inprocLinks  []*inprocLink
	lastEndpoint string
	wg           sync.WaitGroup // every goroutine the socket started
	conns        map[net.Conn]struct{}
	lingerOver   bool

	monitors monitors
	pollers  pollers

	// conflate is CONFLATE, fixed at NewSocket (see conflate.go).
	conflate bool

	// The waits of the one sender and the one receiver, reused so that a
	// call allocates nothing (guarded by sendMu and recvMu).
	sendWait, recvWait wait
}

func newSocket(c *Context, t Type, opts []Option) (*Socket, error) {
	s := &Socket{
		ctx:       c,
		typ:       t,
		log:       c.log.Named(t.String()),
		sendWake:  make(chan struct{}, 1),
		closing:   make(chan struct{}),
		done:      make(chan struct{}),
		pipes:     make(map[*pipe]struct{}),
		listeners: make(map[string]*binding),
		connects:  make(map[string][]*session),
	}
	o := defaultOptions()
	if !c.blocky {
		o.linger = 0 // ZMQ_BLOCKY false: the default LINGER is 0
	}
	c.defaults.apply(&o)
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if err := o.ensureCurveKeys(); err != nil {
		return nil, err
	}
	subs := o.takeSubChanges()
	s.opts.Store(&o)
	s.fq.init(s.notifyReadable)
	pat, err := newPattern(s)
	if err != nil {
		return nil, err
	}
	s.pat = pat
	if h, ok := pat.(deliverHook); ok {
		s.hook = h
	}
	// CONFLATE is fixed here: the hook must be in place before any pipe.
	s.conflate = o.conflate && conflatable(t)
	if s.conflate && s.hook == nil {
		s.hook = conflater{}
	}
	if err := s.applySubChanges(subs); err != nil {
		return nil, err
	}
	return s, nil
}

// Type is the socket's type.
func (s *Socket) Type() Type { return s.typ }

// SetOption changes socket options. Like libzmq, most take effect for
// connections made afterwards; Subscribe and Unsubscribe act at once.
func (s *Socket) SetOption(opts ...Option) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.opts.Load()
	o := *old
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return err
		}
	}
	if o.conflate != old.conflate {
		return fmt.Errorf("%w: CONFLATE is set when the socket is made (NewSocket)", ErrInvalid)
	}
	if err := o.ensureCurveKeys(); err != nil {
		return err
	}
	subs := o.takeSubChanges()
	if len(subs) > 0 && !s.takesSubscriptions(&o) {
		return ErrNotSupported
	}
	s.opts.Store(&o)
	// In order, after the other options: XPUB_MANUAL given in the same
	// call already holds for a SUBSCRIBE that follows it.
	return s.applySubChanges(subs)
}

// options returns the current snapshot; it must not be changed.
func (s *Socket) options() *options { return s.opts.Load() }

// LastEndpoint is ZMQ_LAST_ENDPOINT: the endpoint of the last Bind or
// Connect, with a wildcard port resolved ("tcp://127.0.0.1:41234").
func (s *Socket) LastEndpoint() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastEndpoint
}

func (s *Socket) isClosed() bool { return s.closed.Load() }

// signalWritable wakes blocked senders and pollers: a pipe got room.
func (s *Socket) signalWritable() {
	signal(s.sendWake)
	s.pollers.notify()
}

func (s *Socket) notifyReadable() { s.pollers.notify() }

// addPipe attaches a pipe to the pattern; false means the pattern refused
// it (a PAIR that has its peer already).
func (s *Socket) addPipe(p *pipe) bool {
	s.mu.Lock()
	if s.isClosed() {
		s.mu.Unlock()
		return false
	}
	s.pipes[p] = struct{}{}
	s.mu.Unlock()
	if !s.pat.attach(p) {
		s.mu.Lock()
		delete(s.pipes, p)
		s.mu.Unlock()
		return false
	}
	s.signalWritable()
	return true
}

// removePipe detaches a pipe: the pattern stops sending to it, and the
// fair-queue drops it once its last message is read.
func (s *Socket) removePipe(p *pipe) {
	if p.gone.Swap(true) {
		return
	}
	s.pat.detach(p)
	s.mu.Lock()
	delete(s.pipes, p)
	s.mu.Unlock()
	s.pollers.notify()
}

// Send sends a message of one or more frames, blocking while the pattern
// cannot (up to SNDTIMEO). It copies the frames, as pyzmq and pebbe/zmq4
// do: the caller may change or reuse the slices as soon as Send returns
// (io.Writer's contract). SendNoCopy hands them over instead.
func (s *Socket) Send(frames ...[]byte) error {
	return s.send(context.Background(), frames, false, true)
}

// SendContext is Send that gives up when ctx is done.
func (s *Socket) SendContext(ctx context.Context, frames ...[]byte) error {
	return s.send(ctx, frames, false, true)
}

// TrySend is Send that never blocks: ErrAgain where Send would wait
// (libzmq's ZMQ_DONTWAIT).
func (s *Socket) TrySend(frames ...[]byte) error {
	return s.send(context.Background(), frames, true, true)
}

// SendString sends a message whose frames are the given strings.
func (s *Socket) SendString(frames ...string) error {
	if len(frames) == 0 {
		return fmt.Errorf("%w: a message has at least one frame", ErrInvalid)
	}
	return s.sendMsg(context.Background(), stringMsg(frames), false)
}

// SendNoCopy is Send without the copy: the message holds the caller's
// slices until it is written to the connection (or, over inproc, until
// the receiver is done with it), so the caller must not modify them after
// the call, whatever it returns. The same slice may be sent twice, or to
// several sockets, only as long as nobody modifies it.
func (s *Socket) SendNoCopy(frames ...[]byte) error {
	return s.send(context.Background(), frames, false, false)
}

// SendNoCopyContext is SendNoCopy that gives up when ctx is done.
func (s *Socket) SendNoCopyContext(ctx context.Context, frames ...[]byte) error {
	return s.send(ctx, frames, false, false)
}

// SendMsg sends m's frames, copied as Send copies them, to where m says: a
// SERVER (or PEER) to the connection m.RoutingID names (ErrHostUnreachable
// when none has it), a RADIO to m.Group. Other types take neither, and
// ErrInvalid says so rather than drop what the caller meant.
func (s *Socket) SendMsg(m Msg) error { return s.SendMsgContext(context.Background(), m) }

// SendMsgContext is SendMsg that gives up when ctx is done.
func (s *Socket) SendMsgContext(ctx context.Context, m Msg) error {
	return s.sendAddressed(ctx, m, false)
}

// TrySendMsg is SendMsg that never blocks: ErrAgain where SendMsg would
// wait.
func (s *Socket) TrySendMsg(m Msg) error { return s.sendAddressed(context.Background(), m, true) }

func (s *Socket) sendAddressed(ctx context.Context, m Msg, nonblock bool) error {
	if len(m.Frames) == 0 {
		return fmt.Errorf("%w: a message has at least one frame", ErrInvalid)
	}
	if m.RoutingID != 0 && s.typ != SERVER && s.typ != PEER {
		return fmt.Errorf("%w: a routing id is for SERVER and PEER sockets, not %s", ErrInvalid, s.typ)
	}
	if m.Group != "" && s.typ != RADIO {
		return fmt.Errorf("%w: a group is for RADIO sockets, not %s", ErrInvalid, s.typ)
	}
	if s.typ == RADIO {
		if len(m.Frames) != 1 {
			return errMultipart(s.typ)
		}
		if err := checkGroup(m.Group); err != nil {
			return err
		}
		return s.sendMsg(ctx, groupCopy(m.Group, m.Frames[0]), nonblock)
	}
	out := copyMsg(m.Frames)
	out.routingID = m.RoutingID
	return s.sendMsg(ctx, out, nonblock)
}

// errMultipart is libzmq's EINVAL for a multipart message sent on one of
// the draft types.
func errMultipart(t Type) error {
	return fmt.Errorf("%w: a %s socket sends single-part messages only", ErrInvalid, t)
}

func (s *Socket) send(ctx context.Context, frames [][]byte, nonblock, copied bool) error {
	if len(frames) == 0 {
		return fmt.Errorf("%w: a message has at least one frame", ErrInvalid)
	}
	var m msg
	if copied {
		m = copyMsg(frames)
	} else if len(frames) == 1 {
		m.body = frames[0]
	} else {
		// The frame list is the caller's variadic slice, which it may reuse.
		m.parts = append([][]byte(nil), frames...)
	}
	return s.sendMsg(ctx, m, nonblock)
}

// sendMsg hands a message that belongs to the socket to its pattern.
func (s *Socket) sendMsg(ctx context.Context, m msg, nonblock bool) error {
	if s.isClosed() {
		return ErrClosed
	}
	timeout := s.options().sendTimeout
	if !lockCall(&s.sendMu, nonblock || timeout == 0) {
		return ErrAgain
	}
	defer s.sendMu.Unlock()
	w := s.sendWait.reset(s, ctx, nonblock, timeout)
	defer w.stop()
	return s.pat.send(m, w)
}

// Recv receives the next message, blocking until one comes (up to
// RCVTIMEO). The frames are the caller's to keep, change and send on: the
// socket holds no reference to them and never writes to them again (over
// inproc they are the very slices the sender handed over and gave up).
func (s *Socket) Recv() ([][]byte, error) {
	m, err := s.recv(context.Background(), false)
	return m.Frames, err
}

// RecvContext is Recv that gives up when ctx is done.
func (s *Socket) RecvContext(ctx context.Context) ([][]byte, error) {
	m, err := s.recv(ctx, false)
	return m.Frames, err
}

// TryRecv is Recv that never blocks: ErrAgain when no message is waiting.
func (s *Socket) TryRecv() ([][]byte, error) {
	m, err := s.recv(context.Background(), true)
	return m.Frames, err
}

// RecvString is Recv with each frame as a string.
func (s *Socket) RecvString() ([]string, error) {
	return s.RecvStringContext(context.Background())
}

// RecvStringContext is RecvString that gives up when ctx is done.
func (s *Socket) RecvStringContext(ctx context.Context) ([]string, error) {
	m, err := s.recv(ctx, false)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(m.Frames))
	for i, f := range m.Frames {
		out[i] = string(f)
	}
	return out, nil
}

// RecvMsg receives the next message with the properties of the
// connection it came on (Msg.Property). nonblock makes it a TryRecv.
func (s *Socket) RecvMsg(ctx context.Context, nonblock bool) (Msg, error) {
	return s.recv(ctx, nonblock)
}

func (s *Socket) recv(ctx context.Context, nonblock bool) (Msg, error) {
	var out Msg
	err := s.recvInto(ctx, &out, nonblock, false)
	return out, err
}

// RecvInto is RecvMsg into m, reusing m.Frames' backing array for the frame
// list instead of allocating one per message: with Msg.Release, a receive
// loop that allocates nothing per message.
//
//	var m zeroplug.Msg
//	for {
//		if err := s.RecvInto(&m); err != nil { ... }
//		use(m.Frames)
//		m.Release()
//	}
func (s *Socket) RecvInto(m *Msg) error { return s.recvInto(context.Background(), m, false, true) }

// RecvIntoContext is RecvInto that gives up when ctx is done.
func (s *Socket) RecvIntoContext(ctx context.Context, m *Msg) error {
	return s.recvInto(ctx, m, false, true)
}

// TryRecvInto is RecvInto that never blocks: ErrAgain when no message is
// waiting.
func (s *Socket) TryRecvInto(m *Msg) error {
	return s.recvInto(context.Background(), m, true, true)
}

// recvInto receives one message into out; reuse says out.Frames' array may
// be filled (RecvInto) rather than a new list made (Recv, whose caller
// owns what it got).
func (s *Socket) recvInto(ctx context.Context, out *Msg, nonblock, reuse bool) error {
	if s.isClosed() {
		return ErrClosed
	}
	timeout := s.options().recvTimeout
	if !lockCall(&s.recvMu, nonblock || timeout == 0) {
		return ErrAgain
	}
	defer s.recvMu.Unlock()
	w := s.recvWait.reset(s, ctx, nonblock, timeout)
	defer w.stop()
	m, p, err := s.pat.recv(w)
	if err != nil {
		return err
	}
	frames := out.Frames[:0]
	if !reuse {
		frames = nil
	}
	switch {
	case m.kind == kindGroup && reuse:
		frames = append(frames, m.parts[1:]...)
		out.Group = string(m.parts[0])
	case m.kind == kindGroup:
		frames = m.parts[1:]
		out.Group = string(m.parts[0])
	case m.parts == nil:
		if reuse {
			frames = append(frames, m.body)
		} else {
			frames = [][]byte{m.body}
		}
		out.Group = ""
	case reuse:
		frames = append(frames, m.parts...)
		out.Group = ""
	default:
		frames = m.parts
		out.Group = ""
	}
	out.Frames, out.RoutingID, out.pooled, out.peer = frames, m.routingID, m.pooled, nil
	if p != nil {
		out.peer = p.peerInfo()
	}
	return nil
}

// lockCall takes the one-sender (or one-receiver) lock for a call. A call
// that must not block only tries: another goroutine's Send or Recv holds
// the lock for as long as it waits, and waiting behind it would block
// the non-blocking call for that long (ErrAgain instead).
func lockCall(mu *sync.Mutex, nonblock bool) bool {
	if nonblock {
		return mu.TryLock()
	}
	mu.Lock()
	return true
}

// wait is how a blocking call waits: for a wake-up, its deadline, its
// context, or the socket's closing.
type wait struct {
	s        *Socket
	ctx      context.Context
	nonblock bool
	timeout  time.Duration
	timer    *time.Timer
	armed    bool // the timer runs for this call
}

// reset prepares the wait for one call; its timer is kept for the next.
func (w *wait) reset(s *Socket, ctx context.Context, nonblock bool, timeout time.Duration) *wait {
	if timeout == 0 {
		nonblock = true
	}
	w.s, w.ctx, w.nonblock, w.timeout, w.armed = s, ctx, nonblock, timeout, false
	return w
}

// on blocks until wake fires, or returns why it cannot wait any longer.
func (w *wait) on(wake <-chan struct{}) error {
	if w.nonblock {
		return ErrAgain
	}
	var expired <-chan time.Time
	if w.timeout > 0 {
		if w.timer == nil {
			w.timer = time.NewTimer(w.timeout)
		} else if !w.armed {
			w.timer.Reset(w.timeout)
		}
		w.armed = true
		expired = w.timer.C
	}
	select {
	case <-wake:
		return nil
	case <-w.s.closing:
		return ErrClosed
	case <-w.ctx.Done():
		return w.ctx.Err()
	case <-expired:
		return ErrAgain
	}
}

func (w *wait) stop() {
	if w.armed {
		w.timer.Stop()
	}
	w.ctx = nil
}

// recvAny is the fair-queued receive most patterns use.
func (s *Socket) recvAny(w *wait) (msg, *pipe, error) {
	for {
		if m, p, ok := s.fq.next(); ok {
			if s.conflate {
				// The newest message waiting, none older (conflate.go).
				for m2, p2, ok := s.fq.next(); ok; m2, p2, ok = s.fq.next() {
					m, p = m2, p2
				}
			}
			return m, p, nil
		}
		if err := w.on(s.fq.wake); err != nil {
			return msg{}, nil, err
		}
	}
}

// sendOne is the load-balanced send most patterns use: it blocks while
// every pipe is full or there is none.
func (s *Socket) sendOne(lb *loadBalancer, m msg, w *wait) (*pipe, error) {
	for {
		if p := lb.send(m); p != nil {
			return p, nil
		}
		if err := w.on(s.sendWake); err != nil {
			return nil, err
		}
	}
}
