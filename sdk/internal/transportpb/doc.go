// Package transportpb is the generated Go code of transport.proto, the gRPC
// service between zeroplug's core and a transport plugin process. It is
// internal: the service is an implementation detail of sdk.Serve and
// sdk/pluginhost, free to grow new methods with a new DriverVersion.
package transportpb

//go:generate protoc --proto_path=. --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative transport.proto
