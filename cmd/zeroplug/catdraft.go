package main

import (
	"bytes"
	"errors"

	"github.com/zeroplug/zeroplug/core"
)

// How cat reads and prints the messages of the draft types, which are
// single-part: a line is one message, except that a RADIO's line and a DISH's
// printed message are GROUP|BODY, and a DGRAM's ADDRESS|BODY.

// singlePart lists the draft types that send whole lines.
var singlePart = map[core.Type]bool{core.CLIENT: true, core.SCATTER: true, core.CHANNEL: true}

// errNoGroup is a RADIO's input line without the '|' after its group.
var errNoGroup = errors.New("want GROUP|BODY: no '|' after the group")

// errNoAddress is a DGRAM's input line without the '|' after its address.
var errNoAddress = errors.New("want ADDRESS|BODY: no '|' after the address")

// lineParser returns how cat makes an input line into frames for type t: split at every
// '|' (the classic types' multipart messages), as one frame (CLIENT, SCATTER, CHANNEL), or
// split at the first '|' into group and body (RADIO) or address and body (DGRAM). Each
// frame is read in format.
func lineParser(t core.Type, format frameFormat) func([]byte) ([][]byte, error) {
	switch {
	case singlePart[t]:
		return func(line []byte) ([][]byte, error) {
			f, err := format.parseFrame(line)
			return [][]byte{f}, err
		}
	case t == core.RADIO || t == core.DGRAM:
		return func(line []byte) ([][]byte, error) {
			group, body, ok := bytes.Cut(line, []byte("|"))
			if !ok && t == core.DGRAM {
				return nil, errNoAddress
			}
			if !ok {
				return nil, errNoGroup
			}
			g, err := format.parseFrame(group)
			if err != nil {
				return nil, err
			}
			b, err := format.parseFrame(body)
			return [][]byte{g, b}, err
		}
	}
	return func(line []byte) ([][]byte, error) { return parseFrames(line, format) }
}

// printedFrames is what cat prints of a message received: its frames, or for a DISH
// its group and then its body.
func printedFrames(t core.Type, m core.Msg) [][]byte {
	if t == core.DISH {
		return append([][]byte{[]byte(m.Group)}, m.Frames...)
	}
	return m.Frames
}
