//go:build linux

package tipc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/internal/vmguest"
	"github.com/zeroplug/zeroplug/sdk"
	"github.com/zeroplug/zeroplug/sdk/sdktest"
	"github.com/zeroplug/zeroplug/sdk/transporttest"
)

// The tests in this file open TIPC sockets: each begins with
// vmguest.RequireTIPC, so they run where the kernel has TIPC (make test runs
// them in zeroplug's test VM).

var serviceTypes atomic.Uint32

// freshType is a service type nobody else publishes.
func freshType() uint32 {
	serviceTypes.CompareAndSwap(0, uint32(100000+os.Getpid()%100000*10))
	return serviceTypes.Add(1)
}

func config() transporttest.Config {
	return transporttest.Config{
		Endpoint:     func(testing.TB) string { return fmt.Sprintf("tipc://{%d,0,0}", freshType()) },
		Ephemeral:    func(testing.TB) string { return "tipc://<*>" },
		BadEndpoints: badEndpoints,
		Timeout:      60 * time.Second,
		Prompt:       5 * time.Second,
	}
}

func TestConformance(t *testing.T) {
	vmguest.RequireTIPC(t)
	t.Run("direct", func(t *testing.T) { transporttest.Run(t, Driver{}, config()) })
	t.Run("in-process", func(t *testing.T) { sdktest.RunInProcess(t, Driver{}, config()) })
	bin := pluginBinary(t)
	t.Run("binary", func(t *testing.T) { sdktest.RunBinary(t, bin, config()) })
}

func listenTest(t *testing.T, s string) sdk.Listener {
	t.Helper()
	ep, err := sdk.ParseEndpoint(s)
	if err != nil {
		t.Fatal(err)
	}
	l, err := Driver{}.Listen(context.Background(), ep, sdk.Options{})
	if err != nil {
		t.Fatalf("Listen(%s): %v", s, err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func dialTest(s string) (net.Conn, error) {
	ep, err := sdk.ParseEndpoint(s)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return Driver{}.Dial(ctx, ep, sdk.Options{})
}

// TestLookupDomain: without "@" a name is found wherever it is published
// (domain 0); "@0.0.0" says the same; libzmq's default, "@1.0.0", finds
// nothing on a single node, promptly.
func TestLookupDomain(t *testing.T) {
	vmguest.RequireTIPC(t)
	typ := freshType()
	l := listenTest(t, fmt.Sprintf("tipc://{%d,0,100}", typ))
	if got, want := l.Endpoint().String(), fmt.Sprintf("tipc://{%d, 0, 100}", typ); got != want {
		t.Errorf("Endpoint() = %s, want %s (libzmq's form)", got, want)
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	for _, s := range []string{
		fmt.Sprintf("tipc://{%d,50}", typ),
		fmt.Sprintf("tipc://{%d,50}@0.0.0", typ),
		l.Endpoint().String(), // LAST_ENDPOINT: the range's lower instance
	} {
		c, err := dialTest(s)
		if err != nil {
			t.Errorf("Dial(%s): %v", s, err)
			continue
		}
		c.Close()
	}
	start := time.Now()
	if c, err := dialTest(fmt.Sprintf("tipc://{%d,50}@1.0.0", typ)); err == nil {
		c.Close()
		t.Logf("Dial(@1.0.0) connected: this kernel has a node address in zone 1")
	} else if time.Since(start) > 5*time.Second {
		t.Errorf("Dial(@1.0.0) failed only after %v: %v", time.Since(start), err)
	}
	if c, err := dialTest(fmt.Sprintf("tipc://{%d,101}", typ)); err == nil {
		c.Close()
		t.Errorf("Dial to an instance outside the range connected")
	}
}

// TestPortIdentity: <*> binds the socket's own port identity, reported as
// <z.c.n:ref>, which a connect reaches.
func TestPortIdentity(t *testing.T) {
	vmguest.RequireTIPC(t)
	l := listenTest(t, "tipc://<*>")
	got := l.Endpoint().String()
	if !strings.HasPrefix(got, "tipc://<") || !strings.HasSuffix(got, ">") || strings.Contains(got, "*") {
		t.Fatalf("Endpoint() = %s; want tipc://<z.c.n:ref>", got)
	}
	done := make(chan error, 1)
	go func() {
		c, err := l.Accept()
		if err == nil {
			c.Close()
		}
		done <- err
	}()
	c, err := dialTest(got)
	if err != nil {
		t.Fatalf("Dial(%s): %v", got, err)
	}
	c.Close()
	if err := <-done; err != nil {
		t.Fatalf("Accept: %v", err)
	}
}

// TestServiceRanges: listeners that publish the same range share the
// connections to its instances, in turn; an instance only one range covers
// goes to that range's listener.
func TestServiceRanges(t *testing.T) {
	vmguest.RequireTIPC(t)
	typ := freshType()
	ranges := []string{"0,100", "0,100", "0,100", "200,300"}
	counts := make([]atomic.Int32, len(ranges))
	for i, r := range ranges {
		l := listenTest(t, fmt.Sprintf("tipc://{%d,%s}", typ, r))
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				counts[i].Add(1)
				c.Close()
			}
		}()
	}
	const n = 30
	for i := range n {
		inst := 7 + i%3*40 // 7, 47, 87
		c, err := dialTest(fmt.Sprintf("tipc://{%d,%d}", typ, inst))
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	c, err := dialTest(fmt.Sprintf("tipc://{%d,250}", typ))
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	deadline := time.Now().Add(10 * time.Second)
	var got []int32
	for {
		got = got[:0]
		var total int32
		for i := range counts {
			got = append(got, counts[i].Load())
			total += got[i]
		}
		if total == n+1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got[0] != n/3 || got[1] != n/3 || got[2] != n/3 || got[3] != 1 {
		t.Errorf("connections by listener: %v; want %d for each of the three publishing {%d,0,100} and 1 for {%d,200,300}", got, n/3, typ, typ)
	}
}

// TestDialErrors: a name nobody publishes fails at once; a cancelled dial
// with the context's error.
func TestDialErrors(t *testing.T) {
	vmguest.RequireTIPC(t)
	start := time.Now()
	if c, err := dialTest(fmt.Sprintf("tipc://{%d,1}", freshType())); err == nil {
		c.Close()
		t.Error("Dial to a name nobody publishes connected")
	} else if time.Since(start) > 5*time.Second {
		t.Errorf("Dial to a name nobody publishes took %v: %v", time.Since(start), err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ep, _ := sdk.ParseEndpoint(fmt.Sprintf("tipc://{%d,1}", freshType()))
	if _, err := (Driver{}).Dial(ctx, ep, sdk.Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Dial under a cancelled context = %v", err)
	}
}
