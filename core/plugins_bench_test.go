package core

import (
	"context"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/plugins/tcp"
	"github.com/zeroplug/zeroplug/sdk"
	"github.com/zeroplug/zeroplug/sdk/sdktest"
)

// The plugin platform's cost: tcp against tcpplug, the same driver served
// from a plugin process, and what setting up through a plugin costs.
//
//	go test -run '^$' -bench 'Plugin' -count 5 ./core
//
// After connection set-up both run ZMTP over a *net.TCPConn in this
// process: the plugin is out of the data path, and the figures should match.

// benchPluginDir builds tcpplug for one benchmark.
func benchPluginDir(b *testing.B) string {
	b.Helper()
	if runtime.GOOS != "linux" {
		b.Skip("transport plugins need Linux")
	}
	dir := b.TempDir()
	sdktest.BuildIn(b, dir, testPlugins["tcpplug"], "tcpplug")
	b.Setenv("XDG_CACHE_HOME", b.TempDir())
	return dir
}

// BenchmarkPluginVsTCP compares tcp and tcpplug in one run: both socket
// pairs are set up first, then the b.N messages (or round trips) go in 40
// rounds, each round over tcp and over tcpplug, in alternating order. It
// reports the median of the rounds' ns per message for each, and how much
// slower tcpplug is, in percent (negative: faster), from the median of the
// rounds' ratios. The modes are libzmq's
// perf tools': throughput of 16 B and 1 KiB messages PUSH to PULL with the
// high-water marks off, and REQ-REP round trips of 16 B.
func BenchmarkPluginVsTCP(b *testing.B) {
	dir := benchPluginDir(b)
	for _, m := range []struct {
		name    string
		size    int
		latency bool
	}{{"thr-16B", 16, false}, {"thr-1KiB", 1024, false}, {"lat-16B", 16, true}} {
		b.Run(m.name, func(b *testing.B) {
			c := NewContext(WithPluginPath(dir))
			defer c.Close()
			schemes := []string{"tcp", "tcpplug"}
			run := map[string]func(n int){}
			for _, scheme := range schemes {
				if m.latency {
					run[scheme] = latencyPair(b, c, scheme, m.size)
				} else {
					run[scheme] = throughputPair(b, c, scheme, m.size)
				}
				run[scheme](100) // warm up: the connection is up
			}
			const rounds = 40
			per := max(1, b.N/rounds)
			took := map[string][]float64{}
			var ratios []float64
			b.ResetTimer()
			for r := range rounds {
				for i := range schemes {
					scheme := schemes[(i+r)%2]
					t0 := time.Now()
					run[scheme](per)
					took[scheme] = append(took[scheme], float64(time.Since(t0).Nanoseconds())/float64(per))
				}
				ratios = append(ratios, took["tcpplug"][r]/took["tcp"][r])
			}
			b.StopTimer()
			b.ReportMetric(median(took["tcp"]), "tcp-ns/msg")
			b.ReportMetric(median(took["tcpplug"]), "tcpplug-ns/msg")
			// The median of each round's ratio: the two halves of a round
			// run moments apart, under the same load.
			b.ReportMetric(100*(median(ratios)-1), "%slower")
		})
	}
}

// throughputPair is a PUSH to PULL pair over scheme; the function sends n
// messages and returns once the PULL has them all.
func throughputPair(b *testing.B, c *Context, scheme string, size int) func(n int) {
	pull, _ := c.NewSocket(PULL, RecvHWM(0))
	if err := pull.Bind(scheme + "://127.0.0.1:*"); err != nil {
		b.Fatal(err)
	}
	push, _ := c.NewSocket(PUSH, SendHWM(0))
	push.Connect(pull.LastEndpoint())
	return func(n int) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			for range n {
				push.Send(make([]byte, size))
			}
		}()
		for range n {
			if _, err := pull.Recv(); err != nil {
				b.Error(err)
				break
			}
		}
		<-done
	}
}

// latencyPair is a REQ to an echoing REP over scheme; the function makes n
// round trips.
func latencyPair(b *testing.B, c *Context, scheme string, size int) func(n int) {
	rep, _ := c.NewSocket(REP)
	if err := rep.Bind(scheme + "://127.0.0.1:*"); err != nil {
		b.Fatal(err)
	}
	req, _ := c.NewSocket(REQ)
	req.Connect(rep.LastEndpoint())
	go func() {
		for {
			f, err := rep.Recv()
			if err != nil {
				return
			}
			rep.Send(f...)
		}
	}()
	return func(n int) {
		for range n {
			req.Send(make([]byte, size))
			if _, err := req.Recv(); err != nil {
				b.Error(err)
				return
			}
		}
	}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// BenchmarkPluginStart: a plugin process from exec to serving (go-plugin's
// handshake, the gRPC connection, the Info call), and its stop.
func BenchmarkPluginStart(b *testing.B) {
	dir := benchPluginDir(b)
	c := NewContext(WithPluginPath(dir))
	defer c.Close()
	p, err := c.drivers.plugins.Driver("tcpplug")
	if err != nil {
		b.Fatal(err)
	}
	var start float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		info, err := p.Start(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		start += float64(info.StartTime.Microseconds())
		b.StopTimer()
		p.Stop()
		b.StartTimer()
	}
	b.ReportMetric(start/float64(b.N), "µs-start")
}

// BenchmarkPluginDial: one connection set up through the driver, the
// plugin running: tcp's Dial, against tcpplug's (a gRPC call, the dial in
// the plugin, the descriptor's hand-off and checks).
func BenchmarkPluginDial(b *testing.B) {
	dir := benchPluginDir(b)
	c := NewContext(WithPluginPath(dir))
	defer c.Close()
	plug, err := c.drivers.plugins.Driver("tcpplug")
	if err != nil {
		b.Fatal(err)
	}
	for _, d := range []sdk.Driver{tcp.Driver{}, plug} {
		scheme := d.Schemes()[0]
		b.Run(scheme, func(b *testing.B) {
			ctx := context.Background()
			l, err := d.Listen(ctx, sdk.Endpoint{Scheme: scheme, Address: "127.0.0.1:*"}, sdk.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			go func() {
				for {
					c, err := l.Accept()
					if err != nil {
						return
					}
					c.Close()
				}
			}()
			ep := l.Endpoint()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				conn, err := d.Dial(ctx, ep, sdk.Options{})
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				conn.Close()
				b.StartTimer()
			}
		})
	}
}
