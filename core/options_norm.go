package core

import (
	"fmt"
	"strconv"
)

// The norm:// transport's options (the zeroplug-transport-norm plugin), by
// libzmq 4.3.5's names (zmq_draft.h) and with its defaults (options.cpp).
// They travel to the plugin in sdk.Options.Extra under those names, as
// decimal integers (booleans as 1 or 0); a name absent from Extra means the
// default, which the plugin knows too.

// NormCongestion is ZMQ_NORM_MODE's value: how a NORM sender sets its rate.
type NormCongestion int

const (
	// NormFixed sends at RATE, without congestion control (ZMQ_NORM_FIXED).
	NormFixed NormCongestion = 0
	// NormCC is NORM-CC, TCP-friendly congestion control (ZMQ_NORM_CC), the
	// default.
	NormCC NormCongestion = 1
	// NormCCL is NORM-CC that tolerates loss (ZMQ_NORM_CCL).
	NormCCL NormCongestion = 2
	// NormCCE is NORM-CC driven by ECN marks and loss (ZMQ_NORM_CCE).
	NormCCE NormCongestion = 3
	// NormCCEECNOnly is NORM-CC driven by ECN marks only
	// (ZMQ_NORM_CCE_ECNONLY).
	NormCCEECNOnly NormCongestion = 4
)

// The names under which the options travel in sdk.Options.Extra.
const (
	extraNormMode          = "NORM_MODE"
	extraNormUnicastNack   = "NORM_UNICAST_NACK"
	extraNormBufferSize    = "NORM_BUFFER_SIZE"
	extraNormSegmentSize   = "NORM_SEGMENT_SIZE"
	extraNormBlockSize     = "NORM_BLOCK_SIZE"
	extraNormNumParity     = "NORM_NUM_PARITY"
	extraNormNumAutoParity = "NORM_NUM_AUTOPARITY"
	extraNormPush          = "NORM_PUSH"
)

// libzmq's defaults (options.cpp).
const (
	defaultNormMode          = NormCC
	defaultNormBufferSize    = 2048 // KiB
	defaultNormSegmentSize   = 1400 // bytes
	defaultNormBlockSize     = 16
	defaultNormNumParity     = 4
	defaultNormNumAutoParity = 0
)

// NormMode is ZMQ_NORM_MODE: NormFixed sends at RATE; the NORM-CC modes
// follow the slowest receiver. Default NormCC, as in libzmq.
func NormMode(m NormCongestion) Option {
	return func(o *options) error {
		if m < NormFixed || m > NormCCEECNOnly {
			return fmt.Errorf("%w: NORM_MODE of %d (0 to 4)", ErrInvalid, m)
		}
		o.setExtra(extraNormMode, strconv.Itoa(int(m)))
		return nil
	}
}

// NormUnicastNack is ZMQ_NORM_UNICAST_NACK: receivers send their NACKs to
// the sender's address rather than to the group. Default false.
func NormUnicastNack(on bool) Option {
	return func(o *options) error { o.setExtra(extraNormUnicastNack, boolText(on)); return nil }
}

// NormBufferSize is ZMQ_NORM_BUFFER_SIZE: the sender's stream buffer, and
// each receiver's buffer per sender, in KiB. Default 2048, as in libzmq.
func NormBufferSize(kib int) Option {
	return func(o *options) error {
		if err := positive("NORM_BUFFER_SIZE", kib); err != nil {
			return err
		}
		o.setExtra(extraNormBufferSize, strconv.Itoa(kib))
		return nil
	}
}

// NormSegmentSize is ZMQ_NORM_SEGMENT_SIZE: the payload bytes of one NORM
// packet. Default 1400, as in libzmq.
func NormSegmentSize(n int) Option {
	return func(o *options) error {
		if err := positive("NORM_SEGMENT_SIZE", n); err != nil {
			return err
		}
		o.setExtra(extraNormSegmentSize, strconv.Itoa(n))
		return nil
	}
}

