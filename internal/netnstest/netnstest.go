// Package netnstest gives the multicast tests a network of their own: two
// network namespaces joined by a veth pair, each with a multicast route on its
// end, and nftables rules that drop a share of the packets at random. Nothing
// sent inside leaves it, as the machine's network rules require of multicast;
// everything is removed when the test ends.
//
// It needs root (ip netns add), as make test and CI run. A test that cannot
// make its namespaces fails: a skipped multicast test would hide a broken
// transport.
package netnstest

import (
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// Namespace is one end of a Pair: a network namespace, its end of the veth
// pair and that end's address.
type Namespace struct {
	Name string     // for ip netns exec
	Dev  string     // its end of the veth pair: "vA" or "vB"
	Addr netip.Addr // Dev's IPv4 address

	lossTable bool // DropFrom has made its table
	dropped   int  // by the rules DropFrom has replaced
}

// Subnet is the /24 both ends of every Pair are on: each pair is a network of
// its own, so pairs of tests running at once do not meet.
const Subnet = "10.231.7.0/24"

var pairs atomic.Int64

// Pair makes two namespaces joined by a veth pair, a on vA at 10.231.7.1 and
// b on vB at 10.231.7.2, lo up in both and 224.0.0.0/4 routed to the veth end,
// and removes them (the veth pair with them) when the test ends.
func Pair(t testing.TB) (a, b *Namespace) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("network namespaces need root: run the tests as root, as make test and CI do")
	}
	id := fmt.Sprintf("zp%d-%d", os.Getpid(), pairs.Add(1))
	a = &Namespace{Name: id + "a", Dev: "vA", Addr: netip.MustParseAddr("10.231.7.1")}
	b = &Namespace{Name: id + "b", Dev: "vB", Addr: netip.MustParseAddr("10.231.7.2")}
	for _, n := range []*Namespace{a, b} {
		if out, err := exec.Command("ip", "netns", "add", n.Name).CombinedOutput(); err != nil {
			t.Fatalf("ip netns add %s: %v\n%s", n.Name, err, out)
		}
		t.Cleanup(func() {
			if out, err := exec.Command("ip", "netns", "del", n.Name).CombinedOutput(); err != nil {
				t.Errorf("ip netns del %s: %v\n%s", n.Name, err, out)
			}
		})
	}
	a.IP(t, "link", "add", a.Dev, "type", "veth", "peer", "name", b.Dev, "netns", b.Name)
	for _, n := range []*Namespace{a, b} {
		n.IP(t, "addr", "add", n.Addr.String()+"/24", "dev", n.Dev)
		n.IP(t, "link", "set", n.Dev, "up")
		n.IP(t, "link", "set", "lo", "up")
		n.IP(t, "route", "add", "224.0.0.0/4", "dev", n.Dev)
	}
	return a, b
}

// IP runs ip -n NAME ARGS... and fails the test if it fails.
func (n *Namespace) IP(t testing.TB, args ...string) {
	t.Helper()
	all := append([]string{"-n", n.Name}, args...)
	if out, err := exec.Command("ip", all...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v\n%s", strings.Join(all, " "), err, out)
	}
}

// Command returns a command that runs name with args inside the namespace.
func (n *Namespace) Command(name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", n.Name, name}, args...)...)
}

// nft runs nft with args inside the namespace.
func (n *Namespace) nft(t testing.TB, args ...string) string {
	t.Helper()
	out, err := n.Command("nft", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("nft %s in %s: %v\n%s", strings.Join(args, " "), n.Name, err, out)
	}
	return string(out)
}

// DropFrom makes the namespace drop, at random, percent of the IPv4 packets
// from src that reach it (multicast and unicast alike: data, repairs and
// control), counting what it drops. Called again, it replaces the rule;
// 0 removes it.
func (n *Namespace) DropFrom(t testing.TB, src netip.Addr, percent int) {
	t.Helper()
	if percent < 0 || percent > 100 {
		t.Fatalf("DropFrom: %d %% is not a share", percent)
	}
	if n.lossTable {
		n.dropped = n.Dropped(t)
	}
	n.nft(t, "add", "table", "inet", "zeroplugloss")
	n.nft(t, "flush", "table", "inet", "zeroplugloss")
	n.lossTable = true
	if percent == 0 {
		return
	}
	n.nft(t, "add", "chain", "inet", "zeroplugloss", "in", "{ type filter hook input priority 0; }")
	rule := []string{"add", "rule", "inet", "zeroplugloss", "in", "ip", "saddr", src.String()}
	if percent < 100 { // numgen's values are 0 to 99: "< 100" is refused
		rule = append(rule, "numgen", "random", "mod", "100", "<", strconv.Itoa(percent))
	}
	n.nft(t, append(rule, "counter", "drop")...)
}

var counterPackets = regexp.MustCompile(`counter packets (\d+)`)

// Dropped returns how many packets DropFrom's rules have dropped so far.
func (n *Namespace) Dropped(t testing.TB) int {
	t.Helper()
	if !n.lossTable {
		return 0
	}
	counted := 0
	if m := counterPackets.FindStringSubmatch(n.nft(t, "list", "table", "inet", "zeroplugloss")); m != nil {
		counted, _ = strconv.Atoi(m[1])
	}
	return n.dropped + counted
}
