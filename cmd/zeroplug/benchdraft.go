package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/zeroplug/zeroplug/core"
)

// bench --pattern: thr and lat over the draft socket types, as zmqpeer-draft's
// ZMQPEER_PATTERN, so that either can be compared with libzmq 4.3.5's draft API.

const benchPatternHelp = `Draft patterns (--pattern, thr and lat only; zmqpeer-draft reads ZMQPEER_PATTERN):
  radio-dish     thr: DISH binds ENDPOINT (udp:// or tcp://) and joins "bench", RADIO connects
                 and sends N messages to that group, after warm-up messages to "warmup" until
                 one arrives. Over udp datagrams may be lost: the DISH
                 stops after N or 1 s without one, and the line gives what arrived
                 (count=received sent=N lost=L). lat: two RADIO/DISH pairs, on ENDPOINT and on
                 the next port, each side sending the other's group.
  client-server  thr: SERVER binds, CLIENT connects and sends N messages; lat: CLIENT sends,
                 SERVER answers to the message's routing id.`

// benchGroup is the group of --pattern radio-dish, as zmqpeer-draft's; thr's
// RADIO sends to warmupGroup until the DISH has one, so that the measured
// messages find the DISH bound (udp) and the RADIO with its JOIN (tcp).
const (
	benchGroup  = "bench"
	warmupGroup = "warmup"
)

// benchPatterns are --pattern's values.
var benchPatterns = []string{"radio-dish", "client-server"}

// checkPattern says whether --pattern fits the rest of the command line.
func (c *benchConfig) checkPattern() error {
	if c.pattern == "" {
		return nil
	}
	switch {
	case c.pattern != "radio-dish" && c.pattern != "client-server":
		return fmt.Errorf("--pattern %q: want %s", c.pattern, strings.Join(benchPatterns, " or "))
	case c.mode != "thr" && c.mode != "lat":
		return fmt.Errorf("--pattern is for thr and lat, which run both ends")
	case c.curve:
		return fmt.Errorf("--pattern and --curve: the draft patterns are measured without security")
	case c.noCopy:
		return fmt.Errorf("--pattern and --nocopy: the draft patterns send with SendMsg, which copies")
	case strings.HasPrefix(c.endpoint, "udp://") && c.pattern != "radio-dish":
		return fmt.Errorf("%s: udp carries RADIO and DISH only (--pattern radio-dish)", c.endpoint)
	}
	return nil
}

// runPattern runs thr or lat in --pattern's pattern.
func (b *bench) runPattern(ctx context.Context, stdout io.Writer) error {
	switch {
	case b.pattern == "radio-dish" && b.mode == "thr":
		return b.radioDishThr(ctx, stdout)
	case b.pattern == "radio-dish":
		return b.radioDishLat(ctx, stdout)
	case b.mode == "thr":
		return b.clientServerThr(ctx, stdout)
	default:
		return b.clientServerLat(ctx, stdout)
	}
}

// dish binds a DISH to endpoint and joins benchGroup.
func (b *bench) dish(endpoint string) (*core.Socket, error) {
	d, err := b.open(core.DISH, true, endpoint)
	if err != nil {
		return nil, err
	}
	if err := d.Join(benchGroup); err != nil {
		abandon(d)
		return nil, err
	}
	return d, nil
}

// sendGroup sends one message to benchGroup (SendMsg copies it, as Send does).
func (b *bench) sendGroup(ctx context.Context, radio *core.Socket, payload []byte) error {
	return radio.SendMsgContext(ctx, core.Msg{Group: benchGroup, Frames: [][]byte{payload}})
}

