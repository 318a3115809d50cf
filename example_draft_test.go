package zeroplug_test

import (
	"context"
	"fmt"
	"time"

	"github.com/zeroplug/zeroplug"
)

// A SERVER answers each CLIENT at the routing id its message carries (the
// draft API of libzmq 4.3, RFC 41).
func Example_serverClient() {
	server, _ := zeroplug.NewSocket(zeroplug.SERVER)
	defer server.Close()
	server.Bind("tcp://127.0.0.1:*")
	go func() {
		m, err := server.RecvMsg(context.Background(), false)
		if err != nil {
			return
		}
		server.SendTo(m.RoutingID, append(m.Frames[0], ", world"...))
	}()

	client, _ := zeroplug.NewSocket(zeroplug.CLIENT)
	defer client.Close()
	client.Connect(server.LastEndpoint())
	client.SendString("hello")
	reply, _ := client.Recv()
	fmt.Printf("%s\n", reply[0])
	// Output: hello, world
}

// A DISH receives the groups it joined, each message with its group. A
// join takes a moment to reach the RADIO, which drops what nobody joined,
// so this RADIO repeats itself until the DISH has heard it.
func Example_radioDish() {
	radio, _ := zeroplug.NewSocket(zeroplug.RADIO, zeroplug.Linger(0))
	defer radio.Close()
	radio.Bind("tcp://127.0.0.1:*")

	dish, _ := zeroplug.NewSocket(zeroplug.DISH)
	defer dish.Close()
	dish.Join("weather")
	dish.Connect(radio.LastEndpoint())

	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			radio.SendToGroup("traffic", []byte("jammed")) // not joined: never delivered
			radio.SendToGroup("weather", []byte("sunny"))
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	m, _ := dish.RecvMsg(context.Background(), false)
	fmt.Printf("%s: %s\n", m.Group, m.Frames[0])
	// Output: weather: sunny
}
