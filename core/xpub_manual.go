package core

// XPUB_MANUAL and XPUB_WELCOME_MSG: the parts of an XPUB that its options
// switch on (options_patterns.go).

// requestManual passes a peer's subscription or cancellation ("\x01topic"
// or "\x00topic") to the application without applying it, and remembers
// what the peer asked for, to cancel it when the peer goes.
func (x *pub) requestManual(p *pipe, data []byte) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.requested == nil {
		x.requested = make(map[*pipe]*subscriptions)
	}
	req := x.requested[p]
	if req == nil {
		req = &subscriptions{}
		x.requested[p] = req
	}
	k := kindSub
	if data[0] == 1 {
		req.add(data[1:])
	} else {
		req.remove(data[1:])
		k = kindCancel
	}
	x.toManual(p, msg{body: data, kind: k})
}

// toManual queues a subscription message from p for the application;
// x.mu is held, so that from stays in the inbox's order.
func (x *pub) toManual(p *pipe, m msg) {
	x.from = append(x.from, p)
	x.inbox.in.pushOver(m)
}

// manualChange is Subscribe or Unsubscribe on a manual XPUB: it changes
// the subscriptions of the peer whose subscription the application
// received last, and does nothing before there is one (as libzmq).
func (x *pub) manualChange(topic []byte, on bool) {
	x.mu.Lock()
	p := x.last
	x.mu.Unlock()
	if p == nil {
		return
	}
	if on {
		p.subs.add(topic)
	} else {
		p.subs.remove(topic)
	}
}

// connected gives a new peer of an XPUB the welcome message, first of
// all: libzmq writes it to the pipe as it attaches, past any filter.
func (x *pub) connected(p *pipe) []msg {
	w := x.s.options().patterns.xpubWelcome
	if !x.xpub || w == nil {
		return nil
	}
	return []msg{{body: append([]byte(nil), w...)}}
}

func (x *pub) disconnected(*pipe) {}
