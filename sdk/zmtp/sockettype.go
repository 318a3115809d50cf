package zmtp

// compatible lists, for each socket type, the peer types it may talk to
// (RFC 37, section 3.4.2, and RFC 28 to 31).
var compatible = map[string][]string{
	"PAIR":   {"PAIR"},
	"PUB":    {"SUB", "XSUB"},
	"SUB":    {"PUB", "XPUB"},
	"XPUB":   {"SUB", "XSUB"},
	"XSUB":   {"PUB", "XPUB"},
	"REQ":    {"REP", "ROUTER"},
	"REP":    {"REQ", "DEALER"},
	"DEALER": {"REP", "DEALER", "ROUTER"},
	"ROUTER": {"REQ", "DEALER", "ROUTER"},
	"PUSH":   {"PULL"},
	"PULL":   {"PUSH"},
	// libzmq 4.3's draft types (mechanism_base.cpp's check_socket_type).
	"SERVER":  {"CLIENT"},
	"CLIENT":  {"SERVER"},
	"RADIO":   {"DISH"},
	"DISH":    {"RADIO"},
	"GATHER":  {"SCATTER"},
	"SCATTER": {"GATHER"},
	"PEER":    {"PEER"},
	"CHANNEL": {"CHANNEL"},
}

// Compatible reports whether a socket of type local may talk to one of type
// peer. Unknown types are compatible with nothing.
func Compatible(local, peer string) bool {
	for _, t := range compatible[local] {
		if t == peer {
			return true
		}
	}
	return false
}
