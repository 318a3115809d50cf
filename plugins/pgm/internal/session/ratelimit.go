package session

import "time"

// tokenBucket is OpenPGM's rate control (rate_control.c) in its non-blocking form, which
// libzmq uses for ODATA (PGM_ODATA_MAX_RTE = RATE x 1000 / 8 bytes per second; nothing
// else is limited). Each packet costs its PGM bytes plus the IP (and UDP) header bytes
// below it. The bucket holds one millisecond of rate when that is at least one TPDU, and
// one second of it otherwise (at the default 12 500 B/s, a burst of 12 500 bytes); it
// starts full.
//
// Tokens are kept in byte-nanoseconds (bytes x 1e9), so that the credit of any elapsed
// time is exact and no fraction of a byte is ever lost or invented.
type tokenBucket struct {
	perSec   int64 // bytes per second
	overhead int   // header bytes added to each packet
	capacity int64 // in byte-nanoseconds
	tokens   int64 // in byte-nanoseconds
	last     time.Time
}

func newTokenBucket(perSec int64, overhead, maxTPDU int, now time.Time) *tokenBucket {
	capacity := perSec
	if perSec/1000 >= int64(maxTPDU) {
		capacity = perSec / 1000
	}
	// OpenPGM asserts that the rate is at least one TPDU a second; a bucket smaller
	// than one TPDU would never let one through.
	capacity = max(capacity, int64(maxTPDU)) * int64(time.Second)
	return &tokenBucket{perSec: perSec, overhead: overhead, capacity: capacity, tokens: capacity, last: now}
}

// refill adds the tokens earned since the last call, up to the capacity.
func (b *tokenBucket) refill(now time.Time) {
	if elapsed := now.Sub(b.last); elapsed > 0 {
		earned := int64(elapsed) * b.perSec
		if earned/b.perSec != int64(elapsed) || b.tokens+earned > b.capacity {
			b.tokens = b.capacity // a long idle time: full, and no overflow
		} else {
			b.tokens += earned
		}
		b.last = now
	}
}

// take spends the cost of a packet of n PGM bytes if the bucket holds it, as
// pgm_rate_check refuses a non-blocking send that would take it below zero.
func (b *tokenBucket) take(n int, now time.Time) bool {
	b.refill(now)
	cost := int64(n+b.overhead) * int64(time.Second)
	if b.tokens < cost {
		return false
	}
	b.tokens -= cost
	return true
}

// ready returns when a packet of n PGM bytes can be taken (now if it can already).
func (b *tokenBucket) ready(n int, now time.Time) time.Time {
	b.refill(now)
	short := int64(n+b.overhead)*int64(time.Second) - b.tokens
	if short <= 0 {
		return now
	}
	return now.Add(time.Duration((short + b.perSec - 1) / b.perSec))
}
