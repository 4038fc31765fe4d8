// Constant values of a graph for passes: initializers and the outputs of Constant nodes.
#pragma once

#include "ir/graph.h"

#include <optional>
#include <utility>

namespace qs {

// The value's constant tensor if it is an initializer or the output of a Constant node.
std::optional<Tensor> constantTensor(const Graph& graph, ValueId value);

// A Clip node's [min, max] (attributes before opset 11, constant scalar inputs after; an absent
// bound is ±infinity). nullopt when a bound is not a constant scalar.
std::optional<std::pair<float, float>> clipBounds(const Graph& graph, const Node& clip);

// Turns every Constant node into an initializer of its output value (same names), so passes
// see weights uniformly. Nodes whose value cannot be read stay.
Result<Graph> inlineConstantNodes(const Graph& graph);

} // namespace qs
