#include "kernels/fake_quant.h"

#include <atomic>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define QS_FQ_X86 1
#define QS_TARGET_AVX2 __attribute__((target("avx2")))
#define QS_TARGET_AVX512 __attribute__((target("avx512f")))
#endif

namespace qs {
namespace {

constexpr float kRoundMagic = 12582912.0f; // 1.5·2²³: (r + m) − m rounds r half to even

inline float fakeQuantOne(float x, float s, float lo, float hi) {
    float r = x / s;
    if (r != r) r = 0.0f; // NaN → the zero point
    r = r < lo ? lo : r;
    r = r > hi ? hi : r;
    return s * ((r + kRoundMagic) - kRoundMagic); // not reassociated: no -ffast-math here
}

void spanGeneric(const float* x, float* y, int64_t n, float s, float lo, float hi) {
    for (int64_t i = 0; i < n; ++i) y[i] = fakeQuantOne(x[i], s, lo, hi);
}

#ifdef QS_FQ_X86
QS_TARGET_AVX2 void spanAvx2(const float* x, float* y, int64_t n, float s, float lo, float hi) {
    const __m256 vs = _mm256_set1_ps(s), vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi),
                 vm = _mm256_set1_ps(kRoundMagic);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 r = _mm256_div_ps(_mm256_loadu_ps(x + i), vs);
        r = _mm256_and_ps(r, _mm256_cmp_ps(r, r, _CMP_ORD_Q)); // NaN → 0
        r = _mm256_min_ps(_mm256_max_ps(r, vlo), vhi);
        r = _mm256_sub_ps(_mm256_add_ps(r, vm), vm);
        _mm256_storeu_ps(y + i, _mm256_mul_ps(vs, r));
    }
    spanGeneric(x + i, y + i, n - i, s, lo, hi);
}

// max/min with a defined pass-through (GCC 12 warns on the unmasked forms' undefined source).
QS_TARGET_AVX512 inline __m512 clamp512(__m512 r, __m512 lo, __m512 hi) {
    r = _mm512_mask_max_ps(r, __mmask16(0xFFFF), r, lo);
    return _mm512_mask_min_ps(r, __mmask16(0xFFFF), r, hi);
}

QS_TARGET_AVX512 void spanAvx512(const float* x, float* y, int64_t n, float s, float lo, float hi) {
    const __m512 vs = _mm512_set1_ps(s), vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi),
                 vm = _mm512_set1_ps(kRoundMagic);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 r = _mm512_div_ps(_mm512_loadu_ps(x + i), vs);
        const __mmask16 ordered = _mm512_cmp_ps_mask(r, r, _CMP_ORD_Q);
        r = _mm512_maskz_mov_ps(ordered, r); // NaN → 0
        r = clamp512(r, vlo, vhi);
        r = _mm512_sub_ps(_mm512_add_ps(r, vm), vm);
        _mm512_storeu_ps(y + i, _mm512_mul_ps(vs, r));
    }
    if (i < n) {
        const __mmask16 m = __mmask16((1u << (n - i)) - 1u);
        __m512 r = _mm512_div_ps(_mm512_maskz_loadu_ps(m, x + i), vs);
        r = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(r, r, _CMP_ORD_Q), r);
        r = clamp512(r, vlo, vhi);
        r = _mm512_sub_ps(_mm512_add_ps(r, vm), vm);
        _mm512_mask_storeu_ps(y + i, m, _mm512_mul_ps(vs, r));
    }
}
#endif

std::atomic<SimdPath>& currentPath() {
    static std::atomic<SimdPath> path{bestSimdPath()};
    return path;
}

} // namespace

SimdPath fakeQuantPath() {
    return currentPath().load();
}

bool setFakeQuantPath(SimdPath path) {
    if (!simdPathSupported(path)) return false;
    currentPath().store(path);
    return true;
}

void fakeQuantizeSpan(const float* x, float* y, int64_t n, float scale, float lo, float hi,
                      SimdPath path) {
#ifdef QS_FQ_X86
    switch (path) {
    case SimdPath::Avx512:
        return spanAvx512(x, y, n, scale, lo, hi);
    case SimdPath::Avx2:
        return spanAvx2(x, y, n, scale, lo, hi);
    case SimdPath::Generic:
        break;
    }
#else
    (void)path;
#endif
    spanGeneric(x, y, n, scale, lo, hi);
}

void fakeQuantizeSpan(const float* x, float* y, int64_t n, float scale, float lo, float hi) {
    fakeQuantizeSpan(x, y, n, scale, lo, hi, fakeQuantPath());
}

} // namespace qs
