package transporttest_test

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/zeroplug/zeroplug/sdk"
	"github.com/zeroplug/zeroplug/sdk/transporttest"
)

// loopDriver is the smallest correct driver: "loop://127.0.0.1:port" over
// TCP on loopback. Its broken field makes it wrong in one named way, to show
// that the kit notices ("leak" leaks one goroutine, on the first Dial, which
// leak guards).
type loopDriver struct {
	broken string
	leak   *sync.Once
}

func (loopDriver) Schemes() []string { return []string{"loop"} }

func (d loopDriver) addr(ep sdk.Endpoint, bind bool) (string, error) {
	host, port, err := net.SplitHostPort(ep.Address)
	if port == "*" && bind {
		port = "0"
	}
	if err == nil {
		_, err = strconv.ParseUint(port, 10, 16)
	}
	if err != nil {
		if d.broken == "plain-errors" {
			return "", err
		}
		return "", &sdk.EndpointError{Endpoint: ep.String(), Err: sdk.ErrBadEndpoint, Reason: err.Error()}
	}
	return net.JoinHostPort(host, port), nil
}

func (d loopDriver) Listen(ctx context.Context, ep sdk.Endpoint, _ sdk.Options) (sdk.Listener, error) {
	a, err := d.addr(ep, true)
	if err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp4", a)
	if err != nil {
		return nil, err
	}
	l := &loopListener{ln: ln, broken: d.broken, ep: sdk.Endpoint{Scheme: "loop", Address: ln.Addr().String()}}
	if d.broken == "wildcard-endpoint" {
		l.ep = ep
	}
	return l, nil
}

func (d loopDriver) Dial(ctx context.Context, ep sdk.Endpoint, _ sdk.Options) (net.Conn, error) {
	a, err := d.addr(ep, false)
	if err != nil {
		return nil, err
	}
	if d.broken == "ignore-ctx" {
		ctx = context.Background()
	}
	var nd net.Dialer
	c, err := nd.DialContext(ctx, "tcp4", a)
	if err != nil {
		return nil, err
	}
	switch d.broken {
	case "leak":
		d.leak.Do(func() { go func() { select {} }() })
	case "corrupt":
		c = &corruptConn{Conn: c}
	}
	return c, nil
}

type loopListener struct {
	ln     net.Listener
	broken string
	ep     sdk.Endpoint
}

func (l *loopListener) Accept() (net.Conn, error) {
	c, err := l.ln.Accept()
	if err != nil && l.broken == "accept-error" {
		return nil, errors.New("listener gone")
	}
	return c, err
}

func (l *loopListener) Close() error           { return l.ln.Close() }
func (l *loopListener) Endpoint() sdk.Endpoint { return l.ep }

// corruptConn flips one bit once a megabyte has been written.
type corruptConn struct {
	net.Conn
	n int
}

func (c *corruptConn) Write(b []byte) (int, error) {
	const at = 1 << 20
	if c.n <= at && c.n+len(b) > at {
		b = append([]byte(nil), b...)
		b[at-c.n] ^= 1
	}
	c.n += len(b)
	return c.Conn.Write(b)
}

func loopConfig() transporttest.Config {
	return transporttest.Config{
		Endpoint: func(t testing.TB) string {
			ln, err := net.Listen("tcp4", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			return "loop://" + ln.Addr().String()
		},
		Ephemeral:    func(testing.TB) string { return "loop://127.0.0.1:*" },
		BadEndpoints: []string{"loop://127.0.0.1", "loop://127.0.0.1:99999"},
	}
}

// TestReferenceDriver: a correct driver passes every check.
func TestReferenceDriver(t *testing.T) {
	transporttest.Run(t, loopDriver{}, loopConfig())
}

// TestBrokenDriver runs the kit on a broken driver, in the child process
// that TestKitCatches starts; it is skipped otherwise.
func TestBrokenDriver(t *testing.T) {
	broken := os.Getenv("TRANSPORTTEST_BROKEN")
	if broken == "" {
		t.Skip("run by TestKitCatches")
	}
	transporttest.Run(t, loopDriver{broken: broken, leak: new(sync.Once)}, loopConfig())
}

// TestKitCatches: each defect makes the check meant for it fail.
func TestKitCatches(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a test process per defect")
	}
	tests := []struct {
		broken string
		want   string // in the child's output
	}{
		{"accept-error", "--- FAIL: TestBrokenDriver/CloseUnblocksAccept"},
		{"ignore-ctx", "--- FAIL: TestBrokenDriver/DialCancelled"},
		{"corrupt", "--- FAIL: TestBrokenDriver/LargeFrames"},
		{"plain-errors", "--- FAIL: TestBrokenDriver/BadEndpoint"},
		{"wildcard-endpoint", "--- FAIL: TestBrokenDriver/EphemeralEndpoint"},
		{"leak", "--- FAIL: TestBrokenDriver/SendRecv"},
	}
	for _, tt := range tests {
		t.Run(tt.broken, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenDriver$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), "TRANSPORTTEST_BROKEN="+tt.broken)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("the kit passed a driver broken by %q (err %v):\n%s", tt.broken, err, out)
			}
			if !strings.Contains(string(out), tt.want) {
				t.Errorf("the kit failed a driver broken by %q, but not with %q:\n%s", tt.broken, tt.want, out)
			}
		})
	}
}
