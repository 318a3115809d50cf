package zeroplug

// The norm:// transport's options (the zeroplug-transport-norm plugin), by
// libzmq 4.3.5's names and with its defaults. PUB, XPUB, SUB and XSUB only,
// as in libzmq; RATE, MULTICAST_HOPS and the rest of multicast.go serve it
// too.

import "github.com/zeroplug/zeroplug/core"

// NormCongestion is ZMQ_NORM_MODE's value: how a NORM sender sets its rate.
type NormCongestion = core.NormCongestion

// NormFixed sends at RATE, without congestion control (ZMQ_NORM_FIXED).
const NormFixed = core.NormFixed

// NormCC is NORM-CC, TCP-friendly congestion control (ZMQ_NORM_CC), the
// default.
const NormCC = core.NormCC

// NormCCL is NORM-CC that tolerates loss (ZMQ_NORM_CCL).
const NormCCL = core.NormCCL

// NormCCE is NORM-CC driven by ECN marks and loss (ZMQ_NORM_CCE).
const NormCCE = core.NormCCE

// NormCCEECNOnly is NORM-CC driven by ECN marks only
// (ZMQ_NORM_CCE_ECNONLY).
const NormCCEECNOnly = core.NormCCEECNOnly

// NormMode is ZMQ_NORM_MODE: NormFixed sends at RATE; the NORM-CC modes
// follow the slowest receiver. Default NormCC, as in libzmq.
func NormMode(m NormCongestion) Option { return core.NormMode(m) }

// NormUnicastNack is ZMQ_NORM_UNICAST_NACK: receivers send their NACKs to
// the sender's address rather than to the group. Default false.
func NormUnicastNack(on bool) Option { return core.NormUnicastNack(on) }

// NormBufferSize is ZMQ_NORM_BUFFER_SIZE: the sender's stream buffer, and
// each receiver's buffer per sender, in KiB. Default 2048, as in libzmq.
func NormBufferSize(kib int) Option { return core.NormBufferSize(kib) }

// NormSegmentSize is ZMQ_NORM_SEGMENT_SIZE: the payload bytes of one NORM
// packet. Default 1400, as in libzmq.
func NormSegmentSize(n int) Option { return core.NormSegmentSize(n) }

// NormBlockSize is ZMQ_NORM_BLOCK_SIZE: the source segments of one FEC
// block, 1 to 255. Default 16, as in libzmq.
func NormBlockSize(n int) Option { return core.NormBlockSize(n) }

// NormNumParity is ZMQ_NORM_NUM_PARITY: the parity segments a sender can
// compute per block for repairs, 0 to 254. Default 4, as in libzmq.
func NormNumParity(n int) Option { return core.NormNumParity(n) }

// NormNumAutoParity is ZMQ_NORM_NUM_AUTOPARITY: the parity segments a
// sender sends with every block before anyone asks, 0 to 254. Default 0, as
// in libzmq.
func NormNumAutoParity(n int) Option { return core.NormNumAutoParity(n) }

// NormPush is ZMQ_NORM_PUSH: a sender whose buffer is full drops its oldest
// data, even unrepaired, rather than wait. Default false.
func NormPush(on bool) Option { return core.NormPush(on) }
