// QDQ export: the quantized graph as ONNX Runtime's QDQ format (see onnx_exporter.h). The
// graph is rewritten in our IR (so our executor can run it too) and then written by the plain
// exporter. What the Simulator fake-quantizes is exactly what gets Q/DQ nodes here:
// - weights and biases: initializers in the plan's Quantized state (the Simulator's
//   fakeQuantizeWeights); their codes come from quantizeToCodes with the plan's rounding, so
//   DequantizeLinear reproduces the Simulator's values bit for bit;
// - activations: f32 graph inputs and node outputs in the Quantized state that the executor
//   passes through its hooks (not the outputs it folds at preparation: Constant nodes and cheap
//   ops on constants).
#include "io/npy.h"
#include "util/atomic_file.h"
#include "onnx/onnx_exporter.h"
#include "onnx/opset_upgrade.h"
#include "ops/op_registry.h"
#include "quant/quant_plan.h"

#include <set>

namespace qs {

namespace {

// Per-axis QuantizeLinear/DequantizeLinear need opset 13.
constexpr int64_t kQdqOpset = 13;

// Values the executor computes once at preparation (initializers, Constant nodes, foldable ops
// on constant inputs): it never passes them through hooks, so the Simulator never quantizes them.
// Mirrors Executor::create.
std::vector<bool> preparedConstants(const Graph& g) {
    std::vector<bool> constant(size_t(g.valueCount()), false);
    for (ValueId v = 0; v < g.valueCount(); ++v)
        constant[size_t(v)] = g.value(v).initializer.has_value();
    for (NodeId n : g.topoOrder()) {
        const Node& node = g.node(n);
        const OpDef* op = findOp(node.domain, node.opType);
        if (!op || !(op->foldable || node.opType == "Constant")) continue;
        bool allConst = true;
        for (ValueId in : node.inputs)
            allConst = allConst && (in == kNoValue || constant[size_t(in)]);
        if (!allConst) continue;
        for (ValueId out : node.outputs)
            if (out != kNoValue) constant[size_t(out)] = true;
    }
    return constant;
}

// Scales and zero points laid out for Q/DQ: a scalar (per tensor) or one entry per channel of
// `axis`. Per-group parameters are expanded to per-channel, each channel carrying its group's
// scale and zero point: opset 13 has no block quantization, and this computes the same values.
struct QdqParams {
    std::vector<float> scale;
    std::vector<int32_t> zeroPoint;
    bool perAxis = false;
    int axis = 0;
};

Result<QdqParams> qdqParams(const QuantParams& p, const TensorInfo& info) {
    QdqParams out;
    if (p.count() == 0 || p.zeroPoint.size() != p.count())
        return makeError(ErrorCode::InvalidArgument, p.count(), " scales and ", p.zeroPoint.size(),
                         " zero points");
    if (p.spec.granularity == Granularity::PerTensor) {
        if (p.count() != 1)
            return makeError(ErrorCode::InvalidArgument, "per-tensor quantization with ", p.count(),
                             " scales");
        out.scale = p.scale;
        out.zeroPoint = p.zeroPoint;
        return out;
    }
    out.perAxis = true;
    out.axis = p.spec.axis;
    int64_t channels = -1;
    if (info.shapeKnown) {
        if (out.axis < 0 || out.axis >= int(info.shape.size()))
            return makeError(ErrorCode::InvalidArgument, "channel axis ", out.axis,
                             " is out of range for shape ", shapeToString(info.shape));
        channels = info.shape[size_t(out.axis)];
    }
    if (p.spec.granularity == Granularity::PerChannel) {
        if (channels >= 0 && int64_t(p.count()) != channels)
            return makeError(ErrorCode::ShapeMismatch, p.count(), " scales for ", channels,
                             " channels on axis ", out.axis);
        out.scale = p.scale;
        out.zeroPoint = p.zeroPoint;
    } else {
        if (channels < 0)
            return makeError(ErrorCode::Unsupported,
                             "per-group parameters need the channel count, which is not known");
        QS_ASSIGN(int64_t groups, paramCount(p.spec, info.shape));
        if (groups != int64_t(p.count()))
            return makeError(ErrorCode::ShapeMismatch, p.count(), " group scales, expected ",
                             groups);
        for (int64_t c = 0; c < channels; ++c) {
            out.scale.push_back(p.scale[paramIndex(p.spec, c)]);
            out.zeroPoint.push_back(p.zeroPoint[paramIndex(p.spec, c)]);
        }
    }
    if (out.scale.size() == 1) out.perAxis = false; // one channel: a scalar says the same
    return out;
}

// The integer container of a tensor's codes. ONNX 13 Q/DQ know int8 and uint8 (and int32 for
// DequantizeLinear with zero point 0). Codes of fewer than 8 bits (4-bit weights) are stored in
// an int8/uint8 container: they lie within its range, and DequantizeLinear computes the same
// s·(q − z). Symmetric codes above 8 bits (16-bit weights, 32-bit bias) go into int32.
Result<DataType> codeContainer(const QuantParams& p) {
    if (p.spec.bits <= 8) return p.spec.isSigned ? DataType::I8 : DataType::U8;
    for (int32_t z : p.zeroPoint)
        if (z != 0)
            return makeError(ErrorCode::Unsupported, p.spec.bits,
                             "-bit codes with a nonzero zero point: opset 13 DequantizeLinear "
                             "reads int32 only with zero point 0");
    if (!p.spec.isSigned || p.spec.bits > 32)
        return makeError(ErrorCode::Unsupported, p.spec.bits, "-bit ",
                         p.spec.isSigned ? "" : "unsigned ",
                         "codes have no QDQ container at opset 13");
    return DataType::I32;
}

Tensor codesTensor(DataType dtype, const Shape& shape, const std::vector<int32_t>& codes) {
    Tensor t(dtype, shape);
    for (size_t i = 0; i < codes.size(); ++i) {
        if (dtype == DataType::I8)
            t.data<int8_t>()[i] = int8_t(codes[i]);
        else if (dtype == DataType::U8)
            t.data<uint8_t>()[i] = uint8_t(codes[i]);
        else
            t.data<int32_t>()[i] = codes[i];
    }
    return t;
}

bool fitsContainer(DataType dtype, int32_t lo, int32_t hi) {
    if (dtype == DataType::I8) return lo >= -128 && hi <= 127;
    if (dtype == DataType::U8) return lo >= 0 && hi <= 255;
    return true;
}

Attribute intAttribute(int64_t v) {
    Attribute a;
    a.kind = Attribute::Kind::Int;
    a.i = v;
    return a;
}

class QdqBuilder {
public:
    QdqBuilder(Graph graph, const QuantPlan& plan, std::vector<bool> constants,
               QdqExportReport& report)
        : m_g(std::move(graph))
        , m_plan(plan)
        , m_constants(std::move(constants))
        , m_report(report) {
        for (const Node& n : m_g.nodes()) m_nodeNames.insert(n.name);
    }

