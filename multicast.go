package zeroplug

// The multicast transports' options: pgm://, epgm:// and norm:// are plugins
// (zeroplug-transport-pgm, zeroplug-transport-norm), PUB, XPUB, SUB and XSUB
// only, as in libzmq; MulticastHops serves them and udp:// alike.

import (
	"time"

	"github.com/zeroplug/zeroplug/core"
)

// Rate is ZMQ_RATE: the rate at which a multicast sender (pgm, epgm, norm)
// sends, in kilobits per second, its repairs included. Default 100, as in
// libzmq.
func Rate(kbit int) Option { return core.Rate(kbit) }

// RecoveryInterval is ZMQ_RECOVERY_IVL: how long a multicast sender keeps
// what it sent, to repair a receiver's loss (and how far back a receiver
// that joins late may start). Default 10 s, as in libzmq.
func RecoveryInterval(d time.Duration) Option { return core.RecoveryInterval(d) }

// MulticastMaxTPDU is ZMQ_MULTICAST_MAXTPDU: the largest packet a multicast
// sender sends, its IP header included, in bytes. Default 1500, as in
// libzmq.
func MulticastMaxTPDU(n int) Option { return core.MulticastMaxTPDU(n) }
