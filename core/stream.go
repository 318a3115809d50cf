package core

import (
	"net"
	"sync"

	"github.com/zeroplug/zeroplug/sdk/zmtp"
)

// stream is libzmq's STREAM: raw byte streams, no ZMTP. Each connection
// has a routing id; received data comes as [id, bytes], a connect and a
// disconnect as [id, ""] (STREAM_NOTIFY); sending [id, bytes] writes the
// bytes and [id, ""] closes that connection.
type stream struct {
	router
}

func newStream(s *Socket) *stream { return &stream{router: *newRouter(s)} }

func (x *stream) send(m msg, w *wait) error {
	if m.parts == nil || len(m.parts) < 2 {
		return ErrInvalid
	}
	x.mu.Lock()
	p := x.byID[string(m.parts[0])]
	x.mu.Unlock()
	if p == nil {
		return ErrHostUnreachable
	}
	var data []byte
	if len(m.parts) == 2 {
		data = m.parts[1]
	} else {
		for _, f := range m.parts[1:] {
			data = append(data, f...)
		}
	}
	for !p.write(msg{body: data}) {
		if err := w.on(x.s.sendWake); err != nil {
			return err
		}
		if p.gone.Load() {
			return ErrHostUnreachable
		}
	}
	return nil
}

// runRaw runs a STREAM connection: a reader that hands on whatever bytes
// arrive and a writer that writes each message's bytes as they are.
func (s *Socket) runRaw(conn net.Conn, endpoint string, routingID []byte) {
	x := s.pat.(*stream)
	p := newPipe(s, endpoint)
	p.in.hwm = 0 // a STREAM's notifications must not be lost to the mark
	x.identify(p, routingID)
	if !s.addPipe(p) {
		conn.Close()
		return
	}
	notify := s.options().streamNotify
	if notify {
		p.in.push(msg{body: []byte{}})
	}
	var once sync.Once
	done := make(chan struct{})
	stop := func() { once.Do(func() { close(done); conn.Close() }) }
	kick := stop
	p.kick.Store(&kick)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer stop()
		var segs [][]msg
		for {
			segs = p.out.popAll(segs)
			got := 0
			for _, batch := range segs {
				for _, m := range batch {
					if len(m.body) == 0 {
						return // [id, ""] asks to close the connection
					}
					if _, err := conn.Write(m.body); err != nil {
						return
					}
				}
				got += len(batch)
				clear(batch)
			}
			if got > 0 {
				continue
			}
			select {
			case <-p.writerWake:
			case <-done:
				return
			}
		}
	}()
	dec := zmtp.NewDecoder(conn, 0)
	for {
		b, err := dec.ReadSome()
		if err != nil {
			break
		}
		for !p.in.push(msg{body: b}) {
			select {
			case <-p.readerWake:
			case <-done:
			}
		}
	}
	stop()
	wg.Wait()
	// The id goes first: once the application has read the disconnect
	// notification, a Send to that id must fail (ErrHostUnreachable)
	// rather than vanish into the dead pipe.
	s.removePipe(p)
	if notify {
		p.in.push(msg{body: []byte{}})
	}
	s.connectionEnded(endpoint, conn, nil)
}