    Result<Graph> run() {
        for (const auto& [name, entry] : m_plan.tensors)
            if (!m_g.findValue(name))
                return makeError(
                    ErrorCode::NotFound, "the plan names tensor '", name,
                    "', which the graph does not have (export the graph the plan was built for)");
        const ValueId originalValues = m_g.valueCount();
        for (ValueId v = 0; v < originalValues; ++v) {
            const TensorQuantEntry* e = m_plan.tensor(m_g.value(v).name);
            if (!e || e->params.state != TensorQuantState::Quantized) continue;
            const std::string name = m_g.value(v).name;
            Status st =
                e->isWeight || e->isBias ? quantizeConstant(v, *e) : quantizeActivation(v, *e);
            if (!st) return std::move(st.addContext("tensor '" + name + "'")).takeError();
        }
        QS_TRY(m_g.finalize());
        return std::move(m_g);
    }

private:
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
    ValueId addInitializer(const std::string& base, Tensor t) {
        const ValueId id = m_g.addValue(uniqueValueName(base)).value(); // unique by construction
        Value& v = m_g.value(id);
        v.info = TensorInfo{t.dtype(), t.shape(), true};
        v.dimNames.assign(t.shape().size(), "");
        v.initializer = std::move(t);
        return id;
    }
    // A new value like `like` (same shape) of another element type.
    ValueId addValueLike(const std::string& base, ValueId like, DataType dtype) {
        const ValueId id = m_g.addValue(uniqueValueName(base)).value();
        Value& v = m_g.value(id);
        const Value& src = m_g.value(like);
        v.info = src.info;
        v.info.dtype = dtype;
        v.dimNames = src.dimNames;
        return id;
    }
    void addNode(const std::string& base, const std::string& op, std::vector<ValueId> inputs,
                 std::vector<ValueId> outputs, const QdqParams* params = nullptr) {
        Node n;
        n.name = uniqueNodeName(base);
        n.opType = op;
        n.inputs = std::move(inputs);
        n.outputs = std::move(outputs);
        if (params && params->perAxis) n.attributes["axis"] = intAttribute(params->axis);
        m_g.addNode(std::move(n));
    }
    // Scale and zero point initializers (zero point omitted for int32, where it must be 0).
    std::pair<ValueId, ValueId> addParams(const std::string& base, const QdqParams& p,
                                          DataType container) {
        const Shape shape = p.perAxis ? Shape{int64_t(p.scale.size())} : Shape{};
        const ValueId scale =
            addInitializer(base + "_scale", Tensor::fromVector<float>(shape, p.scale));
        ValueId zp = kNoValue;
        if (container != DataType::I32)
            zp = addInitializer(base + "_zero_point", codesTensor(container, shape, p.zeroPoint));
        return {scale, zp};
    }

