package core

import (
	"fmt"
	"time"
)

// The multicast transports' options (the pgm, epgm and norm plugins),
// carried to them in sdk.Options. MULTICAST_HOPS (options_udp.go) serves
// them and udp:// alike.

// libzmq's defaults (options.cpp).
const (
	defaultRate        = 100 // kbit/s
	defaultRecoveryIvl = 10 * time.Second
	defaultMaxTPDU     = 1500 // bytes
)

// Rate is ZMQ_RATE: the rate at which a multicast sender (pgm, epgm, norm)
// sends, in kilobits per second, its repairs included. Default 100, as in
// libzmq.
func Rate(kbit int) Option {
	return func(o *options) error {
		if err := positive("RATE", kbit); err != nil {
			return err
		}
		o.transport.Rate = kbit
		return nil
	}
}

// RecoveryInterval is ZMQ_RECOVERY_IVL: how long a multicast sender keeps
// what it sent, to repair a receiver's loss (and how far back a receiver
// that joins late may start). Default 10 s, as in libzmq.
func RecoveryInterval(d time.Duration) Option {
	return func(o *options) error {
		if d < 0 {
			return fmt.Errorf("%w: RECOVERY_IVL of %v", ErrInvalid, d)
		}
		o.transport.RecoveryIvl = d
		return nil
	}
}

// MulticastMaxTPDU is ZMQ_MULTICAST_MAXTPDU: the largest packet a multicast
// sender sends, its IP header included, in bytes. Default 1500, as in
// libzmq.
func MulticastMaxTPDU(n int) Option {
	return func(o *options) error {
		if err := positive("MULTICAST_MAXTPDU", n); err != nil {
			return err
		}
		o.transport.MulticastMaxTPDU = n
		return nil
	}
}

// multicastOptions are this file's options by libzmq's names.
var multicastOptions = []optionSpec{
	intOpt("RATE", Rate, func(o *options) int { return o.transport.Rate }),
	durOpt("RECOVERY_IVL", kindMillis, RecoveryInterval, func(o *options) time.Duration { return o.transport.RecoveryIvl }),
	intOpt("MULTICAST_MAXTPDU", MulticastMaxTPDU, func(o *options) int { return o.transport.MulticastMaxTPDU }),
}

func init() { optionTables = append(optionTables, multicastOptions) }
