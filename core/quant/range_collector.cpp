#include "quant/range_collector.h"

#include "util/thread_pool.h"

#include <algorithm>
#include <limits>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace qs {

namespace {
// Channel blocks at least this long are scanned one by one (per-channel extremes come from the
// histogram pass); shorter ones ([N, C] logits, 7×7 maps) get a separate small per-channel loop.
constexpr int64_t kMinChannelBlock = 256;
// Tensors are scanned in pieces of about this many values (whole channel blocks), each into its
// own Histogram::Batch; the split depends on the shape only. Large enough that a piece's
// sub-histograms (zeroed and merged per piece) cost little next to its scan.
constexpr int64_t kPieceValues = int64_t(1) << 17;

// mn = min(mn, x[0..n)), mx likewise; NaN is never taken (a batch with NaN is rejected by
// commit()). SSE2 (every x86-64 CPU) in 8 lanes: minps(v, m) keeps m when v is NaN, as the
// scalar `v < m ? v : m` does. Exact: only the sign of a zero extreme may depend on the order.
inline void blockMinMax(const float* x, int64_t n, float& mn, float& mx) {
    int64_t i = 0;
#if defined(__SSE2__)
    if (n >= 8) {
        __m128 mn0 = _mm_set1_ps(mn), mn1 = mn0, mx0 = _mm_set1_ps(mx), mx1 = mx0;
        for (; i + 8 <= n; i += 8) {
            const __m128 a = _mm_loadu_ps(x + i), b = _mm_loadu_ps(x + i + 4);
            mn0 = _mm_min_ps(a, mn0);
            mn1 = _mm_min_ps(b, mn1);
            mx0 = _mm_max_ps(a, mx0);
            mx1 = _mm_max_ps(b, mx1);
        }
        alignas(16) float lo[8], hi[8];
        _mm_store_ps(lo, mn0);
        _mm_store_ps(lo + 4, mn1);
        _mm_store_ps(hi, mx0);
        _mm_store_ps(hi + 4, mx1);
        for (int k = 0; k < 8; ++k) {
            mn = lo[k] < mn ? lo[k] : mn;
            mx = hi[k] > mx ? hi[k] : mx;
        }
    }
#endif
    for (; i < n; ++i) {
        mn = x[i] < mn ? x[i] : mn;
        mx = x[i] > mx ? x[i] : mx;
    }
}

ExtremeLocation locate(const float* x, int64_t n, const Shape& shape, int64_t batch, float value) {
    ExtremeLocation at;
    at.batch = batch;
    at.element = std::find(x, x + n, value) - x; // == also matches -0 for a +0 extreme
    const int64_t perSample = !shape.empty() && shape[0] > 0 ? n / shape[0] : n;
    at.sample = perSample > 0 ? at.element / perSample : 0;
    return at;
}
} // namespace

RangeCollector::RangeCollector(RangeCollectorOptions options)
    : m_options(options)
    , m_histogram(options.histogramBins)
    , m_batch(m_histogram) {}

