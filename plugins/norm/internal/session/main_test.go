package session

import (
	"testing"

	"github.com/zeroplug/zeroplug/internal/peertest"
)

// TestMain removes what the interop tests' peers left, once every test
// has run.
func TestMain(m *testing.M) { peertest.Main(m) }
