package vmci

import (
	"os"
	"testing"

	"github.com/zeroplug/zeroplug/internal/vmguest"
)

// TestMain fails closed outside the test VM: there, the driver's socket
// family is made invalid, so that no code path of these tests can make a
// vsock socket, whatever a test does.
func TestMain(m *testing.M) {
	if !vmguest.InGuest() {
		family.Domain = -1
	}
	os.Exit(m.Run())
}