Status RangeCollector::observe(const Tensor& tensor, ThreadPool* pool) {
    if (tensor.dtype() != DataType::F32)
        return makeError(ErrorCode::TypeMismatch, "calibration observes f32 tensors, got ",
                         dataTypeName(tensor.dtype()));
    const int64_t n = tensor.numel();
    const float* x = n ? tensor.data<float>() : nullptr;
    const int axis = m_options.channelAxis;
    const int64_t channels = axis >= 0 && axis < tensor.rank() ? tensor.dim(axis) : 0;
    if (n > 0 && m_channelCount >= 0 && channels != m_channelCount)
        return makeError(ErrorCode::ShapeMismatch, "batch ", m_batches, " has ", channels,
                         " channels on axis ", axis, " (shape ", shapeToString(tensor.shape()),
                         "), earlier batches had ", m_channelCount);

    // One pass: global statistics and bins, and per-channel extremes from the channel blocks.
    m_batch.reset(m_histogram);
    m_batchChannelMin.assign(size_t(channels), std::numeric_limits<float>::infinity());
    m_batchChannelMax.assign(size_t(channels), -std::numeric_limits<float>::infinity());
    const ChannelLayout l =
        channels > 0 ? channelLayout(tensor.shape(), axis) : ChannelLayout{1, 1, n};
    const bool blockwise = channels > 0 && l.inner >= kMinChannelBlock;
    // Units of the split: channel blocks (blockwise) or single values.
    const int64_t unit = blockwise ? l.inner : 1;
    const int64_t units = n > 0 ? n / unit : 0;
    const int64_t unitsPerPiece = std::max<int64_t>(1, (kPieceValues + unit - 1) / unit);
    const int64_t pieces = (units + unitsPerPiece - 1) / unitsPerPiece;
    const size_t pieceChannels = blockwise ? size_t(channels) : 0;
    auto scanPiece = [&](int64_t p, Histogram::Batch& batch, float* cmin, float* cmax) {
        const int64_t from = p * unitsPerPiece, to = std::min(units, from + unitsPerPiece);
        if (!blockwise) {
            batch.scan(x + from, to - from);
            return;
        }
        for (int64_t b = from; b < to; ++b) {
            const size_t c = size_t(b % l.channels);
            const auto [mn, mx] = batch.scan(x + b * l.inner, l.inner);
            cmin[c] = std::min(cmin[c], mn);
            cmax[c] = std::max(cmax[c], mx);
        }
    };
    if (pieces <= 1) {
        if (n > 0)
            scanPiece(0, m_batch, m_batchChannelMin.data(), m_batchChannelMax.data());
        else
            m_batch.scan(x, 0);
    } else {
        std::vector<Histogram::Batch> batches;
        batches.reserve(size_t(pieces));
        for (int64_t p = 0; p < pieces; ++p) batches.emplace_back(m_histogram);
        std::vector<float> cmin(size_t(pieces) * pieceChannels,
                                std::numeric_limits<float>::infinity());
        std::vector<float> cmax(size_t(pieces) * pieceChannels,
                                -std::numeric_limits<float>::infinity());
        // Last piece first: the producer has just written the tensor, so its end is still in
        // cache (each piece has its own Batch; the merge below keeps the index order).
        auto run = [&](int64_t begin, int64_t end) {
            for (int64_t p = end - 1; p >= begin; --p)
                scanPiece(p, batches[size_t(p)], cmin.data() + size_t(p) * pieceChannels,
                          cmax.data() + size_t(p) * pieceChannels);
        };
        if (pool)
            pool->parallelFor(pieces, 1, run);
        else
            run(0, pieces);
        for (int64_t p = 0; p < pieces; ++p) {
            m_batch.absorb(batches[size_t(p)]);
            for (size_t c = 0; c < pieceChannels; ++c) {
                m_batchChannelMin[c] =
                    std::min(m_batchChannelMin[c], cmin[size_t(p) * pieceChannels + c]);
                m_batchChannelMax[c] =
                    std::max(m_batchChannelMax[c], cmax[size_t(p) * pieceChannels + c]);
            }
        }
    }
    if (channels > 0 && n > 0 && !blockwise) {
        // Short channel blocks ([N, C] logits, tiny maps): a separate small per-channel loop.
        for (int64_t o = 0; o < l.outer; ++o)
            for (int64_t c = 0; c < l.channels; ++c) {
                const float* p = x + (o * l.channels + c) * l.inner;
                float mn = m_batchChannelMin[size_t(c)], mx = m_batchChannelMax[size_t(c)];
                blockMinMax(p, l.inner, mn, mx);
                m_batchChannelMin[size_t(c)] = mn;
                m_batchChannelMax[size_t(c)] = mx;
            }
    }

    const int64_t seenBefore = m_histogram.count();
    const float minBefore = m_histogram.min(), maxBefore = m_histogram.max();
    QS_TRY(m_histogram.commit(m_batch, std::span<const float>(x, size_t(n))));
    // Nothing below can fail: the batch is in.
    const int64_t batchIndex = m_batches++;
    if (n == 0) return {};

    const float bmin = m_batch.min(), bmax = m_batch.max();
    if (seenBefore == 0 || bmin < minBefore)
        m_minAt = locate(x, n, tensor.shape(), batchIndex, bmin);
    if (seenBefore == 0 || bmax > maxBefore)
        m_maxAt = locate(x, n, tensor.shape(), batchIndex, bmax);

    if (!m_emaStarted) {
        m_emaMin = bmin;
        m_emaMax = bmax;
        m_emaStarted = true;
    } else {
        const double c = 1.0 - m_options.emaDecay; // PyTorch's averaging_constant
        m_emaMin += c * (double(bmin) - m_emaMin);
        m_emaMax += c * (double(bmax) - m_emaMax);
    }

    if (m_channelCount < 0) {
        m_channelCount = channels;
        m_channelMin = m_batchChannelMin;
        m_channelMax = m_batchChannelMax;
    } else {
        for (size_t c = 0; c < m_channelMin.size(); ++c) {
            m_channelMin[c] = std::min(m_channelMin[c], m_batchChannelMin[c]);
            m_channelMax[c] = std::max(m_channelMax[c], m_batchChannelMax[c]);
        }
    }
    return {};
}

} // namespace qs
