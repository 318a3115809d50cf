package wire

import (
	"encoding/binary"
	"fmt"
)

// RepairForm is the form of a repair request (RFC 5740 section 4.3.1).
type RepairForm uint8

// Repair request forms.
const (
	FormItems    RepairForm = 1 // each item is one request
	FormRanges   RepairForm = 2 // items come in pairs: first and last, inclusive
	FormErasures RepairForm = 3 // items count erasures (libnorm never sends it)
)

// Repair request flags: what level each item names.
const (
	RepairSegment = 0x01 // the segment the payload ID names
	RepairBlock   = 0x02 // the whole block of the payload ID
	RepairInfo    = 0x04 // the object's NORM_INFO
	RepairObject  = 0x08 // the whole object
)

const repairRequestHeaderLen = 4

// RepairItem names one object, block or segment: a repair request item, and
// the content of an ACK(FLUSH).
type RepairItem struct {
	FECID     FECID
	ObjectID  uint16
	PayloadID PayloadID
}

// NextRepairItem splits the first item off items. m is the field size for
// FEC 2 items.
func NextRepairItem(items []byte, m uint8) (RepairItem, []byte, error) {
	if len(items) < 4 {
		return RepairItem{}, nil, fmt.Errorf("%w: repair item", ErrTruncated)
	}
	it := RepairItem{FECID: FECID(items[0]), ObjectID: binary.BigEndian.Uint16(items[2:])}
	pid, n, err := ParsePayloadID(items[4:], it.FECID, m)
	if err != nil {
		return RepairItem{}, nil, err
	}
	it.PayloadID = pid
	return it, items[4+n:], nil
}

// AppendRepairItem appends one item.
func AppendRepairItem(b []byte, it RepairItem, m uint8) ([]byte, error) {
	start := len(b)
	b = append(b, byte(it.FECID), 0)
	b = binary.BigEndian.AppendUint16(b, it.ObjectID)
	b, err := AppendPayloadID(b, it.PayloadID, it.FECID, m)
	if err != nil {
		return b[:start], err
	}
	return b, nil
}

// RepairRequest is one repair request of a NACK or a CMD(REPAIR_ADV).
type RepairRequest struct {
	Form  RepairForm
	Flags uint8
	// Items are the encoded items; NextRepairItem walks them. They were
	// checked when the request was split off.
	Items []byte
}

// NextRepairRequest splits the first repair request off b and checks its
// items: each whole, and in pairs for FormRanges.
func NextRepairRequest(b []byte, m uint8) (RepairRequest, []byte, error) {
	if len(b) < repairRequestHeaderLen {
		return RepairRequest{}, nil, fmt.Errorf("%w: repair request header", ErrTruncated)
	}
	r := RepairRequest{Form: RepairForm(b[0]), Flags: b[1]}
	n := int(binary.BigEndian.Uint16(b[2:]))
	if n > len(b)-repairRequestHeaderLen {
		return RepairRequest{}, nil, fmt.Errorf("%w: repair request of %d bytes in %d", ErrTruncated, n, len(b)-repairRequestHeaderLen)
	}
	if r.Form < FormItems || r.Form > FormErasures {
		return RepairRequest{}, nil, fmt.Errorf("%w: repair request form %d", ErrMalformed, r.Form)
	}
	r.Items = b[repairRequestHeaderLen : repairRequestHeaderLen+n]
	count := 0
	for rest := r.Items; len(rest) > 0; count++ {
		var err error
		if _, rest, err = NextRepairItem(rest, m); err != nil {
			return RepairRequest{}, nil, err
		}
	}
	if r.Form == FormRanges && count%2 != 0 {
		return RepairRequest{}, nil, fmt.Errorf("%w: %d items in a range request", ErrMalformed, count)
	}
	return r, b[repairRequestHeaderLen+n:], nil
}

// AppendRepairRequest appends a repair request of the given items.
func AppendRepairRequest(b []byte, form RepairForm, flags uint8, items []RepairItem, m uint8) ([]byte, error) {
	start := len(b)
	b = append(b, byte(form), flags, 0, 0)
	for _, it := range items {
		var err error
		if b, err = AppendRepairItem(b, it, m); err != nil {
			return b[:start], err
		}
	}
	n := len(b) - start - repairRequestHeaderLen
	if n > 0xffff {
		return b[:start], fmt.Errorf("norm: repair request of %d bytes", n)
	}
	binary.BigEndian.PutUint16(b[start+2:], uint16(n))
	return b, nil
}

// checkRepairRequests verifies that b is a whole sequence of requests.
func checkRepairRequests(b []byte, m uint8) error {
	for len(b) > 0 {
		var err error
		if _, b, err = NextRepairRequest(b, m); err != nil {
			return err
		}
	}
	return nil
}
