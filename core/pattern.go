package core

// pattern is a socket type's routing rule. It sees pipes come and go and
// moves messages between them and the application; it never knows which
// transport a pipe rides on.
type pattern interface {
	// attach adds a peer; false refuses it (PAIR has one peer only).
	attach(p *pipe) bool
	// detach removes a peer that is gone.
	detach(p *pipe)
	// send routes one message, waiting on w where the pattern blocks.
	send(m msg, w *wait) error
	// recv returns the next message for the application and its pipe.
	recv(w *wait) (msg, *pipe, error)
	// writable reports whether send would go through now (for pollers).
	writable() bool
	// close releases what the pattern holds when the socket closes.
	close()
}

// deliverHook is implemented by patterns that act on messages as they
// arrive, in the connection's goroutine: PUB and XPUB take subscriptions
// there, since a PUB never calls recv. It returns whether the message
// should still go to the pipe's queue.
type deliverHook interface {
	deliver(p *pipe, m *msg) bool
}

// identifier is implemented by patterns that address peers by routing id.
// It is called after each handshake with the id the peer announced (empty
// when it set none), before the pipe is attached for a new connection.
type identifier interface {
	identify(p *pipe, id []byte)
}

// connectHook is implemented by patterns that must tell every new
// connection something first: SUB and XSUB send their subscriptions.
type connectHook interface {
	connected(p *pipe) []msg
	disconnected(p *pipe)
}

// wireReader is implemented by patterns that check or reshape each message
// as it comes off a connection, in the connection's goroutine (inproc
// carries what the peer's pattern made, and skips it). keep false drops
// the message; an error drops the connection, for a peer that broke the
// protocol.
type wireReader interface {
	fromWire(m *msg) (keep bool, err error)
}

func newPattern(s *Socket) (pattern, error) {
	switch s.typ {
	case PUSH:
		return &push{s: s}, nil
	case PULL:
		return &pull{s: s}, nil
	case PAIR:
		return &pair{s: s}, nil
	case DEALER:
		return &dealer{s: s}, nil
	case ROUTER:
		return newRouter(s), nil
	case REQ:
		return &req{s: s}, nil
	case REP:
		return &rep{s: s}, nil
	case PUB:
		return newPub(s, false), nil
	case XPUB:
		return newPub(s, true), nil
	case SUB:
		return newSub(s, false), nil
	case XSUB:
		return newSub(s, true), nil
	case STREAM:
		return newStream(s), nil
	case SERVER:
		return newServer(s), nil
	case CLIENT:
		return &client{s: s}, nil
	case RADIO:
		return newRadio(s), nil
	case DISH:
		return newDish(s), nil
	case SCATTER:
		return &scatter{s: s}, nil
	case GATHER:
		return &gather{s: s}, nil
	case PEER:
		return newServer(s), nil // peer.go
	case CHANNEL:
		return &channel{pair: pair{s: s}}, nil
	case DGRAM:
		return &dgram{s: s}, nil
	}
	return nil, ErrInvalid
}

// sendOnly and recvOnly give the ErrNotSupported half of one-way types.
type sendOnly struct{}

func (sendOnly) recv(*wait) (msg, *pipe, error) { return msg{}, nil, ErrNotSupported }

type recvOnly struct{}

func (recvOnly) send(msg, *wait) error { return ErrNotSupported }
func (recvOnly) writable() bool        { return false }
