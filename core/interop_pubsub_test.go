package core

// Interop cases of PUB/SUB and XPUB/XSUB: prefix filtering with two
// prefixes, where the filtering happens, subscriptions and unsubscriptions
// as an XPUB receives them, and messages an XSUB sends upstream.
//
// The slow joiner is waited out, never slept through: an XPUB waits for the
// subscription itself; a PUB sends a sync message for each prefix
// ("A-sync", then "B-sync") until one gets through, which proves that
// subscription in place, and the receiving end skips late sync messages.

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/internal/peertest"
)

// pubMessages are what a publisher sends after the sync: topics A and B
// match, C and an empty first frame do not; multipart, empty frames, 1 MiB;
// "A-end" is last.
func pubMessages() [][][]byte {
	return [][][]byte{
		framesOf([]string{"C-0"}),
		framesOf([]string{"A-0"}),
		framesOf([]string{"B-0"}),
		framesOf([]string{"A-multi", "", "z"}),
		framesOf([]string{"", "no topic"}),
		framesOf([]string{"C-1", "x"}),
		framesOf([]string{"B-1"}),
		{[]byte("A-big"), mebibytePattern()},
		{[]byte("C-big"), mebibytePattern()},
		framesOf([]string{"C-2"}),
		framesOf([]string{"A-end"}),
	}
}

// pubLines are pubMessages for the peer programs, which pass lines: no
// 1 MiB line, as zmqpeer reads at most 64 KiB.
func pubLines() []string {
	return []string{"C-0", "A-0", "B-0", "A-multi||z", "|no topic", "C-1|x", "B-1", "C-2", "A-end"}
}