    // Weight or bias: an integer initializer of its codes and a DequantizeLinear whose output
    // takes the tensor's name, so every reader sees s·(q − z).
    Status quantizeConstant(ValueId v, const TensorQuantEntry& e) {
        Value& value = m_g.value(v);
        if (!value.initializer || value.initializer->dtype() != DataType::F32 ||
            value.producer != kNoNode) {
            // The Simulator quantizes f32 initializers only; anything else runs in float there too.
            m_report.notes.push_back("tensor '" + value.name +
                                     "' is not an f32 initializer; it stays float");
            return {};
        }
        const Tensor weights = *value.initializer;
        QS_ASSIGN(DataType container, codeContainer(e.params));
        QS_ASSIGN(QdqParams p,
                  qdqParams(e.params, value.info.shapeKnown
                                          ? value.info
                                          : TensorInfo{DataType::F32, weights.shape(), true}));
        QS_ASSIGN(std::vector<int32_t> codes, quantizeToCodes(weights, e.params));
        if (!fitsContainer(container, e.params.spec.qmin(), e.params.spec.qmax()))
            return makeError(ErrorCode::Internal, "code range [", e.params.spec.qmin(), ", ",
                             e.params.spec.qmax(), "] does not fit ", dataTypeName(container));
        const std::string name = value.name;
        const ValueId q =
            addInitializer(name + "_quantized", codesTensor(container, weights.shape(), codes));
        const auto [scale, zp] = addParams(name, p, container);
        m_g.value(v).initializer.reset(); // now produced by the DequantizeLinear
        std::vector<ValueId> inputs{q, scale};
        if (zp != kNoValue) inputs.push_back(zp);
        addNode(name + "_DequantizeLinear", "DequantizeLinear", std::move(inputs), {v}, &p);
        if (e.isBias)
            ++m_report.quantizedBiases;
        else
            ++m_report.quantizedWeights;
        return {};
    }

