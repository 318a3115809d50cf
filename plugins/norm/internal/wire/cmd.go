package wire

import (
	"encoding/binary"
	"fmt"
)

// Flavor is the kind of a NORM_CMD (RFC 5740 section 4.2.3).
type Flavor uint8

// Command flavors.
const (
	CmdFlush       Flavor = 1 // the sender is idle; here is where it stopped
	CmdEOT         Flavor = 2 // the sender is leaving
	CmdSquelch     Flavor = 3 // requested data is gone: move past it
	CmdCC          Flavor = 4 // congestion-control probe (GRTT, rate)
	CmdRepairAdv   Flavor = 5 // repairs the sender is about to send
	CmdAckReq      Flavor = 6 // asks listed receivers for an ACK
	CmdApplication Flavor = 7 // application-defined content
)

// CCSyn is the bit of CMD(CC)'s reserved byte that libnorm sets while its
// receivers should (re)synchronize; it is not in RFC 5740.
const CCSyn = 0x01

// RepairAdvLimit is CMD(REPAIR_ADV)'s flag that the advertisement is
// partial (NORM_REPAIR_ADV_FLAG_LIMIT).
const RepairAdvLimit = 0x01

// CCNode is one entry of a CMD(CC) node list: the sender's view of one
// receiver's feedback.
type CCNode struct {
	NodeID NodeID
	Flags  uint8  // CCFlag*
	RTT    uint8  // quantized
	Rate   uint16 // quantized
}

const (
	nodeIDLen  = 4
	ccNodeLen  = 8
	objectIDLn = 2
)

// Cmd is a NORM_CMD. Fields beyond the flavor are those of the flavor; the
// others stay zero.
type Cmd struct {
	SenderHeader
	Flavor Flavor
	// FLUSH and SQUELCH: the object and position the command refers to.
	FECID     FECID
	ObjectID  uint16
	PayloadID PayloadID
	// CC: the reserved byte (CCSyn), the probe sequence and its send time.
	CCFlags                   uint8
	CCSequence                uint16
	SendTimeSec, SendTimeUsec uint32
	// REPAIR_ADV flags (RepairAdvLimit).
	RepairAdvFlags uint8
	// ACK_REQ: the ACK type asked for and its id.
	AckType AckType
	AckID   uint8
	// Extensions: EXT_RATE on CMD(CC).
	Extensions []byte
	// Content is what follows the header, checked by Parse: the acking
	// node list of FLUSH and ACK_REQ (Node), the invalid objects of
	// SQUELCH (InvalidObject), the node list of CC (CCNode), the repair
	// requests of REPAIR_ADV (NextRepairRequest), the application's bytes.
	Content []byte
}

// cmdFixedLen returns the fixed length of flavor's header.
func cmdFixedLen(f Flavor, fec FECID) (int, error) {
	switch f {
	case CmdFlush, CmdSquelch:
		n, err := PayloadIDLen(fec)
		return senderFixedLen + 4 + n, err
	case CmdCC:
		return senderFixedLen + 12, nil
	case CmdEOT, CmdRepairAdv, CmdAckReq, CmdApplication:
		return senderFixedLen + 4, nil
	}
	return 0, fmt.Errorf("%w: command flavor %d", ErrMalformed, f)
}

// Parse decodes msg into c; c's slices then point into msg. m is the field
// size for FEC 2 payload IDs.
func (c *Cmd) Parse(msg []byte, m uint8) error {
	h, err := ParseHeader(msg)
	if err != nil {
		return err
	}
	if h.Type != TypeCmd || h.HeaderLen < senderFixedLen+1 {
		return fmt.Errorf("%w: not a NORM_CMD header (type %d, hdr_len %d)", ErrMalformed, h.Type, h.HeaderLen)
	}
	*c = Cmd{Flavor: Flavor(msg[12])}
	c.Header = h
	c.SenderHeader.parse(msg)
	if c.Flavor == CmdFlush || c.Flavor == CmdSquelch {
		c.FECID = FECID(msg[13])
	}
	fixed, err := cmdFixedLen(c.Flavor, c.FECID)
	if err != nil {
		return err
	}
	if h.HeaderLen < fixed {
		return fmt.Errorf("%w: hdr_len %d below the %d bytes of command flavor %d", ErrMalformed, h.HeaderLen, fixed, c.Flavor)
	}
	c.Extensions, c.Content = msg[fixed:h.HeaderLen], msg[h.HeaderLen:]
	if err := checkExtensions(c.Extensions); err != nil {
		return err
	}
	switch c.Flavor {
	case CmdFlush, CmdSquelch:
		c.ObjectID = binary.BigEndian.Uint16(msg[14:])
		if c.PayloadID, _, err = ParsePayloadID(msg[16:], c.FECID, m); err != nil {
			return err
		}
		item := nodeIDLen
		if c.Flavor == CmdSquelch {
			item = objectIDLn
		}
		return checkList(c.Content, item)
	case CmdCC:
		c.CCFlags = msg[13]
		c.CCSequence = binary.BigEndian.Uint16(msg[14:])
		c.SendTimeSec = binary.BigEndian.Uint32(msg[16:])
		c.SendTimeUsec = binary.BigEndian.Uint32(msg[20:])
		return checkList(c.Content, ccNodeLen)
	case CmdRepairAdv:
		c.RepairAdvFlags = msg[13]
		return checkRepairRequests(c.Content, m)
	case CmdAckReq:
		c.AckType, c.AckID = AckType(msg[14]), msg[15]
		return checkList(c.Content, nodeIDLen)
	}
	return nil
}

