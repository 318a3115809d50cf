package wire

// The captures in testdata were printed by testdata/libzmq_pgm_peer.py ("capture"
// mode): Debian's libzmq 4.3.4 (OpenPGM 5.3.128) PUB sending three messages, the second
// of 3072 bytes, on epgm and pgm://127.0.0.1;239.192.1.1:5555 in a namespace of its own,
// then closing. Each holds, in order: three SPMs at start, three ODATA, heartbeat SPMs,
// and three SPMs with OPT_FIN from pgm_close.
const (
	epgmCaptureFile = "testdata/libzmq_epgm_capture.txt"
	pgmCaptureFile  = "testdata/libzmq_pgm_capture.txt"
)