    Status quantizeActivation(ValueId v, const TensorQuantEntry& e) {
        const Value& value = m_g.value(v);
        if (m_constants[size_t(v)])
            return {}; // folded at preparation: never quantized by the Simulator
        if (value.producer == kNoNode && !value.isGraphInput) return {};
        if (value.info.dtype != DataType::F32 && value.info.dtype != DataType::Undefined) return {};
        const QuantParams& params = e.params;
        if (params.spec.bits > 8)
            return makeError(
                ErrorCode::Unsupported, params.spec.bits,
                "-bit activations: QuantizeLinear at opset 13 produces 8-bit codes only");
        const DataType container = params.spec.isSigned ? DataType::I8 : DataType::U8;
        if (value.isGraphInput && value.isGraphOutput) {
            m_report.notes.push_back(
                "graph input '" + value.name +
                "' is also a graph output; the output stays the unquantized input");
        }
        if (params.spec.rounding != RoundingMode::HalfToEven)
            m_report.notes.push_back(
                "activation '" + value.name +
                "' rounds half away from zero; QuantizeLinear rounds half to even (ties differ)");
        const std::string name = value.name;

        // Where the quantizer reads from: the producer now writes a new value, and the value of
        // the original name becomes the DequantizeLinear's output (graph outputs keep their names).
        // A graph input keeps its name instead; its readers are moved to the dequantized value.
        ValueId source = v, result = v;
        if (value.producer != kNoNode) {
            source = addValueLike(name + "_float", v, DataType::F32);
            for (ValueId& out : m_g.node(m_g.value(v).producer).outputs)
                if (out == v) out = source;
            m_g.value(v).producer = kNoNode; // stale until finalize(); only read above
        } else {
            result = addValueLike(name + "_dequantized", v, DataType::F32);
            for (NodeId n = 0; n < m_g.nodeCount(); ++n)
                for (ValueId& in : m_g.node(n).inputs)
                    if (in == v) in = result;
        }

        if (e.dynamic) {
            // DynamicQuantizeLinear: uint8, range [min(0, x), max(0, x)] of this very tensor,
            // scale (hi − lo)/255, zero point round(−lo/scale) saturated: the Simulator's dynamic
            // mode for this spec (computeQuantParams, asymmetric uint8, per tensor).
            const QuantSpec& s = params.spec;
            if (s.bits != 8 || s.scheme != QuantScheme::Asymmetric || s.isSigned ||
                s.granularity != Granularity::PerTensor || s.rounding != RoundingMode::HalfToEven ||
                s.powerOfTwoScale)
                return makeError(ErrorCode::Unsupported,
                                 "dynamic quantization exports only as DynamicQuantizeLinear "
                                 "(8-bit asymmetric uint8 "
                                 "per tensor, half to even)");
            const ValueId q = addValueLike(name + "_quantized", v, DataType::U8);
            const ValueId scale = m_g.addValue(uniqueValueName(name + "_scale")).value();
            m_g.value(scale).info = TensorInfo{DataType::F32, {}, true};
            const ValueId zp = m_g.addValue(uniqueValueName(name + "_zero_point")).value();
            m_g.value(zp).info = TensorInfo{DataType::U8, {}, true};
            addNode(name + "_DynamicQuantizeLinear", "DynamicQuantizeLinear", {source},
                    {q, scale, zp});
            addNode(name + "_DequantizeLinear", "DequantizeLinear", {q, scale, zp}, {result});
            ++m_report.quantizedActivations;
            return {};
        }

        QS_ASSIGN(QdqParams p, qdqParams(params, m_g.value(v).info));
        QS_TRY(clampToCodeRange(name, source, p, params.spec, container, v));
        const auto [scale, zp] = addParams(name, p, container);
        const ValueId q = addValueLike(name + "_quantized", v, container);
        addNode(name + "_QuantizeLinear", "QuantizeLinear", {source, scale, zp}, {q}, &p);
        addNode(name + "_DequantizeLinear", "DequantizeLinear", {q, scale, zp}, {result}, &p);
        ++m_report.quantizedActivations;
        return {};
    }

