// Package wire is the PGM packet codec of the pgm and epgm transports: RFC 3208 packets
// as OpenPGM 5.3 (the PGM of Debian's libzmq 4.3.4) puts them on the wire, and libzmq's
// framing of ZeroMQ messages inside PGM data packets.
//
// It is written for the sender's and receiver's state machines of the plugin:
//   - Packet.Parse decodes one datagram into a reusable Packet without allocating; the
//     payload and NAK list alias the datagram.
//   - Packet.Append encodes into the caller's buffer, checksum included.
//   - Packer lays messages into APDUs of at most one TSDU each (libzmq never fragments
//     an APDU across TPDUs, and a libzmq receiver aborts when one is), and Unpacker turns
//     the APDUs of one source, in order, back into whole messages, joining late at the
//     first message that begins in a packet.
//   - SeqNo compares 32-bit sequence numbers across the wrap.
//
// The package imports only the standard library and opens no socket: the framings differ
// only in what carries the PGM bytes (see MaxTSDU and IPv4Payload).
package wire
