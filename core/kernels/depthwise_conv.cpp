#include "kernels/depthwise_conv.h"

#include "kernels/sgemm.h"
#include "util/thread_pool.h"

#include <algorithm>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define QS_DW_X86 1
#define QS_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define QS_TARGET_AVX512 __attribute__((target("avx512f")))
#endif

namespace qs {
namespace {

inline float clampScalar(float v, float lo, float hi) {
    // Written so that NaN passes through.
    return v < lo ? lo : (v > hi ? hi : v);
}

// ---------------------------------------------------------------------------------------------
// Generic path: row by row, windows clipped at the borders.

void planeGeneric(const DepthwiseConvParams& p, const float* x, const float* w, float bias,
                  bool clamp, float* y) {
    for (int64_t oy = 0; oy < p.outH; ++oy) {
        for (int64_t ox = 0; ox < p.outW; ++ox) {
            const int64_t iy0 = oy * p.strideH - p.padTop, ix0 = ox * p.strideW - p.padLeft;
            float acc = bias;
            for (int ky = 0; ky < p.kernelH; ++ky) {
                const int64_t iy = iy0 + ky;
                if (iy < 0 || iy >= p.inH) continue;
                for (int kx = 0; kx < p.kernelW; ++kx) {
                    const int64_t ix = ix0 + kx;
                    if (ix >= 0 && ix < p.inW) acc += w[ky * p.kernelW + kx] * x[iy * p.inW + ix];
                }
            }
            y[oy * p.outW + ox] = clamp ? clampScalar(acc, p.clampMin, p.clampMax) : acc;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// SIMD paths: the plane is copied into zero-padded scratch, split by stride phase: for strides
// (sh, sw) there are sh·sw phase planes Q[a][b] holding the padded rows r ≡ a (mod sh) and
// columns c ≡ b (mod sw), each with pitch qw. Tap (ky, kx) of output (oy, ox) reads
// Q[ky mod sh][kx mod sw] at row oy + ky/sh, column ox + kx/sw, so over the flattened output
// index j = oy·qw + ox every tap is one unit-stride load at a fixed offset:
//     y'[j] = bias + Σ_t w[t] · Q_t[j + off_t].
// Every vector is a full vector (no borders, no masks, no shuffles in the inner loop); the
// columns ox >= outW of y' are dropped when y' is compacted into y. This keeps 7×7 and
// 14×14 planes about as cheap per output as 112×112 ones.

struct FlatGeometry {
    int64_t qw = 0, qh = 0;   // phase plane pitch and rows
    int64_t phaseSize = 0;    // floats per phase plane
    int64_t planeSize = 0;    // all phases plus the margin read by the last vectors
    int64_t outSize = 0;      // floats of y' (whole 16-float vectors)
    int64_t offsets[25] = {}; // per tap: phase plane start + row/column offset
};

FlatGeometry flatGeometry(const DepthwiseConvParams& p) {
    FlatGeometry g;
    const int64_t sh = p.strideH, sw = p.strideW;
    // Padded plane: the image plus everything the valid outputs' windows read.
    const int64_t wp = std::max(p.padLeft + p.inW, (p.outW - 1) * sw + p.kernelW);
    const int64_t hp = std::max(p.padTop + p.inH, (p.outH - 1) * sh + p.kernelH);
    g.qw = (wp + sw - 1) / sw;
    g.qh = (hp + sh - 1) / sh;
    g.outSize = (p.outH * g.qw + 15) / 16 * 16;
    // Reads reach j + off_t with j < outSize: one more row of margin than the taps need.
    g.phaseSize = (g.qh + 1) * g.qw + g.outSize - p.outH * g.qw + 16;
    g.planeSize = sh * sw * g.phaseSize;
    for (int ky = 0; ky < p.kernelH; ++ky)
        for (int kx = 0; kx < p.kernelW; ++kx)
            g.offsets[ky * p.kernelW + kx] =
                ((ky % sh) * sw + kx % sw) * g.phaseSize + (ky / sh) * g.qw + kx / sw;
    return g;
}

// Per-thread scratch: the phase planes (zero outside the image, which stays zero for all the
// planes of one call since only the image area is rewritten) and y'.
struct FlatScratch {
    AlignedFloats plane, out;
};

FlatScratch& flatScratch() {
    thread_local FlatScratch scratch;
    return scratch;
}

#ifdef QS_DW_X86

// The first `lanes` of 16 (none for lanes <= 0: the second half of a tail may be empty).
QS_TARGET_AVX512 inline __mmask16 maskAvx512(int64_t lanes) {
    if (lanes <= 0) return __mmask16(0);
    return lanes >= 16 ? __mmask16(0xffff) : __mmask16((1u << lanes) - 1u);
}

// Copies n floats (masked vectors; no read or write outside [0, n)).
QS_TARGET_AVX512 inline void copyAvx512(const float* src, float* dst, int64_t n) {
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 m = maskAvx512(n - i);
        _mm512_mask_storeu_ps(dst + i, m, _mm512_maskz_loadu_ps(m, src + i));
    }
}

// Splits n floats into even and odd elements: src[2i] -> even[i], src[2i+1] -> odd[i].
QS_TARGET_AVX512 inline void deinterleaveAvx512(const float* src, int64_t n, float* even,
                                                float* odd) {
    const __m512i evens =
        _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odds =
        _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    for (int64_t i = 0; i < n; i += 32) {
        const __m512 a = _mm512_maskz_loadu_ps(maskAvx512(n - i), src + i);
        const __m512 b = _mm512_maskz_loadu_ps(maskAvx512(n - i - 16), src + i + 16);
        const int64_t ne = (std::min<int64_t>(32, n - i) + 1) / 2,
                      no = std::min<int64_t>(32, n - i) / 2;
        _mm512_mask_storeu_ps(even + i / 2, maskAvx512(ne), _mm512_permutex2var_ps(a, evens, b));
        _mm512_mask_storeu_ps(odd + i / 2, maskAvx512(no), _mm512_permutex2var_ps(a, odds, b));
    }
}

// NV output vectors: two partial sums each (even and odd taps, independent FMA chains),
// added once, then bias and clamp.
template <int T, int NV>
QS_TARGET_AVX512 inline void flatStepAvx512(const float* plane, const int64_t* offsets,
                                            const float* w, int64_t j, __m512 bias, bool clamp,
                                            __m512 lo, __m512 hi, float* out) {
    __m512 acc[NV][2];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[v][0] = acc[v][1] = _mm512_setzero_ps();
#pragma GCC unroll 25
    for (int t = 0; t < T; ++t) {
        const __m512 wt = _mm512_set1_ps(w[t]);
        const float* src = plane + offsets[t] + j;
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v)
            acc[v][t & 1] = _mm512_fmadd_ps(wt, _mm512_loadu_ps(src + 16 * v), acc[v][t & 1]);
    }
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
        __m512 s = _mm512_add_ps(bias, _mm512_add_ps(acc[v][0], acc[v][1]));
        if (clamp) s = _mm512_maskz_min_ps(0xffff, hi, _mm512_maskz_max_ps(0xffff, lo, s));
        _mm512_storeu_ps(out + j + 16 * v, s);
    }
}

template <int T>
QS_TARGET_AVX512 void planeAvx512(const DepthwiseConvParams& p, const FlatGeometry& g,
                                  const float* x, const float* w, float bias, bool clamp, float* y,
                                  FlatScratch& s) {
    float* plane = s.plane.data();
    float* out = s.out.data();
    // Strides are 1 or 2: shifts and masks instead of divisions (an idiv per row costs more
    // than the row's arithmetic on small planes).
    const int64_t shShift = p.strideH - 1, sw = p.strideW;
    for (int64_t iy = 0; iy < p.inH; ++iy) {
        const int64_t r = p.padTop + iy;
        float* rowBase = plane + (r & shShift) * sw * g.phaseSize + (r >> shShift) * g.qw;
        if (sw == 1) {
            copyAvx512(x + iy * p.inW, rowBase + p.padLeft, p.inW);
        } else {
            // Padded column padLeft + ix goes to phase (padLeft + ix) % 2, column (padLeft + ix)
            // / 2.
            const int64_t first = p.padLeft % 2;
            float* even = rowBase + (first ? g.phaseSize : 0) + p.padLeft / 2;
            float* odd = rowBase + (first ? 0 : g.phaseSize) + (p.padLeft + 1) / 2;
            deinterleaveAvx512(x + iy * p.inW, p.inW, even, odd);
        }
    }
    const __m512 b = _mm512_set1_ps(bias), lo = _mm512_set1_ps(p.clampMin),
                 hi = _mm512_set1_ps(p.clampMax);
    int64_t j = 0;
    for (; j + 64 <= g.outSize; j += 64)
        flatStepAvx512<T, 4>(plane, g.offsets, w, j, b, clamp, lo, hi, out);
    for (; j < g.outSize; j += 16)
        flatStepAvx512<T, 1>(plane, g.offsets, w, j, b, clamp, lo, hi, out);
    for (int64_t oy = 0; oy < p.outH; ++oy) copyAvx512(out + oy * g.qw, y + oy * p.outW, p.outW);
}

QS_TARGET_AVX2 inline __m256i maskAvx2(int64_t lanes) {
    alignas(32) static const int32_t kMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1,
                                                  0,  0,  0,  0,  0,  0,  0,  0};
    return _mm256_loadu_si256(
        reinterpret_cast<const __m256i*>(kMask + 8 - std::clamp<int64_t>(lanes, 0, 8)));
}

QS_TARGET_AVX2 inline void copyAvx2(const float* src, float* dst, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, _mm256_loadu_ps(src + i));
    if (i < n) {
        const __m256i m = maskAvx2(n - i);
        _mm256_maskstore_ps(dst + i, m, _mm256_maskload_ps(src + i, m));
    }
}

