//go:build !linux

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "vminit is the init of zeroplug's Linux test VM (internal/vmtest)")
	os.Exit(2)
}
