package core

import (
	"fmt"
	"sync"
	"time"
)

// EventType is a socket monitor event, with libzmq's values so that masks
// carry over (ZMQ_EVENT_CONNECTED is 1, and so on).
type EventType uint32

// The monitor events of libzmq 4.3, and one of zeroplug's.
const (
	EventConnected               EventType = 0x0001
	EventConnectDelayed          EventType = 0x0002
	EventConnectRetried          EventType = 0x0004
	EventListening               EventType = 0x0008
	EventBindFailed              EventType = 0x0010
	EventAccepted                EventType = 0x0020
	EventAcceptFailed            EventType = 0x0040
	EventClosed                  EventType = 0x0080
	EventCloseFailed             EventType = 0x0100
	EventDisconnected            EventType = 0x0200
	EventMonitorStopped          EventType = 0x0400
	EventHandshakeFailedNoDetail EventType = 0x0800
	EventHandshakeSucceeded      EventType = 0x1000
	EventHandshakeFailedProtocol EventType = 0x2000
	EventHandshakeFailedAuth     EventType = 0x4000
	// EventPluginCrashed is zeroplug's own: the process of a transport
	// plugin the socket uses ended unexpectedly (see plugins.go). Its
	// connections keep working; the next bind or connect restarts it.
	EventPluginCrashed EventType = 0x8000
	EventAll           EventType = 0xFFFF
)

var eventNames = map[EventType]string{
	EventConnected: "CONNECTED", EventConnectDelayed: "CONNECT_DELAYED",
	EventConnectRetried: "CONNECT_RETRIED", EventListening: "LISTENING",
	EventBindFailed: "BIND_FAILED", EventAccepted: "ACCEPTED",
	EventAcceptFailed: "ACCEPT_FAILED", EventClosed: "CLOSED",
	EventCloseFailed: "CLOSE_FAILED", EventDisconnected: "DISCONNECTED",
	EventMonitorStopped: "MONITOR_STOPPED", EventHandshakeFailedNoDetail: "HANDSHAKE_FAILED_NO_DETAIL",
	EventHandshakeSucceeded: "HANDSHAKE_SUCCEEDED", EventHandshakeFailedProtocol: "HANDSHAKE_FAILED_PROTOCOL",
	EventHandshakeFailedAuth: "HANDSHAKE_FAILED_AUTH", EventPluginCrashed: "PLUGIN_CRASHED",
}

func (t EventType) String() string {
	if n, ok := eventNames[t]; ok {
		return n
	}
	return fmt.Sprintf("EventType(%#x)", uint32(t))
}

// Event is one monitor event.
type Event struct {
	Type EventType
	// Endpoint is the socket's endpoint the event concerns, as bound or
	// connected ("tcp://127.0.0.1:5555").
	Endpoint string
	// Peer is the remote address of the connection, when there is one.
	Peer string
	// Interval is the pause before the next attempt (CONNECT_RETRIED).
	Interval time.Duration
	// Err says what went wrong (BIND_FAILED, HANDSHAKE_FAILED_*,
	// DISCONNECTED after an error).
	Err error
}

func (e Event) String() string {
	s := e.Type.String() + " " + e.Endpoint
	if e.Peer != "" {
		s += " peer=" + e.Peer
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// monitorBuffer is how many events a monitor holds for a slow reader;
// further events are dropped rather than stall the connections.
const monitorBuffer = 1024

type monitors struct {
	mu   sync.Mutex
	subs []monitorSub
}

type monitorSub struct {
	mask EventType
	ch   chan Event
}

// Monitor returns a channel of the socket's events of the types in mask
// (libzmq's zmq_socket_monitor, delivered as Go values). The channel
// receives MONITOR_STOPPED and is closed when the socket closes. A reader
// that falls more than 1024 events behind loses the newest ones.
func (s *Socket) Monitor(mask EventType) <-chan Event {
	ch := make(chan Event, monitorBuffer)
	s.monitors.mu.Lock()
	defer s.monitors.mu.Unlock()
	if s.isClosed() {
		close(ch)
		return ch
	}
	s.monitors.subs = append(s.monitors.subs, monitorSub{mask: mask, ch: ch})
	return ch
}

func (s *Socket) event(e Event) {
	m := &s.monitors
	m.mu.Lock()
	for _, sub := range m.subs {
		if sub.mask&e.Type != 0 {
			select {
			case sub.ch <- e:
			default:
			}
		}
	}
	m.mu.Unlock()
}

func (s *Socket) stopMonitors() {
	m := &s.monitors
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, sub := range m.subs {
		if sub.mask&EventMonitorStopped != 0 {
			select {
			case sub.ch <- Event{Type: EventMonitorStopped}:
			default:
			}
		}
		close(sub.ch)
	}
	m.subs = nil
}
