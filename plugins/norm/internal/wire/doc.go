// Package wire encodes and parses NORM messages (RFC 5740) as libnorm
// 1.5.9, the NORM of Debian's libzmq 4.3.4, puts them on the wire, and the
// framing libzmq's norm engine writes into a NORM stream object.
//
// Parsing is into caller-owned structs whose byte-slice fields point into
// the packet (no allocation; the packet must outlive them); every parser
// returns an error for a malformed or truncated packet and never panics.
// Encoding is append-style: each Append method adds one message to a
// buffer and returns it, computing hdr_len itself.
//
// A message is the 8-byte common header (section 4.1), a type-specific
// fixed part, header extensions (section 4.1.1; hdr_len counts them), then
// the content: the segment of a NORM_DATA, the node list of a CMD(CC), the
// repair requests of a NORM_NACK.
package wire
