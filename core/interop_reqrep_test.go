package core

// Interop cases of REQ/REP, REQ/ROUTER and DEALER/ROUTER: envelopes, routing
// ids set on the libzmq end (ZMQ_ROUTING_ID) and on the zeroplug end
// (RoutingID), and replies routed through them.

import (
	"context"
	"testing"
)

// reply is what the answering end sends back for a request m: m with a
// frame in front, so that an echo cannot pass for a reply.
func withReplyFrame(m [][]byte) [][]byte { return append([][]byte{[]byte("re")}, m...) }

// prepend returns the frames in front of m, in a new slice.
func framesBefore(m [][]byte, frames ...string) [][]byte { return append(framesOf(frames), m...) }

// reqFromPython: a libzmq REQ (pyzmq) asks, a zeroplug REP answers.
func reqFromPython(t *testing.T, e *interopEnv) {
	rep := e.socket(REP)
	py := e.linkPython(rep, "REQ")
	want := interopMessages()
	for i, m := range interopMessages() {
		py.send(m...)
		expectFrames(t, "zeroplug REP received", zpRecv(t, rep), want[i])
		zpSend(t, rep, withReplyFrame(m)...)
		expectFrames(t, "libzmq REQ received", py.recv(), withReplyFrame(want[i]))
	}
}

// reqFromPythonToRouter: a libzmq REQ with ZMQ_ROUTING_ID asks; the zeroplug
// ROUTER sees [id, "", body...], with the REQ's handshake metadata, and
// replies through the id.
func reqFromPythonToRouter(t *testing.T, e *interopEnv) {
	router := e.socket(ROUTER)
	py := e.linkPython(router, "REQ", "ZMQPEER_ROUTING_ID=lz-req")
	want := interopMessages()
	for i, m := range interopMessages() {
		py.send(m...)
		got := zpRecvMsg(t, router)
		expectProperties(t, got, "Socket-Type", "REQ", "Identity", "lz-req", "Routing-Id", "lz-req")
		expectFrames(t, "zeroplug ROUTER received", got.Frames, framesBefore(want[i], "lz-req", ""))
		zpSend(t, router, framesBefore(withReplyFrame(m), "lz-req", "")...)
		expectFrames(t, "libzmq REQ received", py.recv(), withReplyFrame(want[i]))
	}
}

// reqToPythonRouter: a zeroplug REQ with RoutingID asks; the libzmq ROUTER
// (pyzmq) sees [id, "", body...] and replies through the id.
func reqToPythonRouter(t *testing.T, e *interopEnv) {
	req := e.socket(REQ, RoutingID([]byte("zp-req")))
	py := e.linkPython(req, "ROUTER")
	want := interopMessages()
	for i, m := range interopMessages() {
		zpSend(t, req, m...)
		expectFrames(t, "libzmq ROUTER received", py.recv(), framesBefore(want[i], "zp-req", ""))
		py.send(framesBefore(withReplyFrame(want[i]), "zp-req", "")...)
		expectFrames(t, "zeroplug REQ received", zpRecv(t, req), withReplyFrame(want[i]))
	}
}

// dealerToPythonRouter: a zeroplug DEALER with RoutingID sends; the libzmq
// ROUTER (pyzmq) sees [id, body...] and replies through the id.
func dealerToPythonRouter(t *testing.T, e *interopEnv) {
	dealer := e.socket(DEALER, RoutingID([]byte("zp-dealer")))
	py := e.linkPython(dealer, "ROUTER")
	want := interopMessages()
	for i, m := range interopMessages() {
		zpSend(t, dealer, m...)
		expectFrames(t, "libzmq ROUTER received", py.recv(), framesBefore(want[i], "zp-dealer"))
		py.send(framesBefore(withReplyFrame(want[i]), "zp-dealer")...)
		expectFrames(t, "zeroplug DEALER received", zpRecv(t, dealer), withReplyFrame(want[i]))
	}
}

// dealerFromPythonToRouter: a libzmq DEALER with ZMQ_ROUTING_ID sends; the
// zeroplug ROUTER sees [id, body...], with the DEALER's handshake metadata,
// and replies through the id.
func dealerFromPythonToRouter(t *testing.T, e *interopEnv) {
	router := e.socket(ROUTER)
	py := e.linkPython(router, "DEALER", "ZMQPEER_ROUTING_ID=lz-dealer")
	want := interopMessages()
	for i, m := range interopMessages() {
		py.send(m...)
		got := zpRecvMsg(t, router)
		expectProperties(t, got, "Socket-Type", "DEALER", "Identity", "lz-dealer")
		expectFrames(t, "zeroplug ROUTER received", got.Frames, framesBefore(want[i], "lz-dealer"))
		zpSend(t, router, framesBefore(withReplyFrame(m), "lz-dealer")...)
		expectFrames(t, "libzmq DEALER received", py.recv(), withReplyFrame(want[i]))
	}
}

// zpRecvMsg is zpRecv with the properties of the connection.
func zpRecvMsg(t *testing.T, s *Socket) Msg {
	t.Helper()
	m, err := s.RecvMsg(context.Background(), false) // RecvTimeout applies
	if err != nil {
		t.Fatalf("zeroplug %v RecvMsg: %v", s.Type(), err)
	}
	return m
}

// expectProperties checks Msg.Property for name, value pairs: what the
// peer's READY command carried.
func expectProperties(t *testing.T, m Msg, nameValues ...string) {
	t.Helper()
	for i := 0; i+1 < len(nameValues); i += 2 {
		name, want := nameValues[i], nameValues[i+1]
		if got, ok := m.Property(name); !ok || got != want {
			t.Errorf("Property(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
}
