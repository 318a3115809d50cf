package sdk

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
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
// Build it with CGO_ENABLED=0 as zeroplug-transport-<scheme> and put it in a
// plugin directory (see sdk/pluginhost): the core starts it on the first
// bind or connect to one of d's schemes. Serve never returns; the process
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
// Run by hand, a plugin binary prints what it is and exits; with -version,
// its name, version and schemes.
func Serve(d Driver) {
	name, version := pluginName(), pluginVersion(d)
	if len(os.Args) > 1 && strings.TrimLeft(os.Args[1], "-") == "version" {
		fmt.Printf("%s %s (driver interface %d) schemes: %s\n", name, version, DriverVersion, strings.Join(d.Schemes(), " "))
		os.Exit(0)
	}
	os.Exit(serve(d, name, version))
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

func pluginName() string {
	return strings.TrimPrefix(filepath.Base(os.Args[0]), PluginPrefix)
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
