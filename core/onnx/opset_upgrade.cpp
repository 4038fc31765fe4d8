#include "onnx/opset_upgrade.h"

#include "onnx/shape_probe.h"
#include "quant/passes/graph_constants.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

namespace qs {

namespace {

constexpr int64_t kMaxTargetOpset = 13;

class Upgrader {
public:
    Upgrader(const Graph& graph, int64_t from)
        : m_original(graph)
        , m_g(graph)
        , m_from(from) {
        for (const Node& n : m_g.nodes()) m_nodeNames.insert(n.name);
    }

    Result<Graph> run(int64_t target) {
        const NodeId originalCount = m_g.nodeCount();
        for (NodeId n = 0; n < originalCount; ++n) {
            if (!m_g.node(n).domain.empty()) continue;
            Status st = convert(n, target);
            if (!st) return std::move(st.addContext("node " + m_g.node(n).label())).takeError();
        }
        m_g.opsets()[""] = target;
        QS_TRY(m_g.finalize());
        return std::move(m_g);
    }

    std::map<std::string, int> counts; // rewritten nodes per rule

private:
    // --- building blocks ---
    std::string uniqueValueName(const std::string& base) {
        std::string name = base;
        for (int k = 1; m_g.findValue(name); ++k) name = base + "_" + std::to_string(k);
        return name;
    }
    std::string uniqueNodeName(const std::string& base) {
        std::string name = base;
        for (int k = 1; m_nodeNames.count(name); ++k) name = base + "_" + std::to_string(k);
        m_nodeNames.insert(name);
        return name;
    }
    ValueId addInitializer(const std::string& base, const Tensor& t) {
        const ValueId id = m_g.addValue(uniqueValueName(base)).value(); // unique by construction
        Value& v = m_g.value(id);
        v.info = TensorInfo{t.dtype(), t.shape(), true};
        v.dimNames.assign(t.shape().size(), "");
        v.initializer = t;
        return id;
    }
    ValueId addIntermediate(const std::string& base, DataType dtype) {
        const ValueId id = m_g.addValue(uniqueValueName(base)).value();
        m_g.value(id).info.dtype = dtype;
        return id;
    }
    static Tensor int64s(const std::vector<int64_t>& v) {
        return Tensor::fromVector<int64_t>({int64_t(v.size())}, v);
    }
    static Tensor scalarOf(DataType dtype, float x) {
        if (dtype == DataType::F16) return Tensor::scalar<uint16_t>(floatToHalf(x));
        if (dtype == DataType::F64) return Tensor::scalar<double>(double(x));
        return Tensor::scalar<float>(x);
    }

    // Type and shape of a value of the original graph, inferred with dynamic input dims kept
    // dynamic (-1); its own info when inference cannot tell.
    const TensorInfo& infoOf(ValueId v) {
        if (m_symbolic.empty()) m_symbolic = inferSymbolicInfos(m_original);
        const TensorInfo& s = m_symbolic[size_t(v)];
        if (s.shapeKnown && s.dtype != DataType::Undefined) return s;
        return m_g.value(v).info;
    }
    bool symbolicShapeKnown(ValueId v) {
        (void)infoOf(v);
        return m_symbolic[size_t(v)].shapeKnown;
    }
    DataType floatTypeOf(ValueId v) {
        const DataType t = infoOf(v).dtype;
        return t == DataType::F16 || t == DataType::F64 ? t : DataType::F32;
    }

    // Moves attribute `key` (ints) to input slot `slot` as an int64 initializer.
    void intsAttributeToInput(NodeId n, const std::string& key, size_t slot) {
        Node& node = m_g.node(n);
        const Attribute* a = node.attribute(key);
        if (!a) return;
        const std::vector<int64_t> values =
            a->kind == Attribute::Kind::Int ? std::vector<int64_t>{a->i} : a->ints;
        const std::string base = node.name + "_" + key;
        node.attributes.erase(key);
        const ValueId id = addInitializer(base, int64s(values));
        Node& again = m_g.node(n);
        if (again.inputs.size() <= slot) again.inputs.resize(slot + 1, kNoValue);
        again.inputs[slot] = id;
    }
    static void trimTrailingOmitted(std::vector<ValueId>& ids) {
        while (!ids.empty() && ids.back() == kNoValue) ids.pop_back();
    }

