// Static shapes of a graph's values with the dynamic dims of its inputs kept dynamic: what the
// exporter writes as value_info and what the opset upgrade asks about ranks. Shape inference
// binds every dynamic input dim to a size; running it under two different sizes and keeping
// only the dims that agree separates fixed dims from ones that follow a dynamic input dim.
#pragma once

#include "ir/graph.h"

#include <vector>

namespace qs {

// One TensorInfo per value id: dtype where known, shape where known with -1 for dims that
// depend on a dynamic input dim. Node outputs are inferred afresh (a stale shape from an
// earlier inference never survives a node inference cannot handle).
std::vector<TensorInfo> inferSymbolicInfos(const Graph& graph);

} // namespace qs
