// The quantize→dequantize kernel behind fakeQuantize (quant/quant_params.h), vectorised.
//
// For one run of values sharing a scale s and zero point z, with integer bounds
// lo = qmin − z and hi = qmax − z:
//     y = s · clamp(round_half_even(x / s), lo, hi)        (NaN x → 0)
// which is bit for bit s·(clamp(nearbyint(x/s) + z, qmin, qmax) − z), the scalar definition:
// the clamp bounds are integers, so clamping before rounding gives the same integer; the
// rounding is (r + 1.5·2²³) − 1.5·2²³, exact round-half-to-even for |r| ≤ 2²² under the default
// rounding mode; x / s is a true division (ONNX QuantizeLinear), never a reciprocal multiply.
// Every path (generic, AVX2, AVX-512) does exactly these IEEE operations per element, so they
// agree bit for bit; tests switch paths to check that.
#pragma once

#include "kernels/simd_path.h"

#include <cstdint>

namespace qs {

// Whether the kernel applies: |lo| and |hi| must stay within 2²² (true for every bit width up
// to 16; 32-bit bias codes take the scalar path).
inline bool fakeQuantSpanApplies(float lo, float hi) {
    return lo >= -4194304.0f && hi <= 4194304.0f && lo <= hi;
}

// y[0..n) from x[0..n) (x == y allowed).
void fakeQuantizeSpan(const float* x, float* y, int64_t n, float scale, float lo, float hi);
void fakeQuantizeSpan(const float* x, float* y, int64_t n, float scale, float lo, float hi,
                      SimdPath path);

// The path fakeQuantizeSpan uses: bestSimdPath() unless set (tests).
SimdPath fakeQuantPath();
bool setFakeQuantPath(SimdPath path); // false if this CPU cannot run it

} // namespace qs