func checkList(b []byte, item int) error {
	if len(b)%item != 0 {
		return fmt.Errorf("%w: %d bytes of %d-byte list items", ErrMalformed, len(b), item)
	}
	return nil
}

// Append appends c as a NORM_CMD; Content is appended as it is and must
// be what the flavor carries (AppendNodeID, AppendCCNode, ...).
func (c *Cmd) Append(b []byte, m uint8) ([]byte, error) {
	start := len(b)
	if _, err := cmdFixedLen(c.Flavor, c.FECID); err != nil {
		return b, err
	}
	b = c.SenderHeader.append(b, TypeCmd)
	b = append(b, byte(c.Flavor))
	switch c.Flavor {
	case CmdFlush, CmdSquelch:
		b = append(b, byte(c.FECID))
		b = binary.BigEndian.AppendUint16(b, c.ObjectID)
		var err error
		if b, err = AppendPayloadID(b, c.PayloadID, c.FECID, m); err != nil {
			return b[:start], err
		}
	case CmdCC:
		b = append(b, c.CCFlags)
		b = binary.BigEndian.AppendUint16(b, c.CCSequence)
		b = binary.BigEndian.AppendUint32(b, c.SendTimeSec)
		b = binary.BigEndian.AppendUint32(b, c.SendTimeUsec)
	case CmdRepairAdv:
		b = append(b, c.RepairAdvFlags, 0, 0)
	case CmdAckReq:
		b = append(b, 0, byte(c.AckType), c.AckID)
	default: // EOT, APPLICATION
		b = append(b, 0, 0, 0)
	}
	if err := checkAppendExtensions(c.Extensions, b[start:]); err != nil {
		return b[:start], err
	}
	b = finishHeader(b, start, c.Extensions)
	return append(b, c.Content...), nil
}

// Nodes returns how many node IDs a FLUSH or ACK_REQ lists.
func (c *Cmd) Nodes() int { return len(c.Content) / nodeIDLen }

// Node returns the i-th listed node ID of a FLUSH or ACK_REQ.
func (c *Cmd) Node(i int) NodeID { return NodeID(binary.BigEndian.Uint32(c.Content[i*nodeIDLen:])) }

// InvalidObjects returns how many object IDs a SQUELCH lists.
func (c *Cmd) InvalidObjects() int { return len(c.Content) / objectIDLn }

// InvalidObject returns the i-th object ID a SQUELCH declares gone.
func (c *Cmd) InvalidObject(i int) uint16 { return binary.BigEndian.Uint16(c.Content[i*objectIDLn:]) }

// CCNodes returns how many entries a CC node list has.
func (c *Cmd) CCNodes() int { return len(c.Content) / ccNodeLen }

// CCNode returns the i-th entry of a CC node list.
func (c *Cmd) CCNode(i int) CCNode {
	e := c.Content[i*ccNodeLen:]
	return CCNode{NodeID: NodeID(binary.BigEndian.Uint32(e)), Flags: e[4], RTT: e[5], Rate: binary.BigEndian.Uint16(e[6:])}
}

// AppendNodeID appends a node ID to a FLUSH's or ACK_REQ's node list.
func AppendNodeID(b []byte, id NodeID) []byte { return binary.BigEndian.AppendUint32(b, uint32(id)) }

// AppendObjectID appends an object ID to a SQUELCH's invalid-object list.
func AppendObjectID(b []byte, id uint16) []byte { return binary.BigEndian.AppendUint16(b, id) }

// AppendCCNode appends an entry to a CC node list.
func AppendCCNode(b []byte, n CCNode) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(n.NodeID))
	b = append(b, n.Flags, n.RTT)
	return binary.BigEndian.AppendUint16(b, n.Rate)
}
