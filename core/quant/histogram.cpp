#include "quant/histogram.h"

#include "kernels/cpu_features.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cassert>
#include <climits>
#include <cmath>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define QS_HIST_X86 1
#define QS_TARGET_AVX2 __attribute__((target("avx2")))
#define QS_TARGET_AVX512 __attribute__((target("avx512f")))
#endif

namespace qs {

namespace {

// A batch is binned into kCopies sub-histograms (element j of a chunk goes to copy j % kCopies):
// runs of equal bins (ReLU zeros, a narrow peak) then update different counters instead of
// waiting on one store after another. uint32 is enough within one batch (checked in scan()).
constexpr int kCopies = 2;
// Bin indices are computed for this many values (vectorised), then counted (scalar).
constexpr int64_t kChunk = 1024;
// Batches are rebinned in pieces small enough for the uint32 sub-histograms.
constexpr int64_t kMaxBinnedPerBatch = int64_t(1) << 31;

struct ScanAccum {
    float min, max;
    int64_t nonFinite, zeros;
    double* laneSum;   // [8]
    double* laneSumSq; // [8]
};

// Every kernel does the same arithmetic in the same order, so all paths agree bit for bit:
//  - the sums are double; element i of a piece goes to lane i % 8, lanes add in element order,
//    squares are rounded before they are added (no fused multiply-add);
//  - the bin of x is floor(double(x) * invWidth) + bins/2, clamped to [0, bins): the product
//    is exact in double (a float times the bin count times a power of two; histogram.h says
//    why that matters), NaN goes to bin 0 (such a batch is rejected anyway; the clamp only
//    keeps the writes in bounds).
using ScanKernel = void (*)(const float* x, int64_t n, ScanAccum& a, double invWidth, int bins,
                            uint32_t* counts);

inline int32_t binIndexScalar(float v, double invWidth, int half) {
    double y = double(v) * invWidth;
    y = y > -half ? y : -half; // NaN → lowest bin
    y = y < half - 0.5 ? y : half - 0.5;
    int32_t t = int32_t(y);     // truncates toward zero ...
    t -= double(t) > y ? 1 : 0; // ... so step down for negatives: floor
    return t + half;
}

// Whether bins may be computed in float (16 lanes instead of 8 in the AVX-512 kernel), giving the
// same indices as the double formula: when w⁻¹ is a power of two well inside float's exponent
// range, x·w⁻¹ is exact in float as in double unless it underflows (|x·w⁻¹| < 2^-126: the floor
// is then 0 for x > 0 and -1 for x < 0, so the kernel takes min(floor, -1) for negative x) or
// overflows (clamped to the end bins either way). The clamp bounds (±bins/2) are exact floats.
inline bool floatBinsExact(double invWidth) {
    int e = 0;
    return invWidth > 0.0 && std::frexp(invWidth, &e) == 0.5 && e > -100 && e < 100;
}

// counts[b] += the kCopies sub-histograms' bin b (no modulo per element: this runs for every
// observed tensor of every batch).
inline void addSubHistograms(const uint32_t* scratch, int bins, int64_t* counts) {
    for (int c = 0; c < kCopies; ++c)
        for (int b = 0; b < bins; ++b) counts[b] += scratch[size_t(c) * size_t(bins) + size_t(b)];
}

// Counts the bin indices of one chunk into the sub-histograms.
inline void countBins(const int32_t* idx, int64_t m, int bins, uint32_t* counts) {
    int64_t j = 0;
    for (; j + kCopies <= m; j += kCopies)
        for (int c = 0; c < kCopies; ++c) ++counts[c * bins + idx[j + c]];
    for (; j < m; ++j) ++counts[idx[j]];
}

// Scalar statistics (and bin) of x[from..n), lanes by position: the tail of the vector paths.
// Not inlined: inside an AVX-512 function (whose target has FMA) the compiler would fuse d * d
// into the sum and the paths would no longer agree bit for bit.
template <bool kBin>
__attribute__((noinline)) void scanScalar(const float* x, int64_t from, int64_t n, ScanAccum& a,
                                          double invWidth, int bins, uint32_t* counts) {
    float mn = a.min, mx = a.max;
    int64_t bad = 0, zeros = 0;
    const int half = bins / 2;
    for (int64_t i = from; i < n; ++i) {
        const float v = x[i];
        mn = v < mn ? v : mn; // NaN never compares, so it is never taken
        mx = v > mx ? v : mx;
        const float d0 = v - v; // 0 for finite values, NaN for NaN and ±Inf
        bad += d0 != d0;
        zeros += v == 0.0f;
        const double d = v;
        a.laneSum[i & 7] += d;
        const double sq = d * d;
        a.laneSumSq[i & 7] += sq;
        if constexpr (kBin) ++counts[(i % kCopies) * bins + binIndexScalar(v, invWidth, half)];
    }
    a.min = mn;
    a.max = mx;
    a.nonFinite += bad;
    a.zeros += zeros;
}

template <bool kBin>
void scanGeneric(const float* x, int64_t n, ScanAccum& a, double invWidth, int bins,
                 uint32_t* counts) {
    scanScalar<kBin>(x, 0, n, a, invWidth, bins, counts);
}

#ifdef QS_HIST_X86
template <bool kBin>
QS_TARGET_AVX2 void scanAvx2(const float* x, int64_t n, ScanAccum& a, double invWidth, int bins,
                             uint32_t* counts) {
    __m256 vmin = _mm256_set1_ps(a.min), vmax = _mm256_set1_ps(a.max);
    __m256d s0 = _mm256_loadu_pd(a.laneSum), s1 = _mm256_loadu_pd(a.laneSum + 4);
    __m256d q0 = _mm256_loadu_pd(a.laneSumSq), q1 = _mm256_loadu_pd(a.laneSumSq + 4);
    const __m256 zero = _mm256_setzero_ps();
    const __m256d inv = _mm256_set1_pd(invWidth);
    const __m256d lo = _mm256_set1_pd(-bins / 2), hi = _mm256_set1_pd(bins / 2 - 1);
    const __m256i half = _mm256_set1_epi32(bins / 2);
    alignas(32) int32_t idx[kChunk];
    int64_t bad = 0, zeros = 0;
    const int64_t n8 = n & ~int64_t(7);
    for (int64_t i = 0; i < n8;) {
        const int64_t end = std::min(n8, i + kChunk);
        int32_t* out = idx;
        for (; i < end; i += 8) {
            const __m256 v = _mm256_loadu_ps(x + i);
            vmin = _mm256_min_ps(v, vmin); // returns the 2nd operand on NaN: NaN never taken
            vmax = _mm256_max_ps(v, vmax);
            const __m256 d0 = _mm256_sub_ps(v, v);
            bad += std::popcount(unsigned(_mm256_movemask_ps(_mm256_cmp_ps(d0, d0, _CMP_UNORD_Q))));
            zeros +=
                std::popcount(unsigned(_mm256_movemask_ps(_mm256_cmp_ps(v, zero, _CMP_EQ_OQ))));
            const __m256d lo4 = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
            const __m256d hi4 = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
            s0 = _mm256_add_pd(s0, lo4);
            s1 = _mm256_add_pd(s1, hi4);
            q0 = _mm256_add_pd(q0,
                               _mm256_mul_pd(lo4, lo4)); // no FMA in this target: rounded product
            q1 = _mm256_add_pd(q1, _mm256_mul_pd(hi4, hi4));
            if constexpr (kBin) {
                __m256d y0 = _mm256_floor_pd(_mm256_mul_pd(lo4, inv));
                __m256d y1 = _mm256_floor_pd(_mm256_mul_pd(hi4, inv));
                y0 = _mm256_min_pd(_mm256_max_pd(y0, lo), hi); // max_pd(NaN, lo) = lo
                y1 = _mm256_min_pd(_mm256_max_pd(y1, lo), hi);
                const __m256i k =
                    _mm256_set_m128i(_mm256_cvttpd_epi32(y1), _mm256_cvttpd_epi32(y0));
                _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), _mm256_add_epi32(k, half));
                out += 8;
            }
        }
        if constexpr (kBin) countBins(idx, out - idx, bins, counts);
    }
    _mm256_storeu_pd(a.laneSum, s0);
    _mm256_storeu_pd(a.laneSum + 4, s1);
    _mm256_storeu_pd(a.laneSumSq, q0);
    _mm256_storeu_pd(a.laneSumSq + 4, q1);
    alignas(32) float mins[8], maxs[8];
    _mm256_store_ps(mins, vmin);
    _mm256_store_ps(maxs, vmax);
    for (int k = 0; k < 8; ++k) {
        a.min = mins[k] < a.min ? mins[k] : a.min;
        a.max = maxs[k] > a.max ? maxs[k] : a.max;
    }
    a.nonFinite += bad;
    a.zeros += zeros;
    // Leave the upper register halves clean before SSE code runs: GCC 12 emits no vzeroupper
    // here by itself (the tail call below), and dirty halves slow every later SSE instruction
    // in the thread (std::log ran 20x slower after an observe()).
    _mm256_zeroupper();
    scanScalar<kBin>(x, n8, n, a, invWidth, bins, counts);
}

