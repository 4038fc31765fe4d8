#include "quant/passes/graph_constants.h"

#include "exec/node_runner.h"
#include "ops/op_registry.h"

#include <limits>

namespace qs {

std::optional<Tensor> constantTensor(const Graph& graph, ValueId value) {
    if (value == kNoValue) return std::nullopt;
    const Value& v = graph.value(value);
    if (v.initializer) return *v.initializer;
    if (v.producer == kNoNode) return std::nullopt;
    const Node& n = graph.node(v.producer);
    if (n.opType != "Constant" || !n.domain.empty()) return std::nullopt;
    const OpDef* op = findOp("", "Constant");
    if (!op) return std::nullopt;
    ThreadPool pool(1);
    auto outs = runNodeOnce(*op, n, graph.opsetVersion(), {}, pool);
    if (!outs || outs->empty()) return std::nullopt;
    return (*outs)[0];
}

Result<Graph> inlineConstantNodes(const Graph& graph) {
    Graph g = graph;
    std::vector<bool> removed(size_t(g.nodeCount()), false);
    for (NodeId n = 0; n < g.nodeCount(); ++n) {
        const Node& node = g.node(n);
        if (node.opType != "Constant" || !node.domain.empty() || node.outputs.size() != 1) continue;
        const ValueId out = node.outputs[0];
        if (out == kNoValue || g.value(out).isGraphOutput) continue;
        auto t = constantTensor(g, out);
        if (!t) continue;
        g.value(out).initializer = *t;
        g.value(out).info = TensorInfo{t->dtype(), t->shape(), true};
        removed[size_t(n)] = true;
    }
    // Initializers may not be produced by a node: drop the producer links before removal.
    QS_TRY(g.removeNodes(removed));
    return g;
}

std::optional<std::pair<float, float>> clipBounds(const Graph& g, const Node& n) {
    float lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();
    if (g.opsetVersion() < 11) {
        if (const Attribute* a = n.attribute("min")) lo = a->f;
        if (const Attribute* a = n.attribute("max")) hi = a->f;
        return std::make_pair(lo, hi);
    }
    for (size_t i = 1; i < 3; ++i) {
        if (i >= n.inputs.size() || n.inputs[i] == kNoValue) continue;
        auto t = constantTensor(g, n.inputs[i]);
        if (!t || t->numel() != 1) return std::nullopt;
        (i == 1 ? lo : hi) = t->toFloatVector()[0];
    }
    return std::make_pair(lo, hi);
}

} // namespace qs
