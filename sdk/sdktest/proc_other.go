//go:build !linux

package sdktest

import "time"

// Gone reports whether process pid has ended; plugins run on Linux only.
func Gone(pid int, wait time.Duration) bool { return true }

// Alive reports whether process pid runs; plugins run on Linux only.
func Alive(pid int) bool { return false }
