#include "kernels/depthwise_conv.h"

#include "util/thread_pool.h"

#include <algorithm>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define QS_DW_X86 1
#define QS_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define QS_TARGET_AVX512 __attribute__((target("avx512f")))
#endif

namespace qs {
namespace {

// Output columns [xBegin, xEnd) have their whole window inside the row; the rest are borders.
struct ColumnSplit {
    int64_t xBegin = 0, xEnd = 0;
};

ColumnSplit columnSplit(const DepthwiseConvParams& p)
{
    ColumnSplit s;
    // Smallest x with x*sw - padLeft >= 0; largest with x*sw - padLeft + kw - 1 <= inW - 1.
    s.xBegin = std::min<int64_t>(p.outW, (p.padLeft + p.strideW - 1) / p.strideW);
    const int64_t lastStart = p.inW - p.kernelW + p.padLeft;
    s.xEnd = lastStart < 0 ? 0 : std::min<int64_t>(p.outW, lastStart / p.strideW + 1);
    if (s.xEnd < s.xBegin) s.xEnd = s.xBegin;
    return s;
}

// One channel plane. Rows above and below the image point at a zero row, so every output
// row reads exactly kernelH rows (the zero padding of the ONNX definition).
struct PlaneJob {
    const DepthwiseConvParams* p = nullptr;
    ColumnSplit split;
    const float* x = nullptr; // inH × inW
    const float* w = nullptr; // kernelH × kernelW
    const float* zeroRow = nullptr;
    float bias = 0;
    bool clamp = false;
    float* y = nullptr; // outH × outW

    const float* row(int64_t iy) const { return iy >= 0 && iy < p->inH ? x + iy * p->inW : zeroRow; }
};

inline float clampValue(float v, const PlaneJob& job)
{
    // Written so that NaN passes through.
    if (!job.clamp) return v;
    return v < job.p->clampMin ? job.p->clampMin : (v > job.p->clampMax ? job.p->clampMax : v);
}

// Outputs whose window crosses the left or right edge: the window is clipped to the row.
// Always inlined, so that inside the SIMD kernels it is compiled with their instruction set:
// a call into legacy-SSE code with dirty upper vector state costs a transition penalty on
// every scalar instruction.
__attribute__((always_inline)) inline void borderOutputs(const PlaneJob& job, const float* const* rows, int64_t x0, int64_t x1, float* out)
{
    const DepthwiseConvParams& p = *job.p;
    for (int64_t x = x0; x < x1; ++x) {
        const int64_t ix0 = x * p.strideW - p.padLeft;
        const int kxBegin = int(std::max<int64_t>(0, -ix0));
        const int kxEnd = int(std::min<int64_t>(p.kernelW, p.inW - ix0));
        float acc = job.bias;
        for (int ky = 0; ky < p.kernelH; ++ky)
            for (int kx = kxBegin; kx < kxEnd; ++kx) acc += job.w[ky * p.kernelW + kx] * rows[ky][ix0 + kx];
        out[x] = clampValue(acc, job);
    }
}

void planeGeneric(const PlaneJob& job)
{
    const DepthwiseConvParams& p = *job.p;
    const float* rows[5];
    for (int64_t oy = 0; oy < p.outH; ++oy) {
        for (int ky = 0; ky < p.kernelH; ++ky) rows[ky] = job.row(oy * p.strideH - p.padTop + ky);
        float* out = job.y + oy * p.outW;
        borderOutputs(job, rows, 0, job.split.xBegin, out);
        for (int64_t x = job.split.xBegin; x < job.split.xEnd; ++x) {
            const int64_t ix0 = x * p.strideW - p.padLeft;
            float acc = job.bias;
            for (int ky = 0; ky < p.kernelH; ++ky)
                for (int kx = 0; kx < p.kernelW; ++kx) acc += job.w[ky * p.kernelW + kx] * rows[ky][ix0 + kx];
            out[x] = clampValue(acc, job);
        }
        borderOutputs(job, rows, job.split.xEnd, p.outW, out);
    }
}

#ifdef QS_DW_X86

// AVX-512: 16 outputs per vector, NV vectors per step, one partial sum per kernel row and
// vector (independent FMA chains), added in ky order onto the bias. Stride 2 loads 31
// consecutive inputs as two vectors and keeps the even lanes. Masked loads touch no memory
// outside the lanes they keep.
template <int KH, int KW, int SW, int NV>
QS_TARGET_AVX512 inline void stepAvx512(const float* const* rows, const __m512* wv, __m512 bias, int64_t ix0,
                                        int n, float* out, bool clamp, __m512 lo, __m512 hi)
{
    const __m512i evens = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    __m512 acc[NV][KH];
#pragma GCC unroll 5
    for (int ky = 0; ky < KH; ++ky) {
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) {
            const int lanes = v == NV - 1 ? n - 16 * v : 16; // outputs in this vector
            const int span = SW * (lanes - 1) + 1;            // inputs they read per kx
            const __mmask16 m0 = span >= 16 ? __mmask16(0xffff) : __mmask16((1u << span) - 1u);
            const __mmask16 m1 = span > 16 ? __mmask16((1u << (span - 16)) - 1u) : __mmask16(0);
            const float* src = rows[ky] + ix0 + 16 * SW * v;
            __m512 s = _mm512_setzero_ps();
#pragma GCC unroll 5
            for (int kx = 0; kx < KW; ++kx) {
                __m512 in;
                if constexpr (SW == 1) {
                    in = _mm512_maskz_loadu_ps(m0, src + kx);
                } else {
                    const __m512 a = _mm512_maskz_loadu_ps(m0, src + kx);
                    const __m512 b = _mm512_maskz_loadu_ps(m1, src + kx + 16);
                    in = _mm512_permutex2var_ps(a, evens, b);
                }
                s = _mm512_fmadd_ps(wv[ky * KW + kx], in, s);
            }
            acc[v][ky] = s;
        }
    }
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
        __m512 sum = bias;
#pragma GCC unroll 5
        for (int ky = 0; ky < KH; ++ky) sum = _mm512_add_ps(sum, acc[v][ky]);
        if (clamp) sum = _mm512_maskz_min_ps(0xffff, hi, _mm512_maskz_max_ps(0xffff, lo, sum));
        const int lanes = v == NV - 1 ? n - 16 * v : 16;
        const __mmask16 store = lanes >= 16 ? __mmask16(0xffff) : __mmask16((1u << lanes) - 1u);
        _mm512_mask_storeu_ps(out + 16 * v, store, sum);
    }
}

