package zeroplug_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/zeroplug/zeroplug"
)

// Over udp:// a DISH binds and a RADIO connects. Each message is one
// datagram in libzmq's format; no JOIN crosses UDP, so the RADIO sends
// every group and the DISH keeps the ones it joined.
func Example_radioDishUDP() {
	dish, _ := zeroplug.NewSocket(zeroplug.DISH)
	defer dish.Close()
	dish.Bind("udp://127.0.0.1:*") // bound on return: nothing sent from now on is missed
	dish.Join("weather")

	radio, _ := zeroplug.NewSocket(zeroplug.RADIO)
	defer radio.Close()
	radio.Connect(dish.LastEndpoint())
	radio.SendToGroup("traffic", []byte("jammed")) // not joined: skipped by the DISH
	radio.SendToGroup("weather", []byte("sunny"))

	m, _ := dish.RecvMsg(context.Background(), false)
	fmt.Printf("%s: %s\n", m.Group, m.Frames[0])
	// Output: weather: sunny
}

// A DGRAM sends to the address in a message's first frame and receives,
// with each datagram, the address it came from: the one to reply to.
func Example_dgram() {
	a, _ := zeroplug.NewSocket(zeroplug.DGRAM)
	defer a.Close()
	a.Bind("udp://127.0.0.1:*")
	b, _ := zeroplug.NewSocket(zeroplug.DGRAM)
	defer b.Close()
	b.Bind("udp://127.0.0.1:*")

	a.Send([]byte(strings.TrimPrefix(b.LastEndpoint(), "udp://")), []byte("ping"))
	m, _ := b.Recv()
	b.Send(m[0], []byte("pong")) // back to a
	reply, _ := a.Recv()
	fmt.Printf("%s, from b: %t\n", reply[1], string(reply[0]) == strings.TrimPrefix(b.LastEndpoint(), "udp://"))
	// Output: pong, from b: true
}