QS_TARGET_AVX2 inline void deinterleaveAvx2(const float* src, int64_t n, float* even, float* odd) {
    for (int64_t i = 0; i < n; i += 16) {
        const __m256 a = _mm256_maskload_ps(src + i, maskAvx2(n - i));
        const __m256 b = _mm256_maskload_ps(src + i + 8, maskAvx2(n - i - 8));
        // [a0 a2 b0 b2 | a4 a6 b4 b6] -> [a0 a2 a4 a6 b0 b2 b4 b6], and the same for odds.
        const __m256 e = _mm256_castpd_ps(
            _mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0x88)), 0xd8));
        const __m256 o = _mm256_castpd_ps(
            _mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0xdd)), 0xd8));
        const int64_t ne = (std::min<int64_t>(16, n - i) + 1) / 2,
                      no = std::min<int64_t>(16, n - i) / 2;
        _mm256_maskstore_ps(even + i / 2, maskAvx2(ne), e);
        _mm256_maskstore_ps(odd + i / 2, maskAvx2(no), o);
    }
}

// 8 outputs per vector, NV vectors (two partial sums each); weights broadcast from memory.
template <int T, int NV>
QS_TARGET_AVX2 inline void flatStepAvx2(const float* plane, const int64_t* offsets, const float* w,
                                        int64_t j, __m256 bias, bool clamp, __m256 lo, __m256 hi,
                                        float* out) {
    __m256 acc[NV][2];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[v][0] = acc[v][1] = _mm256_setzero_ps();
#pragma GCC unroll 25
    for (int t = 0; t < T; ++t) {
        const __m256 wt = _mm256_broadcast_ss(w + t);
        const float* src = plane + offsets[t] + j;
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v)
            acc[v][t & 1] = _mm256_fmadd_ps(wt, _mm256_loadu_ps(src + 8 * v), acc[v][t & 1]);
    }
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
        __m256 s = _mm256_add_ps(bias, _mm256_add_ps(acc[v][0], acc[v][1]));
        // Operand order keeps NaN: max/min return the second operand when one is NaN.
        if (clamp) s = _mm256_min_ps(hi, _mm256_max_ps(lo, s));
        _mm256_storeu_ps(out + j + 8 * v, s);
    }
}

