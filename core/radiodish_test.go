package core

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/sdk/zmtp"
)

// radioKnows reports whether a RADIO has heard n peers join group.
func radioKnows(s *Socket, group string, n int) bool {
	x := s.pat.(*radio)
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.joined[group]) == n
}

// mustRecvGroup receives one message of a DISH as "group|body".
func mustRecvGroup(t *testing.T, s *Socket) string {
	t.Helper()
	m := mustRecvMsg(t, s)
	if len(m.Frames) != 1 {
		t.Fatalf("DISH received %d frames, want 1", len(m.Frames))
	}
	return m.Group + "|" + string(m.Frames[0])
}

// A DISH receives the groups it joined and no other, before and after a
// Leave; the RADIO sends only to the peers that joined (it filters by the
// joins), whichever side binds.
func TestRadioDishGroups(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		for _, dishBinds := range []bool{false, true} {
			name := "radio binds"
			if dishBinds {
				name = "dish binds"
			}
			t.Run(name, func(t *testing.T) {
				e := newEnv(t)
				var rad, d *Socket
				if dishBinds {
					d = e.bound(DISH, tr.endpoint())
					rad = e.connected(RADIO, []string{d.LastEndpoint()})
				} else {
					rad = e.bound(RADIO, tr.endpoint())
					d = e.connected(DISH, []string{rad.LastEndpoint()})
				}
				other := e.connected(DISH, nil)
				if dishBinds {
					ep := tr.endpoint()
					if err := other.Bind(ep); err != nil {
						t.Fatal(err)
					}
					if err := rad.Connect(other.LastEndpoint()); err != nil {
						t.Fatal(err)
					}
				} else if err := other.Connect(rad.LastEndpoint()); err != nil {
					t.Fatal(err)
				}
				for _, g := range []string{"weather", "news"} {
					if err := d.Join(g); err != nil {
						t.Fatal(err)
					}
				}
				if err := other.Join("sport"); err != nil {
					t.Fatal(err)
				}
				eventually(t, func() bool {
					return radioKnows(rad, "weather", 1) && radioKnows(rad, "news", 1) && radioKnows(rad, "sport", 1)
				}, "the RADIO to hear the joins")
				for _, g := range []string{"weather", "sport", "other", "news", ""} {
					if err := rad.SendToGroup(g, []byte("on "+g)); err != nil {
						t.Fatal(err)
					}
				}
				if got := mustRecvGroup(t, d); got != "weather|on weather" {
					t.Errorf("first: %q", got)
				}
				if got := mustRecvGroup(t, d); got != "news|on news" {
					t.Errorf("second: %q", got)
				}
				if got := mustRecvGroup(t, other); got != "sport|on sport" {
					t.Errorf("other: %q", got)
				}
				if err := d.Leave("weather"); err != nil {
					t.Fatal(err)
				}
				eventually(t, func() bool { return radioKnows(rad, "weather", 0) }, "the RADIO to hear the leave")
				rad.SendToGroup("weather", []byte("gone"))
				rad.SendToGroup("news", []byte("still"))
				if got := mustRecvGroup(t, d); got != "news|still" {
					t.Errorf("after Leave: %q", got)
				}
				expectNothing(t, d, 50*time.Millisecond)
				expectNothing(t, other, 0)
			})
		}
	})
}

// A DISH that leaves a group skips what was already on its way: the RADIO
// sent it before it heard of the Leave.
func TestDishSkipsGroupsLeftInFlight(t *testing.T) {
	e := newEnv(t)
	rad := e.bound(RADIO, "inproc://dish-skips")
	d := e.connected(DISH, []string{"inproc://dish-skips"})
	d.Join("a")
	d.Join("b")
	eventually(t, func() bool { return radioKnows(rad, "a", 1) && radioKnows(rad, "b", 1) }, "joins")
	rad.SendToGroup("a", []byte("1"))
	rad.SendToGroup("b", []byte("2"))
	eventually(t, func() bool { return queuedIn(d) == 2 }, "both messages to arrive")
	d.Leave("a")
	if got := mustRecvGroup(t, d); got != "b|2" {
		t.Errorf("got %q, want b|2", got)
	}
}

