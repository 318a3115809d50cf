package zap

import (
	"crypto/subtle"
	"slices"

	"github.com/zeroplug/zeroplug/sdk/z85"
)

// Policy is a ready Authenticator for the common cases: allow and deny
// lists of client addresses, PLAIN users with their passwords, and CURVE
// client keys. An empty list allows everything of its kind, so the zero
// Policy lets in every client that completes its mechanism.
type Policy struct {
	// AllowAddresses, when not empty, lists the only client IP addresses
	// let in; DenyAddresses lists addresses always refused.
	AllowAddresses []string
	DenyAddresses  []string
	// Users maps PLAIN user names to passwords; when not nil, only those
	// users are let in.
	Users map[string]string
	// CurveKeys lists the CURVE client public keys let in, and
	// CurveKeySets holds more of them (a directory of certificates,
	// zcert.Store); a client is let in when its key is in either. When
	// both are empty, any client that knows the server's key is.
	CurveKeys    [][32]byte
	CurveKeySets []KeySet
}

// KeySet is a set of CURVE client public keys, such as a directory of
// certificates (zcert.Store). Allowed is called from the ZAP handler, once per
// handshake, possibly from several goroutines at once; it must not block.
type KeySet interface {
	Allowed(public [32]byte) bool
}

// curveAllowed reports whether a CURVE client with key public is let in.
func (p *Policy) curveAllowed(public [32]byte) bool {
	if len(p.CurveKeys) == 0 && len(p.CurveKeySets) == 0 {
		return true
	}
	if slices.Contains(p.CurveKeys, public) {
		return true
	}
	return slices.ContainsFunc(p.CurveKeySets, func(s KeySet) bool { return s.Allowed(public) })
}

// Authenticate implements Authenticator. The user id of an accepted client
// is its PLAIN user name, or the Z85 text of its CURVE key.
func (p *Policy) Authenticate(req Request) (Reply, error) {
	deny := func(text string) (Reply, error) {
		return Reply{RequestID: req.RequestID, StatusCode: StatusDenied, StatusText: text}, nil
	}
	if slices.Contains(p.DenyAddresses, req.Address) {
		return deny("address denied")
	}
	if len(p.AllowAddresses) > 0 && !slices.Contains(p.AllowAddresses, req.Address) {
		return deny("address not allowed")
	}
	var user string
	switch req.Mechanism {
	case MechanismPlain:
		if len(req.Credentials) != 2 {
			return deny("malformed PLAIN credentials")
		}
		user = string(req.Credentials[0])
		if p.Users != nil {
			want, ok := p.Users[user]
			if !ok || subtle.ConstantTimeCompare([]byte(want), req.Credentials[1]) != 1 {
				return deny("invalid user name or password")
			}
		}
	case MechanismCurve:
		if len(req.Credentials) != 1 || len(req.Credentials[0]) != 32 {
			return deny("malformed CURVE credentials")
		}
		key := [32]byte(req.Credentials[0])
		if !p.curveAllowed(key) {
			return deny("client key not allowed")
		}
		user = z85Key(key)
	}
	return Reply{RequestID: req.RequestID, StatusCode: StatusOK, StatusText: "OK", UserID: user}, nil
}

func z85Key(k [32]byte) string {
	s, _ := z85.Encode(k[:]) // 32 is a multiple of 4: no error
	return s
}
