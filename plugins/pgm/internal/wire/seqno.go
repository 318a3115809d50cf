package wire

// SeqNo is a PGM sequence number: 32 bits that wrap (RFC 3208 section 3, compared as in
// RFC 1982 serial number arithmetic).
type SeqNo uint32

// Before reports whether s comes before t, across the wrap. Like OpenPGM's
// pgm_uint32_lt it takes the sign of the 32-bit difference, so of two numbers exactly
// 2^31 apart (which RFC 1982 leaves undefined) each is before the other; a window never
// spans that far (OpenPGM rejects sqn-trail >= 2^31-1 as out of bounds).
func (s SeqNo) Before(t SeqNo) bool { return int32(s-t) < 0 }

// After reports whether s comes after t, across the wrap.
func (s SeqNo) After(t SeqNo) bool { return int32(s-t) > 0 }

// Add returns s advanced by n, wrapping.
func (s SeqNo) Add(n uint32) SeqNo { return s + SeqNo(n) }

// Distance returns how far t is ahead of s (negative when behind), across the wrap.
func (s SeqNo) Distance(t SeqNo) int32 { return int32(t - s) }

// InWindow reports whether s lies in the window [trail, lead]. An empty window, as
// OpenPGM announces before its first ODATA (trail 0, lead 0xFFFFFFFF, i.e. lead+1 ==
// trail), holds nothing.
func (s SeqNo) InWindow(trail, lead SeqNo) bool {
	if lead.Add(1) == trail {
		return false
	}
	return !s.Before(trail) && !s.After(lead)
}
