package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/zeroplug/zeroplug/core"
)

// exitHelped is what a parse function returns after printing help that the command
// line asked for (such as '-o help'): the command exits with status 0 and does nothing
// else.
const exitHelped = -1

// parseOptions turns -o NAME=VALUE flags into socket options by libzmq's names.
func parseOptions(flags []string) ([]core.Option, error) {
	var opts []core.Option
	for _, f := range flags {
		name, value, ok := strings.Cut(f, "=")
		if !ok {
			return nil, fmt.Errorf("-o %s: want NAME=VALUE ('-o help' lists the names)", f)
		}
		o, err := core.ParseOption(name, value)
		if err != nil {
			return nil, fmt.Errorf("-o %s: %v", f, err)
		}
		opts = append(opts, o)
	}
	return opts, nil
}

// printOptionNames prints the names -o takes, one a line.
func printOptionNames(w io.Writer) {
	for _, n := range core.OptionNames() {
		fmt.Fprintln(w, n)
	}
}
