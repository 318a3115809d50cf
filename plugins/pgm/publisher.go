package pgm

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"log"
	"time"

	"github.com/zeroplug/zeroplug/plugins/pgm/internal/session"
	"github.com/zeroplug/zeroplug/plugins/pgm/internal/wire"
	"github.com/zeroplug/zeroplug/sdk/zmtp"
)

// messagesInFlight is how many of the core's messages the stream reader hands the
// session loop ahead of it. While the rate limit holds the loop back it stops taking
// them, the reader stops reading, the stream pair fills, and the core's pipe fills up
// to SNDHWM, past which a PUB drops: what libzmq's pgm_sender does when OpenPGM says
// it is rate limited (it stops reading its pipe).
const messagesInFlight = 64

// runPublisher is the session of a core PUB or XPUB: the plugin is its SUB,
// subscribed to everything, and multicasts each message as a PGM source (one TSI).
// When the core closes the stream, the source stays RECOVERY_IVL after its last ODATA
// to answer NAKs (as long as its window can repair), then closes with OPT_FIN.
func (s *engine) runPublisher() error {
	now := time.Now()
	sender, err := session.NewSender(session.SenderConfig{
		TSI:         newTSI(s.cfg.addr.port),
		DestPort:    s.cfg.addr.port,
		SourceNLA:   s.cfg.addr.local,
		Group:       s.cfg.addr.group,
		UDPEncap:    !s.cfg.raw,
		MaxTPDU:     s.cfg.maxTPDU,
		RateKbit:    s.cfg.rateKbit,
		RecoveryIvl: s.cfg.recoveryIvl,
		Send:        s.send,
	}, now)
	if err != nil {
		return err
	}
	defer func() {
		st := sender.Stats()
		log.Printf("[DEBUG] %s: source closed: odata=%d rdata=%d ncf=%d spm=%d naked=%d rejected=%d",
			s.cfg.ep, st.ODATA, st.RDATA, st.NCF, st.SPM, st.NAKed, st.Rejected)
	}()

	enc, dec, err := s.handshake()
	if err != nil {
		return err
	}
	// No SUBSCRIBE: the core's PUB sends everything to a multicast pipe from
	// the moment it exists (libzmq's subscribe_to_all), and an XPUB's
	// application hears of no subscription, as with libzmq.
	msgs := make(chan [][]byte, messagesInFlight)
	coreErr := make(chan error, 1)
	go func() { coreErr <- readCoreMessages(enc, dec, msgs) }()
	dgrams := make(chan datagram, datagramsInFlight)
	go s.readDatagrams(dgrams)
	defer func() {
		sender.Close() // three SPMs with OPT_FIN, before the sockets close
		s.conn.close() // ends readDatagrams
		for d := range dgrams {
			s.recycle(d)
		}
		s.local.Close() // ends readCoreMessages
		for range msgs {
		}
	}()

	tm := newTimer()
	var lingerUntil time.Time // set once the core has closed the stream
	coreClosed := false
	var lastODATA uint64
	for {
		in := msgs
		if coreClosed || !sender.Writable() {
			in = nil
		}
		select {
		case m, ok := <-in:
			now = time.Now()
			if !ok {
				coreClosed = true
				if err := <-coreErr; err != nil && !errors.Is(err, io.EOF) {
					log.Printf("[DEBUG] %s: the core's stream: %v", s.cfg.ep, err)
				}
				sender.Flush(now)
				break
			}
			sender.Send(m, now) // Writable: it takes the message
			// libzmq fills an APDU while its pipe has messages, and sends the
			// partial one when the pipe is empty.
			if len(msgs) == 0 {
				sender.Flush(now)
			}
		case d, ok := <-dgrams:
			if !ok {
				return errors.New("the group's socket closed")
			}
			now = time.Now()
			sender.HandleDatagram(d.pgm, now)
			s.recycle(d)
		case <-tm.t.C:
			tm.fired()
			now = time.Now()
		}
		next := sender.Tick(now)
		if coreClosed {
			if st := sender.Stats(); st.ODATA != lastODATA || lingerUntil.IsZero() {
				lastODATA = st.ODATA
				lingerUntil = now.Add(s.cfg.recoveryIvl)
			}
			if sender.Idle() && !now.Before(lingerUntil) {
				return nil
			}
			next = earliest(next, lingerUntil)
		}
		tm.set(next)
	}
}

// readCoreMessages reads the core's messages into out until the stream ends, answering
// its PINGs; subscriptions and other commands are not the publisher's business.
func readCoreMessages(enc *zmtp.Encoder, dec *zmtp.Decoder, out chan<- [][]byte) error {
	defer close(out)
	var frames [][]byte
	for {
		flags, body, err := dec.Next()
		if err != nil {
			return err
		}
		if flags&zmtp.FlagCommand != 0 {
			if zmtp.IsCommand(body, zmtp.CmdPing) {
				if ping, err := zmtp.ParsePing(body[1+len(zmtp.CmdPing):]); err == nil {
					enc.Command(zmtp.CmdPong, ping.Context)
					if err := enc.Flush(); err != nil {
						return err
					}
				}
			}
			continue
		}
		frames = append(frames, body)
		if flags&zmtp.FlagMore == 0 {
			out <- frames
			frames = nil
		}
	}
}

// newTSI draws a session's identity as OpenPGM does: a random GSI and a random source
// port other than the data-destination port.
func newTSI(destPort uint16) wire.TSI {
	var b [8]byte
	for {
		rand.Read(b[:])
		tsi := wire.TSI{SourcePort: binary.BigEndian.Uint16(b[6:])}
		copy(tsi.GSI[:], b[:6])
		if tsi.SourcePort != destPort && tsi.SourcePort != 0 {
			return tsi
		}
	}
}
