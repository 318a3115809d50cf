package zeroplug_test

import (
	"fmt"
	"time"

	"github.com/zeroplug/zeroplug"
)

// A REP server answers each request of a REQ client, in lockstep
// (RFC 28).
func Example_requestReply() {
	rep, _ := zeroplug.NewSocket(zeroplug.REP)
	defer rep.Close()
	rep.Bind("tcp://127.0.0.1:*") // an ephemeral port, which LastEndpoint reports
	go func() {
		request, err := rep.Recv()
		if err != nil {
			return
		}
		rep.SendString(string(request[0]) + ", world")
	}()

	req, _ := zeroplug.NewSocket(zeroplug.REQ)
	defer req.Close()
	req.Connect(rep.LastEndpoint())
	req.SendString("hello")
	reply, _ := req.Recv()
	fmt.Printf("%s\n", reply[0])
	// Output: hello, world
}

// A SUB receives the messages whose first frame starts with a prefix it
// subscribed to (RFC 29). A subscription takes a moment to reach the
// publisher, and a PUB drops what no one has subscribed to yet, so this
// publisher repeats itself until the subscriber has heard it.
func Example_publishSubscribe() {
	pub, _ := zeroplug.NewSocket(zeroplug.PUB, zeroplug.Linger(0))
	defer pub.Close()
	pub.Bind("tcp://127.0.0.1:*")

	sub, _ := zeroplug.NewSocket(zeroplug.SUB, zeroplug.Subscribe("weather."))
	defer sub.Close()
	sub.Connect(pub.LastEndpoint())

	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			pub.SendString("traffic.paris", "jammed") // nobody subscribed: never delivered
			pub.SendString("weather.paris", "sunny")
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	msg, _ := sub.Recv()
	fmt.Printf("%s: %s\n", msg[0], msg[1])
	// Output: weather.paris: sunny
}

// PUSH hands each message to one PULL peer, round-robin, and PULL takes
// them from its peers fairly (RFC 30): a pipeline's fan-out and fan-in.
func Example_pipeline() {
	pull, _ := zeroplug.NewSocket(zeroplug.PULL)
	defer pull.Close()
	pull.Bind("ipc://*") // a fresh socket file, removed on Close

	push, _ := zeroplug.NewSocket(zeroplug.PUSH)
	defer push.Close()
	push.Connect(pull.LastEndpoint())
	for _, task := range []string{"task 1", "task 2", "task 3"} {
		push.SendString(task)
	}
	for range 3 {
		msg, _ := pull.Recv()
		fmt.Printf("%s\n", msg[0])
	}
	// Output:
	// task 1
	// task 2
	// task 3
}

// A ROUTER sees which peer each message came from, as a first frame holding
// the peer's routing id, and sends to a peer by putting its id first. A
// DEALER talks to it without REQ's lockstep.
func Example_routerDealer() {
	router, _ := zeroplug.NewSocket(zeroplug.ROUTER)
	defer router.Close()
	router.Bind("inproc://example-router")

	dealer, _ := zeroplug.NewSocket(zeroplug.DEALER, zeroplug.RoutingID([]byte("worker-1")))
	defer dealer.Close()
	dealer.Connect("inproc://example-router")
	dealer.SendString("ready")

	msg, _ := router.Recv()
	fmt.Printf("from %s: %s\n", msg[0], msg[1])
	router.Send(msg[0], []byte("job 42"))

	job, _ := dealer.Recv()
	fmt.Printf("%s\n", job[0])
	// Output:
	// from worker-1: ready
	// job 42
}

// PAIR joins exactly two sockets, both ways (RFC 31): here two goroutines
// of one program over inproc.
func Example_pair() {
	left, _ := zeroplug.NewSocket(zeroplug.PAIR)
	defer left.Close()
	left.Bind("inproc://example-pair")

	right, _ := zeroplug.NewSocket(zeroplug.PAIR)
	defer right.Close()
	right.Connect("inproc://example-pair")

	go func() {
		ping, err := right.Recv()
		if err != nil {
			return
		}
		right.SendString(string(ping[0]) + " pong")
	}()
	left.SendString("ping")
	msg, _ := left.Recv()
	fmt.Printf("%s\n", msg[0])
	// Output: ping pong
}

// Proxy joins an XSUB, where publishers connect, to an XPUB, where
// subscribers connect: libzmq's zmq_proxy as a forwarding device. The
// subscriptions go up through it, the messages down.
func ExampleProxy() {
	xsub, _ := zeroplug.NewSocket(zeroplug.XSUB, zeroplug.Linger(0))
	xsub.Bind("inproc://example-publishers")
	xpub, _ := zeroplug.NewSocket(zeroplug.XPUB, zeroplug.Linger(0))
	xpub.Bind("inproc://example-subscribers")
	proxied := make(chan error, 1)
	go func() { proxied <- zeroplug.Proxy(xsub, xpub, nil) }()

	pub, _ := zeroplug.NewSocket(zeroplug.PUB, zeroplug.Linger(0))
	defer pub.Close()
	pub.Connect("inproc://example-publishers")
	sub, _ := zeroplug.NewSocket(zeroplug.SUB, zeroplug.Subscribe("news"))
	defer sub.Close()
	sub.Connect("inproc://example-subscribers")

	done := make(chan struct{})
	go func() { // until the subscription has come up through the proxy
		for {
			pub.SendString("news", "proxied")
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	msg, _ := sub.Recv()
	close(done)
	fmt.Printf("%s: %s\n", msg[0], msg[1])

	xsub.Close() // Proxy returns when either of its sockets closes
	xpub.Close()
	<-proxied
	// Output: news: proxied
}
