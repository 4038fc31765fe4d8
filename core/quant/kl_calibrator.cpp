#include "kernels/cpu_features.h"
#include "quant/calibrators.h"

#include <algorithm>
#include <bit>
#include <cmath>

#if defined(__x86_64__)
#include <immintrin.h>
// glibc's vector math library (libmvec, part of libc6): natural log of 4 / 8 doubles, at most
// 4 ulp from the correctly rounded value (glibc's documented bound for these variants).
// Declared with the ISA they need: clang checks the vector ABI on the declaration too.
extern "C" __attribute__((target("avx2"))) __m256d _ZGVdN4v_log(__m256d);
extern "C" __attribute__((target("avx512f"))) __m512d _ZGVeN8v_log(__m512d);
#define QS_KL_X86 1
#endif

namespace qs {

namespace {
// Smoothing mass for empty bins, in counts (MXNet's and ONNX Runtime's 1e-4).
constexpr double kEpsilon = 1e-4;

// y[k] = ln x[k] for k < n (x > 0). The logarithms of one KL candidate's level counts are taken
// together, vectorised where the CPU allows: they were half of the calibration's KL time. The
// vector variants may differ from std::log in the last bits (a few ulp); the curve's sums keep
// their order.
using LogKernel = void (*)(const double* x, double* y, int n);

void logGeneric(const double* x, double* y, int n) {
    for (int k = 0; k < n; ++k) y[k] = std::log(x[k]);
}
#ifdef QS_KL_X86
__attribute__((target("avx2"))) void logAvx2(const double* x, double* y, int n) {
    int k = 0;
    for (; k + 4 <= n; k += 4) _mm256_storeu_pd(y + k, _ZGVdN4v_log(_mm256_loadu_pd(x + k)));
    _mm256_zeroupper(); // clean upper halves before the scalar tail (SSE code)
    for (; k < n; ++k) y[k] = std::log(x[k]);
}
__attribute__((target("avx512f"))) void logAvx512(const double* x, double* y, int n) {
    int k = 0;
    for (; k + 8 <= n; k += 8) _mm512_storeu_pd(y + k, _ZGVeN8v_log(_mm512_loadu_pd(x + k)));
    _mm256_zeroupper();
    for (; k < n; ++k) y[k] = std::log(x[k]);
}
#endif

#ifdef QS_KL_X86
// GCC 12 reports false (maybe-)uninitialized warnings inside the AVX-512 intrinsic headers (GCC bug
// 105593, fixed in 13): the "undefined" pass-through operands of the unmasked forms.
#pragma GCC diagnostic push
#ifndef __clang__ // a GCC-only warning group
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#pragma GCC diagnostic ignored "-Wuninitialized"
// AVX-512 form of one candidate's level sum, for a power-of-two level count 2^shift: gathers the
// prefix sums at the level edges ceil(g·i/levels), g = 0..levels, into edgeCount/edgeNonEmpty
// (levels + 16 entries each; the caller reads the last level's from them) and returns
// Σ_{g < levels-1} C_g·(ln C_g − ln n_g), C_g the level's count and n_g its non-empty bins (empty
// levels add 0). Same terms as the scalar loop, summed in 8 lanes.
__attribute__((target("avx512f"))) double
levelSumAvx512(const double* count, const int32_t* nonEmpty, const double* logInt, int64_t i,
               int levels, int shift, double* edgeCount, int32_t* edgeNonEmpty) {
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i vi = _mm512_set1_epi32(int32_t(i)), round = _mm512_set1_epi32(levels - 1);
    const __m128i vshift = _mm_cvtsi32_si128(shift);
    for (int g = 0; g <= levels; g += 16) {
        const __m512i gv = _mm512_add_epi32(_mm512_set1_epi32(g), lane);
        const __mmask16 in = _mm512_cmple_epi32_mask(gv, _mm512_set1_epi32(levels));
        // g·i ≤ 2^16 · 2^16 fits int32 for the histograms here (i ≤ 65536 bins, levels ≤ 32768).
        const __m512i e =
            _mm512_srl_epi32(_mm512_add_epi32(_mm512_mullo_epi32(gv, vi), round), vshift);
        _mm512_mask_storeu_epi32(
            edgeNonEmpty + g, in,
            _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), in, e, nonEmpty, 4));
        _mm512_mask_storeu_pd(edgeCount + g, __mmask8(in),
                              _mm512_mask_i32gather_pd(_mm512_setzero_pd(), __mmask8(in),
                                                       _mm512_castsi512_si256(e), count, 8));
        _mm512_mask_storeu_pd(edgeCount + g + 8, __mmask8(in >> 8),
                              _mm512_mask_i32gather_pd(_mm512_setzero_pd(), __mmask8(in >> 8),
                                                       _mm512_extracti64x4_epi64(e, 1), count, 8));
    }
    __m512d acc = _mm512_setzero_pd();
    const __m512d one = _mm512_set1_pd(1.0);
    for (int g = 0; g < levels - 1; g += 8) {
        const __mmask8 in = __mmask8(levels - 1 - g >= 8 ? 0xFF : (1u << (levels - 1 - g)) - 1);
        const __m256i ne = _mm256_sub_epi32(
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(edgeNonEmpty + g + 1)),
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(edgeNonEmpty + g)));
        const __mmask8 used = __mmask8(
            in & _mm512_cmpgt_epi64_mask(_mm512_cvtepi32_epi64(ne), _mm512_setzero_si512()));
        const __m512d lc = _mm512_mask_blend_pd(
            used, one,
            _mm512_sub_pd(_mm512_loadu_pd(edgeCount + g + 1), _mm512_loadu_pd(edgeCount + g)));
        const __m512d lg = _ZGVeN8v_log(lc);
        const __m512d li = _mm512_mask_i32gather_pd(_mm512_setzero_pd(), used, ne, logInt, 8);
        acc = _mm512_mask_add_pd(acc, used, acc, _mm512_mul_pd(lc, _mm512_sub_pd(lg, li)));
    }
    const double sum = _mm512_reduce_add_pd(acc);
    _mm256_zeroupper();
    return sum;
}
#pragma GCC diagnostic pop
#endif

