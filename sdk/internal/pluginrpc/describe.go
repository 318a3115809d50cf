package pluginrpc

// DescribeArg is the argument that makes a plugin binary print its
// Description as one JSON object on standard output and exit 0, without
// go-plugin's handshake: the host learns once what a binary serves, whatever
// its file name, as Packer's plugins answer "describe".
const DescribeArg = "describe"

// DescriptionMax bounds what a host reads of a description; a plugin that
// prints more has failed describe.
const DescriptionMax = 64 << 10

// Description is what a plugin binary declares about itself. Its JSON names
// are part of the plugin protocol: a plugin built with one version of the
// sdk is described by a host built with another.
type Description struct {
	// Name and Version are the plugin's own ("unixalt", "v1.0.0").
	Name    string `json:"name"`
	Version string `json:"version"`
	// Schemes are every endpoint scheme it serves ("pgm", "epgm").
	Schemes []string `json:"schemes"`
	// ProtocolVersion is the version of the driver interface it serves
	// (sdk.DriverVersion), go-plugin's protocol version.
	ProtocolVersion int `json:"protocol_version"`
	// GoVersion is the toolchain it was built with.
	GoVersion string `json:"go_version"`
}
