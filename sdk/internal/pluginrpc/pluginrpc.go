// Package pluginrpc holds what both ends of the plugin protocol share: the
// go-plugin handshake, the gRPC plugin type and the environment a host sets
// for its plugin. sdk.Serve is one end, sdk/pluginhost the other.
package pluginrpc

import (
	"context"
	"net"

	"github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	pb "github.com/zeroplug/zeroplug/sdk/internal/transportpb"
)

// Handshake is go-plugin's handshake for transport plugins. The cookie only
// tells a plugin binary that a host started it (and a user who runs one by
// hand why it does nothing); it is no security measure.
var Handshake = plugin.HandshakeConfig{
	MagicCookieKey:   "ZEROPLUG_TRANSPORT_PLUGIN",
	MagicCookieValue: "3f5b0c6e1a9d47b2-zmtp-driver",
}

// Name is the name the transport service is dispensed under.
const Name = "transport"

// Environment a host sets for its plugin.
const (
	// EnvFD names the descriptor of the plugin's end of the hand-off
	// socketpair (3: the first of exec.Cmd.ExtraFiles).
	EnvFD = "ZEROPLUG_PLUGIN_FD"
	// EnvLogLevel is the host logger's level, so that a plugin does not
	// write lines the host would drop.
	EnvLogLevel = "ZEROPLUG_PLUGIN_LOG_LEVEL"
)

// Versions is go-plugin's VersionedPlugins for a plugin that serves version
// driverVersion of the driver interface with p.
func Versions(driverVersion int, p *Plugin) map[int]plugin.PluginSet {
	return map[int]plugin.PluginSet{driverVersion: {Name: p}}
}

// Plugin is the go-plugin plugin type of the transport service: gRPC only.
// Transport is set on the plugin's side.
type Plugin struct {
	plugin.NetRPCUnsupportedPlugin
	Transport pb.TransportServer
}

// GRPCServer registers the transport service.
func (p *Plugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterTransportServer(s, p.Transport)
	return nil
}

// GRPCClient returns a *Client. ctx ends when the plugin process exits.
func (p *Plugin) GRPCClient(ctx context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &Client{TransportClient: pb.NewTransportClient(c), Done: ctx.Done()}, nil
}

// Client is the host's side of the service.
type Client struct {
	pb.TransportClient
	// Done is closed when the plugin process has exited.
	Done <-chan struct{}
}

// NewServer builds the plugin's side of the service for a driver (an
// sdk.Driver) that hands descriptors over fds, and returns it with the
// function that closes what it still holds. Package sdk sets it, so that
// pluginhost can serve a driver in-process without importing sdk's
// internals.
var NewServer func(driver any, fds *net.UnixConn, log hclog.Logger) (srv pb.TransportServer, stop func())
