package pluginhost

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"
	"slices"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"

	"github.com/zeroplug/zeroplug/sdk"
	"github.com/zeroplug/zeroplug/sdk/internal/fdpass"
	"github.com/zeroplug/zeroplug/sdk/internal/pluginrpc"
	pb "github.com/zeroplug/zeroplug/sdk/internal/transportpb"
)

// InProcess returns a Plugin that serves d in this process, through the
// same gRPC service and descriptor hand-off as a plugin process, without
// go-plugin's exec and handshake. It is for tests (sdktest) and debugging:
// the race detector and a debugger see both sides. Host.Close stops it.
func (h *Host) InProcess(d sdk.Driver) *Plugin {
	name := "in-process:" + fmt.Sprint(d.Schemes())
	p := &Plugin{h: h, found: Found{Name: name, Scheme: d.Schemes()[0], Path: name, Real: name}}
	p.start = func() (*process, error) { return startInProcess(p, d) }
	h.mu.Lock()
	h.byPath[name] = p
	h.mu.Unlock()
	return p
}

func startInProcess(p *Plugin, d sdk.Driver) (*process, error) {
	t0 := time.Now()
	hostEnd, childFile, err := fdpass.Socketpair()
	if err != nil {
		return nil, err
	}
	child, err := fdpass.FileConn(childFile)
	if err != nil {
		hostEnd.Close()
		return nil, err
	}
	srv, stopServer := pluginrpc.NewServer(d, child, p.h.log.Named(p.found.Name))
	gs := grpc.NewServer()
	pb.RegisterTransportServer(gs, srv)
	lis := bufconn.Listen(1 << 20)
	served := make(chan struct{})
	go func() { gs.Serve(lis); close(served) }()
	conn, err := grpc.Dial("in-process",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		gs.Stop()
		<-served
		stopServer()
		child.Close()
		hostEnd.Close()
		return nil, err
	}
	rc := pb.NewTransportClient(conn)
	exited := make(chan struct{})
	var once sync.Once
	kill := func() {
		once.Do(func() {
			conn.Close()
			gs.Stop()
			<-served
			stopServer()
			child.Close()
			close(exited)
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), p.h.cfg.StartTimeout)
	info, err := rc.Info(ctx, &pb.InfoRequest{DriverVersion: sdk.DriverVersion})
	cancel()
	if err != nil {
		kill()
		hostEnd.Close()
		return nil, err
	}
	pr := &process{
		plat: plat{
			name:       p.found.Name,
			rpc:        rc,
			fds:        fdpass.NewReceiver(hostEnd),
			kill:       kill,
			exitStatus: func() string { return "stopped" },
		},
		exited:  exited,
		cleaned: make(chan struct{}),
		info: Info{
			Name: info.Name, Version: info.Version, GoVersion: runtime.Version(),
			Schemes: slices.Clone(info.Schemes), DriverVersion: int(info.DriverVersion),
			Pid: os.Getpid(), StartTime: time.Since(t0),
		},
	}
	pr.release = func() { pr.fds.Close() }
	return pr, nil
}