    // --- rules ---
    Status convert(NodeId n, int64_t target) {
        const std::string op = m_g.node(n).opType;
        if (op == "Clip" && m_from < 11 && target >= 11) return clipBoundsToInputs(n);
        if (op == "Slice" && m_from < 10 && target >= 10) {
            intsAttributeToInput(n, "starts", 1);
            intsAttributeToInput(n, "ends", 2);
            intsAttributeToInput(n, "axes", 3);
            ++counts["Slice: starts/ends/axes attributes became inputs"];
            return {};
        }
        if (op == "TopK" && m_from < 10 && target >= 10) {
            intsAttributeToInput(n, "k", 1);
            ++counts["TopK: k attribute became an input"];
            return {};
        }
        if (op == "Pad" && m_from < 11 && target >= 11) return padToInputs(n);
        if ((op == "Squeeze" || op == "Unsqueeze" || op == "ReduceSum") && m_from < 13 &&
            target >= 13) {
            intsAttributeToInput(n, "axes", 1);
            ++counts[op + ": axes attribute became an input"];
            return {};
        }
        if (op == "Split" && m_from < 13 && target >= 13) {
            intsAttributeToInput(n, "split", 1);
            ++counts["Split: split attribute became an input"];
            return {};
        }
        if ((op == "Softmax" || op == "LogSoftmax" || op == "Hardmax") && m_from < 13 &&
            target >= 13)
            return softmaxAxis(n);
        if (op == "Dropout" && m_from < 12 && target >= 12) return dropout(n);
        if (op == "BatchNormalization" && m_from < 9 && target >= 9) {
            Node& node = m_g.node(n);
            if (const Attribute* s = node.attribute("spatial"); s && s->i == 0)
                return makeError(ErrorCode::Unsupported,
                                 "spatial=0 (per-element statistics) has no form after opset 8");
            node.attributes.erase("spatial");
            ++counts["BatchNormalization: spatial attribute dropped (spatial=1 is the only form "
                     "from opset 9)"];
            return {};
        }
        if (op == "Scatter" && target >= 11) {
            m_g.node(n).opType = "ScatterElements"; // the same op under its new name (opset 11)
            ++counts["Scatter: renamed ScatterElements"];
            return {};
        }
        if (op == "Upsample" && target >= 10) return upsampleToResize(n);
        if (op == "Resize" && m_from < 11 && target >= 11) return legacyResize(n);
        return {};
    }

    Status clipBoundsToInputs(NodeId n) {
        const DataType dtype =
            m_g.node(n).inputs.empty() ? DataType::F32 : floatTypeOf(m_g.node(n).inputs[0]);
        Node& node = m_g.node(n);
        std::optional<float> lo, hi;
        if (const Attribute* a = node.attribute("min")) lo = a->f;
        if (const Attribute* a = node.attribute("max")) hi = a->f;
        node.attributes.erase("min");
        node.attributes.erase("max");
        const std::string name = node.name;
        // A missing bound stays an omitted input: the type's lowest/highest value, as before.
        const ValueId loId = lo ? addInitializer(name + "_min", scalarOf(dtype, *lo)) : kNoValue;
        const ValueId hiId = hi ? addInitializer(name + "_max", scalarOf(dtype, *hi)) : kNoValue;
        Node& again = m_g.node(n);
        again.inputs.resize(3, kNoValue);
        again.inputs[1] = loId;
        again.inputs[2] = hiId;
        trimTrailingOmitted(again.inputs);
        ++counts["Clip: min/max attributes became inputs"];
        return {};
    }

    Status padToInputs(NodeId n) {
        const DataType dtype =
            m_g.node(n).inputs.empty() ? DataType::F32 : floatTypeOf(m_g.node(n).inputs[0]);
        Node& node = m_g.node(n);
        if (!node.attribute("pads"))
            return makeError(ErrorCode::InvalidModel, "attribute 'pads' is missing");
        std::optional<float> value;
        if (const Attribute* a = node.attribute("value"); a && a->f != 0.0f) value = a->f;
        node.attributes.erase("value");
        intsAttributeToInput(n, "pads", 1);
        if (value) {
            const ValueId v = addInitializer(m_g.node(n).name + "_value", scalarOf(dtype, *value));
            Node& again = m_g.node(n);
            again.inputs.resize(3, kNoValue);
            again.inputs[2] = v;
        }
        ++counts["Pad: pads/value attributes became inputs"];
        return {};
    }

