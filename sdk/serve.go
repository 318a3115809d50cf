package sdk

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/zeroplug/zeroplug/sdk/internal/pluginrpc"
)

// Serve runs d as a transport plugin, and is the whole main of a plugin
// binary:
//
//	package main
//
//	import (
//		"example.com/mytransport"
//		"github.com/zeroplug/zeroplug/sdk"
//	)
//
//	func main() { sdk.Serve(mytransport.Driver{}) }
//
// Build it with CGO_ENABLED=0 as zeroplug-transport-<name> and put it in a
// plugin directory (see sdk/pluginhost): the core finds it by the schemes
// it declares (d.Schemes) and starts it on the first bind or connect to one
// of them. Serve never returns; the process
// exits when the host stops it or dies.
//
// Serve answers the host's Listen and Dial by calling d, then hands the
// kernel socket behind the result to the core, which does all I/O on it
// itself. It finds that socket through a SyscallConn method, which
// *net.TCPConn, *net.UnixConn, their listeners and mdlayher/socket's Conn
// have: give one to your Listener (return it from its own SyscallConn) so
// that the core accepts in its own process too. A connection without a
// kernel socket is spliced through a StreamPair, at the cost of a copy; a
// Listener without one is accepted on in the plugin.
//
// Serve sends log lines to the host's logger: hclog.Default() and the
// standard library's log package write there once Serve has begun. Nothing
// may be printed on standard output before it: go-plugin's handshake uses it.
//
// Run with the single argument "describe", a plugin binary prints its
// description (name, version, schemes, driver interface version) as JSON
// and exits: that is how a host learns which schemes a binary serves,
// whatever its file name. Run by hand with -h or --help, it says what it is
// and how it is used, and exits 0; with -version, its name, version and
// schemes; with anything else and no host, the same help on standard error,
// exiting 1.
func Serve(d Driver) {
	name, version := pluginName(), pluginVersion(d)
	if len(os.Args) == 2 {
		switch os.Args[1] {
		case pluginrpc.DescribeArg:
			os.Exit(describe(os.Stdout, d, name, version))
		case "-h", "-help", "--help":
			printHelp(os.Stdout, d, name)
			os.Exit(0)
		}
		if strings.TrimLeft(os.Args[1], "-") == "version" {
			fmt.Printf("%s %s (driver interface %d) schemes: %s\n", name, version, DriverVersion, strings.Join(d.Schemes(), " "))
			os.Exit(0)
		}
	}
	if os.Getenv(pluginrpc.Handshake.MagicCookieKey) != pluginrpc.Handshake.MagicCookieValue {
		// Run by hand: go-plugin would only say that it is a plugin.
		printHelp(os.Stderr, d, name)
		os.Exit(1)
	}
	os.Exit(serve(d, name, version))
}

// describe prints the plugin's description for the host.
func describe(w io.Writer, d Driver, name, version string) int {
	err := json.NewEncoder(w).Encode(pluginrpc.Description{
		Name:            name,
		Version:         version,
		Schemes:         d.Schemes(),
		ProtocolVersion: DriverVersion,
		GoVersion:       runtime.Version(),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// printHelp says what the plugin is to a user who runs it by hand.
func printHelp(w io.Writer, d Driver, name string) {
	fmt.Fprintf(w, "%s is the zeroplug transport plugin %q for the schemes %s.\n\n"+
		"zeroplug starts it when a socket binds or connects to one of them: put it, under\n"+
		"any file name beginning with %s, in a plugin directory\n"+
		"($ZEROPLUG_PLUGIN_PATH, ~/.zeroplug/plugins or next to the program) and check it\n"+
		"with 'zeroplug plugins'.\n\n"+
		"Usage: %s describe   print what it serves, as JSON\n"+
		"       %s -version   print its name, version and schemes\n",
		filepath.Base(os.Args[0]), name, strings.Join(d.Schemes(), ", "), PluginPrefix,
		filepath.Base(os.Args[0]), filepath.Base(os.Args[0]))
}

// Versioner is implemented by a Driver that states its own version, shown by
// `zeroplug plugins`. Without it, Serve reports the main module's version
// from the binary's build information.
type Versioner interface {
	Version() string
}

// PluginPrefix begins the file name of every plugin binary:
// zeroplug-transport-<scheme>.
const PluginPrefix = "zeroplug-transport-"

// pluginName is the plugin's name: that of its main package
// (.../cmd/zeroplug-transport-unixalt is "unixalt"), so that it depends on
// what the binary is, not on the name it was installed under, and a host may
// cache a description by the file's contents. Without build information,
// the file name stands in.
func pluginName() string {
	name := filepath.Base(os.Args[0])
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Path != "" && bi.Path != "command-line-arguments" {
		name = path.Base(bi.Path)
	}
	return strings.TrimPrefix(name, PluginPrefix)
}

func pluginVersion(d Driver) string {
	if v, ok := d.(Versioner); ok {
		return v.Version()
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