// GCC 12 reports false -Wmaybe-uninitialized inside the AVX-512 intrinsic headers (GCC bug 105593,
// fixed in 13): the "undefined" pass-through operands of the unmasked forms.
#pragma GCC diagnostic push
#ifndef __clang__ // a GCC-only warning group
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
template <bool kBin>
QS_TARGET_AVX512 void scanAvx512(const float* x, int64_t n, ScanAccum& a, double invWidth, int bins,
                                 uint32_t* counts) {
    __m512 vmin = _mm512_set1_ps(a.min), vmax = _mm512_set1_ps(a.max);
    __m512d s = _mm512_loadu_pd(a.laneSum), q = _mm512_loadu_pd(a.laneSumSq);
    const __m512 zero = _mm512_setzero_ps();
    const __m512d inv = _mm512_set1_pd(invWidth);
    const __m512d lo = _mm512_set1_pd(-bins / 2), hi = _mm512_set1_pd(bins / 2 - 1);
    const __m512i half = _mm512_set1_epi32(bins / 2);
    const bool floatBins = floatBinsExact(invWidth);
    const __m512 invF = _mm512_set1_ps(float(floatBins ? invWidth : 1.0));
    const __m512 loF = _mm512_set1_ps(float(-bins / 2)), hiF = _mm512_set1_ps(float(bins / 2 - 1));
    const __m512 minusOne = _mm512_set1_ps(-1.0f);
    alignas(64) int32_t idx[kChunk + 16];
    int64_t bad = 0, zeros = 0;
    const int64_t n16 = n & ~int64_t(15);
    for (int64_t i = 0; i < n16;) {
        const int64_t end = std::min(n16, i + kChunk);
        int32_t* out = idx;
        for (; i < end; i += 16) {
            const __m512 v = _mm512_loadu_ps(x + i);
            vmin = _mm512_min_ps(v, vmin);
            vmax = _mm512_max_ps(v, vmax);
            const __m512 d0 = _mm512_sub_ps(v, v);
            bad += std::popcount(unsigned(_mm512_cmp_ps_mask(d0, d0, _CMP_UNORD_Q)));
            const __mmask16 isZero = _mm512_cmp_ps_mask(v, zero, _CMP_EQ_OQ);
            zeros += std::popcount(unsigned(isZero));
            const __m512d lo8 = _mm512_cvtps_pd(_mm512_castps512_ps256(v));
            const __m512d hi8 =
                _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
            // Lane k gets element i+k, then i+8+k: the generic order. The explicitly rounded
            // products keep the compiler from fusing them into FMAs (which this target has).
            s = _mm512_add_pd(s, lo8);
            s = _mm512_add_pd(s, hi8);
            q = _mm512_add_pd(
                q, _mm512_mul_round_pd(lo8, lo8, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
            q = _mm512_add_pd(
                q, _mm512_mul_round_pd(hi8, hi8, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
            if constexpr (kBin) {
                __m512i k;
                if (floatBins) {
                    // 16 lanes in float (see floatBinsExact): floor(x·w⁻¹), and at least -1 for a
                    // negative x whose product underflowed to ±0.
                    __m512 y = _mm512_roundscale_ps(_mm512_mul_ps(v, invF),
                                                    _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
                    y = _mm512_mask_min_ps(y, _mm512_cmp_ps_mask(v, zero, _CMP_LT_OQ), y, minusOne);
                    y = _mm512_min_ps(_mm512_max_ps(y, loF), hiF); // max_ps(NaN, lo) = lo
                    k = _mm512_cvttps_epi32(y);
                } else {
                    __m512d y0 = _mm512_roundscale_pd(_mm512_mul_pd(lo8, inv),
                                                      _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
                    __m512d y1 = _mm512_roundscale_pd(_mm512_mul_pd(hi8, inv),
                                                      _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
                    y0 = _mm512_min_pd(_mm512_max_pd(y0, lo), hi);
                    y1 = _mm512_min_pd(_mm512_max_pd(y1, lo), hi);
                    k = _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvttpd_epi32(y0)),
                                           _mm512_cvttpd_epi32(y1), 1);
                }
                // Exact zeros (half of a ReLU output) are counted, not binned one by one: only
                // the other values' indices are kept.
                const __mmask16 keep = __mmask16(~isZero);
                _mm512_storeu_si512(out,
                                    _mm512_maskz_compress_epi32(keep, _mm512_add_epi32(k, half)));
                out += std::popcount(unsigned(keep));
            }
        }
        if constexpr (kBin) countBins(idx, out - idx, bins, counts);
    }
    if constexpr (kBin) counts[bins / 2] += uint32_t(zeros);
    _mm512_storeu_pd(a.laneSum, s);
    _mm512_storeu_pd(a.laneSumSq, q);
    alignas(64) float mins[16], maxs[16];
    _mm512_store_ps(mins, vmin);
    _mm512_store_ps(maxs, vmax);
    for (int k = 0; k < 16; ++k) {
        a.min = mins[k] < a.min ? mins[k] : a.min;
        a.max = maxs[k] > a.max ? maxs[k] : a.max;
    }
    a.nonFinite += bad;
    a.zeros += zeros;
    // Leave the upper register halves clean before SSE code runs: GCC 12 emits no vzeroupper
    // here by itself (the tail call below), and dirty halves slow every later SSE instruction
    // in the thread (std::log ran 20x slower after an observe()).
    _mm256_zeroupper();
    scanScalar<kBin>(x, n16, n, a, invWidth, bins, counts);
}
#pragma GCC diagnostic pop
#endif

struct KernelPath {
    const char* name;
    ScanKernel stats; // statistics only
    ScanKernel bin;   // statistics and bins
    bool (*supported)();
};

const KernelPath kPaths[] = {
#ifdef QS_HIST_X86
    {"avx512", scanAvx512<false>, scanAvx512<true>, [] { return cpuFeatures().avx512f; }},
    {"avx2", scanAvx2<false>, scanAvx2<true>, [] { return cpuFeatures().avx2; }},
#endif
    {"generic", scanGeneric<false>, scanGeneric<true>, [] { return true; }},
};

std::atomic<const KernelPath*>& currentPath() {
    static std::atomic<const KernelPath*> path = [] {
        for (const KernelPath& p : kPaths)
            if (p.supported()) return &p;
        return &kPaths[std::size(kPaths) - 1];
    }();
    return path;
}

} // namespace

const char* histogramKernelName() {
    return currentPath().load()->name;
}

bool setHistogramKernel(const char* name) {
    for (const KernelPath& p : kPaths)
        if (!std::strcmp(p.name, name) && p.supported()) {
            currentPath().store(&p);
            return true;
        }
    return false;
}

Histogram::Histogram(int bins)
    : m_bins(std::max(8, (bins + 3) / 4 * 4))
    , m_counts(size_t(m_bins), 0) {
    assert(bins > 0);
}

double Histogram::requiredHalfRange(float min, float max) {
    if (!(min <= max)) return 0.0; // empty
    int e = INT_MIN;
    if (max > 0.0f) {
        int ex = 0;
        std::frexp(double(max), &ex); // max = m·2^ex, m in [0.5, 1): max < 2^ex, max >= 2^(ex-1)
        e = ex;
    }
    if (min < 0.0f) {
        int ex = 0;
        const double m = std::frexp(-double(min), &ex);
        if (m == 0.5)
            --ex; // -min == 2^(ex-1) exactly: R = -min holds it (the lowest bin is closed)
        e = std::max(e, ex);
    }
    return e == INT_MIN ? 0.0 : std::ldexp(1.0, e);
}

void Histogram::growTo(double halfRange) {
    if (m_halfRange == 0.0) {
        // The first non-zero values fix R; the zeros seen so far take their bin now.
        m_halfRange = halfRange;
        m_counts[size_t(m_bins / 2)] += m_zeros;
        return;
    }
    std::vector<int64_t> merged(static_cast<size_t>(m_bins));
    while (m_halfRange < halfRange) {
        // Bin i (signed index i - bins/2) at 2R is floor((i - bins/2) / 2): pairs (2m, 2m+1) merge
        // into bin m + bins/4, exactly (bins/2 is even, so a pair never straddles zero).
        std::fill(merged.begin(), merged.end(), 0);
        for (int i = 0; i < m_bins; ++i) merged[size_t(i / 2 + m_bins / 4)] += m_counts[size_t(i)];
        m_counts.swap(merged);
        m_halfRange *= 2.0;
    }
}

void Histogram::Batch::reset(const Histogram& h) {
    m_bins = h.m_bins;
    m_binned = h.m_halfRange > 0.0;
    m_invWidth = m_binned ? h.m_bins / (2.0 * h.m_halfRange) : 0.0;
    if (m_binned) m_scratch.assign(size_t(kCopies) * size_t(m_bins), 0u);
    m_count = m_nonFinite = m_zeros = 0;
    m_min = std::numeric_limits<float>::infinity();
    m_max = -std::numeric_limits<float>::infinity();
    std::fill(std::begin(m_laneSum), std::end(m_laneSum), 0.0);
    std::fill(std::begin(m_laneSumSq), std::end(m_laneSumSq), 0.0);
}

std::pair<float, float> Histogram::Batch::scan(const float* x, int64_t n) {
    ScanAccum a{std::numeric_limits<float>::infinity(),
                -std::numeric_limits<float>::infinity(),
                0,
                0,
                m_laneSum,
                m_laneSumSq};
    if (m_binned && m_count + n > kMaxBinnedPerBatch) m_binned = false; // commit() rebins in pieces
    const KernelPath* path = currentPath().load(std::memory_order_relaxed);
    (m_binned ? path->bin : path->stats)(x, n, a, m_invWidth, m_bins, m_scratch.data());
    // The lanes may meet a +0 and a -0 in either order; report zero extremes as +0.
    if (a.min == 0.0f) a.min = 0.0f;
    if (a.max == 0.0f) a.max = 0.0f;
    m_count += n;
    m_nonFinite += a.nonFinite;
    m_zeros += a.zeros;
    m_min = std::min(m_min, a.min);
    m_max = std::max(m_max, a.max);
    return {a.min, a.max};
}

void Histogram::Batch::absorb(const Batch& other) {
    assert(other.m_bins == m_bins);
    if (m_binned && (!other.m_binned || other.m_invWidth != m_invWidth ||
                     m_count + other.m_count > kMaxBinnedPerBatch))
        m_binned = false; // commit() rebins the whole batch
    if (m_binned)
        for (size_t i = 0; i < m_scratch.size(); ++i) m_scratch[i] += other.m_scratch[i];
    m_count += other.m_count;
    m_nonFinite += other.m_nonFinite;
    m_zeros += other.m_zeros;
    m_min = std::min(m_min, other.m_min);
    m_max = std::max(m_max, other.m_max);
    for (int k = 0; k < 8; ++k) {
        m_laneSum[k] += other.m_laneSum[k];
        m_laneSumSq[k] += other.m_laneSumSq[k];
    }
}

Status Histogram::commit(Batch& batch, std::span<const float> all) {
    assert(batch.m_bins == m_bins && batch.m_count == int64_t(all.size()));
    if (batch.m_nonFinite > 0) {
        int64_t nans = 0;
        for (float v : all) nans += std::isnan(v) ? 1 : 0;
        return makeError(ErrorCode::NumericError, batch.m_nonFinite, " of ", all.size(),
                         " values are not finite (", nans, " NaN, ", batch.m_nonFinite - nans,
                         " Inf)");
    }
    if (batch.m_count == 0) return {};

    const double need = requiredHalfRange(batch.m_min, batch.m_max);
    if (need > m_halfRange) growTo(need);
    if (m_halfRange > 0.0) {
        const double invWidth = m_bins / (2.0 * m_halfRange);
        if (!batch.m_binned || batch.m_invWidth != invWidth) {
            // Range unknown at scan time, or widened by this batch: bin the values again.
            const KernelPath* path = currentPath().load(std::memory_order_relaxed);
            double sink[16] = {};
            for (size_t from = 0; from < all.size(); from += size_t(kMaxBinnedPerBatch)) {
                const int64_t n = int64_t(std::min(all.size() - from, size_t(kMaxBinnedPerBatch)));
                batch.m_scratch.assign(size_t(kCopies) * size_t(m_bins), 0u);
                ScanAccum a{0.0f, 0.0f, 0, 0, sink, sink + 8};
                path->bin(all.data() + from, n, a, invWidth, m_bins, batch.m_scratch.data());
                addSubHistograms(batch.m_scratch.data(), m_bins, m_counts.data());
            }
        } else {
            addSubHistograms(batch.m_scratch.data(), m_bins, m_counts.data());
        }
    }
    double sum = 0.0, sumSq = 0.0;
    for (int k = 0; k < 8; ++k) {
        sum += batch.m_laneSum[k];
        sumSq += batch.m_laneSumSq[k];
    }
    m_sum += sum;
    m_sumSq += sumSq;
    m_count += batch.m_count;
    m_zeros += batch.m_zeros;
    m_min = std::min(m_min, batch.m_min);
    m_max = std::max(m_max, batch.m_max);
    return {};
}

Status Histogram::add(std::span<const float> values) {
    Batch batch(*this);
    batch.scan(values.data(), int64_t(values.size()));
    return commit(batch, values);
}

Status Histogram::merge(const Histogram& other) {
    if (other.m_bins != m_bins)
        return makeError(ErrorCode::InvalidArgument, "cannot merge a histogram of ", other.m_bins,
                         " bins into one of ", m_bins);
    if (other.m_count == 0) return {};
    const double target = std::max(m_halfRange, other.m_halfRange);
    if (target > 0.0) {
        Histogram o = other;
        if (o.m_halfRange < target) o.growTo(target);
        if (m_halfRange < target) growTo(target);
        for (size_t i = 0; i < m_counts.size(); ++i) m_counts[i] += o.m_counts[i];
    }
    m_count += other.m_count;
    m_zeros += other.m_zeros;
    m_min = std::min(m_min, other.m_min);
    m_max = std::max(m_max, other.m_max);
    m_sum += other.m_sum;
    m_sumSq += other.m_sumSq;
    return {};
}

double Histogram::variance() const {
    if (m_count == 0) return 0.0;
    const double mu = mean();
    return std::max(0.0, m_sumSq / double(m_count) - mu * mu);
}

std::vector<int64_t> Histogram::foldedAbs() const {
    const int half = m_bins / 2;
    std::vector<int64_t> f(size_t(half), 0);
    for (int k = 0; k < half; ++k)
        f[size_t(k)] = m_counts[size_t(half + k)] + m_counts[size_t(half - 1 - k)];
    return f;
}

namespace {
// The value below which `target` of the counts lie, values spread uniformly over each bin's
// [lower(i), upper(i)) (already cut to the data's extremes).
template <class Lower, class Upper>
double walkQuantile(const int64_t* counts, int n, double target, Lower lower, Upper upper) {
    double cum = 0.0;
    int last = -1;
    for (int i = 0; i < n; ++i) {
        if (!counts[i]) continue;
        last = i;
        const double c = double(counts[i]);
        if (cum + c >= target) {
            const double frac = std::clamp((target - cum) / c, 0.0, 1.0);
            return lower(i) + frac * (upper(i) - lower(i));
        }
        cum += c;
    }
    return last >= 0 ? upper(last) : 0.0; // rounding left target a hair above the total
}
} // namespace

double Histogram::quantile(double q) const {
    if (m_count == 0 || m_halfRange == 0.0) return 0.0; // nothing, or only zeros
    q = std::clamp(q, 0.0, 1.0);
    const double lo = m_min, hi = m_max;
    return walkQuantile(
        m_counts.data(), m_bins, q * double(m_count),
        [&](int i) { return std::clamp(binLower(i), lo, hi); },
        [&](int i) { return std::clamp(binLower(i + 1), lo, hi); });
}

double Histogram::absQuantile(double q) const {
    if (m_count == 0 || m_halfRange == 0.0) return 0.0;
    q = std::clamp(q, 0.0, 1.0);
    const std::vector<int64_t> f = foldedAbs();
    const double w = binWidth(), top = absMax();
    return walkQuantile(
        f.data(), int(f.size()), q * double(m_count), [&](int k) { return std::min(k * w, top); },
        [&](int k) { return std::min((k + 1) * w, top); });
}

double Histogram::countBelow(double v) const {
    if (m_count == 0 || v <= double(m_min)) return 0.0;
    if (v > double(m_max) || m_halfRange == 0.0) return double(m_count);
    double below = 0.0;
    for (int i = 0; i < m_bins; ++i) {
        if (!m_counts[size_t(i)]) continue;
        const double a = std::max(binLower(i), double(m_min)),
                     b = std::min(binLower(i + 1), double(m_max));
        const double c = double(m_counts[size_t(i)]);
        if (v >= b)
            below += c;
        else if (v > a)
            below += c * (v - a) / (b - a); // here a < v < b, so b > a
        else
            break;
    }
    return below;
}

double Histogram::fractionOutside(double lo, double hi) const {
    if (m_count == 0) return 0.0;
    if (lo > hi) std::swap(lo, hi);
    const double outside = countBelow(lo) + (double(m_count) - countBelow(hi));
    return std::clamp(outside / double(m_count), 0.0, 1.0);
}

Result<double> Histogram::expectedQuantMse(float lo, float hi, const QuantSpec& spec) const {
    QuantSpec perTensor = spec;
    perTensor.granularity = Granularity::PerTensor;
    QS_ASSIGN(QuantParams p, computeQuantParams(perTensor, {lo}, {hi}));
    if (m_count == 0 || m_halfRange == 0.0) return 0.0; // nothing, or only (exact) zeros
    const double s = p.scale[0];
    const double gridLo = s * double(perTensor.qmin() - p.zeroPoint[0]);
    const double gridHi = s * double(perTensor.qmax() - p.zeroPoint[0]);
    const double rounding = s * s / 12.0;
    double err = 0.0;
    for (int i = 0; i < m_bins; ++i) {
        double n = double(m_counts[size_t(i)]);
        if (i == m_bins / 2) n -= double(m_zeros);
        if (n <= 0.0) continue;
        const double c = binCentre(i);
        const double d = c < gridLo ? gridLo - c : (c > gridHi ? c - gridHi : 0.0);
        err += n * (d > 0.0 ? d * d : rounding);
    }
    return err / double(m_count);
}

} // namespace qs
