package core

import (
	"testing"

	"github.com/zeroplug/zeroplug/internal/peertest"
)

// TestMain removes the reference peers (zmqpeer, zmq4peer) that the interop
// tests build, once every test has run.
func TestMain(m *testing.M) { peertest.Main(m) }
