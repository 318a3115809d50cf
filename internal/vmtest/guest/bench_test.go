//go:build linux

package guest

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	sock "github.com/mdlayher/socket"
	"github.com/mdlayher/vsock"
	"golang.org/x/sys/unix"

	"github.com/zeroplug/zeroplug/core"
	"github.com/zeroplug/zeroplug/internal/vmguest"
	"github.com/zeroplug/zeroplug/plugins/tipc"
	"github.com/zeroplug/zeroplug/plugins/vmci"
)

// TestBench compares, over vsock and tipc in this guest, three ways of
// doing the same transfer: a plain Go socket program that writes and reads
// the very bytes ZMTP puts on the wire (the ceiling), zeroplug through the
// plugin binaries (the connection made in the plugin, handed to the core),
// and zeroplug with the same driver linked in. The three run one after the
// other, in a different order each round; each figure is the median of the
// rounds. The plugin path against the linked-in driver is the cost of the
// plugin after connection set-up (the linked-in runs have two idle plugin
// processes too, so that only the path differs); the plain program against
// either is zeroplug's own. It runs when asked: make bench-vm.
func TestBench(t *testing.T) {
	if os.Getenv(vmguest.EnvBench) == "" {
		t.Skip("the benchmark runs when asked: make bench-vm")
	}
	rounds, err := strconv.Atoi(os.Getenv(vmguest.EnvBench))
	if err != nil || rounds < 1 {
		rounds = 3
	}
	type transfer struct {
		name  string
		size  int
		count int
	}
	transfers := []transfer{
		{"thr 1 KiB", 1 << 10, 100000},
		{"thr 64 KiB", 64 << 10, 3000},
		{"lat 64 B", 64, 3000},
	}
	var table []string
	for _, tr := range []struct {
		name    string
		bind    func() string
		require func(vmguest.TB)
		plain   plainNet
		driver  func() core.ContextOption
	}{
		{"vsock", func() string { return "vsock://1:*" }, vmguest.RequireVsock, vsockNet{},
			func() core.ContextOption { return core.WithDriver(vmci.Driver{}) }},
		{"tipc", func() string { return fmt.Sprintf("tipc://{%d,0,0}", freshType()) }, vmguest.RequireTIPC, tipcNet{},
			func() core.ContextOption { return core.WithDriver(tipc.Driver{}) }},
	} {
		tr.require(t)
		impls := []struct {
			name string
			run  func(x transfer) float64 // MB/s, or µs one way
		}{
			{"plain socket", func(x transfer) float64 {
				if strings.HasPrefix(x.name, "lat") {
					return plainLat(t, tr.plain, x.size, x.count)
				}
				return plainThr(t, tr.plain, x.size, x.count)
			}},
			{"zeroplug, plugin", func(x transfer) float64 {
				return zeroplugRun(t, core.WithPluginPath(vmguest.Plugins(t)), tr.bind(), x.name, x.size, x.count)
			}},
			{"zeroplug, linked in", func(x transfer) float64 {
				defer idlePlugins(t, tr.bind)()
				return zeroplugRun(t, tr.driver(), tr.bind(), x.name, x.size, x.count)
			}},
		}
		for _, x := range transfers {
			results := make([][]float64, len(impls))
			for r := range rounds {
				for k := range impls {
					i := (k + r) % len(impls) // alternate the order
					results[i] = append(results[i], impls[i].run(x))
				}
			}
			unit := "MB/s"
			if strings.HasPrefix(x.name, "lat") {
				unit = "µs one way"
			}
			row := fmt.Sprintf("| %s | %s (%s) |", tr.name, x.name, unit)
			for i := range impls {
				row += fmt.Sprintf(" %.1f (%.1f–%.1f) |", median(results[i]), slices.Min(results[i]), slices.Max(results[i]))
			}
			plain, plug, linked := median(results[0]), median(results[1]), median(results[2])
			row += fmt.Sprintf(" %+.1f %% | %+.1f %% |", (plug-linked)/linked*100, (plug-plain)/plain*100)
			table = append(table, row)
			t.Logf("%s %s: %v", tr.name, x.name, results)
		}
	}
	fmt.Println("BENCH-TABLE-BEGIN")
	fmt.Printf("| transport | transfer | plain socket | zeroplug through the plugin | zeroplug, driver linked in | plugin vs linked in | plugin vs plain |\n")
	fmt.Printf("| --- | --- | --- | --- | --- | --- | --- |\n")
	for _, r := range table {
		fmt.Println(r)
	}
	fmt.Printf("Median (min–max) of %d rounds, the three taking turns, in the test VM (qemu TCG), the benchmark pinned to one vCPU. "+
		"Throughput: MB/s, higher is better; latency: µs one way, lower is better. "+
		"A minus sign is slower for throughput, faster for latency.\n", rounds)
	fmt.Println("BENCH-TABLE-END")
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// idlePlugins starts two plugin processes, as a plugin run has (one per
// context), each with a bound socket: the linked-in runs then differ from
// the plugin runs only in the path of the connections, not in the
// processes that share the vCPU. The returned function stops them.
func idlePlugins(t *testing.T, endpoint func() string) func() {
	t.Helper()
	var cs []*core.Context
	for range 2 {
		c := core.NewContext(core.WithPluginPath(vmguest.Plugins(t)))
		cs = append(cs, c)
		s, err := c.NewSocket(core.PULL, core.Linger(0))
		if err != nil {
			t.Fatal(err)
		}
		bind(t, s, endpoint())
	}
	return func() {
		for _, c := range cs {
			c.Close()
		}
	}
}

// zeroplugRun runs one transfer between two contexts made with opt, closed
// at the end (a plugin process each): PUSH to PULL for throughput (MB/s),
// REQ to REP for latency (µs one way).
func zeroplugRun(t *testing.T, opt core.ContextOption, ep, name string, size, count int) float64 {
	t.Helper()
	a, b := core.NewContext(opt), core.NewContext(opt)
	defer b.Close()
	defer a.Close()
	open := func(c *core.Context, typ core.Type) *core.Socket {
		s, err := c.NewSocket(typ, core.RecvTimeout(timeout), core.SendTimeout(timeout), core.Linger(0))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	payload := make([]byte, size)
	if strings.HasPrefix(name, "lat") {
		rep, req := open(a, core.REP), open(b, core.REQ)
		connect(t, req, bind(t, rep, ep))
		go func() {
			for range count + 1 {
				m, err := rep.Recv()
				if err != nil || rep.Send(m...) != nil {
					return
				}
			}
		}()
		exchange := func() {
			if err := req.Send(payload); err != nil {
				t.Fatal(err)
			}
			if _, err := req.Recv(); err != nil {
				t.Fatal(err)
			}
		}
		exchange() // the connection is up
		start := time.Now()
		for range count {
			exchange()
		}
		return float64(time.Since(start).Microseconds()) / float64(count) / 2
	}
	pull, push := open(a, core.PULL), open(b, core.PUSH)
	connect(t, push, bind(t, pull, ep))
	go func() {
		for range count {
			if push.Send(payload) != nil {
				return
			}
		}
	}()
	if _, err := pull.Recv(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for range count - 1 {
		m, err := pull.Recv()
		if err != nil || len(m[0]) != size {
			t.Fatalf("Recv: %v", err)
		}
	}
	return float64(size) * float64(count-1) / time.Since(start).Seconds() / 1e6
}

// plainNet makes plain connected sockets of one family.
type plainNet interface {
	pair(t *testing.T) (client, server net.Conn)
}

// vsockNet is mdlayher/vsock, as a plain Go program would use it.
type vsockNet struct{}

func (vsockNet) pair(t *testing.T) (net.Conn, net.Conn) {
	l, err := vsock.ListenContextID(vsock.Local, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := l.Accept()
		accepted <- c
	}()
	c, err := vsock.Dial(vsock.Local, l.Addr().(*vsock.Addr).Port, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := <-accepted
	if s == nil {
		t.Fatal("accept failed")
	}
	return c, s
}

// tipcNet is AF_TIPC through mdlayher/socket, as a plain Go program would
// use it (the standard library has no TIPC).
type tipcNet struct{}

type tipcConn struct{ *sock.Conn }

func (tipcConn) LocalAddr() net.Addr  { return nil }
func (tipcConn) RemoteAddr() net.Addr { return nil }

func (tipcNet) pair(t *testing.T) (net.Conn, net.Conn) {
	typ := freshType()
	l, err := sock.Socket(unix.AF_TIPC, unix.SOCK_STREAM, 0, "tipc", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.Bind(&unix.SockaddrTIPC{Scope: unix.TIPC_CLUSTER_SCOPE, Addr: &unix.TIPCServiceRange{Type: typ}}); err != nil {
		t.Fatal(err)
	}
	if err := l.Listen(16); err != nil {
		t.Fatal(err)
	}
	accepted := make(chan *sock.Conn, 1)
	go func() {
		c, _, _ := l.Accept(context.Background(), 0)
		accepted <- c
	}()
	c, err := sock.Socket(unix.AF_TIPC, unix.SOCK_STREAM, 0, "tipc", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Connect(context.Background(), &unix.SockaddrTIPC{Addr: &unix.TIPCServiceName{Type: typ}}); err != nil {
		t.Fatal(err)
	}
	s := <-accepted
	if s == nil {
		t.Fatal("accept failed")
	}
	return tipcConn{c}, tipcConn{s}
}

// writeFrame writes one ZMTP message frame (RFC 23): flags, a 1- or 8-byte
// size, the body.
func writeFrame(w *bufio.Writer, body []byte) error {
	if len(body) < 256 {
		w.WriteByte(0)
		w.WriteByte(byte(len(body)))
	} else {
		var h [9]byte
		h[0] = 2
		binary.BigEndian.PutUint64(h[1:], uint64(len(body)))
		w.Write(h[:])
	}
	_, err := w.Write(body)
	return err
}

func readFrame(r *bufio.Reader, buf []byte) ([]byte, error) {
	flags, err := r.ReadByte()
	if err != nil {
		return nil, err
	}
	var n uint64
	if flags&2 != 0 {
		var h [8]byte
		if _, err := io.ReadFull(r, h[:]); err != nil {
			return nil, err
		}
		n = binary.BigEndian.Uint64(h[:])
	} else {
		b, err := r.ReadByte()
		if err != nil {
			return nil, err
		}
		n = uint64(b)
	}
	if uint64(cap(buf)) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	_, err = io.ReadFull(r, buf)
	return buf, err
}

// plainThr: the sender writes count frames through a 64 KiB buffer, the
// receiver reads them; MB/s from the first frame received to the last.
func plainThr(t *testing.T, pn plainNet, size, count int) float64 {
	c, s := pn.pair(t)
	defer c.Close()
	defer s.Close()
	payload := make([]byte, size)
	go func() {
		w := bufio.NewWriterSize(c, 64<<10)
		for range count {
			if writeFrame(w, payload) != nil {
				return
			}
		}
		w.Flush()
	}()
	r := bufio.NewReaderSize(s, 64<<10)
	buf := make([]byte, size)
	if _, err := readFrame(r, buf); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for range count - 1 {
		if _, err := readFrame(r, buf); err != nil {
			t.Fatal(err)
		}
	}
	return float64(size) * float64(count-1) / time.Since(start).Seconds() / 1e6
}

// plainLat: a frame there and back, count times; µs one way.
func plainLat(t *testing.T, pn plainNet, size, count int) float64 {
	c, s := pn.pair(t)
	defer c.Close()
	defer s.Close()
	go func() {
		r, w := bufio.NewReader(s), bufio.NewWriter(s)
		buf := make([]byte, size)
		for {
			b, err := readFrame(r, buf)
			if err != nil || writeFrame(w, b) != nil || w.Flush() != nil {
				return
			}
		}
	}()
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	payload, buf := make([]byte, size), make([]byte, size)
	exchange := func() {
		if err := writeFrame(w, payload); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if _, err := readFrame(r, buf); err != nil {
			t.Fatal(err)
		}
	}
	exchange()
	start := time.Now()
	for range count {
		exchange()
	}
	return float64(time.Since(start).Microseconds()) / float64(count) / 2
}
