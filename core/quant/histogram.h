// Streaming histogram of a tensor's values for calibration: it never keeps the values.
//
// Bins: a fixed count over a symmetric range [-R, R) split into equal bins; bin i holds
// x with floor(x / w) == i - bins/2, w = 2R / bins. R is always a power of two, the smallest
// one that holds every value seen (max < R, min >= -R). A batch that does not fit doubles R
// as often as needed and merges adjacent bin pairs; because R only ever takes power-of-two
// values and floor(floor(y) / 2) == floor(y / 2), the merged counts are exactly what binning
// all values at the new range would give. So the histogram depends only on the values seen,
// never on how they were split into batches or in which order they came.
// Exact statistics ride along: min, max, count, exact zeros, sum and sum of squares.
#pragma once

#include "quant/quant_params.h"
#include "util/error.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <span>
#include <utility>
#include <vector>

namespace qs {

class Histogram {
public:
    static constexpr int kDefaultBins = 2048;

    // bins: total over [-R, R); rounded up to a multiple of 4 (pair merging keeps the zero edge
    // in place only then), at least 8.
    explicit Histogram(int bins = kDefaultBins);

    // Adds one batch. NaN or Inf in it → NumericError naming how many; nothing is added then.
    Status add(std::span<const float> values);
    // Adds another histogram (same bin count): exact, both are brought to the larger range.
    Status merge(const Histogram& other);

    int bins() const { return m_bins; }
    // R; 0 while no non-zero value was seen (exact zeros are then counted but not yet binned).
    double halfRange() const { return m_halfRange; }
    double binWidth() const { return 2.0 * m_halfRange / m_bins; }
    double binLower(int i) const { return (i - m_bins / 2) * binWidth(); }
    double binCentre(int i) const { return (i - m_bins / 2 + 0.5) * binWidth(); }
    // Counts per bin (bins() entries, all zero while halfRange() == 0).
    const std::vector<int64_t>& counts() const { return m_counts; }

    int64_t count() const { return m_count; }
    int64_t zeroCount() const { return m_zeros; } // values exactly 0 (or -0)
    bool empty() const { return m_count == 0; }
    // Exact extremes of the values (0 when empty).
    float min() const { return m_count ? m_min : 0.0f; }
    float max() const { return m_count ? m_max : 0.0f; }
    float absMax() const { return std::max(-min(), max()); }
    double sum() const { return m_sum; }
    double sumSquares() const { return m_sumSq; }
    double mean() const { return m_count ? m_sum / double(m_count) : 0.0; }
    double variance() const; // population variance, clamped at 0

    // Histogram of |x|: bins()/2 bins over [0, R), folded bin k = bins (bins/2 + k) and
    // (bins/2 - 1 - k). The negative side's bins are (-(k+1)w, -kw], so a value exactly on a
    // negative edge lands one folded bin lower than its |x| would; only edge values differ.
    std::vector<int64_t> foldedAbs() const;

    // Values are taken as uniformly spread inside each bin, and each bin is cut to [min, max]
    // so the extremes are exact: quantile(0) == min(), quantile(1) == max().
    double quantile(double q) const;    // q in [0, 1]
    double absQuantile(double q) const; // of |x|; absQuantile(1) == absMax()
    // Fraction of the values below lo or above hi (same within-bin model).
    double fractionOutside(double lo, double hi) const;

    // Expected mean squared quantization error per value when the tensor is quantized with
    // `spec` (per tensor) on the clip range [lo, hi] (computeQuantParams: zero included,
    // symmetric schemes symmetrised). Evaluated per bin at the bin centre: a centre inside the
    // grid's range costs the rounding noise Δ²/12 of a uniform error (Δ the scale), a centre
    // outside costs its squared distance to the nearest grid end (clipping). Exact zeros are
    // left out: zero is always on the grid, so they quantize without error.
    Result<double> expectedQuantMse(float lo, float hi, const QuantSpec& spec) const;

    // Smallest power-of-two R with max < R and min >= -R; 0 if both are 0 (or the range is
    // empty). Public for tests.
    static double requiredHalfRange(float min, float max);

    // One batch added in contiguous pieces, each scanned once: RangeCollector scans a tensor
    // one channel block at a time to get per-channel extremes from the same pass. Nothing
    // reaches the histogram before commit(), so a batch with NaN is rejected whole.
    class Batch {
    public:
        // The scan is bound to h's current range; reset() before reusing the object.
        explicit Batch(const Histogram& h) { reset(h); }
        void reset(const Histogram& h);
        // Statistics of x[0..n) and, when the histogram's range is known, the bin counts
        // (bin indices are clamped, so values outside are never written out of bounds; a
        // batch that turns out not to fit is re-binned by commit()). Returns the piece's min
        // and max (NaN ignored; +inf/-inf for an empty piece).
        std::pair<float, float> scan(const float* x, int64_t n);

        // Adds the scan of another piece (scanned against the same histogram range) after this
        // one's: counts and extremes exactly, lane sums lane by lane. Merging the pieces of a
        // fixed split in a fixed order gives the same result whichever threads scanned them.
        void absorb(const Batch& other);

        int64_t count() const { return m_count; }
        int64_t nonFinite() const { return m_nonFinite; }
        float min() const { return m_min; }
        float max() const { return m_max; }

    private:
        friend class Histogram;
        std::vector<uint32_t> m_scratch; // kCopies sub-histograms; see histogram.cpp
        double m_invWidth = 0.0;         // 0: nothing binned
        int m_bins = 0;
        bool m_binned = false;
        int64_t m_count = 0, m_nonFinite = 0, m_zeros = 0;
        float m_min = std::numeric_limits<float>::infinity();
        float m_max = -std::numeric_limits<float>::infinity();
        double m_laneSum[8] = {}, m_laneSumSq[8] = {}; // lane k: elements k mod 8 of each piece
    };

    // Adds a scanned batch; `all` holds every value of the batch (the pieces, contiguous), read
    // again only when the batch widened the range. Fails (NumericError, nothing added) if the
    // batch held NaN or Inf; the message names how many.
    Status commit(Batch& batch, std::span<const float> all);

private:
    void growTo(double halfRange); // doubles R (merging bin pairs) until it reaches halfRange
    // Cumulative count of values < v under the within-bin model (v inside [min, max]).
    double countBelow(double v) const;

    int m_bins;
    double m_halfRange = 0.0;
    std::vector<int64_t> m_counts;
    int64_t m_count = 0, m_zeros = 0;
    float m_min = std::numeric_limits<float>::infinity();
    float m_max = -std::numeric_limits<float>::infinity();
    double m_sum = 0.0, m_sumSq = 0.0;
};

// The scan kernel in use: "avx512", "avx2" or "generic", chosen once from cpuFeatures(). Every
// path gives bit-identical counts and statistics; tests switch paths to check that.
const char* histogramKernelName();
bool setHistogramKernel(const char* name); // false if unknown or not supported by this CPU

} // namespace qs