LogKernel logKernel() {
    static const LogKernel kernel = [] {
#ifdef QS_KL_X86
        if (cpuFeatures().avx512f) return &logAvx512;
        if (cpuFeatures().avx2) return &logAvx2;
#endif
        return &logGeneric;
    }();
    return kernel;
}
} // namespace

int KlCalibrator::levelsFor(const QuantSpec& spec, bool oneSigned) const {
    if (m_targetLevels > 0) return m_targetLevels;
    // TensorRT's 128 levels for int8: one sign's share of a symmetric grid. An asymmetric grid on
    // data of one sign (a ReLU output on uint8) spends all 2^bits levels on that side.
    const int bits = std::clamp(spec.bits, 2, 16);
    return spec.scheme == QuantScheme::Asymmetric && oneSigned ? 1 << bits : 1 << (bits - 1);
}

std::vector<double> klDivergenceCurve(const std::vector<int64_t>& absCounts, int levels) {
    int last = int(absCounts.size()) - 1;
    while (last >= 0 && absCounts[size_t(last)] <= 0) --last;
    if (levels < 1 || last + 1 < levels) return {};

    // Prefix sums over bins [0, j): counts, non-empty bins, and Σ h·ln h. With them a candidate
    // costs O(levels) instead of O(i), one logarithm per level: within a level Q is one value
    // q = (level count)/(non-empty bins) on each non-empty bin, so with S_P, S_Q the smoothed
    // totals, Σ_j p_j ln(p_j/q_j) over the non-empty bins below i-1 is
    // (Σ h ln h − Σ_levels H·ln q − (Σ h)·ln(S_P/S_Q)) / S_P, H the level's count.
    const size_t n = size_t(last) + 2;
    std::vector<double> count(n, 0.0), hLogH(n, 0.0);
    std::vector<int32_t> nonEmpty(n, 0);
    for (size_t j = 0; j + 1 < n; ++j) {
        const double h = double(std::max<int64_t>(absCounts[j], 0));
        count[j + 1] = count[j] + h;
        nonEmpty[j + 1] = nonEmpty[j] + (h > 0.0 ? 1 : 0);
        hLogH[j + 1] = hLogH[j] + (h > 0.0 ? h * std::log(h) : 0.0);
    }
    std::vector<double> logInt(n + 1, 0.0); // ln k for the non-empty bin count of a level
    for (size_t k = 1; k < logInt.size(); ++k) logInt[k] = std::log(double(k));
    const double total = count[n - 1];

    std::vector<double> curve;
    curve.reserve(size_t(last + 2 - levels));
    std::vector<double> levelCount(static_cast<size_t>(levels)),
        levelLog(static_cast<size_t>(levels));
    std::vector<int32_t> levelNonEmpty(static_cast<size_t>(levels)),
        edges(static_cast<size_t>(levels) + 1, 0);
    const LogKernel logOf = logKernel();
    const int levelShift =
        std::has_single_bit(unsigned(levels)) ? std::countr_zero(unsigned(levels)) : -1;
#ifdef QS_KL_X86
    // The gather form needs g·i to fit int32 (checked) and AVX-512F.
    const bool useAvx512 = levelShift >= 0 && cpuFeatures().avx512f &&
                           int64_t(levels) * int64_t(last + 2) < (int64_t(1) << 31);
    std::vector<double> edgeCount(useAvx512 ? size_t(levels) + 16 : 0);
    std::vector<int32_t> edgeNonEmpty(useAvx512 ? size_t(levels) + 16 : 0);
#endif
    for (int i = levels; i <= last + 1; ++i) {
        const double outliers = total - count[size_t(i)];
        const double hLast = double(std::max<int64_t>(absCounts[size_t(i - 1)], 0));
        const double hLastLogH = hLogH[size_t(i)] - hLogH[size_t(i - 1)];
        // Empty bins in Q: the empty bins of the slice. P has the same ones, except the last bin
        // when outliers were folded into it.
        const double emptyQ = double(i - nonEmpty[size_t(i)]);
        const double emptyP = emptyQ - (hLast == 0.0 && outliers > 0.0 ? 1.0 : 0.0);
        const double sumP = total + kEpsilon * emptyP;            // P's normaliser after smoothing
        const double sumQ = count[size_t(i)] + kEpsilon * emptyQ; // Q's
        const double logRatio = std::log(sumP) - std::log(sumQ);

        // Level g holds bins j with floor(j·levels / i) == g, i.e. [ceil(g·i/levels),
        // ceil((g+1)·i/levels)): the even split of pytorch-quantization's TensorRT calibrator
        // (MXNet and ONNX Runtime give the remainder to the last level, which then spans up to
        // twice as many bins as the others).
        // The KL of this candidate from Σ_levels H·ln q (levelTerm) and the last level's q.
        auto candidateKl = [&](double levelTerm, double lastLevelQ) {
            double kl =
                (hLogH[size_t(i)] - hLastLogH - levelTerm - (count[size_t(i)] - hLast) * logRatio) /
                sumP;
            // Bins empty in both (bin i-1 aside): p = ε/S_P, q = ε/S_Q each.
            const double emptyBoth = emptyQ - (hLast == 0.0 ? 1.0 : 0.0);
            kl += emptyBoth * (kEpsilon / sumP) * -logRatio;
            // Bin i-1: its own count plus everything beyond the threshold.
            const double pLast = hLast + outliers > 0.0 ? hLast + outliers : kEpsilon;
            const double qLast = hLast > 0.0 ? lastLevelQ : kEpsilon;
            kl += pLast / sumP * (std::log(pLast / qLast) - logRatio);
            return kl;
        };
#ifdef QS_KL_X86
        if (useAvx512) {
            double levelTerm =
                levelSumAvx512(count.data(), nonEmpty.data(), logInt.data(), i, levels, levelShift,
                               edgeCount.data(), edgeNonEmpty.data());
            const int32_t ne = edgeNonEmpty[size_t(levels)] - edgeNonEmpty[size_t(levels - 1)];
            double lastLevelQ = 0.0;
            if (ne > 0) {
                const double lc = edgeCount[size_t(levels)] - edgeCount[size_t(levels - 1)];
                levelTerm += (lc - hLast) * (std::log(lc) - logInt[size_t(ne)]);
                lastLevelQ = lc / ne;
            }
            curve.push_back(candidateKl(levelTerm, lastLevelQ));
            continue;
        }
#endif
        // Level edges edge[g] = ceil(g·i / levels): a multiply and a shift when levels is a power
        // of two (always, unless a target level count says otherwise), else stepped without
        // dividing. Branch-free: the stepping's carry was mispredicted half the time.
        if (levelShift >= 0) {
            for (int g = 1; g <= levels; ++g)
                edges[size_t(g)] = int32_t((int64_t(g) * i + levels - 1) >> levelShift);
        } else {
            const int64_t step = i / levels, stepRem = i % levels;
            int64_t edge = (int64_t(i) + levels - 1) / levels,
                    rem = (int64_t(i) + levels - 1) % levels;
            for (int g = 1; g <= levels; ++g) {
                edges[size_t(g)] = int32_t(edge);
                edge += step;
                rem += stepRem;
                if (rem >= levels) {
                    rem -= levels;
                    ++edge;
                }
            }
        }
        for (int g = 0; g < levels; ++g) {
            const size_t a = size_t(edges[size_t(g)]), b = size_t(edges[size_t(g) + 1]);
            const int32_t ne = nonEmpty[b] - nonEmpty[a];
            levelNonEmpty[size_t(g)] = ne;
            // An empty level contributes nothing: count 1 makes its term 1·(ln 1 − ln 0 [= 0]) = 0.
            levelCount[size_t(g)] = ne > 0 ? count[b] - count[a] : 1.0;
        }
        logOf(levelCount.data(), levelLog.data(), levels);
        // Σ_g H_g·(ln C_g − ln n_g) over the levels, H_g = C_g except for the last level (bin
        // i-1 carries the outliers: it is added below). Four partial sums: one chain of
        // dependent additions was the loop's critical path.
        double part[4] = {0.0, 0.0, 0.0, 0.0};
        int g = 0;
        for (; g + 4 <= levels - 1; g += 4)
            for (int u = 0; u < 4; ++u)
                part[u] += levelCount[size_t(g + u)] *
                           (levelLog[size_t(g + u)] - logInt[size_t(levelNonEmpty[size_t(g + u)])]);
        for (; g < levels - 1; ++g)
            part[0] += levelCount[size_t(g)] *
                       (levelLog[size_t(g)] - logInt[size_t(levelNonEmpty[size_t(g)])]);
        const size_t lastLevel = size_t(levels - 1);
        const int32_t lastNonEmpty = levelNonEmpty[lastLevel];
        double levelTerm = (part[0] + part[1]) + (part[2] + part[3]);
        double lastLevelQ = 0.0;
        if (lastNonEmpty > 0) {
            const double lc = levelCount[lastLevel];
            levelTerm += (lc - hLast) * (levelLog[lastLevel] - logInt[size_t(lastNonEmpty)]);
            lastLevelQ = lc / lastNonEmpty;
        }
        curve.push_back(candidateKl(levelTerm, lastLevelQ));
    }
    return curve;
}

