package zeroplug_test

import (
	"context"
	"fmt"
	"time"

	"github.com/zeroplug/zeroplug"
)

// A CURVE server lets in only the client keys its context's ZAP policy
// lists; everything after the handshake is encrypted. The keys are libzmq's,
// so either side may be libzmq (zmq_curve_keypair, ZMQ_CURVE_*).
func Example_curve() {
	serverPublic, serverSecret, _ := zeroplug.GenerateCurveKeyPair(nil)
	clientPublic, clientSecret, _ := zeroplug.GenerateCurveKeyPair(nil)

	ctx := zeroplug.NewContext(zeroplug.WithAuthenticator(&zeroplug.ZAPPolicy{
		CurveKeys: [][32]byte{clientPublic}, // only this client; empty: any that knows the server's key
	}))
	defer ctx.Close()
	server, _ := ctx.NewSocket(zeroplug.REP,
		zeroplug.CurveServer(true), zeroplug.CurveSecretKey(serverSecret.String()))
	refused := server.Monitor(zeroplug.EventHandshakeFailedAuth)
	server.Bind("tcp://127.0.0.1:*")

	client, _ := ctx.NewSocket(zeroplug.REQ,
		zeroplug.CurveServerKey(serverPublic.String()),
		zeroplug.CurvePublicKey(clientPublic.String()),
		zeroplug.CurveSecretKey(clientSecret.String()))
	client.Connect(server.LastEndpoint())
	client.SendString("secret")

	msg, _ := server.RecvMsg(context.Background(), false)
	userID, _ := msg.Property("User-Id") // the policy names a CURVE client by its key
	fmt.Printf("%s from the listed client: %v\n", msg.Frames[0], userID == clientPublic.String())

	// A client with a key pair of its own knows the server's key, but the
	// policy does not list it.
	intruder, _ := ctx.NewSocket(zeroplug.REQ, zeroplug.CurveServerKey(serverPublic.String()))
	intruder.Connect(server.LastEndpoint())
	fmt.Println((<-refused).Type)
	// Output:
	// secret from the listed client: true
	// HANDSHAKE_FAILED_AUTH
}

// Keys travel as Z85 text (RFC 32), 40 characters for 32 bytes: the form
// libzmq's options, zmq_z85_encode and configuration files use.
func ExampleZ85Encode() {
	text, _ := zeroplug.Z85Encode([]byte{0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B})
	fmt.Println(text)
	raw, _ := zeroplug.Z85Decode(text)
	fmt.Printf("% X\n", raw)
	// Output:
	// HelloWorld
	// 86 4F D2 6F B5 59 F7 5B
}

// A Poller waits on several sockets at once and says which are ready.
func ExamplePoller() {
	orders, _ := zeroplug.NewSocket(zeroplug.PULL)
	defer orders.Close()
	orders.Bind("inproc://example-orders")
	alerts, _ := zeroplug.NewSocket(zeroplug.PULL)
	defer alerts.Close()
	alerts.Bind("inproc://example-alerts")

	sender, _ := zeroplug.NewSocket(zeroplug.PUSH)
	defer sender.Close()
	sender.Connect("inproc://example-alerts")
	sender.SendString("disk full")

	poller := zeroplug.NewPoller()
	poller.Add(orders, zeroplug.PollIn)
	poller.Add(alerts, zeroplug.PollIn)
	ready, _ := poller.Wait(context.Background(), time.Second)
	for _, r := range ready {
		msg, _ := r.Socket.TryRecv()
		fmt.Printf("alerts ready: %v, %s\n", r.Socket == alerts, msg[0])
	}
	// Output: alerts ready: true, disk full
}

// Monitor reports what happens to a socket's connections as Go values, with
// libzmq's event types (zmq_socket_monitor).
func ExampleSocket_Monitor() {
	server, _ := zeroplug.NewSocket(zeroplug.PULL)
	events := server.Monitor(zeroplug.EventListening | zeroplug.EventAccepted |
		zeroplug.EventHandshakeSucceeded | zeroplug.EventMonitorStopped)
	server.Bind("tcp://127.0.0.1:*")

	client, _ := zeroplug.NewSocket(zeroplug.PUSH)
	defer client.Close()
	client.Connect(server.LastEndpoint())

	for range 3 {
		fmt.Println((<-events).Type)
	}
	server.Close()
	for e := range events { // the channel closes with the socket
		fmt.Println(e.Type)
	}
	// Output:
	// LISTENING
	// ACCEPTED
	// HANDSHAKE_SUCCEEDED
	// MONITOR_STOPPED
}

// A scheme that no built-in transport serves is a plugin program,
// zeroplug-transport-<scheme>, found on the plugin path and started on first
// use. Here it is sdk/examples/unixalt, which the tests build into
// pluginDir: unix sockets named by a word.
func ExampleWithPluginPath() {
	ctx := zeroplug.NewContext(zeroplug.WithPluginPath(pluginDir))
	defer ctx.Close() // also stops the plugin's process

	pull, _ := ctx.NewSocket(zeroplug.PULL)
	if err := pull.Bind("unixalt://orders"); err != nil {
		fmt.Println(err)
		return
	}
	push, _ := ctx.NewSocket(zeroplug.PUSH)
	push.Connect("unixalt://orders")
	push.SendString("over a plugin transport")
	msg, _ := pull.Recv()
	fmt.Printf("%s\n", msg[0])
	// Output: over a plugin transport
}
