// Package normtest holds what the norm packages' tests share: the messages
// their senders send and receivers check, in Go and in Python for the pyzmq
// peers.
package normtest

import "encoding/binary"

// LibzmqSpan bounds the frames of a message a libzmq peer sends or is sent:
// 9 to 2008 bytes, within the 2048 bytes of libzmq 4.3.4's norm engine
// buffer (a libzmq PUB delivers nothing after a larger frame, even to a
// libzmq SUB).
const LibzmqSpan = 2000

// Message is message i of a run tagged tag: 1 to 3 frames of 9 to 8+span
// bytes, the first holding the tag and the index, all a pattern of both, so
// that a receiver checks every byte. PyMessage is the same in Python, with
// span LibzmqSpan.
func Message(tag byte, i, span int) [][]byte {
	frames := make([][]byte, 1+i%3)
	for j := range frames {
		n := 9 + (i*7919+j*104729)%span
		f := make([]byte, n)
		for x := range f {
			f[x] = byte(i + j*31 + x*7)
		}
		frames[j] = f
	}
	frames[0][0] = tag
	binary.BigEndian.PutUint64(frames[0][1:9], uint64(i))
	return frames
}

// PyMessage defines message(tag, i) as Message(tag, i, LibzmqSpan) and a
// pyzmq context, ctx: the start of every pyzmq peer's script.
const PyMessage = `
import os, struct, sys, time, zmq
def message(tag, i):
    frames = []
    for j in range(1 + i % 3):
        n = 9 + (i*7919 + j*104729) % 2000
        frames.append(bytearray((i + j*31 + x*7) & 0xff for x in range(n)))
    frames[0][0] = tag
    frames[0][1:9] = struct.pack(">Q", i)
    return [bytes(f) for f in frames]
ctx = zmq.Context()
`

// PySub is a pyzmq SUB script: ENDPOINT COUNT [TIMEOUT_S]. It prints
// "ready" once connected, "got INDEX TAG True" for every intact message
// (False for one that is not Message's), "done" after COUNT or TIMEOUT_S
// seconds (default 20) without a message, then waits for its stdin to close.
const PySub = PyMessage + `
sub = ctx.socket(zmq.SUB)
sub.setsockopt(zmq.SUBSCRIBE, b"")
sub.setsockopt(zmq.RCVTIMEO, int(1000 * float(sys.argv[3])) if len(sys.argv) > 3 else 20000)
sub.connect(sys.argv[1])
print("ready", flush=True)
for _ in range(int(sys.argv[2])):
    try:
        frames = sub.recv_multipart()
    except zmq.Again:
        break
    i = struct.unpack(">Q", frames[0][1:9])[0]
    print("got %d %c %s" % (i, frames[0][0], frames == message(frames[0][0], i)), flush=True)
print("done", flush=True)
sys.stdin.readline()
sub.close(0)
os._exit(0)
`
