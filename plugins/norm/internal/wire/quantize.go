package wire

import (
	"math"
	"strconv"
	"time"
)

// NORM squeezes round-trip times, group sizes, rates and loss into a few
// bits (RFC 5740 sections 4.2.1 and 3.7.x). These are libnorm's own
// quantizers (normMessage.h and .cpp), so that a value means on the wire
// what it means to libnorm, rounding included.

// RTT quantization bounds: one microsecond to 1000 seconds.
const (
	rttMin = 1.0e-6
	rttMax = 1000.0
)

// rttTable is libnorm's NORM_RTT lookup table: the section 4.2.1 inverse
// printed to four significant digits. libnorm unquantizes through that
// table, not the formula, so UnquantizeRTT does the same.
var rttTable [256]float64

func init() {
	for q := range rttTable {
		var v float64
		if q < 31 {
			v = float64(q+1) * rttMin
		} else {
			v = rttMax / math.Exp(float64(255-q)/13.0)
		}
		rttTable[q], _ = strconv.ParseFloat(strconv.FormatFloat(v, 'e', 3, 64), 64)
	}
}

// QuantizeRTT encodes an RTT (GRTT, a CC rtt) in seconds as one byte, as
// libnorm's NormQuantizeRtt: linear in microseconds below 33 us,
// logarithmic above, clamped to [1 us, 1000 s], rounding up.
func QuantizeRTT(rtt float64) uint8 {
	rtt = min(max(rtt, rttMin), rttMax)
	if rtt < 3.3e-5 {
		return uint8(int(rtt/rttMin) - 1)
	}
	return uint8(math.Ceil(255.0 - 13.0*math.Log(rttMax/rtt)))
}

// UnquantizeRTT decodes a quantized RTT to seconds.
func UnquantizeRTT(q uint8) float64 { return rttTable[q] }

// RTTDuration decodes a quantized RTT to a time.Duration.
func RTTDuration(q uint8) time.Duration { return time.Duration(rttTable[q] * float64(time.Second)) }

// QuantizeGroupSize encodes a group-size estimate in the 4-bit gsize field,
// rounding up as libnorm does: 1 or 5 times 10^1 .. 10^8. Estimates below
// 10 give 0 (10). libnorm would give 15 for an estimate below 0.1, through
// an unsigned wrap; that is meaningless for a group size, so we do not.
func QuantizeGroupSize(gsize float64) uint8 {
	if !(gsize >= 10) { // also NaN
		return 0
	}
	exponent := int(math.Log10(gsize))
	if exponent > 8 {
		return 0x0f
	}
	mantissa := int(math.Ceil(gsize / math.Pow(10, float64(exponent))))
	switch {
	case mantissa > 5 && exponent > 7:
		return 0x0f
	case mantissa > 5:
		return uint8(exponent)
	case mantissa > 1:
		return uint8(exponent + 0x07)
	default:
		return uint8(exponent - 1)
	}
}

// UnquantizeGroupSize decodes the 4-bit gsize field (higher bits ignored).
func UnquantizeGroupSize(q uint8) float64 {
	mantissa := 1.0
	if q&0x08 != 0 {
		mantissa = 5
	}
	return mantissa * math.Pow(10, float64(q&0x07+1))
}

// QuantizeRate encodes a rate in bytes per second as libnorm's
// NormQuantizeRate: a 12-bit mantissa and a 4-bit decimal exponent. A rate
// of zero or less encodes as 1, libnorm's "rate 0". Rates below 1 B/s use
// exponent 0 and rates beyond the field's 10^15 range saturate, where
// libnorm's conversions would be undefined.
func QuantizeRate(rate float64) uint16 {
	if !(rate > 0) {
		return 0x01
	}
	rate = min(rate, 9.99e15)
	exponent := uint16(max(math.Log10(rate), 0))
	mantissa := uint16((4096.0/10.0)*(rate/math.Pow(10, float64(exponent))) + 0.5)
	return mantissa<<4 | exponent
}

// UnquantizeRate decodes a quantized rate to bytes per second.
func UnquantizeRate(q uint16) float64 {
	return float64(q>>4) * (10.0 / 4096.0) * math.Pow(10, float64(q&0x0f))
}

// QuantizeLoss encodes a loss fraction in [0, 1] as 16 bits, rounding.
func QuantizeLoss(loss float64) uint16 {
	return uint16(min(max(loss, 0)*65535.0+0.5, 65535.0))
}

// UnquantizeLoss decodes a 16-bit loss fraction.
func UnquantizeLoss(q uint16) float64 { return float64(q) / 65535.0 }

// QuantizeLoss32 encodes a loss fraction with libnorm's extended 32-bit
// precision: the high half goes in cc_loss and the low half in cc_loss_ex
// of EXT_CC_FEEDBACK.
func QuantizeLoss32(loss float64) uint32 {
	const scale = float64(math.MaxUint32)
	return uint32(min(max(loss, 0)*scale+0.5, scale))
}

// UnquantizeLoss32 decodes a 32-bit loss fraction.
func UnquantizeLoss32(q uint32) float64 { return float64(q) / float64(math.MaxUint32) }
