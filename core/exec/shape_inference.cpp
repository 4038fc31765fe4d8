#include "exec/shape_inference.h"

#include "exec/node_runner.h"
#include "ops/op_registry.h"

#include <algorithm>

namespace qs {

namespace {
// Constant values above this size are not kept while folding: shape arithmetic is tiny, and
// folding big weights would only cost memory.
constexpr int64_t kMaxFoldElements = 1 << 16;
} // namespace

Result<ShapeInferenceReport> inferShapes(Graph& graph,
                                         const std::map<std::string, Shape>& inputShapes) {
    ShapeInferenceReport report;
    ThreadPool pool(1);
    std::vector<std::optional<Tensor>> known(size_t(graph.valueCount()));

    for (const auto& [name, shape] : inputShapes) {
        auto id = graph.findValue(name);
        if (!id || !graph.value(*id).isGraphInput)
            return makeError(ErrorCode::NotFound, "the model has no input named '", name, "'");
    }
    for (ValueId v = 0; v < graph.valueCount(); ++v) {
        Value& value = graph.value(v);
        if (value.initializer) {
            value.info = TensorInfo{value.initializer->dtype(), value.initializer->shape(), true};
            known[size_t(v)] = *value.initializer;
        }
    }
    // Graph inputs keep their declarations (dynamic dims stay dynamic): inference binds a copy.
    std::vector<std::pair<ValueId, TensorInfo>> declared;
    for (ValueId in : graph.inputs()) declared.emplace_back(in, graph.value(in).info);
    for (ValueId in : graph.inputs()) {
        Value& value = graph.value(in);
        auto it = inputShapes.find(value.name);
        if (it != inputShapes.end()) {
            if (value.info.shapeKnown && value.info.shape.size() != it->second.size())
                return makeError(ErrorCode::ShapeMismatch, "input '", value.name, "' has rank ",
                                 value.info.shape.size(), ", given shape ",
                                 shapeToString(it->second));
            value.info.shape = it->second;
            value.info.shapeKnown = true;
        } else {
            for (int64_t& d : value.info.shape)
                if (d < 0) d = 1; // an unbound dynamic dim (batch) defaults to 1
        }
    }

    // Every value produced by a node starts unknown unless declared; inference overwrites it.
    for (NodeId n : graph.topoOrder()) {
        Node& node = graph.node(n);
        const OpDef* op = findOp(node.domain, node.opType);
        auto markUnknown = [&](const std::string& why) {
            report.notes.push_back("node " + node.label() + ": " + why);
        };
        if (!op) {
            markUnknown("op is not supported");
            continue;
        }
        std::vector<TensorInfo> inInfos(node.inputs.size());
        std::vector<const TensorInfo*> infoPtrs(node.inputs.size(), nullptr);
        std::vector<const Tensor*> values(node.inputs.size(), nullptr);
        bool ready = true, allKnown = true;
        for (size_t i = 0; i < node.inputs.size(); ++i) {
            const ValueId in = node.inputs[i];
            if (in == kNoValue) continue;
            const Value& v = graph.value(in);
            if (!v.info.isFullyKnown() || v.info.dtype == DataType::Undefined) ready = false;
            inInfos[i] = v.info;
            infoPtrs[i] = &inInfos[i];
            values[i] = known[size_t(in)] ? &*known[size_t(in)] : nullptr;
            if (!values[i]) allKnown = false;
        }
        if (!ready) {
            markUnknown("an input's shape is unknown");
            continue;
        }
        // Shape and Size read only their input's shape: fold them from the inferred shape so
        // Shape -> Gather -> Concat -> Reshape chains resolve without the activation's values.
        if ((node.opType == "Shape" || node.opType == "Size") && node.domain.empty() &&
            !node.inputs.empty() && node.outputs.size() == 1 && node.outputs[0] != kNoValue &&
            !values[0]) {
            const Shape& dims = inInfos[0].shape;
            Tensor out;
            if (node.opType == "Size") {
                out = Tensor::scalar<int64_t>(numelOf(dims));
            } else {
                // Opset 15 start/end slice the dims, clamped like Python slicing.
                const int64_t rank = int64_t(dims.size());
                auto clampIndex = [&](int64_t i) {
                    return std::clamp<int64_t>(i < 0 ? i + rank : i, 0, rank);
                };
                const Attribute* a = node.attribute("start");
                const Attribute* b = node.attribute("end");
                const int64_t start = clampIndex(a ? a->i : 0), end = clampIndex(b ? b->i : rank);
                std::vector<int64_t> sliced;
                for (int64_t i = start; i < end; ++i) sliced.push_back(dims[size_t(i)]);
                out = Tensor::fromVector<int64_t>({int64_t(sliced.size())}, sliced);
            }
            Value& outValue = graph.value(node.outputs[0]);
            outValue.info = TensorInfo{DataType::I64, out.shape(), true};
            known[size_t(node.outputs[0])] = std::move(out);
            continue;
        }
        const int64_t opset = graph.opsetVersion(node.domain);
        InferContext ictx(node, opset, infoPtrs, values);
        Status st = op->infer(ictx);
        if (!st) {
            markUnknown(st.message());
            continue;
        }
        for (size_t i = 0; i < node.outputs.size(); ++i)
            if (node.outputs[i] != kNoValue)
                graph.value(node.outputs[i]).info = ictx.outputInfo(int(i));

        if (allKnown && (op->foldable || node.opType == "Constant")) {
            bool small = true;
            for (const Tensor* t : values)
                if (t && t->numel() > kMaxFoldElements) small = false;
            // The outputs too: ConstantOfShape/Range/Tile/Expand make big tensors from small
            // inputs.
            for (size_t i = 0; i < node.outputs.size(); ++i) {
                if (node.outputs[i] == kNoValue) continue;
                auto numel = checkedNumel(ictx.outputInfo(int(i)).shape);
                if (!numel || *numel > kMaxFoldElements) small = false;
            }
            if (small) {
                auto outs = runNodeOnce(*op, node, opset, values, pool);
                if (outs) {
                    for (size_t i = 0; i < node.outputs.size(); ++i)
                        if (node.outputs[i] != kNoValue && (*outs)[i].numel() <= kMaxFoldElements)
                            known[size_t(node.outputs[i])] = std::move((*outs)[i]);
                } else {
                    markUnknown(outs.message());
                }
            }
        }
    }
    for (auto& [in, info] : declared) graph.value(in).info = info;
    for (const Value& v : graph.values()) {
        if (v.info.isFullyKnown())
            ++report.inferred;
        else
            ++report.unknown;
    }
    return report;
}

} // namespace qs