template <int T>
QS_TARGET_AVX2 void planeAvx2(const DepthwiseConvParams& p, const FlatGeometry& g, const float* x,
                              const float* w, float bias, bool clamp, float* y, FlatScratch& s) {
    float* plane = s.plane.data();
    float* out = s.out.data();
    // Strides are 1 or 2: shifts and masks instead of divisions (an idiv per row costs more
    // than the row's arithmetic on small planes).
    const int64_t shShift = p.strideH - 1, sw = p.strideW;
    for (int64_t iy = 0; iy < p.inH; ++iy) {
        const int64_t r = p.padTop + iy;
        float* rowBase = plane + (r & shShift) * sw * g.phaseSize + (r >> shShift) * g.qw;
        if (sw == 1) {
            copyAvx2(x + iy * p.inW, rowBase + p.padLeft, p.inW);
        } else {
            const int64_t first = p.padLeft % 2;
            float* even = rowBase + (first ? g.phaseSize : 0) + p.padLeft / 2;
            float* odd = rowBase + (first ? 0 : g.phaseSize) + (p.padLeft + 1) / 2;
            deinterleaveAvx2(x + iy * p.inW, p.inW, even, odd);
        }
    }
    const __m256 b = _mm256_set1_ps(bias), lo = _mm256_set1_ps(p.clampMin),
                 hi = _mm256_set1_ps(p.clampMax);
    int64_t j = 0;
    for (; j + 32 <= g.outSize; j += 32)
        flatStepAvx2<T, 4>(plane, g.offsets, w, j, b, clamp, lo, hi, out);
    for (; j < g.outSize; j += 8) flatStepAvx2<T, 1>(plane, g.offsets, w, j, b, clamp, lo, hi, out);
    for (int64_t oy = 0; oy < p.outH; ++oy) copyAvx2(out + oy * g.qw, y + oy * p.outW, p.outW);
}

