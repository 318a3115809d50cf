package core

import (
	"context"
	"encoding/binary"
	"errors"
	"sync"
	"sync/atomic"
)

// ProxyStats are the counters libzmq's steerable proxy reports for
// STATISTICS: messages and bytes in and out on each side.
type ProxyStats struct {
	FrontendIn, FrontendInBytes, FrontendOut, FrontendOutBytes uint64
	BackendIn, BackendInBytes, BackendOut, BackendOutBytes     uint64
}

// Proxy moves messages between frontend and backend, both ways where the
// socket types allow, copying each to capture when it is not nil: libzmq's
// zmq_proxy. It returns when either socket closes.
func Proxy(frontend, backend, capture *Socket) error {
	return ProxySteerable(frontend, backend, capture, nil)
}

// ProxySteerable is Proxy controlled through a socket, as libzmq's
// zmq_proxy_steerable: the commands PAUSE, RESUME and TERMINATE, and
// STATISTICS, answered with eight 8-byte counters (see ProxyStats). A REP
// control socket gets an empty reply to every other command, as in
// libzmq, so that it can take the next. It returns nil on TERMINATE.
func ProxySteerable(frontend, backend, capture, control *Socket) error {
	px := &proxy{capture: capture, resume: make(chan struct{})}
	close(px.resume)
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	var wg sync.WaitGroup
	// Either socket closing ends the proxy, also when no direction is
	// receiving from it to notice (a PUSH backend, say): the directions
	// then see ctx done, and the proxy returns ErrClosed.
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-frontend.closing:
		case <-backend.closing:
		case <-ctx.Done():
			return
		}
		cancel(ErrClosed)
	}()
	errs := make(chan error, 3)
	run := func(from, to *Socket, in, inBytes, out, outBytes *atomic.Uint64) {
		defer wg.Done()
		errs <- px.forward(ctx, from, to, in, inBytes, out, outBytes)
	}
	wg.Add(2)
	go run(frontend, backend, &px.stats[0], &px.stats[1], &px.stats[6], &px.stats[7])
	go run(backend, frontend, &px.stats[4], &px.stats[5], &px.stats[2], &px.stats[3])
	if control != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- px.steer(ctx, control)
		}()
	}
	// A direction the types do not allow ends at once with nil; the proxy
	// runs until a direction or the control ends with a reason.
	var err error
	for n := 0; n < cap(errs)-boolInt(control == nil); n++ {
		if err = <-errs; err != nil {
			break
		}
	}
	if err == nil && errors.Is(context.Cause(ctx), ErrClosed) {
		err = ErrClosed
	}
	cancel(nil)
	wg.Wait()
	if errors.Is(err, errTerminate) {
		return nil
	}
	return err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

var errTerminate = errors.New("zeroplug: proxy terminated")

type proxy struct {
	capture *Socket
	mu      sync.Mutex
	resume  chan struct{} // closed while running; open while paused
	stats   [8]atomic.Uint64
}

func (px *proxy) forward(ctx context.Context, from, to *Socket, in, inBytes, out, outBytes *atomic.Uint64) error {
	for {
		if !px.running(ctx) {
			return nil
		}
		m, err := from.RecvMsg(ctx, false)
		if errors.Is(err, ErrNotSupported) {
			return nil
		}
		if errors.Is(err, ErrAgain) {
			continue // RCVTIMEO: libzmq's proxy polls, and waits for ever
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		n := uint64(msgBytes(m.Frames))
		in.Add(1)
		inBytes.Add(n)
		// A PAUSE may have come while this direction waited in RecvMsg:
		// hold the message until RESUME rather than let it slip through.
		if !px.running(ctx) {
			return nil
		}
		if px.capture != nil {
			// libzmq's zmq_proxy sends to the capture socket as it sends
			// anywhere: blocking, so a capture PUSH without a peer yet
			// holds the copies until one connects. The frames are the
			// proxy's and nobody modifies them: both sends share them.
			if err := px.capture.SendNoCopyContext(ctx, m.Frames...); err != nil && ctx.Err() != nil {
				return nil
			}
		}
		if err := to.SendNoCopyContext(ctx, m.Frames...); err != nil {
			if errors.Is(err, ErrNotSupported) || ctx.Err() != nil {
				return nil
			}
			return err
		}
		out.Add(1)
		outBytes.Add(n)
	}
}

// running waits while the proxy is paused; false means ctx is done.
func (px *proxy) running(ctx context.Context) bool {
	px.mu.Lock()
	gate := px.resume
	px.mu.Unlock()
	select {
	case <-gate:
		return true
	case <-ctx.Done():
		return false
	}
}

func (px *proxy) steer(ctx context.Context, control *Socket) error {
	// A REP control socket must answer every command before it can take
	// the next: libzmq's proxy replies with an empty message to all but
	// STATISTICS, which has its own reply.
	ack := func() error { return nil }
	if control.Type() == REP {
		ack = func() error {
			if err := control.SendContext(ctx, []byte{}); err != nil && ctx.Err() == nil {
				return err
			}
			return nil
		}
	}
	for {
		frames, err := control.RecvContext(ctx)
		if errors.Is(err, ErrAgain) {
			continue // RCVTIMEO, as in forward
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		cmd := string(frames[0])
		if cmd != "STATISTICS" {
			if err := ack(); err != nil {
				return err
			}
		}
		switch cmd {
		case "PAUSE":
			px.mu.Lock()
			select {
			case <-px.resume:
				px.resume = make(chan struct{})
			default:
			}
			px.mu.Unlock()
		case "RESUME":
			px.mu.Lock()
			select {
			case <-px.resume:
			default:
				close(px.resume)
			}
			px.mu.Unlock()
		case "TERMINATE":
			return errTerminate
		case "STATISTICS":
			reply := make([][]byte, len(px.stats))
			for i := range px.stats {
				reply[i] = binary.LittleEndian.AppendUint64(nil, px.stats[i].Load())
			}
			if err := control.SendContext(ctx, reply...); err != nil && ctx.Err() == nil {
				return err
			}
		default:
			// libzmq ignores commands it does not know.
		}
	}
}

// Stats reads a ProxyStats from a STATISTICS reply.
func (s *ProxyStats) decode(frames [][]byte) bool {
	if len(frames) != 8 {
		return false
	}
	v := make([]uint64, 8)
	for i, f := range frames {
		if len(f) != 8 {
			return false
		}
		v[i] = binary.LittleEndian.Uint64(f)
	}
	*s = ProxyStats{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]}
	return true
}

// ParseProxyStats decodes the reply to a STATISTICS command.
func ParseProxyStats(frames [][]byte) (ProxyStats, bool) {
	var s ProxyStats
	ok := s.decode(frames)
	return s, ok
}

func msgBytes(frames [][]byte) int {
	n := 0
	for _, f := range frames {
		n += len(f)
	}
	return n
}
