package core

import (
	"fmt"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/sdk/zmtp"
)

// A peer that floods an XPUB with subscriptions while the application does
// not receive them fills the XPUB's inbox up to RCVHWM and no further: its
// connection is then not read (the kernel's buffers and then the peer
// wait), and once the application receives, every subscription comes, in
// order, none lost.
func TestXPubSubscriptionFloodIsBounded(t *testing.T) {
	for _, tc := range []struct {
		name    string
		verbose bool
		topic   func(i int) string
	}{
		{"unique topics", false, func(i int) string { return fmt.Sprintf("topic-%06d", i) }},
		{"one topic, verbose", true, func(int) string { return "same" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkNoLeak(t)
			const hwm, flood = 100, 20000
			e := newEnv(t)
			xpub := e.bound(XPUB, "tcp://127.0.0.1:*", RecvHWM(hwm), XPubVerbose(tc.verbose))
			peer := rawZMTP(t, xpub.LastEndpoint(), "XSUB")
			wrote := make(chan error, 1)
			go func() {
				for i := range flood {
					peer.enc.Command(zmtp.CmdSubscribe, []byte(tc.topic(i)))
					if peer.enc.Len() > 16<<10 {
						if err := peer.enc.Flush(); err != nil {
							wrote <- err
							return
						}
					}
				}
				wrote <- peer.enc.Flush()
			}()

			inbox := xpub.pat.(*pub).inbox.in
			queued := func() int {
				inbox.mu.Lock()
				defer inbox.mu.Unlock()
				return inbox.count
			}
			eventually(t, func() bool { return queued() >= hwm }, "the inbox never filled")
			time.Sleep(200 * time.Millisecond) // the flood goes on meanwhile
			if n := queued(); n > hwm+1 {
				t.Fatalf("%d subscriptions wait in the inbox, want at most RCVHWM (%d) and one per peer", n, hwm)
			}

			for i := range flood {
				got, err := recvWithin(xpub, patience)
				if err != nil {
					t.Fatalf("subscription %d: %v", i, err)
				}
				if w := "\x01" + tc.topic(i); len(got) != 1 || string(got[0]) != w {
					t.Fatalf("subscription %d: %q, want %q", i, got, w)
				}
			}
			if err := <-wrote; err != nil {
				t.Fatalf("the peer's flood: %v", err)
			}
		})
	}
}
