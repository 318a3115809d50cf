package session

import (
	"math"
	"math/rand/v2"
	"time"
)

// backoffTime draws a NACK or feedback back-off as libnorm's
// NormSession::BackoffTime and RFC 5740 section 5.5.1 prescribe: a
// truncated exponential over [0, maxTime], so that with a group of
// groupSize receivers few answer early and the rest hear them and keep
// quiet.
func backoffTime(r *rand.Rand, maxTime time.Duration, groupSize float64) time.Duration {
	if maxTime <= 0 {
		return 0
	}
	lambda := math.Log(groupSize) + 1
	x := r.Float64()*(lambda/maxTime.Seconds()) + lambda/(maxTime.Seconds()*(math.Exp(lambda)-1))
	t := (maxTime.Seconds() / lambda) * math.Log(x*(math.Exp(lambda)-1)*(maxTime.Seconds()/lambda))
	return time.Duration(min(max(t, 0), maxTime.Seconds()) * float64(time.Second))
}

// tfrcRate is the TCP-friendly rate of RFC 5740 section 5.5.4 (TFRC,
// RFC 5348 with t_RTO = 4 RTT) for packets of size bytes, in bytes per
// second, as libnorm's NormSession::CalculateRate computes it.
func tfrcRate(size float64, rtt time.Duration, loss float64) float64 {
	r := max(rtt.Seconds(), minGRTT.Seconds())
	if loss <= 0 {
		return math.Inf(1)
	}
	return size / (r * (math.Sqrt(2*loss/3) + 12*math.Sqrt(3*loss/8)*loss*(1+32*loss*loss)))
}

// lossForRate inverts tfrcRate: the loss fraction at which the equation
// gives rate. A receiver seeds its loss history with it at the first loss,
// as RFC 5348 section 6.3.1 does, so that leaving slow start keeps the
// rate it had rather than collapsing it.
func lossForRate(size float64, rtt time.Duration, rate float64) float64 {
	lo, hi := 1e-9, 1.0
	for range 60 {
		mid := math.Sqrt(lo * hi)
		if tfrcRate(size, rtt, mid) > rate {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

// Times go on the wire (CMD(CC) send_time, NACK/ACK grtt_response) as
// seconds and microseconds.

func wireTime(t time.Time) (sec, usec uint32) {
	return uint32(t.Unix()), uint32(t.Nanosecond() / 1000)
}

func fromWireTime(sec, usec uint32) time.Time {
	return time.Unix(int64(sec), int64(usec)*1000)
}

// earliest returns the earlier of two deadlines, a zero time meaning none.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}
