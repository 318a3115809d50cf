package pluginhost

import (
	"context"
	"errors"
	"net"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/sdk"
)

// optionsRecorder is a driver that keeps the options its Dial was given
// and connects nowhere.
type optionsRecorder struct {
	mu  sync.Mutex
	got sdk.Options
}

func (*optionsRecorder) Schemes() []string { return []string{"rec"} }

func (*optionsRecorder) Listen(context.Context, sdk.Endpoint, sdk.Options) (sdk.Listener, error) {
	return nil, sdk.ErrNotSupported
}

func (r *optionsRecorder) Dial(_ context.Context, _ sdk.Endpoint, o sdk.Options) (net.Conn, error) {
	r.mu.Lock()
	r.got = o
	r.mu.Unlock()
	return nil, sdk.ErrNotSupported
}

// TestOptionsCrossTheBoundary: every field of sdk.Options reaches a
// plugin's driver as the core set it.
func TestOptionsCrossTheBoundary(t *testing.T) {
	h := New(Config{})
	defer h.Close()
	rec := &optionsRecorder{}
	p := h.InProcess(rec)
	want := sdk.Options{
		IPv6: true, TCPKeepAlive: 1, TCPKeepAliveIdle: 30 * time.Second, TCPKeepAliveIntvl: 5 * time.Second,
		TCPKeepAliveCount: 4, SendBuffer: 1 << 16, RecvBuffer: 1 << 15, ConnectTimeout: 2 * time.Second,
		TOS: 0x28, BindToDevice: "lo", TCPMaxRT: 1500 * time.Millisecond, Backlog: 7,
		SocketType: "SUB", Rate: 1000, RecoveryIvl: 3 * time.Second, MulticastHops: 2, MulticastMaxTPDU: 9000,
		Extra: map[string]string{"k": "v"},
	}
	// A field left out of the list above would cross as zero unnoticed.
	v := reflect.ValueOf(want)
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Fatalf("the test leaves sdk.Options.%s zero", v.Type().Field(i).Name)
		}
	}
	if _, err := p.Dial(context.Background(), sdk.Endpoint{Scheme: "rec", Address: "x"}, want); !errors.Is(err, sdk.ErrNotSupported) {
		t.Fatalf("Dial: %v; want the driver's ErrNotSupported", err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if !reflect.DeepEqual(rec.got, want) {
		t.Fatalf("the driver got %+v; want %+v", rec.got, want)
	}
}
