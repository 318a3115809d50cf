package core

// channel is libzmq's CHANNEL: a PAIR for single-part messages, one peer
// at a time (a second connection is refused while the first lasts, as a
// PAIR refuses it), blocking while that peer is missing or at its
// high-water mark. Like every zeroplug socket it is safe for concurrent
// use, which is what CHANNEL adds to PAIR in libzmq.
type channel struct{ pair }

func (x *channel) send(m msg, w *wait) error {
	if m.parts != nil {
		return errMultipart(x.s.typ)
	}
	return x.pair.send(m, w)
}

// fromWire drops a multipart message from a connection, as libzmq's
// channel does: a CHANNEL never sends one.
func (x *channel) fromWire(m *msg) (bool, error) { return m.parts == nil, nil }

// recv drops multipart messages too, for inproc, which skips fromWire and
// has no handshake to keep a PAIR from linking to a CHANNEL.
func (x *channel) recv(w *wait) (msg, *pipe, error) {
	for {
		m, p, err := x.pair.recv(w)
		if err != nil || m.parts == nil {
			return m, p, err
		}
	}
}
