package wire

import (
	"testing"

	"github.com/zeroplug/zeroplug/internal/peertest"
)

// TestMain runs the tests and removes what the interop tests' peers left.
func TestMain(m *testing.M) { peertest.Main(m) }
