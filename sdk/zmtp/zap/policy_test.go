package zap

import "testing"

// keySet is a KeySet of a few keys.
type keySet map[[32]byte]bool

func (s keySet) Allowed(k [32]byte) bool { return s[k] }

// A CURVE client is let in when its key is in CurveKeys or in one of
// CurveKeySets; with neither set, every client is.
func TestPolicyCurveKeySets(t *testing.T) {
	listed, inSet, stranger := [32]byte{1}, [32]byte{2}, [32]byte{3}
	curveReq := func(k [32]byte) Request {
		return Request{RequestID: []byte("1"), Mechanism: MechanismCurve, Credentials: [][]byte{k[:]}}
	}
	for _, tc := range []struct {
		name   string
		policy Policy
		key    [32]byte
		want   int
	}{
		{"no lists: anybody", Policy{}, stranger, StatusOK},
		{"in CurveKeys", Policy{CurveKeys: [][32]byte{listed}, CurveKeySets: []KeySet{keySet{inSet: true}}}, listed, StatusOK},
		{"in a key set", Policy{CurveKeys: [][32]byte{listed}, CurveKeySets: []KeySet{keySet{}, keySet{inSet: true}}}, inSet, StatusOK},
		{"only key sets, in one", Policy{CurveKeySets: []KeySet{keySet{inSet: true}}}, inSet, StatusOK},
		{"only key sets, in none", Policy{CurveKeySets: []KeySet{keySet{inSet: true}}}, stranger, StatusDenied},
		{"an empty key set allows nobody", Policy{CurveKeySets: []KeySet{keySet{}}}, stranger, StatusDenied},
		{"in neither", Policy{CurveKeys: [][32]byte{listed}, CurveKeySets: []KeySet{keySet{inSet: true}}}, stranger, StatusDenied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := tc.policy.Authenticate(curveReq(tc.key))
			if err != nil {
				t.Fatal(err)
			}
			if rep.StatusCode != tc.want {
				t.Errorf("status %d (%s), want %d", rep.StatusCode, rep.StatusText, tc.want)
			}
			if tc.want == StatusOK && rep.UserID != z85Key(tc.key) {
				t.Errorf("user id %q, want the key's Z85 %q", rep.UserID, z85Key(tc.key))
			}
		})
	}
}
