// Dispatcher (after PPQ): every node is quantizable (computes on data derived from the model's
// inputs), non-quantizable (shape and index arithmetic: Shape, Gather on shapes, Range,
// ConstantOfShape, ...; runs in float/int64) or contested (mixes both, e.g. a Cast of a shape
// that then scales data). Conservative mode keeps contested nodes in float; aggressive mode
// quantizes them.
#pragma once

#include "ir/graph.h"

#include <vector>

namespace qs {

enum class NodeRegion : uint8_t { Quantizable, NonQuantizable, Contested };
enum class DispatchMode : uint8_t { Conservative, Aggressive };

const char* nodeRegionName(NodeRegion r); // "quantizable" | "non-quantizable" | "contested"

// One region per node (indexed by NodeId).
std::vector<NodeRegion> dispatchRegions(const Graph& graph);

// Whether a node of this region is quantized under the mode.
inline bool regionIsQuantized(NodeRegion r, DispatchMode mode) {
    return r == NodeRegion::Quantizable ||
           (r == NodeRegion::Contested && mode == DispatchMode::Aggressive);
}

} // namespace qs