template <int KH, int KW, int SW>
QS_TARGET_AVX512 void planeAvx512(const PlaneJob& job)
{
    const DepthwiseConvParams& p = *job.p;
    constexpr int kSteps = KH * KW <= 9 ? 4 : 2; // vectors per step: registers for the partial sums
    __m512 wv[KH * KW];
    for (int i = 0; i < KH * KW; ++i) wv[i] = _mm512_set1_ps(job.w[i]);
    const __m512 bias = _mm512_set1_ps(job.bias);
    const __m512 lo = _mm512_set1_ps(p.clampMin), hi = _mm512_set1_ps(p.clampMax);
    const float* rows[KH];
    for (int64_t oy = 0; oy < p.outH; ++oy) {
        for (int ky = 0; ky < KH; ++ky) rows[ky] = job.row(oy * p.strideH - p.padTop + ky);
        float* out = job.y + oy * p.outW;
        borderOutputs(job, rows, 0, job.split.xBegin, out);
        int64_t x = job.split.xBegin;
        for (; x + 16 * kSteps <= job.split.xEnd; x += 16 * kSteps)
            stepAvx512<KH, KW, SW, kSteps>(rows, wv, bias, x * SW - p.padLeft, 16 * kSteps, out + x, job.clamp, lo,
                                           hi);
        for (; x < job.split.xEnd; x += 16) {
            const int n = int(std::min<int64_t>(16, job.split.xEnd - x));
            stepAvx512<KH, KW, SW, 1>(rows, wv, bias, x * SW - p.padLeft, n, out + x, job.clamp, lo, hi);
        }
        borderOutputs(job, rows, job.split.xEnd, p.outW, out);
    }
}

QS_TARGET_AVX2 inline __m256i avx2Mask(int lanes)
{
    alignas(32) static const int32_t kMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    lanes = std::clamp(lanes, 0, 8);
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMask + 8 - lanes));
}

// AVX2: 8 outputs per vector, NV vectors per step; stride 2 keeps the even lanes of two loads.
// Weights are broadcast from memory (16 registers do not hold them all).
template <int KH, int KW, int SW, int NV>
QS_TARGET_AVX2 inline void stepAvx2(const float* const* rows, const float* w, __m256 bias, int64_t ix0, int n,
                                    float* out, bool clamp, __m256 lo, __m256 hi)
{
    __m256 acc[NV][KH];
#pragma GCC unroll 5
    for (int ky = 0; ky < KH; ++ky) {
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) {
            const int lanes = v == NV - 1 ? n - 8 * v : 8;
            const int span = SW * (lanes - 1) + 1;
            const bool full0 = span >= 8;
            const __m256i m0 = avx2Mask(span), m1 = avx2Mask(span - 8);
            const float* src = rows[ky] + ix0 + 8 * SW * v;
            __m256 s = _mm256_setzero_ps();
#pragma GCC unroll 5
            for (int kx = 0; kx < KW; ++kx) {
                const __m256 a = full0 ? _mm256_loadu_ps(src + kx) : _mm256_maskload_ps(src + kx, m0);
                __m256 in = a;
                if constexpr (SW == 2) {
                    const __m256 b = _mm256_maskload_ps(src + kx + 8, m1);
                    // [a0 a2 b0 b2 | a4 a6 b4 b6] -> [a0 a2 a4 a6 b0 b2 b4 b6]
                    in = _mm256_castpd_ps(
                        _mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0x88)), 0xd8));
                }
                s = _mm256_fmadd_ps(_mm256_broadcast_ss(w + ky * KW + kx), in, s);
            }
            acc[v][ky] = s;
        }
    }
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) {
        __m256 sum = bias;
#pragma GCC unroll 5
        for (int ky = 0; ky < KH; ++ky) sum = _mm256_add_ps(sum, acc[v][ky]);
        // Operand order keeps NaN: max/min return the second operand when one is NaN.
        if (clamp) sum = _mm256_min_ps(hi, _mm256_max_ps(lo, sum));
        const int lanes = v == NV - 1 ? n - 8 * v : 8;
        if (lanes >= 8) _mm256_storeu_ps(out + 8 * v, sum);
        else _mm256_maskstore_ps(out + 8 * v, avx2Mask(lanes), sum);
    }
}