#endif // QS_DW_X86

using FlatPlaneFn = void (*)(const DepthwiseConvParams&, const FlatGeometry&, const float*,
                             const float*, float, bool, float*, FlatScratch&);

FlatPlaneFn flatPlaneFor(SimdPath path, int taps) {
#ifdef QS_DW_X86
    if (path == SimdPath::Avx512) return taps == 9 ? planeAvx512<9> : planeAvx512<25>;
    if (path == SimdPath::Avx2) return taps == 9 ? planeAvx2<9> : planeAvx2<25>;
#else
    (void)path, (void)taps;
#endif
    return nullptr;
}

} // namespace

bool depthwiseConvSupported(const DepthwiseConvParams& p) {
    const bool kernelOk = (p.kernelH == 3 && p.kernelW == 3) || (p.kernelH == 5 && p.kernelW == 5);
    const bool strideOk = (p.strideH == 1 || p.strideH == 2) && (p.strideW == 1 || p.strideW == 2);
    return kernelOk && strideOk && p.padTop >= 0 && p.padLeft >= 0;
}

void depthwiseConv2d(SimdPath path, const float* x, const float* w, const float* bias, float* y,
                     const DepthwiseConvParams& p, ThreadPool* pool) {
    const int64_t planes = p.batch * p.channels;
    const int64_t outPlane = p.outH * p.outW, inPlane = p.inH * p.inW;
    if (planes <= 0 || outPlane <= 0) return;
    const bool clamp = p.clampMin > -std::numeric_limits<float>::infinity() ||
                       p.clampMax < std::numeric_limits<float>::infinity();
    const FlatPlaneFn flat = flatPlaneFor(path, p.kernelH * p.kernelW);
    const FlatGeometry g = flat ? flatGeometry(p) : FlatGeometry{};
    auto work = [&](int64_t begin, int64_t end) {
        FlatScratch* s = nullptr;
        if (flat) {
            s = &flatScratch();
            s->plane.ensure(size_t(g.planeSize));
            s->out.ensure(size_t(g.outSize));
            std::memset(s->plane.data(), 0, sizeof(float) * size_t(g.planeSize));
        }
        for (int64_t i = begin; i < end; ++i) {
            const int64_t c = i % p.channels;
            const float* wc = w + c * p.kernelH * p.kernelW;
            const float b = bias ? bias[c] : 0.0f;
            if (flat)
                flat(p, g, x + i * inPlane, wc, b, clamp, y + i * outPlane, *s);
            else
                planeGeneric(p, x + i * inPlane, wc, b, clamp, y + i * outPlane);
        }
    };
    // About 16k outputs per task keeps the scheduling overhead small on 7×7 planes.
    const int64_t grain = std::max<int64_t>(1, 16384 / outPlane);
    if (pool)
        pool->parallelFor(planes, grain, work);
    else
        work(0, planes);
}

} // namespace qs
