#include "analysis/quant_layers.h"

#include "quant/passes/graph_constants.h"
#include "quant/plan_builder.h"

namespace qs {

namespace {

std::optional<Tensor> weightOf(const Graph& g, const std::string& nodeName) {
    auto id = g.findNode(nodeName);
    if (!id || g.node(*id).inputs.size() < 2) return std::nullopt;
    return constantTensor(g, g.node(*id).inputs[1]);
}

} // namespace

std::vector<QuantLayerRef> quantLayers(const QuantizedModel& m) {
    std::vector<QuantLayerRef> layers;
    const Graph& g = m.graph;
    for (NodeId n : g.topoOrder()) {
        const Node& node = g.node(n);
        auto info = m.plan.nodes.find(node.name);
        if (info == m.plan.nodes.end() || !info->second.quantized ||
            info->second.rule != OpQuantRule::Weighted)
            continue;
        if (node.inputs.size() < 2 || node.inputs[0] == kNoValue) continue;
        const Value& w = g.value(node.inputs[1]);
        if (!w.initializer || w.initializer->dtype() != DataType::F32) continue;
        QuantLayerRef l;
        l.node = n;
        l.name = node.name;
        l.op = node.opType;
        l.weight = w.name;
        l.weightQuantized = *w.initializer;
        l.channelAxis =
            l.weightQuantized.rank() == 0 ? 0 : weightChannelAxis(node, l.weightQuantized.rank());
        if (node.opType == "Conv" && l.weightQuantized.rank() >= 3) {
            const Attribute* group = node.attribute("group");
            l.depthwise = group && group->i > 1 && group->i == l.weightQuantized.dim(0) &&
                          l.weightQuantized.dim(1) == 1;
        }
        l.input = g.value(node.inputs[0]).name;
        l.output = node.outputs.empty() || node.outputs[0] == kNoValue
                       ? std::string()
                       : g.value(node.outputs[0]).name;
        if (info->second.fusedActivation && !l.output.empty()) {
            const Value& out = g.value(node.outputs[0]);
            if (out.consumers.size() == 1 && !g.node(out.consumers[0]).outputs.empty())
                l.output = g.value(g.node(out.consumers[0]).outputs[0]).name;
        }
        l.weightMerged = weightOf(m.merged, node.name).value_or(l.weightQuantized);
        l.weightOriginal = l.weightMerged;
        for (const FoldedBatchNorm& f : m.folds) {
            if (f.targetNode != node.name) continue;
            l.batchNorm = f.batchNormNode;
            if (auto id = m.original.findValue(f.originalWeight))
                if (auto t = constantTensor(m.original, *id))
                    l.weightOriginal = t->castTo(DataType::F32);
        }
        layers.push_back(std::move(l));
    }
    return layers;
}

} // namespace qs
