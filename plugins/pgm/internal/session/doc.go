// Package session holds the PGM protocol state machines of the pgm and epgm transports:
// the source (Sender) and the receiver (Receiver), as RFC 3208 specifies them and
// OpenPGM 5.3 (the PGM of Debian's libzmq 4.3.4) runs them with libzmq's settings.
//
// Neither does any I/O nor reads a clock. Each takes the current time as an argument,
// datagrams as byte slices, and hands every packet it sends to a callback with its
// destination; Tick runs the timers and says when it wants to be called again. So the
// plugin drives them from its sockets and timers, and tests drive them deterministically
// over a simulated network and clock.
//
// Every buffer is bounded by the configuration (the transmit and receive windows of
// RATE x RECOVERY_IVL, the number of sources a receiver follows, the largest TPDU), never
// by what a peer sends.
package session
