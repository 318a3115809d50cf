package session

import (
	"fmt"
	"testing"
	"time"
)

// TestDeliveryUnderLoss: every receiver gets every message once, in order,
// multipart intact, with no loss and with 10 % and 30 % of deliveries lost
// (in both directions), duplicated and reordered, with congestion control
// and at a fixed rate.
func TestDeliveryUnderLoss(t *testing.T) {
	for _, tc := range []struct {
		loss  float64
		fixed bool
	}{
		{0, false}, {0.10, false}, {0.30, false},
		{0, true}, {0.10, true}, {0.30, true},
	} {
		name := fmt.Sprintf("loss %.0f%% cc %v", tc.loss*100, !tc.fixed)
		t.Run(name, func(t *testing.T) {
			const count = 300
			h := newHarness(t, 1+uint64(tc.loss*100))
			h.net.loss = tc.loss
			h.net.dup = 0.02
			h.net.jitter = 3 * time.Millisecond
			sender, _ := h.addSender(Config{NodeID: 1, FixedRate: tc.fixed, Rate: 400_000}, 'a', count)
			var rs []*simNode
			for id := range 3 {
				rs = append(rs, h.addReceiver(wireID(10+id), Config{}))
			}
			if !h.net.run(30*time.Minute, func() bool { return h.complete('a', count, rs...) }) {
				t.Errorf("not complete after %v of simulated time", h.net.now.Sub(epoch))
			}
			for _, r := range rs {
				h.checkExactlyOnce(r, 'a', count)
			}
			st := sender.sender.Stats()
			t.Logf("%v simulated; sender %+v; receiver %+v", h.net.now.Sub(epoch), st, rs[0].receiver.Stats())
			if tc.loss > 0 && st.DataRepairs+st.ParityRepairs == 0 {
				t.Error("loss but no repairs")
			}
		})
	}
}
