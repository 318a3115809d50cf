package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/zeroplug/zeroplug/sdk/pluginhost"
)

const pluginsHelp = `Usage: zeroplug plugins [--path DIR]... [--manifest FILE] [--timeout D]

plugins lists the transport plugins a program would find: every executable file whose
name begins with zeroplug-transport- in the plugin directories, in search order, with
its path, sha256 and the schemes it declares (run with the argument "describe", or
from the description cache). It starts each one, checks that it completes the plugin
handshake, prints its version, and stops it.

The directories, in the order a bind or connect searches them: those of --path, those
of $ZEROPLUG_PLUGIN_PATH (colon-separated), ~/.zeroplug/plugins, and the directory of
the running program. Of two files with one name, the first found is used, and listed.
A scheme two plugins declare is served by the one in the earlier directory (in one
directory, by the file named zeroplug-transport-<scheme>, else the first by name); the
other shows it as shadowed.

Flags:
  --path DIR       search DIR first; repeat for several.
  --manifest FILE  check every plugin against FILE, a manifest of sha256 sums (the
                   output of sha256sum), as a program with that manifest would:
                   a plugin not listed, or whose sum differs, fails. Without it,
                   $ZEROPLUG_PLUGIN_MANIFEST names the manifest, if set.
  --timeout D      how long a plugin may take to start (default 20s).
  -h, --help       print this text.

Exit status: 0 when every plugin found starts (also when none is found), 1 when one
fails, 2 for a usage error.

A manifest pinning the plugins found in a directory:
  cd ~/.zeroplug/plugins && sha256sum zeroplug-transport-* > SHA256SUMS
`

func init() { commandHelp["plugins"] = pluginsHelp }

// runPlugins is `zeroplug plugins`.
func runPlugins(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("plugins")
	var paths listFlag
	fs.Var(&paths, "path", "")
	manifest := fs.String("manifest", "", "")
	timeout := fs.Duration("timeout", 20*time.Second, "")
	rest, err := parseArgs(fs, args)
	switch {
	case errors.Is(err, errHelp):
		fmt.Fprint(stdout, pluginsHelp)
		return exitOK
	case err != nil:
		fmt.Fprintf(stderr, "zeroplug plugins: %v\nRun 'zeroplug plugins --help' for usage.\n", err)
		return exitUsage
	case len(rest) > 0:
		fmt.Fprintf(stderr, "zeroplug plugins: unexpected argument %q\nRun 'zeroplug plugins --help' for usage.\n", rest[0])
		return exitUsage
	}

	h := pluginhost.New(pluginhost.Config{
		Dirs:         paths,
		Manifest:     *manifest,
		StartTimeout: *timeout,
		Logger:       hclog.New(&hclog.LoggerOptions{Name: "zeroplug", Output: stderr, Level: hclog.Warn}),
	})
	defer h.Close()
	catalog := h.Catalog()
	found := catalog.Plugins
	fmt.Fprintf(stdout, "directories searched: %s\n", strings.Join(catalog.Dirs, ", "))
	if len(found) == 0 {
		fmt.Fprintln(stdout, "no plugins found")
		return exitOK
	}

	// Check every plugin at once; print them in order.
	reports := make([]string, len(found))
	failed := make([]bool, len(found))
	var wg sync.WaitGroup
	for i, f := range found {
		wg.Go(func() { reports[i], failed[i] = checkPlugin(ctx, h, f, *timeout) })
	}
	wg.Wait()
	status, nfailed := exitOK, 0
	for i := range found {
		fmt.Fprint(stdout, reports[i])
		if failed[i] {
			status = exitError
			nfailed++
		}
	}
	fmt.Fprintf(stdout, "%d plugins, %d failed\n", len(found), nfailed)
	return status
}

// checkPlugin starts one plugin and describes it; true if it failed. A
// plugin refused by the manifest or failing describe is not started.
func checkPlugin(ctx context.Context, h *pluginhost.Host, e *pluginhost.Entry, timeout time.Duration) (string, bool) {
	var b strings.Builder
	sum := "(unreadable)"
	if e.SHA256 != nil {
		sum = fmt.Sprintf("%x", e.SHA256)
	}
	path := e.Path
	if e.Real != e.Path {
		path += " -> " + e.Real
	}
	err := e.Err
	var info pluginhost.Info
	if err == nil {
		var p *pluginhost.Plugin
		if p, err = h.Open(e.Path); err == nil {
			sctx, cancel := context.WithTimeout(ctx, timeout)
			info, err = p.Start(sctx)
			cancel()
			p.Stop()
		}
	}
	if err != nil {
		fmt.Fprintf(&b, "%s  FAILED: %v\n", e.Name, err)
	} else {
		fmt.Fprintf(&b, "%s  ok\n", e.Name)
	}
	fmt.Fprintf(&b, "  path     %s\n", path)
	fmt.Fprintf(&b, "  sha256   %s\n", sum)
	if e.Err == nil {
		fmt.Fprintf(&b, "  schemes  %s\n", strings.Join(e.Description.Schemes, " "))
		var shadowed []string
		for _, s := range e.Description.Schemes {
			if by, ok := e.Shadowed[s]; ok {
				shadowed = append(shadowed, s+" (served by "+by+")")
			}
		}
		if len(shadowed) > 0 {
			fmt.Fprintf(&b, "  shadowed %s\n", strings.Join(shadowed, ", "))
		}
	}
	if err == nil {
		fmt.Fprintf(&b, "  version  %s %s, driver interface %d, %s\n", info.Name, info.Version, info.DriverVersion, info.GoVersion)
		fmt.Fprintf(&b, "  started  in %v (pid %d)\n", info.StartTime.Round(10*time.Microsecond), info.Pid)
	}
	return b.String(), err != nil
}
