// Raises a graph's default-domain (ai.onnx) opset, rewriting every node whose form changed on
// the way so that it computes the same thing under the new opset: attributes that became inputs
// (Clip min/max at 11, Slice starts/ends/axes at 10, Pad pads/value at 11, TopK k at 10,
// Squeeze/Unsqueeze axes, ReduceSum axes and Split split at 13) become int64/float initializers;
// Upsample (deprecated at 10) and Resize-10 become Resize-13 with the legacy coordinate rule
// spelled out; Softmax/LogSoftmax/Hardmax (2-D coercion before 13) keep their meaning, through
// Flatten→op→Reshape where the axis is not the last; Dropout loses its ratio attribute;
// BatchNormalization its `spatial` attribute; Scatter becomes ScatterElements.
// Other domains are untouched. Targets above 13 are not supported (later changes — Reduce
// axes at 18, Split num_outputs, ... — have no rules here).
#pragma once

#include "ir/graph.h"

#include <string>
#include <vector>

namespace qs {

// `notes` (optional) receives one line per rewritten node kind ("Clip: 18 nodes, min/max
// attributes became inputs"). Errors name the node that cannot be converted.
Result<Graph> upgradeOpset(const Graph& graph, int64_t targetOpset,
                           std::vector<std::string>* notes = nullptr);

} // namespace qs
