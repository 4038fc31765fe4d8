#include "quant/channel_ranges.h"

#include "quant/plan_builder.h"
#include "quant/quant_params.h"

#include <algorithm>
#include <limits>

namespace qs {

double channelRangeRatio(const std::vector<float>& min, const std::vector<float>& max) {
    const size_t n = std::min(min.size(), max.size());
    if (n == 0) return 0.0;
    std::vector<double> r(n);
    for (size_t c = 0; c < n; ++c) r[c] = double(max[c]) - double(min[c]);
    const double largest = *std::max_element(r.begin(), r.end());
    std::sort(r.begin(), r.end());
    const double median = n % 2 ? r[n / 2] : 0.5 * (r[n / 2 - 1] + r[n / 2]);
    if (largest <= 0.0) return 0.0;
    // A median of zero (most channels dead) makes the ratio unbounded: report it as such.
    return median > 0.0 ? largest / median : std::numeric_limits<double>::infinity();
}

double ChannelRanges::rangeRatio() const {
    return channelRangeRatio(min, max);
}

Result<ChannelRanges> channelRangesAlong(const Tensor& t, int axis) {
    if (t.dtype() != DataType::F32)
        return makeError(ErrorCode::TypeMismatch, "channel ranges need an f32 tensor");
    QuantSpec spec;
    spec.granularity = t.rank() == 0 ? Granularity::PerTensor : Granularity::PerChannel;
    if (axis < 0 || (t.rank() > 0 && axis >= t.rank()))
        return makeError(ErrorCode::InvalidArgument, "channel axis ", axis,
                         " is outside a tensor of rank ", t.rank());
    spec.axis = axis;
    QS_ASSIGN(auto ranges, tensorRanges(t, spec));
    return ChannelRanges{std::move(ranges.first), std::move(ranges.second)};
}

Result<ChannelRanges> outputChannelRanges(const Node& node, const Tensor& weight) {
    const Tensor w = weight.dtype() == DataType::F32 ? weight : weight.castTo(DataType::F32);
    if (w.rank() == 0) return channelRangesAlong(w, 0);
    return channelRangesAlong(w, weightChannelAxis(node, w.rank()));
}

} // namespace qs
