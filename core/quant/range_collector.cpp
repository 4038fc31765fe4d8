#include "quant/range_collector.h"

#include <algorithm>
#include <limits>

namespace qs {

namespace {
// Channel blocks at least this long are scanned one by one (per-channel extremes come from the
// histogram pass); shorter ones ([N, C] logits, 7×7 maps) get a separate small per-channel loop.
constexpr int64_t kMinChannelBlock = 32;

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

Status RangeCollector::observe(const Tensor& tensor) {
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
    if (channels > 0 && n > 0) {
        const ChannelLayout l = channelLayout(tensor.shape(), axis);
        if (l.inner >= kMinChannelBlock) {
            for (int64_t o = 0; o < l.outer; ++o)
                for (int64_t c = 0; c < l.channels; ++c) {
                    const auto [mn, mx] = m_batch.scan(x + (o * l.channels + c) * l.inner, l.inner);
                    m_batchChannelMin[size_t(c)] = std::min(m_batchChannelMin[size_t(c)], mn);
                    m_batchChannelMax[size_t(c)] = std::max(m_batchChannelMax[size_t(c)], mx);
                }
        } else {
            m_batch.scan(x, n);
            for (int64_t o = 0; o < l.outer; ++o)
                for (int64_t c = 0; c < l.channels; ++c) {
                    const float* p = x + (o * l.channels + c) * l.inner;
                    float mn = m_batchChannelMin[size_t(c)], mx = m_batchChannelMax[size_t(c)];
                    for (int64_t i = 0; i < l.inner; ++i) {
                        mn = p[i] < mn ? p[i] : mn; // NaN never taken (and rejected by commit)
                        mx = p[i] > mx ? p[i] : mx;
                    }
                    m_batchChannelMin[size_t(c)] = mn;
                    m_batchChannelMax[size_t(c)] = mx;
                }
        }
    } else {
        m_batch.scan(x, n);
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
