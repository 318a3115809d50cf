package session

import (
	"testing"
	"time"
)

// TestCongestionControlConverges: a sender with NORM-CC behind a 250 kB/s
// bottleneck with a drop-tail queue climbs out of slow start and settles
// near the link's rate: it fills most of the link without running far
// above it, and measures the GRTT of the path (20 ms each way plus the
// queue). Simulated time: 90 s.
func TestCongestionControlConverges(t *testing.T) {
	const linkRate = 250_000.0
	h := newHarness(t, 21)
	h.net.delay = 20 * time.Millisecond
	h.net.linkRate = linkRate
	h.net.linkQueue = 100 * time.Millisecond
	sender, _ := h.addSender(Config{NodeID: 1}, 'c', 1<<30)
	sender.bottleneck = true
	r1 := h.addReceiver(2, Config{})
	h.addReceiver(3, Config{})

	var rateSum float64
	var samples int
	var bytesAt60 int
	for sec := 1; sec <= 90; sec++ {
		h.net.run(time.Second, nil)
		if sec == 60 {
			bytesAt60 = h.bytes[r1]
		}
		if sec > 60 {
			rateSum += sender.sender.Rate()
			samples++
		}
	}
	meanRate := rateSum / float64(samples)
	goodput := float64(h.bytes[r1]-bytesAt60) / 30
	t.Logf("mean rate %.0f B/s, goodput %.0f B/s, link %.0f B/s, GRTT %v, link drops %d, sender %+v",
		meanRate, goodput, linkRate, sender.sender.GRTT(), h.net.linkDrops, sender.sender.Stats())
	if goodput < 0.6*linkRate || goodput > linkRate {
		t.Errorf("goodput %.0f B/s on a %.0f B/s link", goodput, linkRate)
	}
	if meanRate < 0.5*linkRate || meanRate > 2*linkRate {
		t.Errorf("rate %.0f B/s did not converge to the %.0f B/s link", meanRate, linkRate)
	}
	if g := sender.sender.GRTT(); g < 40*time.Millisecond || g > 400*time.Millisecond {
		t.Errorf("GRTT %v on a 40 ms path with a 100 ms queue", g)
	}
	h.checkOrderedSubset(r1, 'c')
	if h.corrupt > 0 {
		t.Errorf("%d corrupt messages", h.corrupt)
	}
}

// TestFixedRate: without congestion control the sender keeps to its rate.
func TestFixedRate(t *testing.T) {
	const rate = 100_000.0
	h := newHarness(t, 22)
	sender, _ := h.addSender(Config{NodeID: 1, FixedRate: true, Rate: rate}, 'f', 1<<30)
	h.addReceiver(2, Config{})
	h.net.run(10*time.Second, nil)
	before := sender.sentBytes
	h.net.run(20*time.Second, nil)
	got := float64(sender.sentBytes-before) / 20
	if got < 0.9*rate || got > 1.05*rate {
		t.Errorf("%.0f B/s at a fixed rate of %.0f", got, rate)
	}
	if sender.sender.Rate() != rate {
		t.Errorf("rate %v", sender.sender.Rate())
	}
}
