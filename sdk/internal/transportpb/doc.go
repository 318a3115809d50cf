// Package transportpb is the generated Go code of transport.proto, the gRPC
// service between zeroplug's core and a transport plugin process. It is
// internal: the service is an implementation detail of sdk.Serve and
// sdk/pluginhost, free to grow new methods with a new DriverVersion.
//
// `make proto` regenerates it, with the pinned code generators; the
// generated files are committed, so that no build needs protoc.
package transportpb
