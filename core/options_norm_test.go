package core

import (
	"errors"
	"testing"
)

// TestNormOptionsReachDriver: the NORM options travel in sdk.Options.Extra
// by libzmq's names, as the norm plugin reads them; unset ones are absent
// (the plugin's defaults are libzmq's).
func TestNormOptionsReachDriver(t *testing.T) {
	env := newEnv(t)
	d := &optionsDriver{}
	env.ctx.RegisterDriver(d)
	pub, err := env.ctx.NewSocket(PUB, NormMode(NormFixed), NormBlockSize(32), NormNumParity(0), NormPush(true))
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	if err := pub.Bind("optrec://x"); !errors.Is(err, errRecorded) {
		t.Fatalf("Bind: %v; want the driver's error", err)
	}
	got := d.first(t).Extra
	want := map[string]string{"NORM_MODE": "0", "NORM_BLOCK_SIZE": "32", "NORM_NUM_PARITY": "0", "NORM_PUSH": "1"}
	if len(got) != len(want) {
		t.Errorf("Extra = %v; want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("Extra[%s] = %q; want %q", k, got[k], v)
		}
	}
}

// TestNormOptionsRefuseNonsense: the ranges libzmq's zmq_setsockopt takes.
func TestNormOptionsRefuseNonsense(t *testing.T) {
	for name, opt := range map[string]Option{
		"NORM_MODE 5": NormMode(5), "NORM_MODE -1": NormMode(-1), "NORM_BUFFER_SIZE 0": NormBufferSize(0),
		"NORM_SEGMENT_SIZE 0": NormSegmentSize(0), "NORM_BLOCK_SIZE 0": NormBlockSize(0),
		"NORM_BLOCK_SIZE 256": NormBlockSize(256), "NORM_NUM_PARITY 255": NormNumParity(255),
		"NORM_NUM_AUTOPARITY -1": NormNumAutoParity(-1),
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
