// Package session holds NORM's protocol state machines (RFC 5740) as
// libnorm 1.5.9 runs them for libzmq's norm engine: a Sender of one stream
// object (NORM_OBJECT_STREAM) with FEC, NACK-driven repair, GRTT probing and
// NORM-CC, and a Receiver that tracks every sender it hears, repairs by NACK
// and FEC, feeds congestion control back, and hands whole ZMQ messages up.
//
// The machines do no I/O and read no clock: time is an argument (now) of
// every call, packets come in through HandlePacket and go out through a send
// callback, and Advance runs the timers and returns when it next wants to be
// called. A plugin drives them from its sockets and a timer; the tests drive
// them from a simulated lossy network in simulated time. Neither type is
// safe for concurrent use: one goroutine owns each.
package session
