//go:build !linux

package main

import "github.com/zeroplug/zeroplug/sdk"

// keepAlive does nothing where plugins do not run.
func (l *listener) keepAlive(sdk.Options) error { return nil }
