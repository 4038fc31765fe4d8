// Builds the QuantPlan of a (BatchNorm-folded) graph from the settings and the activation
// clip ranges (from calibration or data-free estimation).
#pragma once

#include "ir/graph.h"
#include "quant/calibrators.h"
#include "quant/quant_config.h"
#include "quant/quant_plan.h"

#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace qs {

// A weight's parameters are a function of its values and its spec. A caller that builds many
// plans for one graph (the what-if session: one per change) gives buildQuantPlan this cache so
// each weight's ranges are computed once; entries are found by the weight's buffer (held, so it
// cannot be freed and reused) and the whole spec. Safe to share between threads.
class WeightParamsCache {
public:
    std::optional<QuantParams> find(const Tensor& weight, const QuantSpec& spec) const;
    void insert(const Tensor& weight, const QuantSpec& spec, const QuantParams& params);

private:
    struct Entry {
        Tensor weight;
        QuantSpec spec;
        QuantParams params;
    };
    mutable std::mutex m_mutex;
    std::multimap<const void*, Entry> m_entries;
};

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
                                 const std::map<std::string, ClipRange>& activationRanges,
                                 WeightParamsCache* weightCache = nullptr);

// Channel axis of the weight of a weighted node (Conv: 0, ConvTranspose: 1, Gemm: transB ? 0 : 1,
// MatMul: last).
int weightChannelAxis(const Node& node, int weightRank);

} // namespace qs
