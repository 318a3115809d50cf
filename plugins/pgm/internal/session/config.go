package session

import "time"

// libzmq's defaults for the options a PGM socket takes (options.cpp).
const (
	DefaultRateKbit    = 100              // ZMQ_RATE, kbit/s
	DefaultRecoveryIvl = 10 * time.Second // ZMQ_RECOVERY_IVL
	DefaultMaxTPDU     = 1500             // ZMQ_MULTICAST_MAXTPDU
)

// The timers libzmq fixes in OpenPGM (pgm_socket.cpp) and a few of OpenPGM's own.
const (
	// AmbientSPMInterval is how often a source sends an SPM whatever it sends.
	AmbientSPMInterval = 30 * time.Second
	// spmrAnswerInterval bounds the SPMs that SPMRs make a source send: RFC 3208
	// section 13.4 limits them to one per minimum heartbeat interval, so that a flood
	// of SPMRs does not become a flood of multicast SPMs (OpenPGM's comment says so;
	// its code answers each).
	spmrAnswerInterval = 100 * time.Millisecond
	// startSPMs and finSPMs are the SPMs OpenPGM sends at pgm_connect and at
	// pgm_close (the last ones with OPT_FIN).
	startSPMs = 3
	finSPMs   = 3

	// NAKBackoffInterval (NAK_BO_IVL) is the upper bound of the random wait before a
	// receiver NAKs a loss, so that one receiver's NAK (and the source's NCF)
	// suppresses the others'.
	NAKBackoffInterval = 50 * time.Millisecond
	// NAKRepeatInterval (NAK_RPT_IVL) is how long a receiver waits for the NCF of
	// its NAK before it NAKs again.
	NAKRepeatInterval = 200 * time.Millisecond
	// NAKRDataInterval (NAK_RDATA_IVL) is how long a receiver waits for the RDATA
	// an NCF promised before it NAKs again.
	NAKRDataInterval = 200 * time.Millisecond
	// NAKNCFRetries and NAKDataRetries (NAK_NCF_RETRIES, NAK_DATA_RETRIES) bound the
	// NAKs of one loss: past them the loss is unrecoverable.
	NAKNCFRetries  = 50
	NAKDataRetries = 50
	// SPMRExpiry (SPMR_EXPIRY) is how long a receiver that has data from a source
	// but no SPM waits before it asks for one.
	SPMRExpiry = 25 * time.Millisecond
	// PeerExpiry (PEER_EXPIRY) is how long a receiver keeps a silent source.
	PeerExpiry = 300 * time.Second
)

// heartbeatSPMIntervals is libzmq's PGM_HEARTBEAT_SPM schedule: after each ODATA the
// source sends SPMs at these intervals, each after the one before, and then only the
// ambient ones. Heartbeats let receivers detect the loss of the last ODATA.
var heartbeatSPMIntervals = [...]time.Duration{
	100 * time.Millisecond, 100 * time.Millisecond, 100 * time.Millisecond, 100 * time.Millisecond,
	1300 * time.Millisecond, 7 * time.Second, 16 * time.Second, 25 * time.Second, 30 * time.Second,
}

// windowSQNs is how many packets libzmq sizes both windows to (pgm_socket.cpp,
// compute_sqns): RECOVERY_IVL worth of RATE in TPDUs of maxTPDU bytes, at least one.
// With the defaults, 10 000 ms x 12 B/ms / 1500 = 80.
func windowSQNs(rateKbit int, recoveryIvl time.Duration, maxTPDU int) int {
	bytes := recoveryIvl.Milliseconds() * int64(rateKbit/8)
	return int(max(1, bytes/int64(maxTPDU)))
}

// ipOverhead is what OpenPGM's rate control adds to each PGM packet for the headers
// below it (sock->iphdr_len): the IPv4 header, and the UDP header for epgm.
func ipOverhead(udpEncap bool) int {
	if udpEncap {
		return 20 + 8
	}
	return 20
}