// Join and Leave follow libzmq: a group at most MaxGroupLength bytes,
// joined once, left only when joined; other types cannot.
func TestDishJoinLeaveRules(t *testing.T) {
	e := newEnv(t)
	d := e.socket(DISH)
	long := strings.Repeat("g", MaxGroupLength+1)
	for _, c := range []struct {
		name string
		err  error
		want error
	}{
		{"join", d.Join("g"), nil},
		{"join twice", d.Join("g"), ErrInvalid},
		{"join too long", d.Join(long), ErrInvalid},
		{"join longest", d.Join(long[1:]), nil},
		{"join empty", d.Join(""), nil},
		{"leave", d.Leave("g"), nil},
		{"leave twice", d.Leave("g"), ErrInvalid},
		{"leave never joined", d.Leave("h"), ErrInvalid},
		{"SUB join", e.socket(SUB).Join("g"), ErrNotSupported},
		{"RADIO leave", e.socket(RADIO).Leave("g"), ErrNotSupported},
		{"RADIO send too long", e.socket(RADIO).SendToGroup(long, nil), ErrInvalid},
	} {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.err, c.want)
		}
	}
}

// On the wire a DISH's joins are ZMTP JOIN commands and its leaves LEAVE,
// the group as the whole body; a RADIO's message is the group as a frame
// with MORE, then the body (libzmq's radio_session and dish_session).
func TestRadioDishWireFormat(t *testing.T) {
	eachStreamTransport(t, func(t *testing.T, tr transport) {
		e := newEnv(t)
		d := e.bound(DISH, tr.endpoint())
		d.Join("early")
		raw := rawZMTP(t, d.LastEndpoint(), "RADIO")
		expectCommand := func(want string) {
			t.Helper()
			flags, body, err := raw.next()
			if err != nil {
				t.Fatal(err)
			}
			if flags&zmtp.FlagCommand == 0 || string(body) != want {
				t.Fatalf("got flags %#x body %q, want the command %q", flags, body, want)
			}
		}
		expectCommand("\x04JOINearly")
		d.Join("late")
		expectCommand("\x04JOINlate")
		d.Leave("early")
		expectCommand("\x05LEAVEearly")
		raw.send(t, "late", "hello")
		if got := mustRecvGroup(t, d); got != "late|hello" {
			t.Errorf("DISH got %q", got)
		}

		rad := e.bound(RADIO, tr.endpoint())
		rawDish := rawZMTP(t, rad.LastEndpoint(), "DISH")
		rawDish.enc.Command(zmtp.CmdJoin, []byte("g"))
		rawDish.enc.Flush()
		eventually(t, func() bool { return radioKnows(rad, "g", 1) }, "the raw JOIN")
		rad.SendToGroup("g", []byte("body"))
		flags, group, err := rawDish.next()
		if err != nil || flags != zmtp.FlagMore || string(group) != "g" {
			t.Fatalf("group frame: flags %#x %q %v", flags, group, err)
		}
		flags, body, err := rawDish.next()
		if err != nil || flags != 0 || string(body) != "body" {
			t.Fatalf("body frame: flags %#x %q %v", flags, body, err)
		}
		rawDish.enc.Command(zmtp.CmdLeave, []byte("g"))
		rawDish.enc.Flush()
		eventually(t, func() bool { return radioKnows(rad, "g", 0) }, "the raw LEAVE")
	})
}

