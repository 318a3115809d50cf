package core

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/sdk"
)

// optionsDriver records the options of every Listen and Dial and refuses
// them, as a multicast plugin refuses a socket type it does not serve.
type optionsDriver struct {
	mu  sync.Mutex
	got []sdk.Options
}

var errRecorded = errors.New("recorded")

func (d *optionsDriver) Schemes() []string { return []string{"optrec"} }

func (d *optionsDriver) record(o sdk.Options) {
	d.mu.Lock()
	d.got = append(d.got, o)
	d.mu.Unlock()
}

func (d *optionsDriver) Listen(_ context.Context, _ sdk.Endpoint, o sdk.Options) (sdk.Listener, error) {
	d.record(o)
	return nil, errRecorded
}

func (d *optionsDriver) Dial(_ context.Context, _ sdk.Endpoint, o sdk.Options) (net.Conn, error) {
	d.record(o)
	return nil, errRecorded
}

func (d *optionsDriver) first(t *testing.T) sdk.Options {
	t.Helper()
	deadline := time.Now().Add(patience)
	for {
		d.mu.Lock()
		if len(d.got) > 0 {
			o := d.got[0]
			d.got = nil
			d.mu.Unlock()
			return o
		}
		d.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatal("the driver was not called")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestDriverGetsSocketTypeAndMulticastOptions: a driver's Listen and Dial
// learn the socket's type (so that pgm and norm can refuse REQ) and the
// multicast options, libzmq's defaults when none is set.
func TestDriverGetsSocketTypeAndMulticastOptions(t *testing.T) {
	env := newEnv(t)
	d := &optionsDriver{}
	env.ctx.RegisterDriver(d)

	sub, err := env.ctx.NewSocket(SUB)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if err := sub.Bind("optrec://x"); !errors.Is(err, errRecorded) {
		t.Fatalf("Bind: %v; want the driver's error", err)
	}
	o := d.first(t)
	if o.SocketType != "SUB" || o.Rate != 100 || o.RecoveryIvl != 10*time.Second ||
		o.MulticastHops != 1 || o.MulticastMaxTPDU != 1500 {
		t.Errorf("defaults: the driver got %+v", o)
	}

	pub, err := env.ctx.NewSocket(XPUB, Rate(10000), RecoveryInterval(time.Second), MulticastHops(3), MulticastMaxTPDU(9000))
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	if err := pub.Connect("optrec://x"); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	o = d.first(t)
	if o.SocketType != "XPUB" || o.Rate != 10000 || o.RecoveryIvl != time.Second ||
		o.MulticastHops != 3 || o.MulticastMaxTPDU != 9000 {
		t.Errorf("set: the driver got %+v", o)
	}
}

func TestMulticastOptionsRefuseNonsense(t *testing.T) {
	for name, opt := range map[string]Option{
		"RATE 0": Rate(0), "RATE -1": Rate(-1), "RECOVERY_IVL -1ms": RecoveryInterval(-time.Millisecond),
		"MULTICAST_MAXTPDU 0": MulticastMaxTPDU(0),
	} {
		s, err := newEnv(t).ctx.NewSocket(PUB, opt)
		if err == nil {
			s.Close()
		}
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v; want ErrInvalid", name, err)
		}
	}
}