    // QuantizeLinear saturates to the container's range ([-128, 127] for int8); the plan's range
    // may be narrower (symmetric int8 drops -128, 4-bit activations). Clamping x to
    // [s·(qmin − z), s·(qmax − z)] first gives the same codes: those bounds divide back to
    // qmin − z and qmax − z up to a rounding error far below half a step.
    Status clampToCodeRange(const std::string& name, ValueId& source, const QdqParams& p,
                            const QuantSpec& spec, DataType container, ValueId like) {
        const int32_t cmin = container == DataType::I8 ? -128 : 0,
                      cmax = container == DataType::I8 ? 127 : 255;
        if (spec.qmin() <= cmin && spec.qmax() >= cmax) return {};
        std::vector<float> lo, hi;
        for (size_t c = 0; c < p.scale.size(); ++c) {
            lo.push_back(p.scale[c] * float(spec.qmin() - p.zeroPoint[c]));
            hi.push_back(p.scale[c] * float(spec.qmax() - p.zeroPoint[c]));
        }
        const ValueId clamped = addValueLike(name + "_clamped", like, DataType::F32);
        if (!p.perAxis) {
            const ValueId loId = addInitializer(name + "_clamp_min", Tensor::scalar<float>(lo[0]));
            const ValueId hiId = addInitializer(name + "_clamp_max", Tensor::scalar<float>(hi[0]));
            addNode(name + "_Clip", "Clip", {source, loId, hiId}, {clamped});
        } else {
            // Per channel: Max/Min against [C, 1, ..., 1] bounds that broadcast along the axis.
            const TensorInfo info = m_g.value(like).info; // a copy: adding values below moves them
            if (!info.shapeKnown)
                return makeError(ErrorCode::Unsupported, "per-channel codes narrower than ",
                                 dataTypeName(container),
                                 " need the tensor's rank, which is not known");
            Shape bshape{int64_t(lo.size())};
            for (int d = p.axis + 1; d < int(info.shape.size()); ++d) bshape.push_back(1);
            const ValueId loId =
                addInitializer(name + "_clamp_min", Tensor::fromVector<float>(bshape, lo));
            const ValueId hiId =
                addInitializer(name + "_clamp_max", Tensor::fromVector<float>(bshape, hi));
            const ValueId mid = addValueLike(name + "_clamped_low", like, DataType::F32);
            addNode(name + "_Max", "Max", {source, loId}, {mid});
            addNode(name + "_Min", "Min", {mid, hiId}, {clamped});
        }
        source = clamped;
        return {};
    }

    Graph m_g;
    const QuantPlan& m_plan;
    std::vector<bool> m_constants; // per value id of the input graph
    QdqExportReport& m_report;
    std::set<std::string> m_nodeNames;
};

} // namespace

Result<Graph> buildQdqGraph(const Graph& graph, const QuantPlan& plan, QdqExportReport* report) {
    QdqExportReport local;
    QdqExportReport& r = report ? *report : local;
    r = QdqExportReport{};
    r.opsetBefore = graph.opsetVersion("");
    // Which tensors the Simulator quantizes is decided on the graph it runs (the input graph);
    // the opset upgrade keeps every existing value id, and appends only initializers and
    // intermediates the plan does not name.
    std::vector<bool> constants = preparedConstants(graph);
    QS_ASSIGN(Graph upgraded,
              upgradeOpset(graph, std::max<int64_t>(r.opsetBefore, kQdqOpset), &r.notes));
    constants.resize(size_t(upgraded.valueCount()), false);
    upgraded.irVersion = std::max<int64_t>(upgraded.irVersion, 7); // opset 13 needs IR 7
    r.opsetAfter = upgraded.opsetVersion("");
    QdqBuilder builder(std::move(upgraded), plan, std::move(constants), r);
    return builder.run();
}

Result<std::string> exportQdqBytes(const Graph& graph, const QuantPlan& plan,
                                   QdqExportReport* report) {
    QS_ASSIGN(Graph qdq, buildQdqGraph(graph, plan, report));
    return exportOnnxBytes(qdq);
}

Status exportQdqModel(const Graph& graph, const QuantPlan& plan, const std::string& path,
                      QdqExportReport* report) {
    auto bytes = exportQdqBytes(graph, plan, report);
    if (!bytes) return std::move(bytes.addContext("file " + path)).takeError();
    return writeFileAtomically(path, *bytes);
}

} // namespace qs
