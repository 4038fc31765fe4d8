// Per-channel range spread: each layer's weight [min, max] per output channel before and after
// BatchNorm merge and after CLE, and its input and output activations' [min, max] per channel
// (axis 1) as calibration saw them (RangeCollector's per-channel extremes: not recomputed).
#pragma once

#include "analysis/quant_layers.h"
#include "quant/channel_ranges.h"

#include <optional>
#include <string>
#include <vector>

namespace qs {

struct LayerChannelSpread {
    std::string node, op;
    ChannelRanges weightBeforeBn; // equal to weightAfterBn when no BN was merged
    ChannelRanges weightAfterBn;
    std::optional<ChannelRanges> weightAfterCle; // only when CLE ran
    std::string input, output;                   // activation tensor names
    std::optional<ChannelRanges> inputRanges,
        outputRanges; // from calibration, if collected per channel
};

Result<std::vector<LayerChannelSpread>> channelSpread(const QuantizedModel& model,
                                                      const std::vector<QuantLayerRef>& layers);

} // namespace qs