// A RADIO that breaks the framing (no group frame, a group too long, a
// multipart body) and a DISH that joins a group too long lose their
// connection; neither socket panics, and each takes the next peer.
func TestRadioDishDropMalformedPeers(t *testing.T) {
	long := strings.Repeat("x", MaxGroupLength+1)
	for _, c := range []struct {
		name   string
		frames []string
	}{
		{"no group frame", []string{"body"}},
		{"group too long", []string{long, "body"}},
		{"multipart body", []string{"g", "b1", "b2"}},
	} {
		t.Run("RADIO "+c.name, func(t *testing.T) {
			e := newEnv(t)
			d := e.bound(DISH, "tcp://127.0.0.1:*")
			d.Join("g")
			raw := rawZMTP(t, d.LastEndpoint(), "RADIO")
			raw.send(t, c.frames...)
			if !readUntilClosed(raw.conn, patience) {
				t.Fatal("the DISH kept the connection")
			}
			good := rawZMTP(t, d.LastEndpoint(), "RADIO")
			good.send(t, "g", "fine")
			if got := mustRecvGroup(t, d); got != "g|fine" {
				t.Errorf("next peer: %q", got)
			}
		})
	}
	t.Run("DISH joins a group too long", func(t *testing.T) {
		e := newEnv(t)
		rad := e.bound(RADIO, "tcp://127.0.0.1:*")
		raw := rawZMTP(t, rad.LastEndpoint(), "DISH")
		raw.enc.Command(zmtp.CmdJoin, []byte(long))
		raw.enc.Flush()
		if !readUntilClosed(raw.conn, patience) {
			t.Fatal("the RADIO kept the connection")
		}
	})
}

// A DISH joins again on every new connection: a RADIO restarted on the
// same endpoint hears its groups without the application doing anything.
func TestDishRejoinsAfterReconnect(t *testing.T) {
	e := newEnv(t)
	rad := e.bound(RADIO, "tcp://127.0.0.1:*")
	ep := rad.LastEndpoint()
	d := e.connected(DISH, []string{ep})
	d.Join("g")
	eventually(t, func() bool { return radioKnows(rad, "g", 1) }, "the join")
	rad.Close()
	rad2 := e.bound(RADIO, ep)
	eventually(t, func() bool { return radioKnows(rad2, "g", 1) }, "the join after the reconnect")
	rad2.SendToGroup("g", []byte("again"))
	if got := mustRecvGroup(t, d); got != "g|again" {
		t.Errorf("got %q", got)
	}
}

