package core

// CONFLATE (libzmq's ypipe_conflate): a queue keeps only the newest
// message. A conflating socket's pipes drop what is queued before they
// queue a message, on the way out (pipe.write) and on the way in (the
// conflater hook, which the engine and inproc peers deliver through), and
// Recv takes the newest of whatever is still waiting. Queues then never
// reach their high-water mark, so a conflating receiver never holds its
// sender back.

// conflatable reports whether libzmq allows CONFLATE on the type (and
// options.go documents it for).
func conflatable(t Type) bool {
	switch t {
	case PULL, PUSH, SUB, PUB, DEALER, PAIR:
		return true
	}
	return false
}

// conflater is the deliverHook of a conflating socket that has none of its
// own (PUB's hook handles subscriptions; a PUB receives no data anyway).
type conflater struct{}

func (conflater) deliver(p *pipe, m *msg) bool {
	p.in.remove(isData)
	return true
}

func isData(m *msg) bool { return m.kind == kindData }

// dropQueued empties the queue write is about to add to, for a
// conflating pipe: the peer's in-queue on inproc, the writer's otherwise.
// Subscriptions queued for a SUB's peer are kept.
func (p *pipe) dropQueued() {
	if p.peer != nil {
		p.peer.in.remove(isData)
		return
	}
	p.out.remove(isData)
}
