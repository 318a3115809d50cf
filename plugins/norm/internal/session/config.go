package session

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/zeroplug/zeroplug/plugins/norm/internal/wire"
)

// libnorm's and libzmq's defaults (norm_engine.cpp calls NormStartSender
// with a 2 MiB buffer, 1400-byte segments, 16 + 4 segments per block; the
// rest are libnorm's NormSession defaults).
const (
	DefaultBufferSize    = 2 << 20
	DefaultSegmentSize   = 1400
	DefaultBlockSize     = 16
	DefaultNumParity     = 4
	DefaultNumAutoParity = 0
	// DefaultGRTT is the GRTT a sender advertises before it has measured one
	// (what libzmq's PUB advertises at start: 0x94 on the wire).
	DefaultGRTT = 250 * time.Millisecond
	// MaxGRTT bounds the advertised GRTT (libnorm's grtt_max).
	MaxGRTT = 10 * time.Second
	// DefaultBackoff is libnorm's back-off factor K.
	DefaultBackoff = 4
	// DefaultGroupSize is libnorm's group-size estimate.
	DefaultGroupSize = 1000
	// DefaultRobustFactor is how many times libnorm repeats a FLUSH when
	// the sender goes idle.
	DefaultRobustFactor = 20
	// DefaultRate is the fixed rate of a sender without congestion control,
	// in bytes per second (libzmq's ZMQ_RATE default, 100 kbit/s).
	DefaultRate = 100_000 / 8
)

// minGRTT keeps the timers that scale with GRTT from collapsing to busy
// loops on a loopback path, where the measured RTT is microseconds.
const minGRTT = time.Millisecond

// maxSegmentSize is the largest segment a receiver accepts from a sender's
// EXT_FTI: what fits in a UDP datagram with NORM's headers.
const maxSegmentSize = 65000

// Config is what a Sender or Receiver is built with. The zero value of each
// field means libnorm's default.
type Config struct {
	// NodeID is this node's NormNodeId.
	NodeID wire.NodeID
	// BufferSize bounds the sender's stream buffer and each remote sender's
	// receive window, in bytes of source segments (NORM_BUFFER_SIZE); the
	// parity a receiver holds with them comes on top, (k+p)/k of it.
	BufferSize int
	// SegmentSize, BlockSize, NumParity and NumAutoParity shape the
	// sender's stream (NORM_SEGMENT_SIZE, NORM_BLOCK_SIZE, NORM_NUM_PARITY,
	// NORM_NUM_AUTOPARITY); receivers take them from each sender's EXT_FTI.
	// A negative NumParity means none (receivers then always ask for the
	// lost segments themselves).
	SegmentSize, BlockSize, NumParity, NumAutoParity int
	// FixedRate turns congestion control off and sends at Rate bytes per
	// second; libzmq always runs NORM-CC and ignores ZMQ_RATE.
	FixedRate bool
	// Rate is the fixed rate in bytes per second, and with congestion
	// control the ceiling of the rate (0: none).
	Rate float64
	// Push lets a sender whose buffer is full of unrepaired blocks drop the
	// oldest instead of refusing new messages (NORM_PUSH).
	Push bool
	// MaxMessageSize caps a received message (ZMQ_MAXMSGSIZE; 0 or
	// negative: none).
	MaxMessageSize int64
	// Rand is the source of instance IDs and back-off times; nil means a
	// randomly seeded one. Tests pass a seeded one.
	Rand *rand.Rand
}

// ErrConfig reports a Config that cannot work.
var ErrConfig = errors.New("norm: bad session configuration")

// withDefaults returns c with its zero fields set to libnorm's defaults,
// or an error if a field is out of range.
func (c Config) withDefaults() (Config, error) {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.BufferSize, DefaultBufferSize)
	def(&c.SegmentSize, DefaultSegmentSize)
	def(&c.BlockSize, DefaultBlockSize)
	switch {
	case c.NumParity < 0:
		c.NumParity = 0
	case c.NumParity == 0:
		c.NumParity = max(DefaultNumParity, c.NumAutoParity)
	}
	switch {
	case c.SegmentSize < 64 || c.SegmentSize > maxSegmentSize:
		return c, fmt.Errorf("%w: segment size %d", ErrConfig, c.SegmentSize)
	case c.BlockSize < 1 || c.NumParity < 0 || c.BlockSize+c.NumParity > 255:
		return c, fmt.Errorf("%w: %d + %d segments per block (FEC 5 allows 255)", ErrConfig, c.BlockSize, c.NumParity)
	case c.NumAutoParity < 0 || c.NumAutoParity > c.NumParity:
		return c, fmt.Errorf("%w: %d auto-parity of %d parity", ErrConfig, c.NumAutoParity, c.NumParity)
	case c.BufferSize < c.SegmentSize*c.BlockSize*2:
		return c, fmt.Errorf("%w: buffer of %d bytes holds fewer than 2 blocks", ErrConfig, c.BufferSize)
	case c.FixedRate && c.Rate == 0:
		c.Rate = DefaultRate
	case c.Rate < 0:
		return c, fmt.Errorf("%w: rate %v", ErrConfig, c.Rate)
	}
	if c.Rand == nil {
		c.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	return c, nil
}
