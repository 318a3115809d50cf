package session

import (
	"math"
	"testing"
	"time"
)

// TestBackoffTime: back-offs fall in [0, max] and, with libnorm's group
// size of 1000, most fall late (the truncated exponential keeps the early
// answers, which suppress the rest, few).
func TestBackoffTime(t *testing.T) {
	r := seeded(1)
	const maxTime = time.Second
	early := 0
	for range 10000 {
		d := backoffTime(r, maxTime, DefaultGroupSize)
		if d < 0 || d > maxTime {
			t.Fatalf("back-off %v outside [0, %v]", d, maxTime)
		}
		if d < maxTime/2 {
			early++
		}
	}
	if early > 1000 {
		t.Errorf("%d of 10000 back-offs in the first half", early)
	}
	if backoffTime(r, 0, DefaultGroupSize) != 0 {
		t.Error("a zero maximum gives a non-zero back-off")
	}
}

// TestTFRCRate: the equation of RFC 5740 section 5.5.4 at known points,
// and lossForRate as its inverse.
func TestTFRCRate(t *testing.T) {
	for _, tc := range []struct {
		rtt  time.Duration
		loss float64
	}{{10 * time.Millisecond, 0.01}, {100 * time.Millisecond, 0.001}, {50 * time.Millisecond, 0.2}} {
		rate := tfrcRate(1400, tc.rtt, tc.loss)
		r := tc.rtt.Seconds()
		p := tc.loss
		want := 1400 / (r * (math.Sqrt(2*p/3) + 12*math.Sqrt(3*p/8)*p*(1+32*p*p)))
		if math.Abs(rate-want) > 1e-9*want {
			t.Errorf("rate %v, want %v", rate, want)
		}
		if got := lossForRate(1400, tc.rtt, rate); math.Abs(got-tc.loss) > 1e-6*tc.loss+1e-12 {
			t.Errorf("lossForRate(%v) = %v, want %v", rate, got, tc.loss)
		}
	}
	if !math.IsInf(tfrcRate(1400, time.Millisecond, 0), 1) {
		t.Error("no loss must not limit the rate")
	}
}

// TestLossEstimator: one loss in every 100 messages, each event more than
// an RTT apart, gives a loss event rate of about 1 %; losses within one
// RTT of an event count as that event.
func TestLossEstimator(t *testing.T) {
	var e lossEstimator
	now := epoch
	seq := uint16(0)
	for i := range 2000 {
		seq++
		if i%100 == 50 {
			seq++ // one lost
		}
		now = now.Add(10 * time.Millisecond)
		e.packet(seq, now, 50*time.Millisecond, func() float64 { return 0.01 })
	}
	if p := e.rate(); p < 0.009 || p > 0.011 {
		t.Errorf("loss event rate %v, want about 0.01", p)
	}
	var burst lossEstimator
	seq = 0
	for i := range 2000 {
		seq++
		if i%100 == 50 {
			seq += 5 // five lost at once: one event
		}
		now = now.Add(10 * time.Millisecond)
		burst.packet(seq, now, 50*time.Millisecond, func() float64 { return 0.01 })
	}
	if p := burst.rate(); p > 0.011 {
		t.Errorf("a burst counted as more than one event: %v", p)
	}
}
