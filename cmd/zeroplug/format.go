package main

import (
	"bytes"
	"encoding/hex"
	"fmt"

	"github.com/zeroplug/zeroplug/sdk/z85"
)

// frameFormat is how cat writes the frames it prints and reads the frames of its input
// lines (--format). Frames are separated by '|' in every format; hex and z85 make that
// unambiguous, as neither alphabet has '|'.
type frameFormat int

const (
	formatText frameFormat = iota // the bytes as they are: not binary-safe
	formatHex                     // two lower-case hex digits a byte (either case read)
	formatZ85                     // Z85 (RFC 32): 5 characters for 4 bytes
)

// formatNames are the values --format takes.
var formatNames = map[string]frameFormat{"text": formatText, "hex": formatHex, "z85": formatZ85}

// parseFormat reads the value of --format.
func parseFormat(s string) (frameFormat, error) {
	f, ok := formatNames[s]
	if !ok {
		return 0, fmt.Errorf("--format %s: want text, hex or z85", s)
	}
	return f, nil
}

// appendFrame appends frame to dst as f writes it. Z85 encodes only a multiple of 4
// bytes (as libzmq's zmq_z85_encode, which refuses other lengths); a frame of another
// length is an error rather than padded or written in another format, so that what
// cat prints always reads back as it was sent. Such frames (a ROUTER's 5-byte routing
// ids, for one) want --format hex.
func (f frameFormat) appendFrame(dst, frame []byte) ([]byte, error) {
	switch f {
	case formatHex:
		return hex.AppendEncode(dst, frame), nil
	case formatZ85:
		if len(frame)%4 != 0 {
			return dst, fmt.Errorf("--format z85: a frame of %d bytes is not a multiple of 4 (use --format hex)", len(frame))
		}
		return z85.AppendEncode(dst, frame), nil
	}
	return append(dst, frame...), nil
}

// parseFrame reads one frame of an input line as f writes it.
func (f frameFormat) parseFrame(text []byte) ([]byte, error) {
	switch f {
	case formatHex:
		b, err := hex.AppendDecode([]byte{}, text)
		if err != nil {
			return nil, fmt.Errorf("--format hex: %v", err)
		}
		return b, nil
	case formatZ85:
		if len(text) == 0 {
			return []byte{}, nil // an empty frame, as appendFrame writes it
		}
		b, err := z85.Decode(string(text))
		if err != nil {
			return nil, fmt.Errorf("--format z85: %v", err)
		}
		return b, nil
	}
	return text, nil
}

// appendFrames appends a message's frames to dst in format f, separated by '|'.
func appendFrames(dst []byte, frames [][]byte, f frameFormat) ([]byte, error) {
	for i, frame := range frames {
		if i > 0 {
			dst = append(dst, '|')
		}
		var err error
		if dst, err = f.appendFrame(dst, frame); err != nil {
			return dst, fmt.Errorf("frame %d: %w", i+1, err)
		}
	}
	return dst, nil
}

// parseFrames splits an input line into frames at '|' and reads each in format f.
func parseFrames(line []byte, f frameFormat) ([][]byte, error) {
	frames := bytes.Split(line, []byte("|"))
	for i, text := range frames {
		frame, err := f.parseFrame(text)
		if err != nil {
			return nil, fmt.Errorf("frame %d: %w", i+1, err)
		}
		frames[i] = frame
	}
	return frames, nil
}
