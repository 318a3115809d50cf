//go:build race

package pgm

// raceEnabled: the tests run under the race detector, and so do the binaries they
// build (the plugin's goroutines are where the driver's concurrency is).
const raceEnabled = true
