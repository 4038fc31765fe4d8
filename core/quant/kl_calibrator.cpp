#include "quant/calibrators.h"

#include <algorithm>
#include <cmath>

namespace qs {

namespace {
// Smoothing mass for empty bins, in counts (MXNet's and ONNX Runtime's 1e-4).
constexpr double kEpsilon = 1e-4;
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
        // twice as many bins as the others). The upper edge (u + levels − 1) / levels, u = (g+1)·i,
        // is stepped without dividing.
        const int64_t step = i / levels, stepRem = i % levels;
        int64_t edge = (int64_t(i) + levels - 1) / levels, rem = (int64_t(i) + levels - 1) % levels;
        size_t a = 0;
        double levelTerm = 0.0, lastLevelQ = 0.0;
        for (int g = 0; g < levels; ++g) {
            const size_t b = size_t(edge);
            const int32_t levelNonEmpty = nonEmpty[b] - nonEmpty[a];
            if (levelNonEmpty > 0) {
                const double levelCount = count[b] - count[a];
                // Bin i-1 (always in the last level) carries the outliers: it is added below.
                const double h = g == levels - 1 ? levelCount - hLast : levelCount;
                levelTerm += h * (std::log(levelCount) - logInt[size_t(levelNonEmpty)]);
                if (g == levels - 1) lastLevelQ = levelCount / levelNonEmpty;
            }
            a = b;
            edge += step;
            rem += stepRem;
            if (rem >= levels) {
                rem -= levels;
                ++edge;
            }
        }
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
        curve.push_back(kl);
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