// matching keeps the messages whose first frame starts with one of the
// prefixes.
func matchingTopics(msgs [][][]byte, prefixes ...string) [][][]byte {
	var out [][][]byte
	for _, m := range msgs {
		for _, p := range prefixes {
			if bytes.HasPrefix(m[0], []byte(p)) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

func matchingTopicLines(lines []string, prefixes ...string) []string {
	var out []string
	for _, l := range lines {
		for _, p := range prefixes {
			if strings.HasPrefix(l, p) {
				out = append(out, l)
				break
			}
		}
	}
	return out
}

// isSyncMessage reports whether m is a sync message, "A-sync" or "B-sync".
func isSyncMessage(m [][]byte) bool { return len(m) == 1 && bytes.HasSuffix(m[0], []byte("-sync")) }

func expectMessages(t *testing.T, what string, got, want [][][]byte) {
	t.Helper()
	if !slices.EqualFunc(got, want, sameFrames) {
		show := func(l [][][]byte) string {
			s := make([]string, len(l))
			for i := range l {
				s[i] = quoteFrames(l[i])
			}
			return "[" + strings.Join(s, " ") + "]"
		}
		t.Errorf("%s %s,\nwant %s", what, show(got), show(want))
	}
}

// publishToPython syncs each prefix in turn, publishes pubMessages from the
// zeroplug socket and checks that the libzmq socket gets exactly those that
// match.
func publishToPython(t *testing.T, pub *Socket, py *pyPeer, prefixes ...string) {
	t.Helper()
	for _, p := range prefixes {
		sendUntilReceived(t, func() error { return pub.SendString(p + "-sync") }, func() {
			for {
				m := py.recv()
				if string(m[0]) == p+"-sync" {
					return
				}
				if !isSyncMessage(m) {
					t.Fatalf("libzmq subscriber received %s before %s-sync", quoteFrames(m), p)
				}
			}
		})
	}
	for _, m := range pubMessages() {
		zpSend(t, pub, m...)
	}
	var got [][][]byte
	for {
		m := py.recv()
		if isSyncMessage(m) {
			continue
		}
		got = append(got, m)
		if string(m[0]) == "A-end" {
			break
		}
	}
	expectMessages(t, "libzmq subscriber received", got, matchingTopics(pubMessages(), prefixes...))
}

// pubToPythonSub: a zeroplug PUB, a libzmq SUB (pyzmq) subscribed to A and
// B: the messages of C and with no topic never arrive.
func pubToPythonSub(t *testing.T, e *interopEnv) {
	pub := e.socket(PUB)
	py := e.linkPython(pub, "SUB")
	py.subscribe("A")
	py.subscribe("B")
	publishToPython(t, pub, py, "A", "B")
}

// pubToPythonXSub: a zeroplug PUB, a libzmq XSUB (pyzmq) that sends
// "\x01A" and "\x01B". libzmq's XSUB does not filter what it receives (its
// options.filter is off; SUB turns it on), so the count delivered is the
// count the zeroplug PUB sent: this checks that the filtering happens at
// the publisher.
func pubToPythonXSub(t *testing.T, e *interopEnv) {
	pub := e.socket(PUB)
	py := e.linkPython(pub, "XSUB")
	py.sendString("\x01A")
	py.sendString("\x01B")
	publishToPython(t, pub, py, "A", "B")
}

// pubFromPeer: the peer program's PUB (`send PUB`) publishes pubLines; a
// zeroplug SUB subscribed to A and B receives exactly those that match.
func pubFromPeer(t *testing.T, e *interopEnv) { pubFromPeerRestarting(t, e, false) }

// pubFromPeerRestarted is pubFromPeer with the peer killed after a first
// message and started again on the same endpoint: the zeroplug SUB, which
// reconnects or is reconnected to, must give the new PUB both
// subscriptions again.
func pubFromPeerRestarted(t *testing.T, e *interopEnv) { pubFromPeerRestarting(t, e, true) }

func pubFromPeerRestarting(t *testing.T, e *interopEnv, restart bool) {
	sub := e.socket(SUB)
	if err := sub.Subscribe("A"); err != nil {
		t.Fatal(err)
	}
	if err := sub.Subscribe("B"); err != nil {
		t.Fatal(err)
	}
	var endpoint string
	start := func() *peertest.Proc {
		return peertest.StartEnv(t, e.suite.peerEnv, e.refBinary(), "send", "PUB", e.peerMode(), endpoint)
	}
	var p *peertest.Proc
	e.link(sub, func(ep string) string {
		endpoint = ep
		p = start()
		return ep
	})
	syncFromPeerPub(t, p, sub, "A", "B")
	if restart {
		p.Kill()
		if path, ok := strings.CutPrefix(endpoint, "ipc://"); ok && !e.zpBinds {
			// The killed peer leaves its socket file behind: libzmq would
			// replace it, zmq4 (net.Listen) fails with "address in use".
			os.Remove(path)
		}
		p = start()
		syncFromPeerPub(t, p, sub, "A", "B")
	}
	for _, line := range pubLines() {
		if err := p.Send(line); err != nil {
			t.Fatal(err)
		}
	}
	got := recvUntilEnd(t, sub)
	var want [][][]byte
	for _, l := range matchingTopicLines(pubLines(), "A", "B") {
		want = append(want, framesOfLine(l))
	}
	expectMessages(t, "zeroplug SUB received", got, want)
}

// syncFromPeerPub has the peer program's PUB p send a sync message for each prefix
// until the zeroplug SUB receives it.
func syncFromPeerPub(t *testing.T, p *peertest.Proc, sub *Socket, prefixes ...string) {
	t.Helper()
	for _, prefix := range prefixes {
		sendUntilReceived(t, func() error { return p.Send(prefix + "-sync") }, func() {
			for {
				m := zpRecv(t, sub)
				if string(m[0]) == prefix+"-sync" {
					return
				}
				if !isSyncMessage(m) {
					t.Fatalf("zeroplug SUB received %s before %s-sync", quoteFrames(m), prefix)
				}
			}
		})
	}
}

// recvUntilEnd receives up to "A-end", leaving out sync messages.
func recvUntilEnd(t *testing.T, s *Socket) [][][]byte {
	t.Helper()
	var got [][][]byte
	for {
		m := zpRecv(t, s)
		if isSyncMessage(m) {
			continue
		}
		got = append(got, m)
		if string(m[0]) == "A-end" {
			return got
		}
	}
}

// xpubToPeerSub: the peer program's SUB (`recv SUB`, ZMQPEER_SUBSCRIBE=A)
// subscribes; the zeroplug XPUB receives "\x01A", then publishes pubLines,
// and the SUB prints exactly those of A. Then the SUB's process dies. A
// binding XPUB then receives "\x00A", as libzmq's does for a topic nobody
// wants any more; a connecting one keeps the peer's subscriptions for when
// it reconnects and reports nothing, again as libzmq's does (its session
// keeps the pipe unless ZMQ_IMMEDIATE).
func xpubToPeerSub(t *testing.T, e *interopEnv) {
	xpub := e.socket(XPUB)
	events := xpub.Monitor(EventDisconnected)
	p := e.linkRef(xpub, []string{"ZMQPEER_SUBSCRIBE=A"}, "recv", "SUB", "1000000")
	expectFrames(t, "zeroplug XPUB received", zpRecv(t, xpub), [][]byte{[]byte("\x01A")})
	for _, line := range pubLines() {
		zpSend(t, xpub, framesOfLine(line)...)
	}
	expectLines(t, "subscriber printed", readLinesUntil(t, p, "A-end", ""), matchingTopicLines(pubLines(), "A"))
	p.Kill()
	if e.zpBinds {
		expectFrames(t, "zeroplug XPUB received", zpRecv(t, xpub), [][]byte{[]byte("\x00A")})
		return
	}
	select {
	case <-events:
	case <-time.After(interopTimeout):
		t.Fatalf("zeroplug XPUB: no DISCONNECTED within %v of the SUB's death", interopTimeout)
	}
	if m, err := xpub.TryRecv(); err != ErrAgain {
		t.Errorf("connecting zeroplug XPUB received %s, %v after its SUB died; libzmq reports nothing", quoteFrames(m), err)
	}
}

// xpubFromPythonToSub: a zeroplug SUB subscribes to A and B; the libzmq
// XPUB (pyzmq) receives both subscriptions, then "\x00B" when the SUB
// unsubscribes, and what it publishes next reaches the SUB only for A.
func xpubFromPythonToSub(t *testing.T, e *interopEnv) {
	sub := e.socket(SUB)
	if err := sub.Subscribe("A"); err != nil {
		t.Fatal(err)
	}
	if err := sub.Subscribe("B"); err != nil {
		t.Fatal(err)
	}
	py := e.linkPython(sub, "XPUB")
	var subs []string
	for range 2 {
		m := py.recv()
		subs = append(subs, quoteFrames(m))
	}
	slices.Sort(subs) // a SUB may send its subscriptions in any order
	if want := []string{quoteFrames([][]byte{[]byte("\x01A")}), quoteFrames([][]byte{[]byte("\x01B")})}; !slices.Equal(subs, want) {
		t.Fatalf("libzmq XPUB received %v, want %v", subs, want)
	}
	if err := sub.Unsubscribe("B"); err != nil {
		t.Fatal(err)
	}
	expectFrames(t, "libzmq XPUB received", py.recv(), [][]byte{[]byte("\x00B")})
	// The XPUB has dropped B for this SUB before its application saw "\x00B".
	for _, m := range pubMessages() {
		py.send(m...)
	}
	expectMessages(t, "zeroplug SUB received", recvUntilEnd(t, sub), matchingTopics(pubMessages(), "A"))
}

// xpubToPythonXSub: a libzmq XSUB (pyzmq) sends "\x01A", "\x01B" and a
// message upstream; the zeroplug XPUB receives all three, then publishes.
// The XSUB does not filter, so it gets exactly what the XPUB chose to send.
func xpubToPythonXSub(t *testing.T, e *interopEnv) {
	xpub := e.socket(XPUB)
	py := e.linkPython(xpub, "XSUB")
	py.sendString("\x01A")
	py.sendString("\x01B")
	expectFrames(t, "zeroplug XPUB received", zpRecv(t, xpub), [][]byte{[]byte("\x01A")})
	expectFrames(t, "zeroplug XPUB received", zpRecv(t, xpub), [][]byte{[]byte("\x01B")})
	// Connected now: a bound XSUB drops upstream messages while it has no peer.
	py.sendString("upstream", "", "z")
	expectFrames(t, "zeroplug XPUB received", zpRecv(t, xpub), framesOf([]string{"upstream", "", "z"}))
	for _, m := range pubMessages() {
		zpSend(t, xpub, m...)
	}
	var got [][][]byte
	for {
		m := py.recv()
		got = append(got, m)
		if string(m[0]) == "A-end" {
			break
		}
	}
	expectMessages(t, "libzmq XSUB received", got, matchingTopics(pubMessages(), "A", "B"))
}

// xpubFromPythonToXSub: a zeroplug XSUB sends "\x01A" and a message
// upstream; the libzmq XPUB (pyzmq) receives both, and what it publishes
// next reaches the XSUB only for A.
func xpubFromPythonToXSub(t *testing.T, e *interopEnv) {
	xsub := e.socket(XSUB)
	py := e.linkPython(xsub, "XPUB")
	zpSendString(t, xsub, "\x01A")
	expectFrames(t, "libzmq XPUB received", py.recv(), [][]byte{[]byte("\x01A")})
	// Connected now: an XSUB sends upstream messages only to live peers.
	zpSendString(t, xsub, "upstream", "", "z")
	expectFrames(t, "libzmq XPUB received", py.recv(), framesOf([]string{"upstream", "", "z"}))
	for _, m := range pubMessages() {
		py.send(m...)
	}
	expectMessages(t, "zeroplug XSUB received", recvUntilEnd(t, xsub), matchingTopics(pubMessages(), "A"))
}

// xpubManualToXSub: an XSUB does not filter what it receives, in libzmq
// (xsub.cpp: only SUB sets options.filter). A libzmq XPUB with
// ZMQ_XPUB_MANUAL answers the zeroplug XSUB's "\x01A" by subscribing that
// peer to everything (ZMQ_SUBSCRIBE ""), and so sends it B and C too: a
// libzmq XSUB receives them all, and so must zeroplug's.
func xpubManualToXSub(t *testing.T, e *interopEnv) {
	xsub := e.socket(XSUB)
	py := e.linkPython(xsub, "XPUB", "ZMQPEER_XPUB_MANUAL=1")
	zpSendString(t, xsub, "\x01A")
	expectFrames(t, "libzmq XPUB received", py.recv(), [][]byte{[]byte("\x01A")})
	py.subscribe("") // XPUB_MANUAL: subscribes the peer that sent "\x01A"
	msgs := []string{"B-0", "C-0", "A-0", "A-end"}
	for _, m := range msgs {
		py.sendString(m)
	}
	var got []string
	for {
		m := zpRecv(t, xsub)
		got = append(got, string(m[0]))
		if string(m[0]) == "A-end" {
			break
		}
	}
	if !slices.Equal(got, msgs) {
		t.Errorf("zeroplug XSUB received %q, want %q: an XSUB passes on every message its "+
			"publisher sends, as libzmq's does; only a SUB filters", got, msgs)
	}
}