// A RADIO and a DISH are safe from many goroutines at once.
func TestRadioDishConcurrentUse(t *testing.T) {
	e := newEnv(t)
	rad := e.bound(RADIO, "tcp://127.0.0.1:*")
	d := e.connected(DISH, []string{rad.LastEndpoint()}, RecvHWM(0))
	groups := []string{"a", "b", "c", "d"}
	for _, g := range groups {
		d.Join(g)
	}
	eventually(t, func() bool { return radioKnows(rad, "d", 1) }, "joins")
	const each = 100
	var wg sync.WaitGroup
	for _, g := range groups {
		wg.Go(func() {
			for range each {
				if err := rad.SendToGroup(g, []byte(g)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	counts := map[string]int{}
	var mu sync.Mutex
	deadline := time.Now().Add(patience)
	for range 2 {
		wg.Go(func() {
			for {
				mu.Lock()
				n := 0
				for _, c := range counts {
					n += c
				}
				mu.Unlock()
				if n >= each*len(groups) {
					return
				}
				if time.Now().After(deadline) {
					t.Errorf("%d messages received, want %d", n, each*len(groups))
					return
				}
				m, err := d.RecvMsg(t.Context(), true)
				if err != nil {
					time.Sleep(time.Millisecond)
					continue
				}
				if m.Group != string(m.Frames[0]) {
					t.Errorf("group %q, body %q", m.Group, m.Frames[0])
				}
				mu.Lock()
				counts[m.Group]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, g := range groups {
		if counts[g] != each {
			t.Errorf("group %s: %d messages, want %d", g, counts[g], each)
		}
	}
}

// FuzzGroupCommand feeds the JOIN and LEAVE parser any command frame: it
// never panics, takes only JOIN and LEAVE, refuses a group too long, and
// gives back the group that was written.
func FuzzGroupCommand(f *testing.F) {
	f.Add([]byte("\x04JOINweather"))
	f.Add([]byte("\x05LEAVE"))
	f.Add([]byte("\x04JOIN"))
	f.Add([]byte("\x04PING\x00\x00"))
	f.Add([]byte("\x09SUBSCRIBEx"))
	f.Add([]byte("\xff"))
	f.Add(append([]byte("\x04JOIN"), bytes.Repeat([]byte("g"), MaxGroupLength+1)...))
	f.Fuzz(func(t *testing.T, frame []byte) {
		m, ok, err := parseGroupCommand(frame)
		if err != nil {
			if ok || !errors.Is(err, zmtp.ErrProtocol) {
				t.Fatalf("error %v with ok %v", err, ok)
			}
			return
		}
		if !ok {
			return
		}
		name := zmtp.CmdJoin
		if m.kind == kindLeave {
			name = zmtp.CmdLeave
		} else if m.kind != kindJoin {
			t.Fatalf("kind %d", m.kind)
		}
		if len(m.body) > MaxGroupLength {
			t.Fatalf("group of %d bytes taken", len(m.body))
		}
		if again := zmtp.AppendCommand(nil, name, m.body); !bytes.Equal(again, frame) {
			t.Fatalf("parsed %q as %s %q", frame, name, m.body)
		}
	})
}

// A RADIO drops at a peer's high-water mark, as a PUB does; with
// XPUB_NODROP, as in libzmq, it waits instead (TrySend: ErrAgain).
func TestRadioHighWaterMark(t *testing.T) {
	for _, nodrop := range []bool{false, true} {
		t.Run(fmt.Sprint("nodrop=", nodrop), func(t *testing.T) {
			e := newEnv(t)
			ep := fmt.Sprintf("inproc://radio-hwm-%v", nodrop)
			rad := e.bound(RADIO, ep, XPubNoDrop(nodrop), SendHWM(5))
			d := e.connected(DISH, []string{ep}, RecvHWM(5))
			d.Join("g")
			eventually(t, func() bool { return radioKnows(rad, "g", 1) }, "the join")
			sent := 0
			for ; sent < 100; sent++ {
				if err := rad.TrySend([]byte("x")); err != nil {
					t.Fatal(err) // group "": nobody joined, never blocks
				}
				if err := rad.TrySendMsg(Msg{Group: "g", Frames: [][]byte{[]byte("x")}}); err != nil {
					if !nodrop || !errors.Is(err, ErrAgain) {
						t.Fatal(err)
					}
					break
				}
			}
			want := 100
			if nodrop {
				want = 10 // SNDHWM + RCVHWM, over inproc
			}
			if sent != want {
				t.Fatalf("RADIO took %d messages, want %d", sent, want)
			}
			for range 10 {
				mustRecv(t, d)
			}
			expectNothing(t, d, 10*time.Millisecond)
		})
	}
}

// A peer that joins more groups than maxJoinsPerPeer loses its connection:
// JOINs cannot grow a RADIO's memory without bound.
func TestRadioBoundsJoinsPerPeer(t *testing.T) {
	e := newEnv(t)
	rad := e.bound(RADIO, "tcp://127.0.0.1:*")
	raw := rawZMTP(t, rad.LastEndpoint(), "DISH")
	for i := range maxJoinsPerPeer + 1 {
		raw.enc.Command(zmtp.CmdJoin, fmt.Appendf(nil, "g%d", i))
		if raw.enc.Len() > 64<<10 {
			if err := raw.enc.Flush(); err != nil {
				break // dropped already
			}
		}
	}
	raw.enc.Flush()
	if !readUntilClosed(raw.conn, patience) {
		t.Fatal("the RADIO kept a peer past the limit")
	}
	eventually(t, func() bool {
		x := rad.pat.(*radio)
		x.mu.Lock()
		defer x.mu.Unlock()
		return len(x.joined) == 0 && len(x.groups) == 0
	}, "the dropped peer's groups to go")
}
