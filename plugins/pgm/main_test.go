package pgm

import (
	"os"
	"testing"

	"github.com/zeroplug/zeroplug/internal/peertest"
)

// TestMain runs the tests, then removes the binaries built for them and what the
// peers left. The tests in this process start no goroutine of the driver; the
// processes they start (zeroplug cat, the plugin, the libzmq peers) are killed and
// reaped by peertest when each test ends.
func TestMain(m *testing.M) {
	code := peertest.Run(m)
	removeBuilt()
	os.Exit(code)
}