    // Before opset 13 these ops coerce the input to 2-D at `axis` and normalise over the whole
    // trailing block; from 13 over the one dim `axis`. The same when `axis` is the last dim;
    // otherwise Flatten(axis) → op(axis=1) → Reshape(Shape(x)) computes the old meaning.
    Status softmaxAxis(NodeId n) {
        Node& node = m_g.node(n);
        if (node.inputs.empty() || node.inputs[0] == kNoValue || node.outputs.empty() ||
            node.outputs[0] == kNoValue)
            return makeError(ErrorCode::InvalidModel, "input 0 or output 0 is missing");
        const int64_t axis = node.attribute("axis") ? node.attribute("axis")->i : 1;
        const ValueId x = node.inputs[0];
        const TensorInfo& info = infoOf(x);
        if (info.shapeKnown) {
            const int64_t rank = int64_t(info.shape.size());
            const int64_t a = axis < 0 ? axis + rank : axis;
            if (a == rank - 1) {
                Attribute attr;
                attr.kind = Attribute::Kind::Int;
                attr.i = a;
                m_g.node(n).attributes["axis"] = attr;
                ++counts[m_g.node(n).opType +
                         ": axis made explicit (the last dim: same meaning at 13)"];
                return {};
            }
        }
        // The original shape for the Reshape back: a constant when at most one dim is dynamic
        // (Reshape's -1 recovers it), else Shape(x) at run time.
        std::optional<Shape> constShape;
        if (symbolicShapeKnown(x)) {
            const Shape& s = infoOf(x).shape;
            if (std::count_if(s.begin(), s.end(), [](int64_t d) { return d < 0; }) <= 1)
                constShape = s;
        }
        const DataType dtype = infoOf(x).dtype;
        const std::string name = m_g.node(n).name;
        const ValueId y = m_g.node(n).outputs[0];
        const ValueId flat = addIntermediate(name + "_flat", dtype);
        const ValueId out2d = addIntermediate(name + "_2d", dtype);
        const ValueId shape = constShape ? addInitializer(name + "_shape", int64s(*constShape))
                                         : addIntermediate(name + "_shape", DataType::I64);

        Node flatten;
        flatten.name = uniqueNodeName(name + "_flatten");
        flatten.opType = "Flatten";
        flatten.inputs = {x};
        flatten.outputs = {flat};
        Attribute axisAttr;
        axisAttr.kind = Attribute::Kind::Int;
        axisAttr.i = axis;
        flatten.attributes["axis"] = axisAttr;

        Node reshape;
        reshape.name = uniqueNodeName(name + "_reshape");
        reshape.opType = "Reshape";
        reshape.inputs = {out2d, shape};
        reshape.outputs = {y};

        if (!constShape) {
            Node shapeOf;
            shapeOf.name = uniqueNodeName(name + "_shape");
            shapeOf.opType = "Shape";
            shapeOf.inputs = {x};
            shapeOf.outputs = {shape};
            m_g.addNode(std::move(shapeOf));
        }

        Node& self = m_g.node(n);
        self.inputs[0] = flat;
        self.outputs[0] = out2d;
        axisAttr.i = 1;
        self.attributes["axis"] = axisAttr;
        const std::string what =
            self.opType + ": 2-D coercion kept through Flatten/Reshape (axis not last)";
        m_g.addNode(std::move(flatten));
        m_g.addNode(std::move(reshape));
        ++counts[what];
        return {};
    }

    Status dropout(NodeId n) {
        Node& node = m_g.node(n);
        node.attributes.erase("ratio");
        node.attributes.erase("is_test");
        if (node.outputs.size() > 1 && node.outputs[1] != kNoValue && m_from < 10) {
            const Value& mask = m_g.value(node.outputs[1]);
            if (!mask.consumers.empty() || mask.isGraphOutput)
                return makeError(
                    ErrorCode::Unsupported, "mask output '", mask.name,
                    "' is read; its type changed from the data type to bool at opset 10");
            node.outputs.resize(1); // unread: dropped
        }
        ++counts["Dropout: ratio attribute dropped (inference: identity)"];
        return {};
    }

    // Upsample and Resize-10 use asymmetric coordinates (x_in = x_out / scale) and, for nearest,
    // truncation when upsampling and ceil when downsampling (ONNX Runtime's "simple" rule, as our
    // resize kernel). Resize-13 says this with nearest_mode floor (scales >= 1) or ceil (<= 1).
    Result<std::string> nearestModeFor(ValueId scales, const std::vector<float>* attrScales) {
        std::vector<float> s;
        if (attrScales) {
            s = *attrScales;
        } else if (auto t = constantTensor(m_g, scales)) {
            s = t->toFloatVector();
        } else {
            return makeError(ErrorCode::Unsupported, "scales are computed at run time; nearest "
                                                     "rounding (floor or ceil) cannot be chosen");
        }
        bool up = true, down = true;
        for (float v : s) {
            up = up && v >= 1.0f;
            down = down && v <= 1.0f;
        }
        if (up) return std::string("floor");
        if (down) return std::string("ceil");
        return makeError(ErrorCode::Unsupported,
                         "scales mix up- and downsampling; one nearest_mode cannot express it");
    }

