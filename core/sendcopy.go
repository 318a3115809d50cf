package core

import "bytes"

// Send copies the caller's frames (the Go habit is to reuse one buffer for
// every message): all the bytes of a message go into one array, so that a
// single frame costs one allocation and one memmove, and a multipart message
// one more allocation, for the list of frames (which Send without the copy
// allocated too).

// copyMsg returns a message whose frames are copies of frames, all in one
// backing array. bytes.Join allocates it without zeroing it first, which
// matters for large frames: make would write every byte twice. Each frame
// is capped at its own length, so that a receiver appending to one (inproc
// hands it over by reference) reallocates instead of overwriting the next.
func copyMsg(frames [][]byte) msg {
	if len(frames) == 1 {
		return msg{body: bytes.Clone(frames[0])}
	}
	buf := bytes.Join(frames, nil)
	parts := make([][]byte, len(frames))
	off := 0
	for i, f := range frames {
		end := off + len(f)
		parts[i] = buf[off:end:end]
		off = end
	}
	return msg{parts: parts}
}

// stringMsg is copyMsg for SendString's frames.
func stringMsg(frames []string) msg {
	if len(frames) == 1 {
		return msg{body: []byte(frames[0])}
	}
	n := 0
	for _, f := range frames {
		n += len(f)
	}
	buf := make([]byte, 0, n)
	parts := make([][]byte, len(frames))
	for i, f := range frames {
		off := len(buf)
		buf = append(buf, f...)
		parts[i] = buf[off:len(buf):len(buf)]
	}
	return msg{parts: parts}
}