template <int KH, int KW, int SW>
QS_TARGET_AVX2 void planeAvx2(const PlaneJob& job)
{
    const DepthwiseConvParams& p = *job.p;
    const __m256 bias = _mm256_set1_ps(job.bias);
    const __m256 lo = _mm256_set1_ps(p.clampMin), hi = _mm256_set1_ps(p.clampMax);
    const float* rows[KH];
    for (int64_t oy = 0; oy < p.outH; ++oy) {
        for (int ky = 0; ky < KH; ++ky) rows[ky] = job.row(oy * p.strideH - p.padTop + ky);
        float* out = job.y + oy * p.outW;
        borderOutputs(job, rows, 0, job.split.xBegin, out);
        int64_t x = job.split.xBegin;
        for (; x + 16 <= job.split.xEnd; x += 16)
            stepAvx2<KH, KW, SW, 2>(rows, job.w, bias, x * SW - p.padLeft, 16, out + x, job.clamp, lo, hi);
        for (; x < job.split.xEnd; x += 8) {
            const int n = int(std::min<int64_t>(8, job.split.xEnd - x));
            stepAvx2<KH, KW, SW, 1>(rows, job.w, bias, x * SW - p.padLeft, n, out + x, job.clamp, lo, hi);
        }
        borderOutputs(job, rows, job.split.xEnd, p.outW, out);
    }
}

#endif // QS_DW_X86

using PlaneFn = void (*)(const PlaneJob&);

template <int KH, int KW>
PlaneFn planeFor(SimdPath path, int sw)
{
#ifdef QS_DW_X86
    if (path == SimdPath::Avx512) return sw == 1 ? planeAvx512<KH, KW, 1> : planeAvx512<KH, KW, 2>;
    if (path == SimdPath::Avx2) return sw == 1 ? planeAvx2<KH, KW, 1> : planeAvx2<KH, KW, 2>;
#else
    (void)path, (void)sw;
#endif
    return planeGeneric;
}

} // namespace

bool depthwiseConvSupported(const DepthwiseConvParams& p)
{
    const bool kernelOk = (p.kernelH == 3 && p.kernelW == 3) || (p.kernelH == 5 && p.kernelW == 5);
    const bool strideOk = (p.strideH == 1 || p.strideH == 2) && (p.strideW == 1 || p.strideW == 2);
    return kernelOk && strideOk && p.padTop >= 0 && p.padLeft >= 0;
}

void depthwiseConv2d(SimdPath path, const float* x, const float* w, const float* bias, float* y,
                     const DepthwiseConvParams& p, ThreadPool* pool)
{
    const int64_t planes = p.batch * p.channels;
    const int64_t outPlane = p.outH * p.outW, inPlane = p.inH * p.inW;
    if (planes <= 0 || outPlane <= 0) return;
    const ColumnSplit split = columnSplit(p);
    const PlaneFn plane = p.kernelH == 3 ? planeFor<3, 3>(path, p.strideW) : planeFor<5, 5>(path, p.strideW);
    const bool clamp = p.clampMin > -std::numeric_limits<float>::infinity() ||
                       p.clampMax < std::numeric_limits<float>::infinity();
    const std::vector<float> zeroRow(size_t(std::max<int64_t>(1, p.inW)), 0.0f);
    auto work = [&](int64_t begin, int64_t end) {
        PlaneJob job;
        job.p = &p;
        job.split = split;
        job.zeroRow = zeroRow.data();
        job.clamp = clamp;
        for (int64_t i = begin; i < end; ++i) {
            const int64_t c = i % p.channels;
            job.x = x + i * inPlane;
            job.w = w + c * p.kernelH * p.kernelW;
            job.bias = bias ? bias[c] : 0.0f;
            job.y = y + i * outPlane;
            plane(job);
        }
    };
    // About 16k outputs per task keeps the scheduling overhead small on 7×7 planes.
    const int64_t grain = std::max<int64_t>(1, 16384 / outPlane);
    if (pool) pool->parallelFor(planes, grain, work);
    else work(0, planes);
}

} // namespace qs
