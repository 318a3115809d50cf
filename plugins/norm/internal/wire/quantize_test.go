package wire

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

// libnormRTT is libnorm 1.5.9's NORM_RTT table (normMessage.cpp), the
// values a libnorm peer unquantizes GRTT and CC rtt fields to.
const libnormRTT = "1.000e-06 2.000e-06 3.000e-06 4.000e-06 5.000e-06 6.000e-06 7.000e-06 8.000e-06 9.000e-06 1.000e-05 1.100e-05 1.200e-05 1.300e-05 1.400e-05 1.500e-05 1.600e-05 1.700e-05 1.800e-05 1.900e-05 2.000e-05 2.100e-05 2.200e-05 2.300e-05 2.400e-05 2.500e-05 2.600e-05 2.700e-05 2.800e-05 2.900e-05 3.000e-05 3.100e-05 3.287e-05 3.550e-05 3.833e-05 4.140e-05 4.471e-05 4.828e-05 5.215e-05 5.631e-05 6.082e-05 6.568e-05 7.093e-05 7.660e-05 8.273e-05 8.934e-05 9.649e-05 1.042e-04 1.125e-04 1.215e-04 1.313e-04 1.417e-04 1.531e-04 1.653e-04 1.785e-04 1.928e-04 2.082e-04 2.249e-04 2.429e-04 2.623e-04 2.833e-04 3.059e-04 3.304e-04 3.568e-04 3.853e-04 4.161e-04 4.494e-04 4.853e-04 5.241e-04 5.660e-04 6.113e-04 6.602e-04 7.130e-04 7.700e-04 8.315e-04 8.980e-04 9.698e-04 1.047e-03 1.131e-03 1.222e-03 1.319e-03 1.425e-03 1.539e-03 1.662e-03 1.795e-03 1.938e-03 2.093e-03 2.260e-03 2.441e-03 2.636e-03 2.847e-03 3.075e-03 3.321e-03 3.586e-03 3.873e-03 4.182e-03 4.517e-03 4.878e-03 5.268e-03 5.689e-03 6.144e-03 6.635e-03 7.166e-03 7.739e-03 8.358e-03 9.026e-03 9.748e-03 1.053e-02 1.137e-02 1.228e-02 1.326e-02 1.432e-02 1.547e-02 1.670e-02 1.804e-02 1.948e-02 2.104e-02 2.272e-02 2.454e-02 2.650e-02 2.862e-02 3.090e-02 3.338e-02 3.604e-02 3.893e-02 4.204e-02 4.540e-02 4.903e-02 5.295e-02 5.718e-02 6.176e-02 6.669e-02 7.203e-02 7.779e-02 8.401e-02 9.072e-02 9.798e-02 1.058e-01 1.143e-01 1.234e-01 1.333e-01 1.439e-01 1.554e-01 1.679e-01 1.813e-01 1.958e-01 2.114e-01 2.284e-01 2.466e-01 2.663e-01 2.876e-01 3.106e-01 3.355e-01 3.623e-01 3.913e-01 4.225e-01 4.563e-01 4.928e-01 5.322e-01 5.748e-01 6.207e-01 6.704e-01 7.240e-01 7.819e-01 8.444e-01 9.119e-01 9.848e-01 1.064e+00 1.149e+00 1.240e+00 1.340e+00 1.447e+00 1.562e+00 1.687e+00 1.822e+00 1.968e+00 2.125e+00 2.295e+00 2.479e+00 2.677e+00 2.891e+00 3.122e+00 3.372e+00 3.641e+00 3.933e+00 4.247e+00 4.587e+00 4.953e+00 5.349e+00 5.777e+00 6.239e+00 6.738e+00 7.277e+00 7.859e+00 8.487e+00 9.166e+00 9.898e+00 1.069e+01 1.154e+01 1.247e+01 1.346e+01 1.454e+01 1.570e+01 1.696e+01 1.832e+01 1.978e+01 2.136e+01 2.307e+01 2.491e+01 2.691e+01 2.906e+01 3.138e+01 3.389e+01 3.660e+01 3.953e+01 4.269e+01 4.610e+01 4.979e+01 5.377e+01 5.807e+01 6.271e+01 6.772e+01 7.314e+01 7.899e+01 8.530e+01 9.212e+01 9.949e+01 1.074e+02 1.160e+02 1.253e+02 1.353e+02 1.462e+02 1.578e+02 1.705e+02 1.841e+02 1.988e+02 2.147e+02 2.319e+02 2.504e+02 2.704e+02 2.921e+02 3.154e+02 3.406e+02 3.679e+02 3.973e+02 4.291e+02 4.634e+02 5.004e+02 5.404e+02 5.836e+02 6.303e+02 6.807e+02 7.351e+02 7.939e+02 8.574e+02 9.260e+02 1.000e+03 "

