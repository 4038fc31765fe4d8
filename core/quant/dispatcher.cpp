#include "quant/dispatcher.h"

#include <string_view>

namespace qs {

const char* nodeRegionName(NodeRegion r) {
    switch (r) {
    case NodeRegion::Quantizable:
        return "quantizable";
    case NodeRegion::NonQuantizable:
        return "non-quantizable";
    case NodeRegion::Contested:
        return "contested";
    }
    return "quantizable";
}

namespace {

// Input slots that carry a shape, sizes, indices or axes rather than data: reading a shape
// there does not make the op's output shape-derived.
bool isShapeSlot(std::string_view op, size_t slot) {
    if (slot == 0) return false;
    if (op == "Reshape" || op == "Expand" || op == "Tile" || op == "Upsample") return slot == 1;
    if (op == "Slice") return slot >= 1;
    if (op == "Resize") return slot >= 1;
    if (op == "Squeeze" || op == "Unsqueeze" || op == "Split" || op == "Pad" || op == "ReduceSum" ||
        op == "ReduceMean" || op == "ReduceMax" || op == "ReduceMin" || op == "ReduceProd")
        return slot >= 1;
    if (op == "Clip") return false; // min/max are data-typed bounds
    return false;
}

bool isShapeSource(std::string_view op) {
    return op == "Shape" || op == "Size";
}

} // namespace

std::vector<NodeRegion> dispatchRegions(const Graph& graph) {
    std::vector<bool> dataDerived(size_t(graph.valueCount()), false);
    std::vector<bool> shapeDerived(size_t(graph.valueCount()), false);
    for (ValueId in : graph.inputs()) dataDerived[size_t(in)] = true;

    std::vector<NodeRegion> regions(size_t(graph.nodeCount()), NodeRegion::NonQuantizable);
    for (NodeId n : graph.topoOrder()) {
        const Node& node = graph.node(n);
        bool data = false, shape = false;
        if (isShapeSource(node.opType)) {
            shape = true; // metadata of its input, whatever the input is
        } else {
            for (size_t i = 0; i < node.inputs.size(); ++i) {
                const ValueId v = node.inputs[i];
                if (v == kNoValue || isShapeSlot(node.opType, i)) continue;
                data = data || dataDerived[size_t(v)];
                shape = shape || shapeDerived[size_t(v)];
            }
        }
        for (ValueId out : node.outputs) {
            if (out == kNoValue) continue;
            dataDerived[size_t(out)] = data;
            shapeDerived[size_t(out)] = shape;
        }
        if (data && shape)
            regions[size_t(n)] = NodeRegion::Contested;
        else if (data)
            regions[size_t(n)] = NodeRegion::Quantizable;
        else
            regions[size_t(n)] = NodeRegion::NonQuantizable; // shape arithmetic or constants only
    }
    return regions;
}

} // namespace qs
