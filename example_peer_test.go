package zeroplug_test

import (
	"context"
	"fmt"

	"github.com/zeroplug/zeroplug"
)

// A PEER names the connection it makes by the routing id ConnectPeer
// returns, good at once (the message waits for the connection); the PEER
// it reached answers at the routing id the message came with.
func Example_peer() {
	a, _ := zeroplug.NewSocket(zeroplug.PEER)
	defer a.Close()
	a.Bind("inproc://example-peer")

	b, _ := zeroplug.NewSocket(zeroplug.PEER)
	defer b.Close()
	id, _ := b.ConnectPeer("inproc://example-peer")
	b.SendTo(id, []byte("hello"))

	m, _ := a.RecvMsg(context.Background(), false)
	a.SendTo(m.RoutingID, append(m.Frames[0], ", peer"...))
	reply, _ := b.RecvMsg(context.Background(), false)
	fmt.Printf("%s (from the connection ConnectPeer named: %v)\n", reply.Frames[0], reply.RoutingID == id)
	// Output: hello, peer (from the connection ConnectPeer named: true)
}

// A CHANNEL is a PAIR for single-part messages: one peer, both ways.
func Example_channel() {
	a, _ := zeroplug.NewSocket(zeroplug.CHANNEL)
	defer a.Close()
	a.Bind("inproc://example-channel")
	b, _ := zeroplug.NewSocket(zeroplug.CHANNEL)
	defer b.Close()
	b.Connect("inproc://example-channel")

	b.SendString("ping")
	m, _ := a.Recv()
	a.SendString(string(m[0]) + "-pong")
	reply, _ := b.Recv()
	fmt.Printf("%s\n", reply[0])
	// Output: ping-pong
}
