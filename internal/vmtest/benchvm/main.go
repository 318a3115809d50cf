// Command benchvm runs zeroplug's guest benchmark (make bench-vm): it boots
// the test VM of internal/vmtest and runs there, over vsock and tipc,
// zeroplug through the plugin binaries, zeroplug with the same driver linked
// in, and a plain Go socket program doing the same transfer, in turn, three
// rounds (-rounds); it prints the table of medians (Markdown). With -v, the
// guest's whole console too.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/zeroplug/zeroplug/internal/vmtest"
)

func main() {
	verbose := flag.Bool("v", false, "print the guest's console as it comes")
	rounds := flag.Int("rounds", 3, "rounds of each measurement; the table gives the median")
	flag.Parse()
	if err := run(*verbose, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "benchvm:", err)
		os.Exit(1)
	}
}

func run(verbose bool, rounds int) error {
	root, err := vmtest.ModuleRoot()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "zeroplug-benchvm-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	fmt.Fprintln(os.Stderr, "benchvm: building the guest's binaries")
	bins, err := vmtest.Build(ctx, root, dir)
	if err != nil {
		return err
	}
	var console io.Writer
	if verbose {
		console = os.Stderr
	}
	fmt.Fprintln(os.Stderr, "benchvm: booting the test VM (qemu, software emulation); this takes a few minutes")
	res, err := vmtest.Run(ctx, vmtest.Config{
		Init:    bins.Init,
		Plan:    vmtest.BenchPlan(bins, rounds),
		Timeout: 30 * time.Minute,
		Console: console,
		Logf:    func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) },
	})
	if err != nil {
		return err
	}
	in := false
	for _, s := range res.Steps {
		for _, l := range s.Output {
			switch {
			case l == "BENCH-TABLE-BEGIN":
				in = true
			case l == "BENCH-TABLE-END":
				in = false
			case in:
				fmt.Println(l)
			}
		}
	}
	fmt.Printf("\nGuest: %s, init at %.2f s of uptime; the run took %v.\n", res.Kernel, res.BootUptime, res.Wall.Round(time.Second))
	if f := res.Failed(); len(f) > 0 {
		for _, s := range res.Steps {
			fmt.Fprintln(os.Stderr, strings.Join(s.Output, "\n"))
		}
		return fmt.Errorf("%s", strings.Join(f, "; "))
	}
	return nil
}
