// Package pluginhost runs transport plugins: programs named
// zeroplug-transport-<name> that serve a Driver (see sdk.Serve) from their
// own process. A Plugin is an sdk.Driver like any linked-in one; the core
// registers it for the plugin's schemes and never sees the process behind.
//
// # Finding a plugin
//
// A plugin is found by the schemes it declares, not by its file name. The
// Host reads every executable file whose name begins with
// zeroplug-transport- in these directories, in order:
//
//  1. the directories the application registers (Config.Dirs, which the
//     core fills from core.WithPluginPath), an explicit choice;
//  2. the directories of $ZEROPLUG_PLUGIN_PATH, colon-separated, the
//     deployment's choice;
//  3. ~/.zeroplug/plugins;
//  4. the directory of the running executable.
//
// and learns what each declares by running it once with the argument
// "describe" (sdk.Serve prints a JSON Description: name, version, schemes,
// driver interface version, and exits; no handshake, no descriptor
// channel). The result is its Catalog: one binary, zeroplug-transport-pgm,
// serves pgm:// and epgm://, with no link. A file with the name of one in
// an earlier directory is hidden, as in $PATH. A scheme declared by two
// binaries is served by the one in the earlier directory and, within one
// directory, by the file named for the scheme, else the first by file
// name; the other is listed as shadowed (Entry.Shadowed, `zeroplug
// plugins`), and the Host logs it. Links to one file are one plugin and
// share one process. A binary that fails describe (exits non-zero, hangs
// past StartTimeout, prints no valid description, declares no scheme or
// another driver interface) wraps ErrDescribe: it is logged and skipped,
// and the others are found.
//
// Descriptions are cached, so that a start does not run every plugin: in
// $XDG_CACHE_HOME/zeroplug/plugins.json (os.UserCacheDir() when unset), a
// file's path, size and modification time map to its sha256, and a sha256
// to its description. A file touched is hashed again, not run; a file
// changed is run again. The cache is replaced atomically, a corrupt one is
// ignored and rewritten, and files gone are dropped from it.
//
// # Trust
//
// A manifest pins the plugins that may run. It is the output of sha256sum
// run in the plugin directory (lines "<hex sha256>  <file name>", '#'
// comments). With a manifest (Config.Manifest, core.WithPluginManifest or
// $ZEROPLUG_PLUGIN_MANIFEST), a plugin runs only if its file name is listed
// and its contents hash to the listed value (go-plugin's SecureConfig, checked
// just before exec); anything else is refused with ErrChecksum or
// ErrNotPinned, which name the file, the manifest and both sums. The
// manifest is checked before a binary is first run, for describe too (the
// file is hashed then, whatever the cache says), and again by go-plugin
// before it is started to serve. A manifest that cannot be read refuses
// every plugin.
//
// # Process lifetime
//
// Nothing runs until a Listen, Dial or Validate (a bind or connect) needs
// the plugin: then one process starts for the Host (one core.Context), and
// stays until Host.Close. The process is a go-plugin v1.8.0 client over gRPC
// only, with a magic cookie and the protocol version sdk.DriverVersion
// (go-plugin's VersionedPlugins, so a later version of the driver interface
// can be offered beside this one). Its hclog JSON lines on stderr become
// lines of the Host's logger, under the plugin's file name.
//
// The plugin dies with its host: it is started with the parent-death signal
// SIGKILL (Linux's PR_SET_PDEATHSIG, from an OS thread that lives as long as
// the process), and sdk.Serve also exits when its end of the hand-off
// socketpair reports the host gone. go-plugin's unix socket lives in a
// private directory that the Host removes as soon as the gRPC connection is
// up, so no socket file is left behind even when the host is killed.
//
// A process that exits without Host.Close or Plugin.Stop has crashed: the
// Host logs it, calls Config.OnExit (the core turns it into a monitor event,
// core.EventPluginCrashed), and the next Listen, Dial or Validate starts a
// new process. Connections and listening sockets already handed over live in
// the core's process and keep working.
//
// # The data path: descriptors, not bytes
//
// At start the Host gives the plugin one end of a private AF_UNIX
// SOCK_SEQPACKET socketpair as its fd 3. For each Listen, Dial or Accept the
// Host picks a 64-bit token and sends it in the request; the plugin does the
// control work (resolve, bind, listen, dial) and sends the resulting
// descriptor with that token (SCM_RIGHTS) before it answers. The Host checks
// what it receives before trusting it: a stream socket (SO_TYPE) of a family
// it knows (SO_DOMAIN: inet, inet6, unix, vsock, tipc), listening or
// connected as asked (SO_ACCEPTCONN). It wraps inet and unix descriptors with
// the standard library (keeping the plugin's keep-alive settings, which
// net.FileConn would change) and the others with github.com/mdlayher/socket,
// since net.FileConn refuses AF_VSOCK and AF_TIPC. From then on the core reads
// and writes the kernel socket itself, at native speed; the plugin is out of
// the data path.
//
// A listening socket is handed over too: the core accepts on it in its own
// process. The plugin keeps its copy until the core closes the listener (so
// that an ipc-like transport unlinks its socket file then); if the plugin has
// died meanwhile, the Host unlinks a pathname socket itself.
//
// A transport whose protocol runs in user space (pgm, norm) hands over one
// end of a socketpair and speaks ZMTP on the other (sdk.StreamPair). A
// driver's connection that has no kernel socket at all is spliced by
// sdk.Serve through such a pair, so every Driver can be served, fast or not.
//
// # Errors
//
// A plugin's errors keep their class across the process boundary:
// errors.Is(err, sdk.ErrBadEndpoint), sdk.ErrNoSuchDevice, ErrNotSupported,
// ErrUnknownScheme, net.ErrClosed, context.Canceled, DeadlineExceeded, the
// system errno (syscall.ECONNREFUSED) and its sentinel (sdk.ErrConnRefused,
// rebuilt from the errno) hold as they did in the plugin. A
// scheme no plugin serves is ErrNotFound, with the plugins found and the
// directories searched (Host.Describe); a scheme whose file
// (zeroplug-transport-<scheme>) was refused or failed describe gets that
// file's error instead.
//
// Everything here needs Linux; elsewhere a Host finds plugins but refuses to
// start them with sdk.ErrNotSupported.
package pluginhost
