package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/zeroplug/zeroplug/core"
)

// How cat talks as a PEER: every message it prints is ROUTINGID|BODY, the routing id
// in decimal (whatever --format says: it is a number, not bytes), so that a reply can
// name it; every line it sends is ROUTINGID|BODY too, split at the first '|', unless
// the PEER has exactly one connection it made and none it accepts (one -c, no -b):
// then each line is a BODY, sent whole to that connection.

// errNoRoutingID is a PEER's input line without a routing id before its '|'.
var errNoRoutingID = errors.New("want ROUTINGID|BODY, ROUTINGID a decimal routing id (1 to 4294967295)")

// attachPeer binds a PEER and connects it with ConnectPeer, printing the routing id
// of each connection it makes on stderr. only is that id when the PEER makes one
// connection and binds nothing: the one peer its lines go to; 0 otherwise.
func attachPeer(s *core.Socket, binds, connects []string, stderr io.Writer) (only uint32, err error) {
	if err := attach(s, binds, nil, "cat", stderr); err != nil {
		return 0, err
	}
	for _, ep := range connects {
		id, err := s.ConnectPeer(ep)
		if err != nil {
			return 0, fmt.Errorf("connect %s: %w", ep, err)
		}
		fmt.Fprintf(stderr, "zeroplug cat: PEER connected to %s as routing id %d\n", ep, id)
		only = id
	}
	if len(binds) > 0 || len(connects) != 1 {
		only = 0
	}
	return only, nil
}

// peerLineParser makes an input line into the frames a PEER sends: the routing id
// (4 bytes, big-endian) and the body. With only set, the line is the body, for that
// routing id.
func peerLineParser(format frameFormat, only uint32) func([]byte) ([][]byte, error) {
	return func(line []byte) ([][]byte, error) {
		id := only
		if id == 0 {
			text, body, ok := bytes.Cut(line, []byte("|"))
			n, err := strconv.ParseUint(string(text), 10, 32)
			if !ok || err != nil || n == 0 {
				return nil, errNoRoutingID
			}
			id, line = uint32(n), body
		}
		b, err := format.parseFrame(line)
		return [][]byte{binary.BigEndian.AppendUint32(nil, id), b}, err
	}
}

// peerMsg is the message a PEER sends for frames from peerLineParser.
func peerMsg(frames [][]byte) core.Msg {
	return core.Msg{RoutingID: binary.BigEndian.Uint32(frames[0]), Frames: frames[1:]}
}

// printedPrefix is what cat prints of a message before its frames: a PEER's routing
// id and '|'; nothing for the other types.
func printedPrefix(t core.Type, m core.Msg) []byte {
	if t != core.PEER {
		return nil
	}
	return append(strconv.AppendUint(nil, uint64(m.RoutingID), 10), '|')
}
