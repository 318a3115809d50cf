package pgm

import (
	"errors"
	"log"
	"time"

	"github.com/zeroplug/zeroplug/plugins/pgm/internal/session"
	"github.com/zeroplug/zeroplug/plugins/pgm/internal/wire"
	"github.com/zeroplug/zeroplug/sdk/zmtp"
)

// writeBatch is how many bytes the stream writer encodes before it writes them,
// when many messages wait.
const writeBatch = 256 << 10

// malformedLogInterval bounds the log lines about malformed datagrams: the first is
// logged, then at most one line (with the count) per interval.
const malformedLogInterval = time.Second

// runSubscriber is the session of a core SUB or XSUB: the plugin is its PUB and writes
// each whole message heard on the group, each source's in its order, that the core's
// subscriptions match. It ends when the core closes the stream.
func (s *engine) runSubscriber() error {
	q := newDeliveryQueue()
	var subs subscriptions
	var filtered uint64
	recv, err := session.NewReceiver(session.ReceiverConfig{
		DestPort:    s.cfg.addr.port,
		Group:       s.cfg.addr.group,
		UDPEncap:    !s.cfg.raw,
		MaxTPDU:     s.cfg.maxTPDU,
		RateKbit:    s.cfg.rateKbit,
		RecoveryIvl: s.cfg.recoveryIvl,
		Send:        s.send,
		Deliver: func(_ wire.TSI, msg [][]byte) {
			// Filtered here, so that what the core did not ask for never crosses
			// the stream; the core's SUB filters again, as libzmq's does.
			if len(msg) == 0 || !subs.match(msg[0]) {
				filtered++
				return
			}
			q.push(outgoing{frames: cloneMessage(msg)})
		},
	})
	if err != nil {
		return err
	}
	defer func() {
		st := recv.Stats()
		log.Printf("[DEBUG] %s: receiver closed: messages=%d filtered=%d lost=%d malformed=%d dropped=%d duplicates=%d naks=%d spmrs=%d restarts=%d",
			s.cfg.ep, st.Messages, filtered, st.Lost, st.Malformed, st.Dropped, st.Duplicates, st.NAKs, st.SPMRs, st.Restarts)
	}()

	enc, dec, err := s.handshake()
	if err != nil {
		return err
	}
	subCh := make(chan []byte, 16)
	go readCoreSubscriptions(dec, subCh, q)
	writerErr := make(chan error, 1)
	go func() { writerErr <- writeCore(enc, q) }()
	dgrams := make(chan datagram, datagramsInFlight)
	go s.readDatagrams(dgrams)
	defer func() {
		s.conn.close() // ends readDatagrams
		for d := range dgrams {
			s.recycle(d)
		}
		q.close()
		s.local.Close() // ends the stream's reader and writer
		<-writerErr
		for range subCh {
		}
	}()

	tm := newTimer()
	var malformed uint64
	var lastMalformedLog time.Time
	for {
		in := dgrams
		if q.full() {
			in = nil // see deliveryLimit
		}
		select {
		case d, ok := <-in:
			if !ok {
				return errors.New("the group's socket closed")
			}
			now := time.Now()
			if err := recv.HandleDatagram(d.pgm, d.from, now); err != nil {
				malformed++
				if now.Sub(lastMalformedLog) >= malformedLogInterval {
					lastMalformedLog = now
					log.Printf("[WARN] %s: dropped a malformed datagram from %s: %v (malformed=%d)", s.cfg.ep, d.from, err, malformed)
				}
			}
			s.recycle(d)
			if soon := now.Add(tickGranularity); tm.at.IsZero() || tm.at.After(soon) {
				tm.set(soon)
			}
		case b, ok := <-subCh:
			if !ok {
				return nil // the core closed the stream
			}
			subs.apply(b)
		case <-q.space:
		case err := <-writerErr:
			writerErr <- err // for the deferred wait
			return err
		case <-tm.t.C:
			tm.fired()
			tm.set(recv.Tick(time.Now()))
		}
	}
}

// readCoreSubscriptions reads what the core's SUB or XSUB sends: subscriptions
// (SUBSCRIBE and CANCEL commands of ZMTP 3.1, or libzmq's 1 and 0 messages), handed to
// out in libzmq's message form, and PINGs, answered through the queue. It closes out
// when the stream ends.
func readCoreSubscriptions(dec *zmtp.Decoder, out chan<- []byte, q *deliveryQueue) {
	defer close(out)
	for {
		flags, body, err := dec.Next()
		if err != nil {
			return
		}
		switch {
		case flags&zmtp.FlagCommand == 0:
			// An XSUB may send other messages upstream; PGM carries nothing
			// upstream, so only subscriptions count.
			if flags&zmtp.FlagMore == 0 && len(body) > 0 && body[0] <= 1 {
				out <- body
			}
		case zmtp.IsCommand(body, zmtp.CmdSubscribe):
			out <- append([]byte{1}, body[1+len(zmtp.CmdSubscribe):]...)
		case zmtp.IsCommand(body, zmtp.CmdCancel):
			out <- append([]byte{0}, body[1+len(zmtp.CmdCancel):]...)
		case zmtp.IsCommand(body, zmtp.CmdPing):
			if ping, err := zmtp.ParsePing(body[1+len(zmtp.CmdPing):]); err == nil {
				q.push(outgoing{command: zmtp.CmdPong, body: ping.Context})
			}
		}
	}
}

// writeCore writes the queue's items to the core, many in one write, until the queue
// is closed and drained or the stream fails.
func writeCore(enc *zmtp.Encoder, q *deliveryQueue) error {
	var spare []outgoing
	for {
		items, ok := q.take(spare)
		if !ok {
			return nil
		}
		n := 0
		for _, it := range items {
			if it.command != "" {
				enc.Command(it.command, it.body)
				n += len(it.body)
			} else {
				last := len(it.frames) - 1
				for i, f := range it.frames {
					var flags byte
					if i < last {
						flags = zmtp.FlagMore
					}
					enc.Frame(flags, f)
					n += len(f)
				}
			}
			if enc.Len() >= writeBatch {
				if err := enc.Flush(); err != nil {
					return err
				}
			}
		}
		if err := enc.Flush(); err != nil {
			return err
		}
		q.done(n)
		clear(items)
		spare = items
	}
}

// cloneMessage copies a message's frames, which the Receiver lends only for the call,
// into one allocation.
func cloneMessage(msg [][]byte) [][]byte {
	n := 0
	for _, f := range msg {
		n += len(f)
	}
	buf := make([]byte, 0, n)
	out := make([][]byte, len(msg))
	for i, f := range msg {
		buf = append(buf, f...)
		out[i] = buf[len(buf)-len(f) : len(buf) : len(buf)]
	}
	return out
}
