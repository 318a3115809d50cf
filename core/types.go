package core

import "fmt"

// Type is a socket type, with libzmq's numbering.
type Type int

// The socket types of libzmq 4.3 (RFC 28 to 31 and the raw STREAM).
const (
	PAIR   Type = 0
	PUB    Type = 1
	SUB    Type = 2
	REQ    Type = 3
	REP    Type = 4
	DEALER Type = 5
	ROUTER Type = 6
	PULL   Type = 7
	PUSH   Type = 8
	XPUB   Type = 9
	XSUB   Type = 10
	STREAM Type = 11
)

// libzmq 4.3's draft socket types: thread-safe, single-part messages.
// SERVER and CLIENT address replies by a routing id on each message (RFC
// 41); RADIO and DISH carry a group on each message; SCATTER and GATHER
// are PUSH and PULL without multipart.
const (
	SERVER  Type = 12
	CLIENT  Type = 13
	RADIO   Type = 14
	DISH    Type = 15
	GATHER  Type = 16
	SCATTER Type = 17
)

// DGRAM is libzmq 4.3's draft datagram socket, over udp:// only: each
// message is two frames, the peer's "ip:port" and the datagram (dgram.go).
const DGRAM Type = 18

// libzmq 4.3's draft PEER and CHANNEL. A PEER talks to PEERs only, naming
// every connection, the ones it accepts and the ones it makes, by a
// routing id as SERVER does (ConnectPeer returns the id of the one it
// makes); a CHANNEL is a PAIR for single-part messages.
const (
	PEER    Type = 19
	CHANNEL Type = 20
)

// typeNames is indexed by Type; a number left empty is no type.
var typeNames = [...]string{"PAIR", "PUB", "SUB", "REQ", "REP", "DEALER", "ROUTER", "PULL", "PUSH", "XPUB", "XSUB", "STREAM",
	"SERVER", "CLIENT", "RADIO", "DISH", "GATHER", "SCATTER", "DGRAM", "PEER", "CHANNEL"}

// singlePart reports whether t is one of the draft types, which send and
// receive single-part messages only (libzmq's thread-safe sockets).
func (t Type) singlePart() bool { return t >= SERVER && t <= SCATTER || t == PEER || t == CHANNEL }

// String is the type's name as ZMTP's Socket-Type property spells it.
func (t Type) String() string {
	if t >= 0 && int(t) < len(typeNames) && typeNames[t] != "" {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", int(t))
}

// ParseType returns the type with the given name ("PUSH"), as libzmq and the
// command-line tool write it; case does not matter.
func ParseType(name string) (Type, error) {
	for i, n := range typeNames {
		if n != "" && equalFoldASCII(n, name) {
			return Type(i), nil
		}
	}
	return 0, fmt.Errorf("zeroplug: unknown socket type %q", name)
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'a' <= x && x <= 'z' {
			x -= 'a' - 'A'
		}
		if 'a' <= y && y <= 'z' {
			y -= 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