// NormBlockSize is ZMQ_NORM_BLOCK_SIZE: the source segments of one FEC
// block, 1 to 255. Default 16, as in libzmq.
func NormBlockSize(n int) Option {
	return func(o *options) error {
		if n < 1 || n > 255 {
			return fmt.Errorf("%w: NORM_BLOCK_SIZE of %d (1 to 255)", ErrInvalid, n)
		}
		o.setExtra(extraNormBlockSize, strconv.Itoa(n))
		return nil
	}
}

// NormNumParity is ZMQ_NORM_NUM_PARITY: the parity segments a sender can
// compute per block for repairs, 0 to 254. Default 4, as in libzmq.
func NormNumParity(n int) Option {
	return func(o *options) error {
		if n < 0 || n > 254 {
			return fmt.Errorf("%w: NORM_NUM_PARITY of %d (0 to 254)", ErrInvalid, n)
		}
		o.setExtra(extraNormNumParity, strconv.Itoa(n))
		return nil
	}
}

// NormNumAutoParity is ZMQ_NORM_NUM_AUTOPARITY: the parity segments a
// sender sends with every block before anyone asks, 0 to 254. Default 0, as
// in libzmq.
func NormNumAutoParity(n int) Option {
	return func(o *options) error {
		if n < 0 || n > 254 {
			return fmt.Errorf("%w: NORM_NUM_AUTOPARITY of %d (0 to 254)", ErrInvalid, n)
		}
		o.setExtra(extraNormNumAutoParity, strconv.Itoa(n))
		return nil
	}
}

// NormPush is ZMQ_NORM_PUSH: a sender whose buffer is full drops its oldest
// data, even unrepaired, rather than wait. Default false.
func NormPush(on bool) Option {
	return func(o *options) error { o.setExtra(extraNormPush, boolText(on)); return nil }
}

// setExtra sets one transport setting by name. The map is copied, never
// changed in place: a snapshot of the options may share it.
func (o *options) setExtra(name, value string) {
	m := make(map[string]string, len(o.transport.Extra)+1)
	for k, v := range o.transport.Extra {
		m[k] = v
	}
	m[name] = value
	o.transport.Extra = m
}

// extraInt reads a setting set by this file, or its default.
func (o *options) extraInt(name string, def int) int {
	if v, ok := o.transport.Extra[name]; ok {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	}
	return def
}

func boolText(on bool) string {
	if on {
		return "1"
	}
	return "0"
}

// normOptions are this file's options by libzmq's names.
var normOptions = []optionSpec{
	intOpt("NORM_MODE", func(n int) Option { return NormMode(NormCongestion(n)) },
		func(o *options) int { return o.extraInt(extraNormMode, int(defaultNormMode)) }),
	boolOpt("NORM_UNICAST_NACK", NormUnicastNack,
		func(o *options) bool { return o.extraInt(extraNormUnicastNack, 0) != 0 }),
	intOpt("NORM_BUFFER_SIZE", NormBufferSize,
		func(o *options) int { return o.extraInt(extraNormBufferSize, defaultNormBufferSize) }),
	intOpt("NORM_SEGMENT_SIZE", NormSegmentSize,
		func(o *options) int { return o.extraInt(extraNormSegmentSize, defaultNormSegmentSize) }),
	intOpt("NORM_BLOCK_SIZE", NormBlockSize,
		func(o *options) int { return o.extraInt(extraNormBlockSize, defaultNormBlockSize) }),
	intOpt("NORM_NUM_PARITY", NormNumParity,
		func(o *options) int { return o.extraInt(extraNormNumParity, defaultNormNumParity) }),
	intOpt("NORM_NUM_AUTOPARITY", NormNumAutoParity,
		func(o *options) int { return o.extraInt(extraNormNumAutoParity, defaultNormNumAutoParity) }),
	boolOpt("NORM_PUSH", NormPush,
		func(o *options) bool { return o.extraInt(extraNormPush, 0) != 0 }),
}

func init() { optionTables = append(optionTables, normOptions) }
