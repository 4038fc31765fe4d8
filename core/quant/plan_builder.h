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

// Scale alignment (config.alignConcatScales): a Concat's output and the tensors its inputs take
// their parameters from share one scale and zero point, from the union of their clip ranges; the
// producers' outputs carry it (as TFLite's CONCATENATION requires), so the integer Concat copies
// codes and the simulator's Concat adds no rounding. Off: each input keeps its parameters and
// the Concat output is requantized (ONNX QLinearConcat takes one scale per input).
// Add is deliberately never aligned: its output range is the *sum* of its inputs' ranges, not
// their union, so one shared scale would either widen both producers to the sum's range (losing
// resolution on every reader of the residual branch) or clip the sum. Integer Add kernels take
// separate input scales anyway (TFLite ADD rescales each input, ONNX QLinearAdd has three scales),
// so requantizing costs no accuracy.
//
// activationRanges: clip range per activation tensor name (unused in weight-only and dynamic
// modes). Errors name the node or tensor at fault (an unknown --float node, a missing range).
Result<QuantPlan> buildQuantPlan(const Graph& graph, const QuantConfig& config,
                                 const std::map<std::string, ClipRange>& activationRanges);

// Channel axis of the weight of a weighted node (Conv: 0, ConvTranspose: 1, Gemm: transB ? 0 : 1,
// MatMul: last).
int weightChannelAxis(const Node& node, int weightRank);

} // namespace qs
