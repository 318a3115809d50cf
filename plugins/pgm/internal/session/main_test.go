package session

import (
	"testing"

	"github.com/zeroplug/zeroplug/internal/peertest"
)

// TestMain runs the tests and removes what the interop tests' peers left. The state
// machines start no goroutine; the interop tests' peers are reaped by peertest.
func TestMain(m *testing.M) { peertest.Main(m) }
