// Requantization: an int32 accumulator (already zero-point corrected and biased) to an output
// code. Two selectable semantics, both stated exactly:
//
// - requantizeFloat (ONNX Runtime's QLinearConv / MlasRequantizeOutput): v = float(acc) · M with M
//   the float product s_in·s_w/s_out (computed in float, in that order, as ORT does); v clamped
//   to [lo − z, hi − z] in float, rounded half to even (nearbyint, FE_TONEAREST), then + z.
// - requantizeFixedPoint (gemmlowp / TFLite MultiplyByQuantizedMultiplier): M = M0 · 2^(shift−31)
//   with M0 in [2^30, 2^31); x · 2^max(shift,0) (saturated to int32), then the saturating
//   rounding doubling high multiply by M0 (round half away from zero), then a rounding right
//   shift by max(−shift, 0) (round half away from zero), + z, saturated to [lo, hi].
//   Power-of-two multipliers (M0 = 2^30) reduce to exactly a rounding shift.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace qs::int8 {

enum class RequantKind : uint8_t { Float, FixedPoint };

struct FixedPointMultiplier {
    int32_t m0 = 0; // Q0.31 in [2^30, 2^31), or 0 for a zero multiplier
    int shift = 0;  // multiplier = m0 · 2^(shift − 31)
};

// TFLite's QuantizeMultiplier: frexp, then M0 = round(q · 2^31) (half away from zero).
inline FixedPointMultiplier quantizeMultiplier(double multiplier) {
    FixedPointMultiplier r;
    if (!(multiplier > 0.0) || !std::isfinite(multiplier)) return r;
    int exponent = 0;
    const double q = std::frexp(multiplier, &exponent);
    int64_t m0 = std::llround(q * double(int64_t(1) << 31));
    if (m0 == (int64_t(1) << 31)) {
        m0 /= 2;
        ++exponent;
    }
    if (exponent < -31) return r;                                  // below 2^-62: rounds to zero
    if (exponent > 30) exponent = 30, m0 = (int64_t(1) << 31) - 1; // saturate absurd multipliers
    r.m0 = int32_t(m0);
    r.shift = exponent;
    return r;
}

// gemmlowp SaturatingRoundingDoublingHighMul: high 32 bits of 2·a·b, rounded half away from zero.
inline int32_t saturatingRoundingDoublingHighMul(int32_t a, int32_t b) {
    if (a == b && a == std::numeric_limits<int32_t>::min())
        return std::numeric_limits<int32_t>::max();
    const int64_t ab = int64_t(a) * int64_t(b);
    const int64_t nudge = ab >= 0 ? (int64_t(1) << 30) : (1 - (int64_t(1) << 30));
    return int32_t((ab + nudge) / (int64_t(1) << 31));
}

// gemmlowp RoundingDivideByPOT: x / 2^exponent rounded half away from zero.
inline int32_t roundingDivideByPot(int32_t x, int exponent) {
    if (exponent <= 0) return x;
    const int32_t mask = int32_t((int64_t(1) << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

// TFLite MultiplyByQuantizedMultiplier (the left shift saturates instead of overflowing).
inline int32_t multiplyByQuantizedMultiplier(int32_t x, FixedPointMultiplier m) {
    const int left = m.shift > 0 ? m.shift : 0, right = m.shift > 0 ? 0 : -m.shift;
    const int64_t shifted = int64_t(x) * (int64_t(1) << left);
    const int32_t xs = int32_t(std::clamp<int64_t>(shifted, std::numeric_limits<int32_t>::min(),
                                                   std::numeric_limits<int32_t>::max()));
    return roundingDivideByPot(saturatingRoundingDoublingHighMul(xs, m.m0), right);
}

inline int32_t requantizeFloat(int32_t acc, float multiplier, int32_t zeroPoint, int32_t lo,
                               int32_t hi) {
    float v = float(acc) * multiplier;
    v = std::min(std::max(v, float(lo - zeroPoint)), float(hi - zeroPoint));
    return int32_t(std::nearbyint(v)) + zeroPoint;
}

inline int32_t requantizeFixedPoint(int32_t acc, FixedPointMultiplier m, int32_t zeroPoint,
                                    int32_t lo, int32_t hi) {
    const int64_t v = int64_t(multiplyByQuantizedMultiplier(acc, m)) + zeroPoint;
    return int32_t(std::clamp<int64_t>(v, lo, hi));
}

// One output channel's requantization: both forms precomputed, `kind` chooses.
struct ChannelRequant {
    float multiplier = 0.0f;
    FixedPointMultiplier fixed;
};

struct OutputRequant {
    RequantKind kind = RequantKind::Float;
    int32_t zeroPoint = 0;
    int32_t lo = 0, hi = 255; // output code range, the fused activation's clamp included

    int32_t apply(int32_t acc, const ChannelRequant& c) const {
        return kind == RequantKind::Float ? requantizeFloat(acc, c.multiplier, zeroPoint, lo, hi)
                                          : requantizeFixedPoint(acc, c.fixed, zeroPoint, lo, hi);
    }
};

inline ChannelRequant makeChannelRequant(float realMultiplier) {
    return ChannelRequant{realMultiplier, quantizeMultiplier(double(realMultiplier))};
}

} // namespace qs::int8
