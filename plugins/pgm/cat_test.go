package pgm

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/internal/netnstest"
)

// TestCatDefaults: the commands of the README with libzmq's defaults (RATE 100 kbit/s,
// the receive window of 80 packets it gives), but for a shorter RECOVERY_IVL so that
// the PUB's linger after its input ends is short: `zeroplug cat -t SUB -c
// 'epgm://vB;239.192.1.1:5555' -n 10` prints what `... | zeroplug cat -t PUB -c
// 'epgm://vA;239.192.1.1:5555'` reads, and the PUB exits by itself within its linger.
func TestCatDefaults(t *testing.T) {
	a, b := netnstest.Pair(t)
	sub := startCat(t, b, "-t", "SUB", "-c", endpoint(SchemeEPGM, b), "-n", "10")
	waitJoined(t, b, sub)
	var want []string
	for i := range 10 {
		want = append(want, fmt.Sprintf("line %d", i))
	}
	pub := startCat(t, a, "-t", "PUB", "-c", endpoint(SchemeEPGM, a), "-o", "RECOVERY_IVL=1000")
	for _, l := range want {
		if err := pub.Send(l); err != nil {
			t.Fatal(err)
		}
	}
	pub.CloseStdin()
	start := time.Now()
	got, err := sub.Lines(len(want), testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	checkMessages(t, got, want)
	if err := sub.Wait(testTimeout); err != nil {
		t.Errorf("SUB: %v", err)
	}
	if err := pub.Wait(testTimeout); err != nil {
		t.Errorf("PUB: %v", err)
	}
	t.Logf("the PUB exited %v after its input ended", time.Since(start).Round(time.Millisecond))
}

// TestCatRefusals: what libzmq refuses, or aborts the process on, is a clear error at
// connect, and cat exits with status 1 saying it: a REQ on epgm (the four types
// named), an interface that does not exist, and pgm:// without CAP_NET_RAW (cat run as
// nobody; epgm needs no privilege and works for the same user).
func TestCatRefusals(t *testing.T) {
	a, _ := netnstest.Pair(t)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"REQ", []string{"-t", "REQ", "-c", endpoint(SchemeEPGM, a)}, "serves PUB, XPUB, SUB and XSUB sockets only, not REQ"},
		{"PUSH bind", []string{"-t", "PUSH", "-b", endpoint(SchemePGM, a)}, "serves PUB, XPUB, SUB and XSUB sockets only, not PUSH"},
		{"no such interface", []string{"-t", "SUB", "-c", "epgm://eth7;239.192.1.1:5555"}, `no interface is named "eth7"`},
		{"no such address", []string{"-t", "PUB", "-c", "epgm://10.9.9.9;239.192.1.1:5555"}, "no interface has the address 10.9.9.9"},
		{"unicast group", []string{"-t", "SUB", "-c", "epgm://vA;10.231.7.2:5555"}, "is not an IPv4 multicast group"},
		{"pgm as nobody", asNobody("-t", "SUB", "-c", endpoint(SchemePGM, a)), "needs CAP_NET_RAW"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p = startCatIn(t, a, tc.args...)
			err := p.Wait(testTimeout)
			if err == nil {
				t.Fatalf("cat %s succeeded", strings.Join(tc.args, " "))
			}
			if !strings.Contains(p.Stderr(), tc.want) {
				t.Fatalf("cat %s: %v; stderr does not say %q:\n%s", strings.Join(tc.args, " "), err, tc.want, p.Stderr())
			}
		})
	}
	t.Run("epgm as nobody", func(t *testing.T) {
		// The same user's epgm connect succeeds: cat runs until its input ends.
		p := startCatIn(t, a, asNobody("-t", "PUB", "-c", endpoint(SchemeEPGM, a), "-o", "RECOVERY_IVL=100")...)
		if err := p.Send("hello"); err != nil {
			t.Fatal(err)
		}
		p.CloseStdin()
		if err := p.Wait(testTimeout); err != nil {
			t.Fatal(err)
		}
	})
}

// nobody is the marker asNobody puts first, for startCatIn.
const nobody = "\x00nobody"

// asNobody marks cat's arguments to run as the user nobody, without capabilities.
func asNobody(args ...string) []string { return append([]string{nobody}, args...) }

// TestBind: bind means what connect does (libzmq turns it into a connect): a SUB and
// a PUB that bind their epgm endpoints exchange every message, in order, through
// 10 % loss.
func TestBind(t *testing.T) {
	a, b := netnstest.Pair(t)
	b.DropFrom(t, a.Addr, 10)
	want := messages(200, 1000)
	sub := startCat(t, b, "-t", "SUB", "-b", endpoint(SchemeEPGM, b), "-n", "200", "-o", "RATE="+testRate)
	waitJoined(t, b, sub)
	pub := startCat(t, a, "-t", "PUB", "-b", endpoint(SchemeEPGM, a), "-o", "RATE="+testRate, "-o", "RECOVERY_IVL="+testRecovery)
	go func() {
		for _, l := range want {
			if pub.Send(l) != nil {
				return
			}
		}
		pub.CloseStdin()
	}()
	got, err := sub.Lines(len(want), testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	checkMessages(t, got, want)
	if err := pub.Wait(testTimeout); err != nil {
		t.Fatalf("PUB: %v", err)
	}
	if b.Dropped(t) == 0 {
		t.Fatal("no packet was dropped: the test proved no repair")
	}
}
