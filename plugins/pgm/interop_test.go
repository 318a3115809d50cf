package pgm

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/zeroplug/zeroplug/internal/netnstest"
	"github.com/zeroplug/zeroplug/internal/peertest"
)

// transferCount messages of transferSize bytes are about 220 TPDUs: at 10 % loss some
// twenty are dropped and must be repaired.
const (
	transferCount = 300
	transferSize  = 1000
)

// TestTransfer: zeroplug to zeroplug, libzmq to zeroplug and zeroplug to libzmq, over
// epgm and pgm, with no loss and with 10 % of A's packets dropped at B: every message
// arrives once, in order, its three frames intact, and with loss the drop counter
// proves that repair happened. The zeroplug PUB is `zeroplug cat` reading its standard
// input to the end, which stays RECOVERY_IVL after its last message to answer NAKs.
func TestTransfer(t *testing.T) {
	for _, dir := range []string{"zeroplug-zeroplug", "libzmq-zeroplug", "zeroplug-libzmq"} {
		for _, scheme := range []string{SchemeEPGM, SchemePGM} {
			for _, loss := range []int{0, 10} {
				t.Run(fmt.Sprintf("%s/%s/loss%d", dir, scheme, loss), func(t *testing.T) {
					t.Parallel()
					a, b := netnstest.Pair(t)
					if loss > 0 {
						b.DropFrom(t, a.Addr, loss)
					}
					want := messages(transferCount, transferSize)
					got := transfer(t, dir, scheme, a, b, want)
					checkMessages(t, got, want)
					if dropped := b.Dropped(t); loss > 0 && dropped == 0 {
						t.Fatal("no packet was dropped: the test proved no repair")
					} else {
						t.Logf("%d packets dropped", dropped)
					}
				})
			}
		}
	}
}

// transfer sends want from a to b as dir says and returns what b's SUB printed.
func transfer(t *testing.T, dir, scheme string, a, b *netnstest.Namespace, want []string) []string {
	t.Helper()
	n := strconv.Itoa(len(want))
	switch dir {
	case "zeroplug-zeroplug", "libzmq-zeroplug":
		sub := startCat(t, b, "-t", "SUB", "-c", endpoint(scheme, b), "-n", n, "-o", "RATE="+testRate)
		waitJoined(t, b, sub)
		if dir == "zeroplug-zeroplug" {
			pub := zeroplugPublish(t, a, scheme, want)
			got, err := sub.Lines(len(want), testTimeout)
			if err != nil {
				t.Fatalf("SUB: %v", err)
			}
			if err := pub.Wait(testTimeout); err != nil {
				t.Fatalf("PUB: %v", err)
			}
			return got
		}
		pub := startLibzmq(t, a, "pub", libzmqEndpoint(scheme, a), n, strconv.Itoa(transferSize))
		expectLine(t, pub, "ready")
		if err := pub.Send("go"); err != nil {
			t.Fatal(err)
		}
		got, err := sub.Lines(len(want), testTimeout)
		if err != nil {
			t.Fatalf("SUB: %v", err)
		}
		pub.CloseStdin()
		expectLine(t, pub, "sent")
		expectLine(t, pub, "done")
		return got
	case "zeroplug-libzmq":
		sub := startLibzmq(t, b, "sub", libzmqEndpoint(scheme, b), n)
		expectLine(t, sub, "ready")
		pub := zeroplugPublish(t, a, scheme, want)
		lines, err := sub.Lines(len(want), testTimeout)
		if err != nil {
			t.Fatalf("libzmq SUB: %v", err)
		}
		got := make([]string, len(lines))
		for i, l := range lines {
			got[i] = fromLibzmqLine(t, l)
		}
		expectLine(t, sub, "done")
		if err := pub.Wait(testTimeout); err != nil {
			t.Fatalf("PUB: %v", err)
		}
		return got
	}
	t.Fatalf("no direction %q", dir)
	return nil
}

// zeroplugPublish starts a zeroplug cat PUB in n and gives it lines as its whole input.
func zeroplugPublish(t *testing.T, n *netnstest.Namespace, scheme string, lines []string) *peertest.Proc {
	t.Helper()
	pub := startCat(t, n, "-t", "PUB", "-c", endpoint(scheme, n), "-o", "RATE="+testRate, "-o", "RECOVERY_IVL="+testRecovery)
	go func() {
		for _, l := range lines {
			if pub.Send(l) != nil {
				return
			}
		}
		pub.CloseStdin()
	}()
	return pub
}

// expectLine fails unless the peer's next line is want.
func expectLine(t *testing.T, p *peertest.Proc, want string) {
	t.Helper()
	line, err := p.Line(testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	if line != want {
		t.Fatalf("%s said %q, want %q; stderr:\n%s", p, strings.TrimSpace(line), want, p.Stderr())
	}
}
