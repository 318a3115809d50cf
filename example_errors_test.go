package zeroplug_test

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/zeroplug/zeroplug"
)

// A bind to an address in use fails with ErrAddrInUse, as zmq_bind does
// with EADDRINUSE, whatever the transport; the system's errno is there too.
func ExampleErrAddrInUse() {
	first, _ := zeroplug.NewSocket(zeroplug.PULL)
	defer first.Close()
	first.Bind("tcp://127.0.0.1:*")

	second, _ := zeroplug.NewSocket(zeroplug.PULL)
	defer second.Close()
	err := second.Bind(first.LastEndpoint())
	fmt.Println(errors.Is(err, zeroplug.ErrAddrInUse), errors.Is(err, syscall.EADDRINUSE))

	first.Bind("inproc://jobs")
	err = second.Bind("inproc://jobs")
	fmt.Println(errors.Is(err, zeroplug.ErrAddrInUse))
	// Output:
	// true true
	// true
}