// radioDishThr: a RADIO sends count messages to a DISH in this process; the DISH
// stops after count or a second without one (a datagram lost at the end).
func (b *bench) radioDishThr(ctx context.Context, stdout io.Writer) error {
	dish, err := b.dish(b.endpoint)
	if err != nil {
		return err
	}
	if err := dish.Join(warmupGroup); err != nil { // after benchGroup's JOIN
		abandon(dish)
		return err
	}
	var ready atomic.Bool
	var got int64
	var secs float64
	err = bothEnds(ctx, func(ctx context.Context) error {
		radio, err := b.open(core.RADIO, false, dish.LastEndpoint())
		if err != nil {
			return err
		}
		for !ready.Load() && ctx.Err() == nil {
			if err := radio.SendMsgContext(ctx, core.Msg{Group: warmupGroup, Frames: [][]byte{nil}}); err != nil {
				abandon(radio)
				return failed(ctx, "send", err)
			}
			time.Sleep(time.Millisecond)
		}
		payload := make([]byte, b.size)
		for i := int64(0); i < b.count; i++ {
			if err := b.sendGroup(ctx, radio, payload); err != nil {
				abandon(radio)
				return failed(ctx, "send", err)
			}
		}
		if !closeLingering(ctx, radio) {
			return errInterrupted
		}
		return nil
	}, func(ctx context.Context) (err error) {
		got, secs, err = b.receiveUntilIdle(ctx, dish, &ready)
		return err
	})
	if err != nil {
		abandon(dish)
		return err
	}
	rate := 0.0
	if got > 1 && secs > 0 {
		rate = float64(got-1) / secs
	}
	fmt.Fprintf(stdout, "mode=thr size=%d count=%d sent=%d lost=%d seconds=%.6f msgs_per_s=%.0f mbit_per_s=%.1f\n",
		b.size, got, b.count, b.count-got, secs, rate, rate*float64(b.size)*8/1e6)
	return dish.Close()
}

// receiveUntilIdle receives up to count messages of size bytes, the first one
// waiting as long as it takes, the others at most a second each, and returns how
// many came and the seconds from the first to the last. A warm-up message sets
// ready and is not counted.
func (b *bench) receiveUntilIdle(ctx context.Context, dish *core.Socket, ready *atomic.Bool) (int64, float64, error) {
	recv := func() (core.Msg, error) {
		for {
			m, err := dish.RecvMsg(ctx, false)
			if err != nil || m.Group != warmupGroup {
				return m, err
			}
			ready.Store(true)
		}
	}
	check := func(m core.Msg) error {
		if len(m.Frames) != 1 || len(m.Frames[0]) != b.size || m.Group != benchGroup {
			return fmt.Errorf("bad message: %d frames of %d bytes to group %q, want 1 of %d to %q",
				len(m.Frames), msgLen(m.Frames), m.Group, b.size, benchGroup)
		}
		return nil
	}
	m, err := recv()
	if err != nil {
		return 0, 0, failed(ctx, "recv", err)
	}
	if err := check(m); err != nil {
		return 0, 0, err
	}
	if err := dish.SetOption(core.RecvTimeout(time.Second)); err != nil {
		return 0, 0, err
	}
	start := time.Now()
	last := start
	got := int64(1)
	for got < b.count {
		m, err := recv()
		if errors.Is(err, core.ErrAgain) {
			break
		}
		if err != nil {
			return 0, 0, failed(ctx, "recv", err)
		}
		if err := check(m); err != nil {
			return 0, 0, err
		}
		got++
		last = time.Now() // the idle second that may end the loop is not counted
	}
	return got, last.Sub(start).Seconds(), nil
}

// radioDishLat: round trips between two RADIO/DISH pairs in this process, on
// the endpoint and the next port.
func (b *bench) radioDishLat(ctx context.Context, stdout io.Writer) error {
	back, err := nextPort(b.endpoint)
	if err != nil {
		return err
	}
	there, err := b.dish(b.endpoint)
	if err != nil {
		return err
	}
	here, err := b.dish(back)
	if err != nil {
		abandon(there)
		return err
	}
	err = bothEnds(ctx, func(ctx context.Context) error {
		// The echo sends back whatever it hears until the measurement is
		// done (bothEnds cancels it): not a count, since the warm-up may be
		// sent more than once.
		radio, err := b.open(core.RADIO, false, here.LastEndpoint())
		if err != nil {
			return err
		}
		defer abandon(radio)
		for {
			m, err := there.RecvMsg(ctx, false)
			if err == nil {
				err = radio.SendMsgContext(ctx, m)
			}
			if err != nil {
				return failed(ctx, "echo", err)
			}
		}
	}, func(ctx context.Context) error {
		return b.radioDishRoundTrips(ctx, here, there.LastEndpoint(), stdout)
	})
	abandon(there)
	abandon(here)
	return err
}