func TestUnquantizeRTTIsLibnormsTable(t *testing.T) {
	want := strings.Fields(libnormRTT)
	if len(want) != 256 {
		t.Fatalf("%d table entries", len(want))
	}
	for q, s := range want {
		v, _ := strconv.ParseFloat(s, 64)
		if got := UnquantizeRTT(uint8(q)); got != v {
			t.Errorf("UnquantizeRTT(%d) = %v, libnorm %v", q, got, v)
		}
	}
}

func TestQuantizeRTT(t *testing.T) {
	for _, tc := range []struct {
		name string
		rtt  float64
		want uint8
	}{
		{"libnorm's initial GRTT 0.25 s is the 0x94 seen on the wire", 0.25, 0x94},
		{"1 us, the floor", 1e-6, 0},
		{"below the floor clamps", 1e-9, 0},
		{"20 us, linear range", 20e-6, 19},
		{"1000 s, the ceiling", 1000, 255},
		{"above the ceiling clamps", 1e6, 255},
		{"1 ms", 0.001, 76},
	} {
		if got := QuantizeRTT(tc.rtt); got != tc.want {
			t.Errorf("%s: QuantizeRTT(%v) = %d, want %d", tc.name, tc.rtt, got, tc.want)
		}
	}
	// Quantizing rounds up: the decoded value is never below the RTT, and
	// it is the smallest table entry that is not (within the table's four
	// significant digits).
	for rtt := 40e-6; rtt < 900; rtt *= 1.07 {
		q := QuantizeRTT(rtt)
		if UnquantizeRTT(q) < rtt*(1-1e-3) || (q > 31 && UnquantizeRTT(q-1) > rtt*(1+1e-3)) {
			t.Errorf("QuantizeRTT(%v) = %d (%v)", rtt, q, UnquantizeRTT(q))
		}
	}
}

func TestGroupSize(t *testing.T) {
	for _, tc := range []struct {
		gsize float64
		want  uint8
	}{
		{1000, 2}, // libnorm's default, gsize 2 on the wire
		{0, 0}, {5, 0}, {10, 0}, {11, 8}, {50, 8}, {51, 1}, {100, 1}, {101, 9},
		{4e8, 15}, {5e8, 15}, {6e8, 15}, {1e10, 15}, {math.NaN(), 0},
	} {
		if got := QuantizeGroupSize(tc.gsize); got != tc.want {
			t.Errorf("QuantizeGroupSize(%v) = %d, want %d", tc.gsize, got, tc.want)
		}
	}
	want := []float64{1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 5e1, 5e2, 5e3, 5e4, 5e5, 5e6, 5e7, 5e8}
	for q, w := range want {
		if got := UnquantizeGroupSize(uint8(q)); math.Abs(got-w) > w*1e-12 {
			t.Errorf("UnquantizeGroupSize(%d) = %v, want %v", q, got, w)
		}
		if got := QuantizeGroupSize(w); got != uint8(q) {
			t.Errorf("QuantizeGroupSize(%v) = %d, want %d", w, got, q)
		}
	}
}

func TestRate(t *testing.T) {
	// 1400 B/s, libnorm's minimum rate for libzmq's 1400-byte segments:
	// exponent 3, mantissa round(409.6 * 1.4) = 573.
	if got := QuantizeRate(1400); got != 573<<4|3 {
		t.Errorf("QuantizeRate(1400) = %#x", got)
	}
	if QuantizeRate(0) != 1 || QuantizeRate(-5) != 1 || UnquantizeRate(1) != 0 {
		t.Error("rate 0 is not libnorm's 0x01")
	}
	for rate := 0.5; rate < 1e15; rate *= 3.3 {
		got := UnquantizeRate(QuantizeRate(rate))
		if math.Abs(got-rate) > rate*0.003 {
			t.Errorf("rate %v -> %v", rate, got)
		}
	}
	if q := QuantizeRate(math.Inf(1)); q&0x0f != 15 {
		t.Errorf("infinite rate: exponent %d", q&0x0f)
	}
}

func TestLoss(t *testing.T) {
	for _, tc := range []struct {
		loss float64
		q16  uint16
		q32  uint32
	}{
		{0, 0, 0}, {1, 65535, math.MaxUint32}, {-1, 0, 0}, {2, 65535, math.MaxUint32}, {0.5, 32768, 1 << 31},
	} {
		if got := QuantizeLoss(tc.loss); got != tc.q16 {
			t.Errorf("QuantizeLoss(%v) = %d, want %d", tc.loss, got, tc.q16)
		}
		if got := QuantizeLoss32(tc.loss); got != tc.q32 {
			t.Errorf("QuantizeLoss32(%v) = %d, want %d", tc.loss, got, tc.q32)
		}
	}
	if got := UnquantizeLoss32(QuantizeLoss32(0.1)); math.Abs(got-0.1) > 1e-9 {
		t.Errorf("loss 0.1 -> %v", got)
	}
	if got := UnquantizeLoss(QuantizeLoss(0.1)); math.Abs(got-0.1) > 1e-4 {
		t.Errorf("loss 0.1 -> %v", got)
	}
}
