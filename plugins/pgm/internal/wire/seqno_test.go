package wire

import "testing"

func TestSeqNoOrderAcrossTheWrap(t *testing.T) {
	for _, tc := range []struct {
		name   string
		s, t   SeqNo
		before bool
	}{
		{"plain", 1, 2, true},
		{"equal", 7, 7, false},
		{"wrap", 0xFFFFFFFF, 0, true},
		{"wrap far", 0xFFFFFF00, 0x100, true},
		{"behind the wrap", 0x100, 0xFFFFFF00, false},
		{"just under half", 0, 0x7FFFFFFF, true},
		{"just over half", 0, 0x80000001, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.s.Before(tc.t); got != tc.before {
				t.Errorf("%d.Before(%d) = %v", tc.s, tc.t, got)
			}
			if tc.s != tc.t && tc.t.After(tc.s) != tc.before {
				t.Errorf("%d.After(%d) disagrees with Before", tc.t, tc.s)
			}
			if d := tc.s.Distance(tc.t); (d > 0) != tc.before {
				t.Errorf("%d.Distance(%d) = %d", tc.s, tc.t, d)
			}
		})
	}
	// RFC 1982 leaves numbers 2^31 apart undefined; like OpenPGM, each is before the other.
	if !SeqNo(0).Before(0x80000000) || !SeqNo(0x80000000).Before(0) {
		t.Error("numbers 2^31 apart are not each before the other, as in OpenPGM")
	}
	if SeqNo(0xFFFFFFFE).Add(3) != 1 {
		t.Error("Add does not wrap")
	}
}

func TestSeqNoInWindow(t *testing.T) {
	for _, tc := range []struct {
		name        string
		s           SeqNo
		trail, lead SeqNo
		inWindow    bool
	}{
		{"OpenPGM's empty start window", 0, 0, 0xFFFFFFFF, false},
		{"one packet", 0, 0, 0, true},
		{"below", 4, 5, 9, false},
		{"trail", 5, 5, 9, true},
		{"lead", 9, 5, 9, true},
		{"above", 10, 5, 9, false},
		{"across the wrap", 0, 0xFFFFFFF0, 3, true},
		{"above across the wrap", 4, 0xFFFFFFF0, 3, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.s.InWindow(tc.trail, tc.lead); got != tc.inWindow {
				t.Errorf("%d.InWindow(%d, %d) = %v", tc.s, tc.trail, tc.lead, got)
			}
		})
	}
}
