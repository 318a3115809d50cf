package core_test

import (
	"context"
	"fmt"
	"time"

	"github.com/zeroplug/zeroplug/core"
)

// The Lazy Pirate's wait for a reply (the ZeroMQ Guide, chapter 4): Poll
// with a timeout, and when nothing came, count the request lost, close the
// REQ, open a new one and send again.
func ExampleSocket_Poll() {
	ctx := core.NewContext()
	defer ctx.Close()
	rep, _ := ctx.NewSocket(core.REP)
	rep.Bind("inproc://example-poll")
	req, _ := ctx.NewSocket(core.REQ, core.Linger(0))
	req.Connect("inproc://example-poll")

	req.SendString("ping")
	request, _ := rep.RecvString()
	rep.SendString(request[0] + "-pong")

	ev, err := req.Poll(core.PollIn, 2500*time.Millisecond)
	if err != nil || ev&core.PollIn == 0 {
		fmt.Println("no reply: close the REQ, open a new one and send again")
		return
	}
	reply, _ := req.RecvString()
	fmt.Println(reply)
	// Output: [ping-pong]
}

// Wait's result says which socket is ready for what.
func ExamplePoller_Wait() {
	ctx := core.NewContext()
	defer ctx.Close()
	jobs, _ := ctx.NewSocket(core.PULL)
	jobs.Bind("inproc://example-jobs")
	control, _ := ctx.NewSocket(core.PULL)
	control.Bind("inproc://example-control")
	sender, _ := ctx.NewSocket(core.PUSH)
	sender.Connect("inproc://example-control")
	sender.SendString("stop")

	p := core.NewPoller()
	p.Add(jobs, core.PollIn)
	p.Add(control, core.PollIn)
	ready, _ := p.Wait(context.Background(), time.Second)
	fmt.Println("jobs:", ready.Readable(jobs), "control:", ready.Readable(control))
	for _, r := range ready {
		msg, _ := r.Socket.RecvString()
		fmt.Println(msg)
	}
	// Output:
	// jobs: false control: true
	// [stop]
}