    void setResizeAttributes(NodeId n, const std::string& mode, const std::string& nearestMode) {
        Node& node = m_g.node(n);
        auto str = [](const std::string& s) {
            Attribute a;
            a.kind = Attribute::Kind::String;
            a.s = s;
            return a;
        };
        node.attributes.clear();
        node.attributes["mode"] = str(mode);
        node.attributes["coordinate_transformation_mode"] = str("asymmetric");
        if (mode == "nearest") node.attributes["nearest_mode"] = str(nearestMode);
    }

    Status upsampleToResize(NodeId n) {
        Node& node = m_g.node(n);
        if (node.inputs.empty() || node.inputs[0] == kNoValue)
            return makeError(ErrorCode::InvalidModel, "input 0 is missing");
        std::string mode = node.attribute("mode") ? node.attribute("mode")->s : "nearest";
        if (mode == "bilinear") mode = "linear";
        if (mode != "nearest" && mode != "linear")
            return makeError(ErrorCode::Unsupported, "mode '", mode, "' has no Resize equivalent");
        ValueId scales = kNoValue;
        std::string nearestMode = "floor";
        if (const Attribute* a = node.attribute("scales"); a && m_from < 9) {
            const std::vector<float> s = a->floats;
            if (mode == "nearest") {
                QS_ASSIGN(nearestMode, nearestModeFor(kNoValue, &s));
            }
            scales = addInitializer(m_g.node(n).name + "_scales",
                                    Tensor::fromVector<float>({int64_t(s.size())}, s));
        } else {
            if (node.inputs.size() < 2 || node.inputs[1] == kNoValue)
                return makeError(ErrorCode::InvalidModel, "input 1 (scales) is missing");
            scales = node.inputs[1];
            if (mode == "nearest") {
                auto m = nearestModeFor(scales, nullptr);
                // Upsample's scales are >= 1 by its spec: upsampling truncates, i.e. floor.
                nearestMode = m ? *m : std::string("floor");
            }
        }
        Node& again = m_g.node(n);
        again.opType = "Resize";
        again.inputs = {again.inputs[0], kNoValue, scales};
        setResizeAttributes(n, mode, nearestMode);
        ++counts["Upsample: became Resize (asymmetric coordinates" +
                 std::string(mode == "nearest" ? ", floor)" : ")")];
        return {};
    }

    Status legacyResize(NodeId n) {
        Node& node = m_g.node(n);
        if (node.inputs.size() < 2 || node.inputs[0] == kNoValue || node.inputs[1] == kNoValue)
            return makeError(ErrorCode::InvalidModel, "Resize-10 needs inputs X and scales");
        const std::string mode = node.attribute("mode") ? node.attribute("mode")->s : "nearest";
        if (mode != "nearest" && mode != "linear")
            return makeError(ErrorCode::Unsupported, "mode '", mode, "' is not supported");
        std::string nearestMode;
        if (mode == "nearest") {
            QS_ASSIGN(nearestMode, nearestModeFor(node.inputs[1], nullptr));
        }
        Node& again = m_g.node(n);
        again.inputs = {again.inputs[0], kNoValue, again.inputs[1]};
        setResizeAttributes(n, mode, nearestMode);
        ++counts["Resize-10: roi input and asymmetric coordinates made explicit"];
        return {};
    }

    const Graph& m_original;
    Graph m_g;
    int64_t m_from;
    std::set<std::string> m_nodeNames;
    std::vector<TensorInfo> m_symbolic; // of the original graph's values, computed on first use
};

} // namespace

Result<Graph> upgradeOpset(const Graph& graph, int64_t targetOpset,
                           std::vector<std::string>* notes) {
    const int64_t from = graph.opsetVersion("");
    if (from >= targetOpset) return graph;
    if (targetOpset > kMaxTargetOpset)
        return makeError(ErrorCode::Unsupported, "raising the opset above ", kMaxTargetOpset,
                         " is not supported");
    if (from < 7)
        return makeError(ErrorCode::Unsupported, "opset ", from,
                         " is older than 7, the oldest supported");
    Upgrader up(graph, from);
    QS_ASSIGN(Graph g, up.run(targetOpset));
    if (notes) {
        notes->push_back("default-domain opset raised from " + std::to_string(from) + " to " +
                         std::to_string(targetOpset));
        for (const auto& [what, count] : up.counts)
            notes->push_back(what + " (" + std::to_string(count) + " nodes)");
    }
    return g;
}

} // namespace qs
