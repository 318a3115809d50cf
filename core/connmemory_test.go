package core

import (
	"runtime"
	"testing"
	"time"
)

// What a connection costs while it has nothing to read or write: no read
// or write buffer, only its state and a small idle buffer. A peer that
// opens connections and stays silent, before or after its handshake, must
// not cost the socket 130 KB each (the 64 KiB encoder and decoder buffers a
// connection held before the pools): libzmq holds about 1.5 KB.

const (
	silentConnections = 1000
	// The heap per connection allowed: the engine, session, pipe, queues
	// and the idle read buffer (2 KiB), and the test's own end of the
	// connection (measured: 4.6 KB before the handshake, 6 KB after).
	maxHeapPerConnection = 12 << 10
	// With the goroutines' stacks (measured: 4 KB before the handshake, 12
	// KB after, the reader's batch of messages on its stack among them).
	maxPerConnection = 32 << 10
)

func TestSilentConnectionsMemory(t *testing.T) {
	for _, tc := range []struct {
		name      string
		handshake bool
	}{
		{"before the handshake", false},
		{"idle after the handshake", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkNoLeak(t)
			e := newEnv(t)
			pull := e.socket(PULL)
			want := EventAccepted
			if tc.handshake {
				want = EventHandshakeSucceeded
			}
			events := pull.Monitor(want) // one event per connection: the buffer holds them
			if err := pull.Bind("tcp://127.0.0.1:*"); err != nil {
				t.Fatal(err)
			}
			ep := pull.LastEndpoint()

			before := heapNow()
			for i := 0; i < silentConnections; i++ {
				c := rawDial(t, ep)
				if tc.handshake {
					c.Write(greeting())
					c.Write(readyCommand("PUSH"))
				}
			}
			for range silentConnections {
				waitAnyEvent(t, events, want)
			}
			// Every engine is now blocked in its first read (or idle after
			// its handshake); let the last ones get there.
			time.Sleep(200 * time.Millisecond)
			after := heapNow()
			if got := numPipes(pull); tc.handshake && got != silentConnections {
				t.Fatalf("%d pipes, want %d", got, silentConnections)
			}

			heap := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / silentConnections
			stack := (int64(after.StackInuse) - int64(before.StackInuse)) / silentConnections
			t.Logf("%d connections %s: %d B of heap and %d B of goroutine stack each",
				silentConnections, tc.name, heap, stack)
			if heap > maxHeapPerConnection {
				t.Fatalf("a silent connection costs %d B of heap, want at most %d", heap, maxHeapPerConnection)
			}
			if heap+stack > maxPerConnection {
				t.Fatalf("a silent connection costs %d B of heap and stack, want at most %d", heap+stack, maxPerConnection)
			}
		})
	}
}

// heapNow is the heap after a collection.
func heapNow() runtime.MemStats {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m
}