namespace {
// The threshold (right edge of the chosen bin, at most `top`) for one |x| histogram.
double entropyThreshold(const std::vector<int64_t>& absCounts, int levels, double binWidth,
                        double top) {
    const std::vector<double> curve = klDivergenceCurve(absCounts, levels);
    if (curve.empty()) return top; // fewer non-empty bins than levels: keep everything
    // The least divergence; among equal ones the widest threshold (as pytorch-quantization).
    size_t best = 0;
    for (size_t k = 1; k < curve.size(); ++k)
        if (curve[k] <= curve[best]) best = k;
    return std::min(double(levels + int(best)) * binWidth, top);
}
} // namespace

Result<ClipRange> KlCalibrator::chooseRange(const RangeCollector& collector,
                                            const QuantSpec& spec) const {
    const Histogram& h = collector.histogram();
    if (h.empty()) return makeError(ErrorCode::NumericError, "no values were observed");
    const float lo = h.min(), hi = h.max();
    if (h.halfRange() == 0.0) return ClipRange{lo, hi}; // only zeros
    const bool oneSigned = lo >= 0.0f || hi <= 0.0f;

    if (spec.scheme == QuantScheme::Asymmetric && !oneSigned) {
        // An asymmetric grid has an end per sign, so each sign gets its own threshold, from its
        // own half of the histogram with half the levels. One |x| threshold would let the bigger
        // side decide for both: a normalised image (a spike of background at -0.96, strokes up
        // to 2.2) came out as [-0.96, 0.96], every stroke clipped.
        const int half = h.bins() / 2;
        std::vector<int64_t> neg(static_cast<size_t>(half)), pos(static_cast<size_t>(half));
        for (int k = 0; k < half; ++k) {
            neg[size_t(k)] = h.counts()[size_t(half - 1 - k)];
            pos[size_t(k)] = h.counts()[size_t(half + k)];
        }
        pos[0] -= h.zeroCount();
        const int levels =
            m_targetLevels > 0 ? m_targetLevels : 1 << (std::clamp(spec.bits, 2, 16) - 1);
        const double tNeg = entropyThreshold(neg, levels, h.binWidth(), -double(lo));
        const double tPos = entropyThreshold(pos, levels, h.binWidth(), double(hi));
        return ClipRange{float(-tNeg), float(tPos)};
    }

    // Symmetric grids (TensorRT's case) and data of one sign: one threshold on |x|.
    std::vector<int64_t> absCounts = h.foldedAbs();
    absCounts[0] -= h.zeroCount();
    const float t = float(
        entropyThreshold(absCounts, levelsFor(spec, oneSigned), h.binWidth(), double(h.absMax())));
    return ClipRange{std::max(lo, -t), std::min(hi, t)};
}

} // namespace qs
