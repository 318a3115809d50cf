// Package zeroplug is a ZeroMQ-compatible messaging library in pure Go.
package zeroplug

import _ "github.com/zeroplug/zeroplug/core"
