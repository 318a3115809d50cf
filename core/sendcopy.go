package core

import "bytes"

// Send copies the caller's frames (the Go habit is to reuse one buffer for
// every message): all the bytes of a message go into one array, so that a
// single frame costs one allocation and one memmove, and a multipart message
// one more allocation, for the list of frames (which Send without the copy
// allocated too).

// minPooledCopy is the smallest frame Send copies into a pooled buffer:
// below it the allocator's own size classes are as fast and a pooled
// buffer's rounding up wastes more.
const minPooledCopy = 16 << 10

// copyMsg returns a message whose frames are copies of frames, all in one
// backing array. bytes.Join allocates it without zeroing it first, which
// matters for large frames: make would write every byte twice. Each frame
// is capped at its own length, so that a receiver appending to one (inproc
// hands it over by reference) reallocates instead of overwriting the next.
//
// A single frame of a pooled size (bodyClass) is copied into a buffer from
// the body pools instead: a sender of large messages would otherwise make the
// collector run every few messages and fault fresh pages in for each, where
// the engine that writes it hands the buffer back (msg.release) for the
// next Send.
func copyMsg(frames [][]byte) msg {
	if len(frames) == 1 {
		f := frames[0]
		if len(f) >= minPooledCopy && bodyClass(len(f)) >= 0 {
			b := allocBody(len(f))
			copy(b, f)
			return msg{body: b, copied: true}
		}
		return msg{body: bytes.Clone(f)}
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