// radioDishRoundTrips sends to the DISH at there and waits for each echo on here.
func (b *bench) radioDishRoundTrips(ctx context.Context, here *core.Socket, there string, stdout io.Writer) error {
	radio, err := b.open(core.RADIO, false, there)
	if err != nil {
		return err
	}
	defer abandon(radio)
	payload := make([]byte, b.size)
	// A RADIO's first datagrams may go before the other DISH has bound (udp) or
	// joined (tcp): one round trip first, resent until it comes back, unmeasured.
	if err := here.SetOption(core.RecvTimeout(100 * time.Millisecond)); err != nil {
		return err
	}
	for {
		if err := b.sendGroup(ctx, radio, payload); err != nil {
			return failed(ctx, "send", err)
		}
		_, err := here.RecvMsg(ctx, false)
		if err == nil {
			break
		}
		if !errors.Is(err, core.ErrAgain) {
			return failed(ctx, "recv", err)
		}
	}
	for { // the echoes of resent warm-ups
		if _, err := here.RecvMsg(ctx, true); err != nil {
			break
		}
	}
	// A datagram lost on loopback ends the run instead of hanging it.
	if err := here.SetOption(core.RecvTimeout(2 * time.Second)); err != nil {
		return err
	}
	start := time.Now()
	for i := int64(0); i < b.count; i++ {
		if err := b.sendGroup(ctx, radio, payload); err != nil {
			return failed(ctx, "send", err)
		}
		m, err := here.RecvMsg(ctx, false)
		if err != nil {
			return failed(ctx, "recv (a datagram lost?)", err)
		}
		if len(m.Frames) != 1 || len(m.Frames[0]) != b.size {
			return fmt.Errorf("bad size: an echo of %d bytes, want %d", msgLen(m.Frames), b.size)
		}
	}
	secs := time.Since(start).Seconds()
	fmt.Fprintf(stdout, "mode=lat size=%d roundtrips=%d seconds=%.6f one_way_us=%.2f\n",
		b.size, b.count, secs, secs/float64(b.count)/2*1e6)
	return nil
}

// nextPort returns endpoint with its port one higher.
func nextPort(endpoint string) (string, error) {
	i := strings.LastIndexByte(endpoint, ':')
	port, err := strconv.Atoi(endpoint[i+1:])
	if i < 0 || err != nil || port < 1 || port >= 65535 {
		return "", fmt.Errorf("%s: lat over RADIO/DISH needs a numeric port below 65535 (it uses the next one too)", endpoint)
	}
	return endpoint[:i+1] + strconv.Itoa(port+1), nil
}

// clientServerThr: a CLIENT sends count messages to a SERVER in this process.
func (b *bench) clientServerThr(ctx context.Context, stdout io.Writer) error {
	server, err := b.open(core.SERVER, true, b.endpoint)
	if err != nil {
		return err
	}
	err = bothEnds(ctx, func(ctx context.Context) error {
		client, err := b.open(core.CLIENT, false, server.LastEndpoint())
		if err != nil {
			return err
		}
		return b.sendCount(ctx, client)
	}, func(ctx context.Context) error {
		return b.thrReceive(ctx, server, stdout)
	})
	if err != nil {
		abandon(server)
		return err
	}
	return server.Close()
}

// sendCount sends count messages of size bytes on s, then closes it once they
// are delivered.
func (b *bench) sendCount(ctx context.Context, s *core.Socket) error {
	payload := make([]byte, b.size)
	for i := int64(0); i < b.count; i++ {
		if i%interruptCheck == 0 && ctx.Err() != nil {
			abandon(s)
			return errInterrupted
		}
		if err := b.send(ctx, s, payload); err != nil {
			abandon(s)
			return failed(ctx, "send", err)
		}
	}
	if !closeLingering(ctx, s) {
		return errInterrupted
	}
	return nil
}

// clientServerLat: a CLIENT's round trips to a SERVER in this process, which
// answers each message to its routing id.
func (b *bench) clientServerLat(ctx context.Context, stdout io.Writer) error {
	server, err := b.open(core.SERVER, true, b.endpoint)
	if err != nil {
		return err
	}
	err = bothEnds(ctx, func(ctx context.Context) error {
		for i := int64(0); i < b.count; i++ {
			m, err := server.RecvMsg(ctx, false)
			if err == nil {
				err = server.SendMsgContext(ctx, core.Msg{RoutingID: m.RoutingID, Frames: m.Frames})
			}
			if err != nil {
				return failed(ctx, "echo", err)
			}
		}
		return nil
	}, func(ctx context.Context) error {
		return b.latReqOn(ctx, core.CLIENT, server.LastEndpoint(), stdout)
	})
	if err != nil {
		abandon(server)
		return err
	}
	return server.Close()
}
