// Builds the QuantPlan of a (BatchNorm-folded) graph from the settings and the activation
// clip ranges (from calibration or data-free estimation).
#pragma once

#include "ir/graph.h"
#include "quant/calibrators.h"
#include "quant/quant_config.h"
#include "quant/quant_plan.h"

#include <map>
#include <string>

namespace qs {

// activationRanges: clip range per activation tensor name (unused in weight-only and dynamic
// modes). Errors name the node or tensor at fault (an unknown --float node, a missing range).
Result<QuantPlan> buildQuantPlan(const Graph& graph, const QuantConfig& config,
                                 const std::map<std::string, ClipRange>& activationRanges);

// Channel axis of the weight of a weighted node (Conv: 0, ConvTranspose: 1, Gemm: transB ? 0 : 1,
// MatMul: last).
int weightChannelAxis(const Node& node, int weightRank);

} // namespace qs
