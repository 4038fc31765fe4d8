#include "onnx/shape_probe.h"

#include "exec/shape_inference.h"

namespace qs {

namespace {

std::vector<TensorInfo> inferWithDynamicDimsAs(const Graph& graph, int64_t dim) {
    Graph g = graph;
    std::map<std::string, Shape> bindings;
    for (ValueId in : g.inputs()) {
        const TensorInfo& info = g.value(in).info;
        if (!info.shapeKnown) continue;
        Shape s = info.shape;
        for (int64_t& d : s)
            if (d < 0) d = dim;
        bindings[g.value(in).name] = s;
    }
    for (const Node& n : g.nodes())
        for (ValueId out : n.outputs)
            if (out != kNoValue) g.value(out).info = TensorInfo{};
    std::vector<TensorInfo> infos(size_t(g.valueCount()));
    if (!inferShapes(g, bindings).isOk()) return infos; // the bindings fit by construction
    for (ValueId v = 0; v < g.valueCount(); ++v) infos[size_t(v)] = g.value(v).info;
    return infos;
}

} // namespace

std::vector<TensorInfo> inferSymbolicInfos(const Graph& graph) {
    bool dynamic = false;
    for (ValueId in : graph.inputs()) {
        const TensorInfo& info = graph.value(in).info;
        for (int64_t d : info.shape) dynamic = dynamic || (info.shapeKnown && d < 0);
    }
    // 96 and 160 keep stride-32 networks valid and differ after every power-of-two stride.
    std::vector<TensorInfo> a = inferWithDynamicDimsAs(graph, 96);
    if (!dynamic) return a;
    const std::vector<TensorInfo> b = inferWithDynamicDimsAs(graph, 160);
    for (size_t v = 0; v < a.size(); ++v) {
        if (!a[v].shapeKnown) continue;
        if (!b[v].shapeKnown || b[v].shape.size() != a[v].shape.size()) {
            a[v].shapeKnown = false; // even the rank depends on the binding
            a[v].shape.clear();
            continue;
        }
        for (size_t i = 0; i < a[v].shape.size(); ++i)
            if (a[v].shape[i] != b[v].shape[i]) a[v].shape[i] = -1;
    }
    return a;
}

} // namespace qs
