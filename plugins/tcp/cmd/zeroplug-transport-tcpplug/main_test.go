package main

import (
	"fmt"
	"net"
	"testing"

	"github.com/zeroplug/zeroplug/sdk/sdktest"
	"github.com/zeroplug/zeroplug/sdk/transporttest"
)

var config = transporttest.Config{
	Endpoint:     func(t testing.TB) string { return fmt.Sprintf("tcpplug://127.0.0.1:%d", freePort(t)) },
	Ephemeral:    func(testing.TB) string { return "tcpplug://127.0.0.1:*" },
	BadEndpoints: []string{"tcpplug://127.0.0.1", "tcpplug://127.0.0.1:99999", "tcpplug://[::1:5555"},
}

// tcp served through the plugin platform passes the kit as the built-in
// tcp does: in-process through the protocol, and as the built binary.
func TestConformance(t *testing.T) {
	t.Run("in-process", func(t *testing.T) { sdktest.RunInProcess(t, driver{}, config) })
	t.Run("binary", func(t *testing.T) {
		sdktest.RunBinary(t, sdktest.Build(t, ".", scheme), config)
	})
}

// freePort is a port nobody listens on, a moment ago.
func freePort(t testing.TB) int {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
