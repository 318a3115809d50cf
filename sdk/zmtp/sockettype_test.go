package zmtp

import (
	"strings"
	"testing"
)

// socketTypes are the socket types of ZMTP 3.1 that zeroplug implements, in
// the order of RFC 37's table of legal combinations.
var socketTypes = []string{"REQ", "REP", "DEALER", "ROUTER", "PUB", "XPUB", "SUB", "XSUB", "PUSH", "PULL", "PAIR"}

// compatibleTable is RFC 37's table ("The Socket-Type Property") for those
// types, copied row by row: "*" marks a legal combination.
var compatibleTable = []string{
	//            REQ REP DEA ROU PUB XPU SUB XSU PUS PUL PAI
	/* REQ    */ ".   *   .   *   .   .   .   .   .   .   .",
	/* REP    */ "*   .   *   .   .   .   .   .   .   .   .",
	/* DEALER */ ".   *   *   *   .   .   .   .   .   .   .",
	/* ROUTER */ "*   .   *   *   .   .   .   .   .   .   .",
	/* PUB    */ ".   .   .   .   .   .   *   *   .   .   .",
	/* XPUB   */ ".   .   .   .   .   .   *   *   .   .   .",
	/* SUB    */ ".   .   .   .   *   *   .   .   .   .   .",
	/* XSUB   */ ".   .   .   .   *   *   .   .   .   .   .",
	/* PUSH   */ ".   .   .   .   .   .   .   .   .   *   .",
	/* PULL   */ ".   .   .   .   .   .   .   .   *   .   .",
	/* PAIR   */ ".   .   .   .   .   .   .   .   .   .   *",
}

func TestCompatible(t *testing.T) {
	for i, local := range socketTypes {
		row := strings.Fields(compatibleTable[i])
		if len(row) != len(socketTypes) {
			t.Fatalf("row %s has %d cells", local, len(row))
		}
		for j, peer := range socketTypes {
			want := row[j] == "*"
			if got := Compatible(local, peer); got != want {
				t.Errorf("Compatible(%s, %s) = %v, RFC 37 says %v", local, peer, got, want)
			}
			// The table is symmetric: a legal pair is legal both ways.
			if Compatible(local, peer) != Compatible(peer, local) {
				t.Errorf("Compatible(%s, %s) != Compatible(%s, %s)", local, peer, peer, local)
			}
		}
	}
}

func TestCompatibleUnknown(t *testing.T) {
	tests := []struct {
		name        string
		local, peer string
	}{
		{"empty peer", "PAIR", ""},
		{"empty local", "", "PAIR"},
		{"both empty", "", ""},
		{"unknown peer", "PUSH", "FOO"},
		{"unknown local", "FOO", "PULL"},
		// Socket types compare exactly, as in libzmq.
		{"lower-case peer", "PUSH", "pull"},
		{"padded peer", "PUSH", "PULL "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if Compatible(tt.local, tt.peer) {
				t.Errorf("Compatible(%q, %q) = true", tt.local, tt.peer)
			}
		})
	}
}

// libzmq 4.3's draft types each talk to one partner only
// (mechanism_base.cpp's check_socket_type), and to none of RFC 37's types.
func TestCompatibleDraftTypes(t *testing.T) {
	partner := map[string]string{
		"SERVER": "CLIENT", "CLIENT": "SERVER",
		"RADIO": "DISH", "DISH": "RADIO",
		"GATHER": "SCATTER", "SCATTER": "GATHER",
		"PEER": "PEER", "CHANNEL": "CHANNEL",
	}
	all := append([]string{"SERVER", "CLIENT", "RADIO", "DISH", "GATHER", "SCATTER", "PEER", "CHANNEL"}, socketTypes...)
	for local, want := range partner {
		for _, peer := range all {
			if got := Compatible(local, peer); got != (peer == want) {
				t.Errorf("Compatible(%s, %s) = %v", local, peer, got)
			}
			if Compatible(local, peer) != Compatible(peer, local) {
				t.Errorf("Compatible(%s, %s) is not symmetric", local, peer)
			}
		}
	}
}
