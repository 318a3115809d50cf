package norm

import (
	"fmt"
	"strconv"
	"time"

	"github.com/zeroplug/zeroplug/plugins/norm/internal/session"
	"github.com/zeroplug/zeroplug/plugins/norm/internal/wire"
	"github.com/zeroplug/zeroplug/sdk"
)

// The names of the NORM options in sdk.Options.Extra, libzmq's (the core's
// NormMode, NormBufferSize... set them), and NORM_MODE's values.
const (
	optMode          = "NORM_MODE"
	optUnicastNack   = "NORM_UNICAST_NACK"
	optBufferSize    = "NORM_BUFFER_SIZE"
	optSegmentSize   = "NORM_SEGMENT_SIZE"
	optBlockSize     = "NORM_BLOCK_SIZE"
	optNumParity     = "NORM_NUM_PARITY"
	optNumAutoParity = "NORM_NUM_AUTOPARITY"
	optPush          = "NORM_PUSH"

	modeFixed = 0
	modeCC    = 1
)

// libzmq's defaults (options.cpp), for options the core did not set.
const (
	defaultBufferKiB     = 2048
	defaultSegmentSize   = 1400
	defaultBlockSize     = 16
	defaultNumParity     = 4
	defaultMulticastHops = 1
	defaultRate          = 100 // kbit/s
	defaultRecoveryIvl   = 10 * time.Second
)

// settings are what one endpoint runs with.
type settings struct {
	session     session.Config
	unicastNack bool
	hops        int
	sendBuffer  int
	recvBuffer  int
	// linger bounds how long a sender whose socket has closed keeps
	// answering repair requests (RECOVERY_IVL).
	linger time.Duration
}

// servedTypes are the socket types norm serves, as libzmq's
// socket_base_t::check_protocol.
var servedTypes = map[string]bool{"PUB": true, "XPUB": true, "SUB": true, "XSUB": true}

// sender reports whether a socket of type t sends on the group.
func sender(t string) bool { return t == "PUB" || t == "XPUB" }

// checkSocketType refuses the socket types norm does not serve.
func checkSocketType(ep sdk.Endpoint, t string) error {
	if !servedTypes[t] {
		return &sdk.EndpointError{Endpoint: ep.String(), Err: sdk.ErrNotSupported,
			Reason: fmt.Sprintf("norm serves PUB, XPUB, SUB and XSUB sockets, not %s", t)}
	}
	return nil
}

// configure turns the socket's options into an endpoint's settings, as
// libzmq 4.3.5's norm_engine_t::init passes them to libnorm.
func configure(ep sdk.Endpoint, a address, o sdk.Options) (settings, error) {
	bad := func(format string, args ...any) (settings, error) {
		return settings{}, &sdk.EndpointError{Endpoint: ep.String(), Err: sdk.ErrNotSupported, Reason: fmt.Sprintf(format, args...)}
	}
	num := func(name string, def int) (int, error) {
		v, ok := o.Extra[name]
		if !ok {
			return def, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, fmt.Errorf("norm: option %s=%q is not a number", name, v)
		}
		return n, nil
	}
	var s settings
	var mode, bufKiB, seg, blk, parity, auto, push, ucast int
	for _, f := range []struct {
		v    *int
		name string
		def  int
	}{
		{&mode, optMode, modeCC}, {&bufKiB, optBufferSize, defaultBufferKiB}, {&seg, optSegmentSize, defaultSegmentSize},
		{&blk, optBlockSize, defaultBlockSize}, {&parity, optNumParity, defaultNumParity},
		{&auto, optNumAutoParity, 0}, {&push, optPush, 0}, {&ucast, optUnicastNack, 0},
	} {
		n, err := num(f.name, f.def)
		if err != nil {
			return settings{}, err
		}
		*f.v = n
	}
	switch mode {
	case modeFixed, modeCC:
	default:
		// ZMQ_NORM_CCL, ZMQ_NORM_CCE and ZMQ_NORM_CCE_ECNONLY need the
		// ECN marks of received packets, which this plugin does not read.
		return bad("NORM_MODE %d (CCL, CCE, CCE_ECNONLY) is not supported: use 0 (fixed rate, RATE) or 1 (NORM-CC)", mode)
	}
	// libzmq's fix-ups: parity at least auto-parity, and a block longer
	// than its parity.
	parity = max(parity, auto)
	blk = max(blk, parity+1)
	cfg := session.Config{
		BufferSize:    bufKiB * 1024,
		SegmentSize:   seg,
		BlockSize:     blk,
		NumParity:     parity,
		NumAutoParity: auto,
		Push:          push != 0,
		FixedRate:     mode == modeFixed,
	}
	if parity == 0 {
		cfg.NumParity = -1 // the session's zero is its default, 4
	}
	if cfg.FixedRate {
		rate := o.Rate
		if rate <= 0 {
			rate = defaultRate
		}
		cfg.Rate = float64(rate) * 1000 / 8 // NormSetTxRate(rate * 1000) bits/s
	}
	if a.hasNodeID {
		cfg.NodeID = wire.NodeID(a.nodeID)
	}
	s.session = cfg
	s.unicastNack = ucast != 0 || !a.multicast()
	s.hops = o.MulticastHops
	if s.hops <= 0 {
		s.hops = defaultMulticastHops
	}
	s.sendBuffer, s.recvBuffer = o.SendBuffer, o.RecvBuffer
	s.linger = o.RecoveryIvl
	if s.linger <= 0 {
		s.linger = defaultRecoveryIvl
	}
	return s, nil
}
