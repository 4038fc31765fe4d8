// Per-output-channel ranges of a weighted node's weight: what cross-layer equalization
// balances, what the outlier and spread analyses report. One definition for all of them.
#pragma once

#include "ir/graph.h"

#include <vector>

namespace qs {

struct ChannelRanges {
    std::vector<float> min, max; // one entry per output channel

    size_t channels() const { return min.size(); }
    // The layer's channel-range ratio: largest channel range (max − min) / median channel
    // range. 1 for a perfectly balanced layer; 0 when every channel is all zeros. The median
    // of an even count is the mean of the two middle ranges.
    double rangeRatio() const;
};

// Output-channel ranges of `weight` read as the weight of `node` (Conv, ConvTranspose, Gemm,
// MatMul: the axis of weightChannelAxis()). NaN/Inf → NumericError; a rank-0 weight is one channel.
Result<ChannelRanges> outputChannelRanges(const Node& node, const Tensor& weight);

// Ranges along an explicit axis (activations: axis 1 of NCHW).
Result<ChannelRanges> channelRangesAlong(const Tensor& t, int axis);

// Ratio for ranges given directly (activation collectors' per-channel min/max).
double channelRangeRatio(const std::vector<float>& min, const std::vector<float>& max);

} // namespace qs
