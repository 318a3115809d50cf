package wire

import (
	"encoding/hex"
	"strconv"
)

// HeaderLen is the size of the common header (RFC 3208 section 8).
const HeaderLen = 16

// Type is the PGM packet type (RFC 3208 section 8, type field). Its two high-order bits
// are the version, which is 0.
type Type uint8

// The packet types. POLL, POLR and ACK are recognised and refused with ErrUnsupported:
// libzmq never enables what uses them (DLR polling, PGMCC).
const (
	TypeSPM   Type = 0x00 // source path message, downstream
	TypePOLL  Type = 0x01 // poll request (DLR), downstream
	TypePOLR  Type = 0x02 // poll response, upstream
	TypeODATA Type = 0x04 // original data, downstream
	TypeRDATA Type = 0x05 // repair data, downstream
	TypeNAK   Type = 0x08 // negative acknowledgement, upstream (unicast to the source)
	TypeNNAK  Type = 0x09 // null NAK (from a DLR), upstream
	TypeNCF   Type = 0x0A // NAK confirmation, downstream
	TypeSPMR  Type = 0x0C // SPM request, upstream
	TypeACK   Type = 0x0D // PGMCC acknowledgement, upstream
)

// String names the type as RFC 3208 does.
func (t Type) String() string {
	switch t {
	case TypeSPM:
		return "SPM"
	case TypePOLL:
		return "POLL"
	case TypePOLR:
		return "POLR"
	case TypeODATA:
		return "ODATA"
	case TypeRDATA:
		return "RDATA"
	case TypeNAK:
		return "NAK"
	case TypeNNAK:
		return "NNAK"
	case TypeNCF:
		return "NCF"
	case TypeSPMR:
		return "SPMR"
	case TypeACK:
		return "ACK"
	}
	return "type(0x" + strconv.FormatUint(uint64(t), 16) + ")"
}

// Upstream reports whether packets of type t travel from receivers to the source. Their
// ports are swapped: source port = the data-destination port, destination port = the
// TSI's source port (RFC 3208 section 8).
func (t Type) Upstream() bool {
	return t == TypeNAK || t == TypeNNAK || t == TypeSPMR || t == TypePOLR || t == TypeACK
}

// The flags of the header's options field (RFC 3208 section 8).
const (
	FlagOptionsPresent uint8 = 0x01 // options follow the type-specific header
	FlagOptionsNetwork uint8 = 0x02 // some are network-significant (OPT_NAK_LIST)
	FlagVarPktLen      uint8 = 0x40 // parity packets of variable length (FEC)
	FlagParity         uint8 = 0x80 // the packet is parity (FEC)
)

// GSI is the global source identifier: six bytes that name a source session.
type GSI [6]byte

// String prints the GSI in hex, as the research notes and tcpdump show it.
func (g GSI) String() string { return hex.EncodeToString(g[:]) }

// TSI is the transport session identifier: the GSI and the source's data port
// (RFC 3208 section 2). It is comparable, so that receivers key their peers by it; libzmq
// sources on one host share a GSI and differ only by the port.
type TSI struct {
	GSI        GSI
	SourcePort uint16
}

// String prints the TSI as OpenPGM's pgm_tsi_print does: the GSI bytes in decimal, then
// the port.
func (t TSI) String() string {
	b := make([]byte, 0, 32)
	for _, x := range t.GSI {
		b = strconv.AppendUint(b, uint64(x), 10)
		b = append(b, '.')
	}
	return string(strconv.AppendUint(b, uint64(t.SourcePort), 10))
}

// Header is the common header of every PGM packet.
type Header struct {
	// SourcePort and DestPort as on the wire: downstream, the TSI's port and the
	// data-destination port; upstream, swapped.
	SourcePort uint16
	DestPort   uint16
	Type       Type
	// Flags is the options field. Parse sets it from the wire; Append derives it from
	// the packet's options and ignores what is here.
	Flags uint8
	// Checksum as received. Append computes it and ignores what is here.
	Checksum uint16
	GSI      GSI
	// TSDULength is the payload length of ODATA and RDATA and 0 otherwise. Append
	// derives it from the payload.
	TSDULength uint16
}

// TSI returns the session a packet belongs to: downstream, the GSI and source port;
// upstream, the GSI and destination port.
func (h *Header) TSI() TSI {
	if h.Type.Upstream() {
		return TSI{GSI: h.GSI, SourcePort: h.DestPort}
	}
	return TSI{GSI: h.GSI, SourcePort: h.SourcePort}
}
