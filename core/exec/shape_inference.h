// Static shape inference: binds the graph inputs to concrete shapes (dynamic dims taken from
// the bindings, or 1 when not given), folds constant shape arithmetic (Shape, Gather, Concat
// on known values) so Reshape targets are known, and writes every value's TensorInfo.
#pragma once

#include "ir/graph.h"

#include <map>
#include <string>

namespace qs {

struct ShapeInferenceReport {
    int inferred = 0;               // values whose shape is now fully known
    int unknown = 0;                // values left unknown
    std::vector<std::string> notes; // "node x (Op): why it stopped", for info/diagnostics
};

// inputShapes: graph input name -> concrete shape. Missing inputs use their declared shape
// with dynamic dims set to 1.
Result<ShapeInferenceReport> inferShapes(Graph& graph,
                                         const std::map<std::string, Shape>& inputShapes = {});

} // namespace qs
