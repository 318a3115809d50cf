package peertest

import (
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// jsCommandTimeout bounds the answer to a command other than recv, and the wait for a
// new peer's "ready": node starts in well under a second, but a loaded machine may take
// seconds.
const jsCommandTimeout = 30 * time.Second

// ErrNoMessage is what JSPeer.Recv returns when no message arrived within its timeout.
var ErrNoMessage = errors.New("peertest: no message within the timeout")

// JSMessage is one message as a zeromq.js socket sends or receives it. Frames are its
// parts (one for the draft types, two for DGRAM: address and body); Group is the group
// of a RADIO or DISH message; RoutingID is the routing id of a SERVER's message (0: none).
type JSMessage struct {
	Frames    [][]byte
	Group     string
	RoutingID uint32
}

// JSPeer is one zeromq.js socket in a node process running internal/peertest/jspeer/jspeer.js,
// the draft-API reference peer: see that file for the line protocol. Its methods speak that
// protocol one command at a time, so they are for one goroutine at a time. The process is
// killed and reaped when the test ends, if Close has not ended it before.
type JSPeer struct {
	proc     *Proc
	endpoint string
}

// StartJSPeer starts a zeromq.js socket of type socketType (PUSH, PULL, ..., SERVER,
// CLIENT, RADIO, DISH, GATHER, SCATTER, DGRAM, and PEER, which only receives, and
// CHANNEL) with jspeer.js's flags: "-o", "name=value"
// sets an option by its zeromq.js name, "-b", endpoint binds, "-c", endpoint connects,
// "-j", group joins a DISH to a group. It returns once every endpoint is bound or
// connected, and fails the test when the peer cannot start or reports no readiness.
func StartJSPeer(t testing.TB, socketType string, flags ...string) *JSPeer {
	t.Helper()
	module := ZeromqJS(t)
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(root, "internal", "peertest", "jspeer", "jspeer.js")
	env := []string{"NODE_PATH=" + filepath.Dir(module)}
	args := append([]string{script, socketType}, flags...)
	p := &JSPeer{proc: StartEnv(t, env, "node", args...)}
	line, err := p.proc.Line(jsCommandTimeout)
	if err != nil {
		t.Fatal(err)
	}
	ready, ok := strings.CutPrefix(line, "ready")
	if !ok || (ready != "" && ready[0] != ' ') {
		t.Fatal(p.proc.errorf("printed %q, want ready", line))
	}
	p.endpoint = strings.TrimSpace(ready)
	return p
}

// Endpoint returns the peer's ZMQ_LAST_ENDPOINT once started: the last endpoint it bound,
// resolved (the port a wildcard such as tcp://127.0.0.1:* chose), or "" when it has none.
// It is libzmq's string as it is: for udp libzmq 4.3.5 leaves out the scheme
// ("127.0.0.1:5555") and sets it on connect too.
func (p *JSPeer) Endpoint() string { return p.endpoint }

// String describes the peer: its program and arguments.
func (p *JSPeer) String() string { return p.proc.String() }

// command sends one command line and returns the peer's answer, waiting up to timeout.
// An "error ..." answer becomes an error.
func (p *JSPeer) command(line string, timeout time.Duration) (string, error) {
	if err := p.proc.Send(line); err != nil {
		return "", err
	}
	reply, err := p.proc.Line(timeout)
	if err != nil {
		return "", err
	}
	if msg, ok := strings.CutPrefix(reply, "error "); ok {
		return "", p.proc.errorf("%s: %s", commandName(line), msg)
	}
	return reply, nil
}

// ok sends a command whose answer must be "ok" or "ok DETAIL", and returns DETAIL.
func (p *JSPeer) ok(line string) (string, error) {
	reply, err := p.command(line, jsCommandTimeout)
	if err != nil {
		return "", err
	}
	if reply == "ok" {
		return "", nil
	}
	if detail, found := strings.CutPrefix(reply, "ok "); found {
		return detail, nil
	}
	return "", p.proc.errorf("%s: answered %q, want ok", commandName(line), reply)
}

// commandName is the first word of a command line, for error messages.
func commandName(line string) string {
	name, _, _ := strings.Cut(line, " ")
	return name
}

// Send sends a message of frames: a multipart message for the classic types, the address
// and the body for DGRAM, one frame for the other draft types.
func (p *JSPeer) Send(frames ...[]byte) error {
	return p.SendMessage(JSMessage{Frames: frames})
}

// SendToGroup sends body to group, as a RADIO does.
func (p *JSPeer) SendToGroup(group string, body []byte) error {
	return p.SendMessage(JSMessage{Frames: [][]byte{body}, Group: group})
}

// SendTo sends body to the peer with routingID, as a SERVER does.
func (p *JSPeer) SendTo(routingID uint32, body []byte) error {
	return p.SendMessage(JSMessage{Frames: [][]byte{body}, RoutingID: routingID})
}

// SendMessage sends m: its frames, with its group when it has one (RADIO) and its routing
// id when it is not 0 (SERVER).
func (p *JSPeer) SendMessage(m JSMessage) error {
	if len(m.Frames) == 0 {
		return p.proc.errorf("send: a message has at least one frame")
	}
	line := "send"
	if m.Group != "" {
		line += " group=" + hex.EncodeToString([]byte(m.Group))
	}
	if m.RoutingID != 0 {
		line += " routing-id=" + strconv.FormatUint(uint64(m.RoutingID), 10)
	}
	line += " " + encodeJSFrames(m.Frames)
	_, err := p.ok(line)
	return err
}

// Recv waits up to timeout for one message. It returns ErrNoMessage when none came.
func (p *JSPeer) Recv(timeout time.Duration) (JSMessage, error) {
	ms := max(timeout.Milliseconds(), 1)
	reply, err := p.command("recv "+strconv.FormatInt(ms, 10), timeout+jsCommandTimeout)
	if err != nil {
		return JSMessage{}, err
	}
	if reply == "timeout" {
		return JSMessage{}, ErrNoMessage
	}
	m, err := parseJSMessage(reply)
	if err != nil {
		return JSMessage{}, p.proc.errorf("recv: %v", err)
	}
	return m, nil
}

// Join joins a DISH to group.
func (p *JSPeer) Join(group string) error {
	_, err := p.ok("join " + hex.EncodeToString([]byte(group)))
	return err
}

// Leave makes a DISH leave group.
func (p *JSPeer) Leave(group string) error {
	_, err := p.ok("leave " + hex.EncodeToString([]byte(group)))
	return err
}

// Subscribe subscribes a SUB to prefix ("" for everything).
func (p *JSPeer) Subscribe(prefix string) error {
	_, err := p.ok("subscribe " + hex.EncodeToString([]byte(prefix)))
	return err
}

// Unsubscribe removes a SUB's subscription to prefix.
func (p *JSPeer) Unsubscribe(prefix string) error {
	_, err := p.ok("unsubscribe " + hex.EncodeToString([]byte(prefix)))
	return err
}

// SetOption sets the zeromq.js option name (linger, routingId, ...) to value, read as a
// number when it is one, as a boolean when it is true or false, else as a string.
func (p *JSPeer) SetOption(name, value string) error {
	if strings.ContainsAny(name+value, " \n") {
		return p.proc.errorf("set: a name or value with a space or newline does not fit the line protocol")
	}
	_, err := p.ok("set " + name + " " + value)
	return err
}

// Bind binds one more endpoint and returns it resolved.
func (p *JSPeer) Bind(endpoint string) (string, error) { return p.ok("bind " + endpoint) }

// Connect connects to one more endpoint.
func (p *JSPeer) Connect(endpoint string) error {
	_, err := p.ok("connect " + endpoint)
	return err
}

// Close closes the peer's stdin, on which it closes its socket (as its linger option
// says) and exits, and waits up to timeout for that; then it kills it. It returns an
// error when the peer did not exit with status 0 in time.
func (p *JSPeer) Close(timeout time.Duration) error {
	if err := p.proc.CloseStdin(); err != nil {
		return err
	}
	return p.proc.Wait(timeout)
}

// encodeJSFrames writes frames as the protocol does: hex, joined by "|".
func encodeJSFrames(frames [][]byte) string {
	parts := make([]string, len(frames))
	for i, f := range frames {
		parts[i] = hex.EncodeToString(f)
	}
	return strings.Join(parts, "|")
}

// parseJSMessage reads a "msg [group=HEX] [routing-id=N] FRAMES" answer.
func parseJSMessage(line string) (JSMessage, error) {
	rest, ok := strings.CutPrefix(line, "msg ")
	if !ok {
		return JSMessage{}, fmt.Errorf("answered %q, want msg", line)
	}
	var m JSMessage
	fields := strings.Split(rest, " ")
	for _, f := range fields[:len(fields)-1] {
		key, value, _ := strings.Cut(f, "=")
		switch key {
		case "group":
			group, err := hex.DecodeString(value)
			if err != nil {
				return JSMessage{}, fmt.Errorf("group in %q: %v", line, err)
			}
			m.Group = string(group)
		case "routing-id":
			id, err := strconv.ParseUint(value, 10, 32)
			if err != nil {
				return JSMessage{}, fmt.Errorf("routing id in %q: %v", line, err)
			}
			m.RoutingID = uint32(id)
		default:
			return JSMessage{}, fmt.Errorf("unknown field %q in %q", f, line)
		}
	}
	for _, part := range strings.Split(fields[len(fields)-1], "|") {
		f, err := hex.DecodeString(part)
		if err != nil {
			return JSMessage{}, fmt.Errorf("frame in %q: %v", line, err)
		}
		m.Frames = append(m.Frames, f)
	}
	return m, nil
}
