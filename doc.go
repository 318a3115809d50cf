// Package zeroplug is ZeroMQ in pure Go: sockets that speak ZMTP 3.1 on the
// wire, so that a zeroplug program and a libzmq one (C, pyzmq, czmq, any
// binding) talk to each other, with libzmq's socket types, options, errors
// and monitor events under the same names.
//
// This package is all a program needs to import:
//
//	package main
//
//	import (
//		"fmt"
//		"log"
//
//		"github.com/zeroplug/zeroplug"
//	)
//
//	func main() {
//		pull, err := zeroplug.NewSocket(zeroplug.PULL)
//		if err != nil {
//			log.Fatal(err)
//		}
//		defer pull.Close()
//		if err := pull.Bind("tcp://127.0.0.1:5555"); err != nil {
//			log.Fatal(err)
//		}
//
//		push, _ := zeroplug.NewSocket(zeroplug.PUSH)
//		defer push.Close()
//		push.Connect("tcp://127.0.0.1:5555") // returns at once; connects in the background
//
//		push.SendString("hello", "world") // one message of two frames
//		frames, _ := pull.Recv()
//		fmt.Printf("%s %s\n", frames[0], frames[1])
//	}
//
// # Sockets
//
// A Socket has one of libzmq's types, and the type decides where each
// message goes:
//
//   - REQ and REP: requests and replies in lockstep (RFC 28); DEALER and
//     ROUTER are the same without the lockstep, ROUTER addressing each peer
//     by its routing id.
//   - PUB and SUB: a publisher sends each message to every subscriber whose
//     prefix matches its first frame (RFC 29); XPUB and XSUB also pass the
//     subscriptions on, for proxies.
//   - PUSH and PULL: a pipeline, round-robin out and fair-queued in (RFC 30).
//   - PAIR: exactly two sockets, both ways (RFC 31).
//   - STREAM: raw bytes over TCP, for talking to peers that are not ZeroMQ.
//   - libzmq 4.3's draft types, single-part messages only: SERVER and CLIENT
//     (a SERVER's Msg.RoutingID names the CLIENT a message came from, and
//     SendTo answers it; RFC 41), RADIO and DISH (SendToGroup sends to a
//     group, Join and Leave choose a DISH's, Msg.Group says which), SCATTER
//     and GATHER (PUSH and PULL for single parts), PEER (SERVER on both
//     sides: Socket.ConnectPeer returns the routing id of the connection it
//     makes, and Msg.RoutingID names every one) and CHANNEL (PAIR for single
//     parts).
//
// Sockets are safe for concurrent use, and Send and Recv move whole
// multipart messages. Send blocks while the pattern cannot go on (up to
// SendTimeout), TrySend never blocks, SendContext stops with its context; Recv
// has the same three forms, and RecvMsg also gives the properties of the
// connection a message came on (Msg.Property). Options are functions named
// after libzmq's (SendHWM is ZMQ_SNDHWM, Linger is ZMQ_LINGER), given to
// NewSocket or Socket.SetOption, or by libzmq's names through ParseOption.
// The errors are values to compare with errors.Is, each the counterpart of a
// libzmq errno (ErrAgain is EAGAIN). A Poller waits on several sockets; Proxy
// joins two, as zmq_proxy; Socket.Monitor reports connections coming and
// going as Event values.
//
// # Transports and plugins
//
// An endpoint is written as in libzmq: tcp://127.0.0.1:5555, tcp://*:5555
// (every interface), tcp://127.0.0.1:* (an ephemeral port, which
// Socket.LastEndpoint reports), ipc:///tmp/feed, inproc://name. tcp, ipc and inproc are built in. Any other scheme is a
// transport plugin: a program named zeroplug-transport-<scheme>, looked up on
// the plugin path (WithPluginPath, $ZEROPLUG_PLUGIN_PATH, ~/.zeroplug/plugins,
// the program's own directory) and started on the first Bind or Connect that
// needs it. zeroplug's own plugins serve vsock://, vmci:// and tipc://. A
// plugin makes the connection and hands its file descriptor to this process,
// which does all the I/O itself, so that a plugin costs nothing once
// connected and a plugin that crashes takes no connection down
// (EventPluginCrashed). WithPluginManifest pins the plugins a program may run
// by their sha256. A Context holds sockets, their inproc names and their
// plugin processes; NewSocket uses the default one, NewContext makes others.
//
// # Security
//
// CURVE (RFC 26) encrypts and authenticates with libzmq's options: a server
// has CurveServer and CurveSecretKey, a client CurveServerKey and its own
// key pair (GenerateCurveKeyPair, keys in Z85 text as libzmq writes them).
// PLAIN (RFC 24) sends a user name and password. Which clients get in is the
// context's ZAP handler's decision (RFC 27): a ZAPPolicy given to
// WithAuthenticator lists client addresses, PLAIN users and CURVE keys, and
// any ZAPAuthenticator can decide otherwise. Without one, a socket bound to
// ZAPHandlerEndpoint answers, as in libzmq; without that either, a CURVE
// server lets in every client that knows its key, and a PLAIN server lets in
// no one, as libzmq 4.3 does.
//
// # Where the rest of the module fits
//
// This package is a thin face: its types are aliases of those of
// github.com/zeroplug/zeroplug/core, the engine behind it (patterns, pipes,
// the ZMTP engine, the plugin host), and of the security packages under
// github.com/zeroplug/zeroplug/sdk/zmtp, so that values pass between them
// unchanged. A program has no need of core. The sdk packages are the stable
// contract for writing a transport: sdk.Driver and sdk.Serve, the conformance
// kit in sdk/transporttest, and a complete example in sdk/examples/unixalt.
package zeroplug
