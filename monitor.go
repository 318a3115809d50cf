package zeroplug

import (
	"github.com/zeroplug/zeroplug/core"
)

// Event is one monitor event.
type Event = core.Event

// EventType is a socket monitor event, with libzmq's values so that masks
// carry over (ZMQ_EVENT_CONNECTED is 1, and so on).
type EventType = core.EventType

// The monitor events of libzmq 4.3, with libzmq's values (ZMQ_EVENT_*), and
// one of zeroplug's.
const (
	EventConnected               = core.EventConnected               // a connect succeeded
	EventConnectDelayed          = core.EventConnectDelayed          // a connect is in progress
	EventConnectRetried          = core.EventConnectRetried          // a connect will be tried again after Interval
	EventListening               = core.EventListening               // a bind succeeded
	EventBindFailed              = core.EventBindFailed              // a bind failed
	EventAccepted                = core.EventAccepted                // a listener accepted a connection
	EventAcceptFailed            = core.EventAcceptFailed            // a listener could not accept
	EventClosed                  = core.EventClosed                  // a connection or listener was closed
	EventCloseFailed             = core.EventCloseFailed             // closing one failed
	EventDisconnected            = core.EventDisconnected            // a connection was lost
	EventMonitorStopped          = core.EventMonitorStopped          // the last event: the socket closed
	EventHandshakeFailedNoDetail = core.EventHandshakeFailedNoDetail // a ZMTP handshake failed otherwise
	EventHandshakeSucceeded      = core.EventHandshakeSucceeded      // a ZMTP handshake completed
	EventHandshakeFailedProtocol = core.EventHandshakeFailedProtocol // a peer broke the ZMTP or mechanism protocol
	EventHandshakeFailedAuth     = core.EventHandshakeFailedAuth     // the ZAP handler refused a peer
	// EventPluginCrashed is zeroplug's own: the process of a transport
	// plugin the socket uses ended unexpectedly. Its connections keep
	// working; the next bind or connect restarts it.
	EventPluginCrashed = core.EventPluginCrashed
	EventAll           = core.EventAll // every event, as a mask for Socket.Monitor
)
