#include "quant/int8/int8_executor.h"

#include "exec/node_runner.h"
#include "ops/op_registry.h"
#include "quant/simulator.h"

#include <algorithm>
#include <initializer_list>
#include <set>
#include <string_view>

namespace qs {
namespace {

constexpr const char* kDomain = "qs.int8";

Attribute intAttr(int64_t v) {
    Attribute a;
    a.kind = Attribute::Kind::Int;
    a.i = v;
    return a;
}
Attribute floatAttr(float v) {
    Attribute a;
    a.kind = Attribute::Kind::Float;
    a.f = v;
    return a;
}
Attribute stringAttr(std::string v) {
    Attribute a;
    a.kind = Attribute::Kind::String;
    a.s = std::move(v);
    return a;
}
Attribute floatsAttr(std::vector<float> v) {
    Attribute a;
    a.kind = Attribute::Kind::Floats;
    a.floats = std::move(v);
    return a;
}
Attribute intsAttr(std::vector<int64_t> v) {
    Attribute a;
    a.kind = Attribute::Kind::Ints;
    a.ints = std::move(v);
    return a;
}

const char* typeName(DataType t) {
    return t == DataType::I8 ? "i8" : t == DataType::U8 ? "u8" : "f32";
}

bool sameCodes(const Int8CodeInfo& a, const Int8CodeInfo& b) {
    return a.scale == b.scale && a.zeroPoint == b.zeroPoint && a.type == b.type &&
           a.qmin == b.qmin && a.qmax == b.qmax;
}

class Lowerer {
public:
    Lowerer(const Graph& g, const QuantPlan& plan, const Int8Options& options)
        : m_g(g)
        , m_plan(plan)
        , m_options(options) {}

    Result<Int8Program> lower() {
        m_p.graph.opsets() = m_g.opsets();
        m_p.graph.opsets()[kDomain] = 1;
        m_p.graph.name = m_g.name;
        std::vector<ValueId> inputs;
        for (ValueId in : m_g.inputs()) {
            const Value& v = m_g.value(in);
            const ValueId id = m_p.graph.valueOrAdd(v.name);
            m_p.graph.value(id).info = v.info;
            m_p.graph.value(id).dimNames = v.dimNames;
            inputs.push_back(id);
            m_float[v.name] = v.name;
        }
        m_p.graph.setInputs(inputs);
        for (NodeId n : m_g.topoOrder()) {
            if (m_absorbed.count(n)) continue;
            const Node& node = m_g.node(n);
            auto handled = lowerInteger(n);
            if (!handled) return std::move(handled.addContext("node " + node.label())).takeError();
            if (*handled) {
                ++m_p.integerNodes;
                continue;
            }
            Status st = lowerFloat(node);
            if (!st) return std::move(st.addContext("node " + node.label())).takeError();
        }
        std::vector<ValueId> outputs;
        for (ValueId out : m_g.outputs()) {
            const std::string& name = m_g.value(out).name;
            std::string lowered;
            if (auto it = m_int.find(name); it != m_int.end())
                lowered = it->second;
            else if (auto f = m_float.find(name); f != m_float.end())
                lowered = f->second;
            else if (m_g.value(out).initializer) {
                QS_ASSIGN(lowered, floatName(out));
            } else
                return makeError(ErrorCode::Internal, "graph output '", name, "' was not lowered");
            outputs.push_back(m_p.graph.valueOrAdd(lowered));
            m_p.outputs.emplace_back(name, lowered);
        }
        m_p.graph.setOutputs(outputs);
        QS_TRY(m_p.graph.finalize());
        return std::move(m_p);
    }

private:
    // The integer meaning a tensor of the plan may take: per-tensor, static, at most 8 bits.
    std::optional<Int8CodeInfo> codeInfo(const std::string& name) const {
        const TensorQuantEntry* e = m_plan.tensor(name);
        const QuantParams* p = m_plan.effectiveParams(name);
        if (!e || !p || e->dynamic || e->isWeight || e->isBias || p->count() != 1 ||
            p->spec.bits > 8)
            return std::nullopt;
        Int8CodeInfo c;
        c.source = name;
        c.scale = p->scale[0];
        c.zeroPoint = p->zeroPoint[0];
        c.type = p->spec.isSigned ? DataType::I8 : DataType::U8;
        c.qmin = p->spec.qmin();
        c.qmax = p->spec.qmax();
        return c;
    }
    bool ownParams(const std::string& name) const {
        const TensorQuantEntry* e = m_plan.tensor(name);
        return e && e->params.state == TensorQuantState::Quantized && codeInfo(name);
    }
    const QuantSpec& specOf(const std::string& name) const {
        return m_plan.effectiveParams(name)->spec;
    }

    std::string fresh(const std::string& base) {
        std::string name = base;
        for (int i = 2; m_p.graph.findValue(name); ++i) name = base + "_" + std::to_string(i);
        return name;
    }

    ValueId addInitializer(const std::string& name, Tensor t) {
        const ValueId id = m_p.graph.valueOrAdd(name);
        m_p.graph.value(id).info = TensorInfo{t.dtype(), t.shape(), true};
        m_p.graph.value(id).initializer = std::move(t);
        return id;
    }

    void addNode(std::string name, std::string op, std::string domain,
                 const std::vector<std::string>& inputs, const std::vector<std::string>& outputs,
                 std::map<std::string, Attribute> attrs) {
        Node n;
        n.name = std::move(name);
        n.opType = std::move(op);
        n.domain = std::move(domain);
        for (const std::string& i : inputs)
            n.inputs.push_back(i.empty() ? kNoValue : m_p.graph.valueOrAdd(i));
        for (const std::string& o : outputs)
            n.outputs.push_back(o.empty() ? kNoValue : m_p.graph.valueOrAdd(o));
        n.attributes = std::move(attrs);
        m_p.graph.addNode(std::move(n));
    }

    void recordCodes(const std::string& lowered, Int8CodeInfo info) {
        m_int[info.source] = lowered;
        m_p.codes[lowered] = std::move(info);
    }

    // The codes of value v, quantizing a float version if needed.
    Result<std::string> intName(ValueId v) {
        const Value& value = m_g.value(v);
        if (auto it = m_int.find(value.name); it != m_int.end()) return it->second;
        auto info = codeInfo(value.name);
        if (!info || value.initializer)
            return makeError(ErrorCode::Internal, "tensor '", value.name, "' has no codes");
        auto f = m_float.find(value.name);
        if (f == m_float.end())
            return makeError(ErrorCode::Internal, "tensor '", value.name, "' is not lowered");
        const std::string out = fresh(value.name + "::q");
        const QuantSpec& spec = specOf(value.name);
        addNode(out, "Quantize", kDomain, {f->second}, {out},
                {{"scale", floatAttr(info->scale)},
                 {"zero_point", intAttr(info->zeroPoint)},
                 {"qmin", intAttr(info->qmin)},
                 {"qmax", intAttr(info->qmax)},
                 {"half_to_even", intAttr(spec.rounding == RoundingMode::HalfToEven)},
                 {"y_type", stringAttr(typeName(info->type))}});
        recordCodes(out, *info);
        return out;
    }

    // The float values of v (dequantized codes, the Simulator's fake-quantized tensor).
    Result<std::string> floatName(ValueId v) {
        const Value& value = m_g.value(v);
        if (auto it = m_float.find(value.name); it != m_float.end()) return it->second;
        if (value.initializer) {
            // Fake-quantized one at a time, as islands need them (a copy of the whole graph's
            // weights would be held through the lowering).
            QS_ASSIGN(Tensor fq, fakeQuantizedInitializer(value, m_plan));
            addInitializer(value.name, std::move(fq));
            m_float[value.name] = value.name;
            return value.name;
        }
        auto it = m_int.find(value.name);
        if (it == m_int.end())
            return makeError(ErrorCode::Internal, "tensor '", value.name, "' is not lowered");
        const Int8CodeInfo& c = m_p.codes.at(it->second);
        const std::string out = fresh(value.name + "::dq");
        addNode(out, "Dequantize", kDomain, {it->second}, {out},
                {{"scale", floatAttr(c.scale)}, {"zero_point", intAttr(c.zeroPoint)}});
        m_float[value.name] = out;
        return out;
    }

    bool canBeCodes(ValueId v) const {
        const Value& value = m_g.value(v);
        if (value.initializer) return false;
        return m_int.count(value.name) || (codeInfo(value.name) && m_float.count(value.name));
    }

    // --- float island ---
    Status lowerFloat(const Node& node) {
        m_p.floatNodes.push_back(node.name);
        std::vector<std::string> ins, outs;
        for (ValueId in : node.inputs) {
            if (in == kNoValue) {
                ins.emplace_back();
                continue;
            }
            // Shape-only readers take whatever exists (codes have the same shape).
            if (node.opType == "Shape" || node.opType == "Size")
                if (auto it = m_int.find(m_g.value(in).name);
                    it != m_int.end() && !m_float.count(m_g.value(in).name)) {
                    ins.push_back(it->second);
                    continue;
                }
            QS_ASSIGN(std::string name, floatName(in));
            ins.push_back(name);
        }
        std::vector<std::pair<std::string, std::string>> quantizeAfter;
        for (ValueId out : node.outputs) {
            if (out == kNoValue) {
                outs.emplace_back();
                continue;
            }
            const std::string& name = m_g.value(out).name;
            if (ownParams(name) && m_g.value(out).info.dtype != DataType::I64) {
                const std::string f = fresh(name + "::f");
                outs.push_back(f);
                quantizeAfter.emplace_back(f, name);
            } else {
                outs.push_back(name);
                m_float[name] = name;
            }
        }
        addNode(node.name, node.opType, node.domain, ins, outs, node.attributes);
        // The Simulator quantizes these right where they are produced.
        for (const auto& [f, name] : quantizeAfter) {
            Int8CodeInfo info = *codeInfo(name);
            const QuantSpec& spec = specOf(name);
            addNode(name + "::quantize", "Quantize", kDomain, {f}, {name},
                    {{"scale", floatAttr(info.scale)},
                     {"zero_point", intAttr(info.zeroPoint)},
                     {"qmin", intAttr(info.qmin)},
                     {"qmax", intAttr(info.qmax)},
                     {"half_to_even", intAttr(spec.rounding == RoundingMode::HalfToEven)},
                     {"y_type", stringAttr(typeName(info.type))}});
            recordCodes(name, info);
        }
        return {};
    }

    // --- integer lowering; false: not expressible, run as a float island ---
    Result<bool> lowerInteger(NodeId n) {
        const Node& node = m_g.node(n);
        auto infoIt = m_plan.nodes.find(node.name);
        if (infoIt == m_plan.nodes.end() || !infoIt->second.quantized || !node.domain.empty())
            return false;
        const NodeQuantInfo& info = infoIt->second;
        const std::string_view op = node.opType;
        if (info.rule == OpQuantRule::Weighted && (op == "Conv" || op == "Gemm" || op == "MatMul"))
            return lowerWeighted(n, info);
        if (info.rule == OpQuantRule::Weighted && op == "ConvTranspose")
            return lowerConvTranspose(n, info);
        if (op == "Add" || op == "Mul") {
            QS_ASSIGN(bool binary, lowerBinary(n, info));
            if (binary) return true;
            return lowerLut(n, info);
        }
        for (std::string_view withConstant : {"Sub", "Div", "Pow", "Max", "Min"})
            if (op == withConstant) return lowerLut(n, info);
        if (op == "Concat") return lowerConcat(node);
        if (op == "AveragePool" || op == "GlobalAveragePool") return lowerAveragePool(node);
        if (op == "Relu" || op == "Clip") {
            QS_ASSIGN(bool clamp, lowerClamp(node));
            if (clamp) return true;
            return lowerLut(n, info);
        }
        for (std::string_view lut : {"Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Gelu", "Exp",
                                     "LeakyRelu", "Elu", "Softplus", "Neg", "Abs", "Sqrt"})
            if (op == lut) return lowerLut(n, info);
        if (op == "MaxPool") {
            QS_ASSIGN(bool pooled, lowerMaxPool(node));
            if (pooled) return true;
        }
        for (std::string_view passive :
             {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Slice", "Identity",
              "Dropout", "Gather", "Split", "Expand", "Tile", "MaxPool", "Pad"})
            if (op == passive) return lowerPassive(node);
        return false;
    }

    // Output of an accumulating op: the fused activation's output (and its clamp), else its own.
    struct Target {
        std::string name;                  // original tensor name the op writes
        std::optional<Int8CodeInfo> codes; // nullopt: f32 output
        int32_t lo = 0, hi = 0;
        NodeId absorbed = kNoNode;
    };

    Result<Target> targetOf(NodeId n, const NodeQuantInfo& info) {
        const Node& node = m_g.node(n);
        Target t;
        t.name = m_g.value(node.outputs[0]).name;
        if (info.fusedActivation) {
            const Value& out = m_g.value(node.outputs[0]);
            const NodeId a = out.consumers.size() == 1 ? out.consumers[0] : kNoNode;
            if (a != kNoNode && m_g.node(a).outputs.size() >= 1 &&
                ownParams(m_g.value(m_g.node(a).outputs[0]).name)) {
                const std::string actOut = m_g.value(m_g.node(a).outputs[0]).name;
                t.name = actOut;
                t.codes = codeInfo(actOut);
                t.lo = t.codes->qmin, t.hi = t.codes->qmax;
                QS_ASSIGN(auto bounds, clampBounds(m_g.node(a), *t.codes));
                t.lo = std::max(t.lo, bounds.first);
                t.hi = std::min(t.hi, bounds.second);
                t.absorbed = a;
                return t;
            }
        }
        if (ownParams(t.name)) {
            t.codes = codeInfo(t.name);
            t.lo = t.codes->qmin, t.hi = t.codes->qmax;
        }
        return t;
    }

    // Relu/Clip as code bounds: quantize(min), quantize(max) (quantization is monotone, so
    // quantize(clip(x)) = clamp(quantize(x), quantize(min), quantize(max))).
    Result<std::pair<int32_t, int32_t>> clampBounds(const Node& act, const Int8CodeInfo& c) {
        float lo = -INFINITY, hi = INFINITY;
        if (act.opType == "Relu") {
            lo = 0.0f;
        } else {
            const NodeAttributes a(act);
            if (m_g.opsetVersion() < 11) {
                lo = a.getFloat("min", -INFINITY);
                hi = a.getFloat("max", INFINITY);
            } else {
                for (size_t i = 1; i < act.inputs.size() && i < 3; ++i) {
                    if (act.inputs[i] == kNoValue) continue;
                    const Value& v = m_g.value(act.inputs[i]);
                    if (!v.initializer || v.initializer->numel() != 1)
                        return makeError(ErrorCode::Unsupported, "Clip bound '", v.name,
                                         "' is not a constant");
                    (i == 1 ? lo : hi) = v.initializer->toFloatVector()[0];
                }
            }
        }
        QuantSpec spec = specOf(c.source);
        auto q = [&](float x, int32_t inf) {
            return std::isinf(x) ? inf : quantizeValue(x, c.scale, c.zeroPoint, spec);
        };
        return std::make_pair(q(lo, c.qmin), q(hi, c.qmax));
    }

    std::map<std::string, Attribute> outputAttrs(const Target& t) const {
        std::map<std::string, Attribute> a;
        a["requant"] = stringAttr(m_options.requant == RequantMode::FixedPoint ? "fixed" : "float");
        if (!t.codes) {
            a["y_type"] = stringAttr("f32");
            return a;
        }
        a["y_type"] = stringAttr(typeName(t.codes->type));
        a["y_scale"] = floatAttr(t.codes->scale);
        a["y_zero_point"] = intAttr(t.codes->zeroPoint);
        a["lo"] = intAttr(t.lo);
        a["hi"] = intAttr(t.hi);
        return a;
    }

    void finishTarget(const Target& t, const std::string& lowered) {
        if (t.codes)
            recordCodes(lowered, *t.codes);
        else
            m_float[t.name] = lowered;
        if (t.absorbed != kNoNode) m_absorbed.insert(t.absorbed);
    }

    Result<bool> lowerWeighted(NodeId n, const NodeQuantInfo& info) {
        const Node& node = m_g.node(n);
        const std::string_view op = node.opType;
        if (node.inputs.size() < 2 || !canBeCodes(node.inputs[0])) return false;
        const Value& wv = m_g.value(node.inputs[1]);
        const TensorQuantEntry* we = m_plan.tensor(wv.name);
        if (!wv.initializer || wv.initializer->dtype() != DataType::F32 || !we ||
            we->params.state != TensorQuantState::Quantized || we->params.spec.bits > 8)
            return false;
        for (int32_t z : we->params.zeroPoint)
            if (z != 0) return false; // asymmetric weights: no zero-point-free kernel
        const NodeAttributes attrs(node);
        const Tensor& w = *wv.initializer;
        int64_t outCh = 0, kk = 0;
        bool transposeW = false; // weights stored [K][N] → [N][K]
        if (op == "Conv") {
            if (w.rank() != 4) return false;
            outCh = w.dim(0);
            kk = w.numel() / outCh;
        } else if (op == "Gemm") {
            if (attrs.getInt("transA", 0) || attrs.getFloat("alpha", 1.0f) != 1.0f ||
                attrs.getFloat("beta", 1.0f) != 1.0f || w.rank() != 2)
                return false;
            transposeW = attrs.getInt("transB", 0) == 0;
            outCh = transposeW ? w.dim(1) : w.dim(0);
            kk = transposeW ? w.dim(0) : w.dim(1);
        } else { // MatMul
            if (w.rank() != 2) return false;
            transposeW = true;
            outCh = w.dim(1);
            kk = w.dim(0);
        }
        // Bias: the plan's int32 codes (scale s_in·s_w), or none.
        std::optional<Tensor> bias;
        if (op != "MatMul") {
            QS_ASSIGN(bool expressible, biasCodes(node, outCh, bias));
            if (!expressible) return false;
        }
        QS_ASSIGN(std::vector<int32_t> wq, quantizeToCodes(w, we->params));
        std::vector<int8_t> w8(wq.size());
        for (int64_t o = 0; o < outCh; ++o)
            for (int64_t k = 0; k < kk; ++k)
                w8[size_t(o * kk + k)] =
                    int8_t(transposeW ? wq[size_t(k * outCh + o)] : wq[size_t(o * kk + k)]);
        std::vector<float> ws(static_cast<size_t>(outCh));
        for (int64_t o = 0; o < outCh; ++o)
            ws[size_t(o)] = we->params.scale[paramIndex(we->params.spec, o) % we->params.count()];

        Tensor w8t = Tensor::fromVector<int8_t>(op == "Conv" ? w.shape() : Shape{outCh, kk}, w8);
        if (op == "Conv")
            return emitAccumulating(
                n, info, "QConv", std::move(w8t), std::move(bias), ws,
                {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
        return emitAccumulating(n, info, "QGemm", std::move(w8t), std::move(bias), ws, {});
    }

    // ConvTranspose → QConvTranspose: 2-D, weights [C_in, C_out/group, kh, kw] quantized along
    // axis 1 (output channel j of every group shares parameter set j), int32 bias.
    Result<bool> lowerConvTranspose(NodeId n, const NodeQuantInfo& info) {
        const Node& node = m_g.node(n);
        if (node.inputs.size() < 2 || !canBeCodes(node.inputs[0])) return false;
        const Value& wv = m_g.value(node.inputs[1]);
        const TensorQuantEntry* we = m_plan.tensor(wv.name);
        if (!wv.initializer || wv.initializer->dtype() != DataType::F32 ||
            wv.initializer->rank() != 4 || !we || we->params.state != TensorQuantState::Quantized ||
            we->params.spec.bits > 8)
            return false;
        for (int32_t z : we->params.zeroPoint)
            if (z != 0) return false; // asymmetric weights: no zero-point-free kernel
        const Tensor& w = *wv.initializer;
        const int64_t group = NodeAttributes(node).getInt("group", 1);
        if (group < 1) return false;
        const int64_t perGroup = w.dim(1), outCh = perGroup * group;
        std::optional<Tensor> bias;
        QS_ASSIGN(bool expressible, biasCodes(node, outCh, bias));
        if (!expressible) return false;
        QS_ASSIGN(std::vector<int32_t> wq, quantizeToCodes(w, we->params));
        std::vector<int8_t> w8(wq.begin(), wq.end());
        std::vector<float> ws(static_cast<size_t>(outCh));
        for (int64_t o = 0; o < outCh; ++o)
            ws[size_t(o)] =
                we->params.scale[paramIndex(we->params.spec, o % perGroup) % we->params.count()];

        return emitAccumulating(n, info, "QConvTranspose",
                                Tensor::fromVector<int8_t>(w.shape(), w8), std::move(bias), ws,
                                {"auto_pad", "dilations", "group", "kernel_shape", "output_padding",
                                 "output_shape", "pads", "strides"});
    }

    // The int32 codes of a weighted node's bias (input 2) at the plan's scale s_in·s_w; none
    // without a bias. false: the bias is not a quantized constant of outCh values.
    Result<bool> biasCodes(const Node& node, int64_t outCh, std::optional<Tensor>& bias) {
        if (node.inputs.size() <= 2 || node.inputs[2] == kNoValue) return true;
        const Value& bv = m_g.value(node.inputs[2]);
        const TensorQuantEntry* be = m_plan.tensor(bv.name);
        if (!bv.initializer || !be || !be->isBias ||
            be->params.state != TensorQuantState::Quantized || bv.initializer->numel() != outCh)
            return false;
        QS_ASSIGN(std::vector<int32_t> codes, quantizeToCodes(*bv.initializer, be->params));
        bias = Tensor::fromVector<int32_t>({outCh}, codes);
        return true;
    }

    // An accumulating integer op (QConv, QGemm, QConvTranspose): input codes, int8 weights,
    // optional int32 bias, the input's and weights' scales, the node's geometry attributes
    // and the output stage of its target.
    Result<bool> emitAccumulating(NodeId n, const NodeQuantInfo& info, const char* qop, Tensor w8,
                                  std::optional<Tensor> bias, const std::vector<float>& ws,
                                  std::initializer_list<const char*> copied) {
        const Node& node = m_g.node(n);
        QS_ASSIGN(Target t, targetOf(n, info));
        QS_ASSIGN(std::string x, intName(node.inputs[0]));
        const Int8CodeInfo& xc = m_p.codes.at(x);
        const std::string wName = fresh(m_g.value(node.inputs[1]).name + "::w8");
        if (std::string_view(qop) != "QConvTranspose") { // weights [M][...]: one row per channel
            std::vector<int64_t>& sums = m_p.weightAbsSums[node.name];
            const int64_t channels = w8.dim(0), k = w8.numel() / std::max<int64_t>(1, channels);
            for (int64_t c = 0; c < channels; ++c) {
                int64_t s = 0;
                for (int64_t i = 0; i < k; ++i)
                    s += std::abs(int32_t(w8.data<int8_t>()[c * k + i]));
                sums.push_back(s);
            }
        }
        addInitializer(wName, std::move(w8));
        std::vector<std::string> ins{x, wName};
        if (bias) {
            const std::string bName = fresh(m_g.value(node.inputs[2]).name + "::b32");
            addInitializer(bName, std::move(*bias));
            ins.push_back(bName);
        }
        std::map<std::string, Attribute> a = outputAttrs(t);
        a["x_scale"] = floatAttr(xc.scale);
        a["x_zero_point"] = intAttr(xc.zeroPoint);
        a["w_scale"] = floatsAttr(ws);
        for (const char* key : copied)
            if (const Attribute* at = node.attribute(key)) a[key] = *at;
        const std::string out = t.codes ? t.name : fresh(t.name);
        addNode(node.name, qop, kDomain, ins, {out}, std::move(a));
        finishTarget(t, out);
        return true;
    }

    Result<bool> lowerBinary(NodeId n, const NodeQuantInfo& info) {
        const Node& node = m_g.node(n);
        if (node.inputs.size() != 2 || !canBeCodes(node.inputs[0]) || !canBeCodes(node.inputs[1]))
            return false;
        QS_ASSIGN(Target t, targetOf(n, info));
        if (!t.codes) return false;
        QS_ASSIGN(std::string a, intName(node.inputs[0]));
        QS_ASSIGN(std::string b, intName(node.inputs[1]));
        const Int8CodeInfo &ac = m_p.codes.at(a), &bc = m_p.codes.at(b);
        std::map<std::string, Attribute> attrs = outputAttrs(t);
        attrs["a_scale"] = floatAttr(ac.scale);
        attrs["a_zero_point"] = intAttr(ac.zeroPoint);
        attrs["b_scale"] = floatAttr(bc.scale);
        attrs["b_zero_point"] = intAttr(bc.zeroPoint);
        addNode(node.name, node.opType == "Add" ? "QAdd" : "QMul", kDomain, {a, b}, {t.name},
                std::move(attrs));
        finishTarget(t, t.name);
        return true;
    }

    // Codes of `name` rescaled to `to` (a Requantize node) unless they already match.
    std::string rescaled(const std::string& name, const Int8CodeInfo& to,
                         const std::string& nodeName) {
        const Int8CodeInfo& from = m_p.codes.at(name);
        if (sameCodes(from, to)) return name;
        const std::string out = fresh(name + "::rq");
        addNode(nodeName + "::" + out, "Requantize", kDomain, {name}, {out},
                {{"x_scale", floatAttr(from.scale)},
                 {"x_zero_point", intAttr(from.zeroPoint)},
                 {"y_scale", floatAttr(to.scale)},
                 {"y_zero_point", intAttr(to.zeroPoint)},
                 {"y_type", stringAttr(typeName(to.type))},
                 {"lo", intAttr(to.qmin)},
                 {"hi", intAttr(to.qmax)},
                 {"requant",
                  stringAttr(m_options.requant == RequantMode::FixedPoint ? "fixed" : "float")}});
        Int8CodeInfo info = to;
        info.source = from.source;
        m_p.codes[out] = info;
        return out;
    }

    Result<bool> lowerConcat(const Node& node) {
        const std::string& outName = m_g.value(node.outputs[0]).name;
        auto oc = codeInfo(outName);
        if (!oc) return false;
        for (ValueId in : node.inputs)
            if (in == kNoValue || !canBeCodes(in)) return false;
        std::vector<std::string> ins;
        for (ValueId in : node.inputs) {
            QS_ASSIGN(std::string q, intName(in));
            ins.push_back(rescaled(q, *oc, node.name));
        }
        addNode(node.name, "Concat", "", ins, {outName}, node.attributes);
        recordCodes(outName, *oc);
        return true;
    }

    Result<bool> lowerAveragePool(const Node& node) {
        const std::string& outName = m_g.value(node.outputs[0]).name;
        auto oc = codeInfo(outName);
        if (!oc || !ownParams(outName) || !canBeCodes(node.inputs[0])) return false;
        const Value& in = m_g.value(node.inputs[0]);
        if (in.info.shapeKnown && in.info.shape.size() != 4) return false;
        const NodeAttributes a(node);
        if (node.opType == "AveragePool" &&
            (a.getInt("ceil_mode", 0) || a.getInts("kernel_shape").size() != 2))
            return false;
        QS_ASSIGN(std::string x, intName(node.inputs[0]));
        const Int8CodeInfo& xc = m_p.codes.at(x);
        Target t{outName, oc, oc->qmin, oc->qmax, kNoNode};
        std::map<std::string, Attribute> attrs = outputAttrs(t);
        attrs["x_scale"] = floatAttr(xc.scale);
        attrs["x_zero_point"] = intAttr(xc.zeroPoint);
        attrs["global"] = intAttr(node.opType == "GlobalAveragePool");
        for (const char* key : {"auto_pad", "count_include_pad", "kernel_shape", "pads", "strides"})
            if (const Attribute* at = node.attribute(key)) attrs[key] = *at;
        addNode(node.name, "QAveragePool", kDomain, {x}, {outName}, std::move(attrs));
        recordCodes(outName, *oc);
        return true;
    }

    // Relu/Clip the plan keeps passive: a clamp on the input's codes.
    Result<bool> lowerClamp(const Node& node) {
        const std::string& outName = m_g.value(node.outputs[0]).name;
        const TensorQuantEntry* e = m_plan.tensor(outName);
        if (!e || e->params.state != TensorQuantState::Passive || !canBeCodes(node.inputs[0]))
            return false;
        QS_ASSIGN(std::string x, intName(node.inputs[0]));
        Int8CodeInfo c = m_p.codes.at(x);
        QS_ASSIGN(auto bounds, clampBounds(node, c));
        addNode(node.name, "Clamp", kDomain, {x}, {outName},
                {{"lo", intAttr(std::max(c.qmin, bounds.first))},
                 {"hi", intAttr(std::min(c.qmax, bounds.second))}});
        c.source = outName;
        recordCodes(outName, c);
        return true;
    }

    // One code input, any other inputs scalar constants (x + 3, x / 6, Pow(x, 2), ...), and a
    // quantized output: a function of one code, so a 256-entry table.
    Result<bool> lowerLut(NodeId n, const NodeQuantInfo& info) {
        const Node& node = m_g.node(n);
        if (node.outputs.size() != 1) return false;
        size_t codesAt = node.inputs.size();
        std::vector<const Tensor*> inputs;
        for (size_t i = 0; i < node.inputs.size(); ++i) {
            const ValueId v = node.inputs[i];
            if (v == kNoValue) {
                inputs.push_back(nullptr);
            } else if (m_g.value(v).initializer) {
                if (m_g.value(v).initializer->numel() != 1) return false;
                inputs.push_back(&*m_g.value(v).initializer);
            } else {
                if (codesAt != node.inputs.size() || !canBeCodes(v)) return false;
                codesAt = i;
                inputs.push_back(nullptr);
            }
        }
        if (codesAt == node.inputs.size()) return false;
        // The output's codes, or those of a Relu/Clip fused into this node (then its clamp).
        QS_ASSIGN(Target t, targetOf(n, info));
        if (!t.codes) return false;
        const std::string outName = t.name;
        const Int8CodeInfo oc = *t.codes;
        QS_ASSIGN(std::string x, intName(node.inputs[codesAt]));
        const Int8CodeInfo xc = m_p.codes.at(x);
        // The op's own fp32 kernel on the 256 dequantized codes: the Simulator's values exactly.
        std::vector<float> xs(256);
        for (int i = 0; i < 256; ++i)
            xs[size_t(i)] =
                dequantizeValue(xc.type == DataType::I8 ? i - 128 : i, xc.scale, xc.zeroPoint);
        const OpDef* def = findOp(node.domain, node.opType);
        if (!def) return false;
        const Tensor in = Tensor::fromVector<float>({256}, xs);
        inputs[codesAt] = &in;
        ThreadPool pool(1);
        QS_ASSIGN(std::vector<Tensor> ys,
                  runNodeOnce(*def, node, m_g.opsetVersion(node.domain), inputs, pool));
        if (ys[0].dtype() != DataType::F32 || ys[0].numel() != 256) return false;
        const QuantSpec& spec = specOf(outName);
        std::vector<int64_t> table(256);
        const float* y = ys[0].data<float>();
        for (int i = 0; i < 256; ++i)
            table[size_t(i)] =
                std::clamp(quantizeValue(y[i], oc.scale, oc.zeroPoint, spec), t.lo, t.hi);
        addNode(node.name, "Lut", kDomain, {x}, {outName},
                {{"table", intsAttr(table)}, {"y_type", stringAttr(typeName(oc.type))}});
        finishTarget(t, outName);
        return true;
    }

    // 2-D MaxPool without Indices, dilation 1, floor mode: QMaxPool (SIMD); else passive.
    Result<bool> lowerMaxPool(const Node& node) {
        if (node.inputs.size() != 1 || !canBeCodes(node.inputs[0]) ||
            (node.outputs.size() > 1 && node.outputs[1] != kNoValue))
            return false;
        const Value& in = m_g.value(node.inputs[0]);
        if (!in.info.shapeKnown || in.info.shape.size() != 4) return false;
        const std::string& outName = m_g.value(node.outputs[0]).name;
        const TensorQuantEntry* e = m_plan.tensor(outName);
        if (!e || e->params.state != TensorQuantState::Passive) return false;
        const NodeAttributes a(node);
        if (a.getInt("ceil_mode", 0) != 0 || a.getInts("kernel_shape").size() != 2) return false;
        for (int64_t d : a.getInts("dilations"))
            if (d != 1) return false;
        QS_ASSIGN(std::string x, intName(node.inputs[0]));
        Int8CodeInfo c = m_p.codes.at(x);
        std::map<std::string, Attribute> attrs;
        for (const char* key : {"auto_pad", "kernel_shape", "pads", "strides"})
            if (const Attribute* at = node.attribute(key)) attrs[key] = *at;
        addNode(node.name, "QMaxPool", kDomain, {x}, {outName}, std::move(attrs));
        c.source = outName;
        recordCodes(outName, c);
        return true;
    }

    Result<bool> lowerPassive(const Node& node) {
        if (node.inputs.empty() || node.inputs[0] == kNoValue || !canBeCodes(node.inputs[0]))
            return false;
        for (ValueId out : node.outputs) {
            if (out == kNoValue) continue;
            const TensorQuantEntry* e = m_plan.tensor(m_g.value(out).name);
            if (!e || e->params.state != TensorQuantState::Passive) return false;
        }
        if ((node.opType == "Dropout" || node.opType == "MaxPool") && node.outputs.size() > 1 &&
            node.outputs[1] != kNoValue)
            return false;
        QS_ASSIGN(std::string x, intName(node.inputs[0]));
        const Int8CodeInfo c = m_p.codes.at(x);
        std::vector<std::string> ins{x};
        std::map<std::string, Attribute> attrs = node.attributes;
        for (size_t i = 1; i < node.inputs.size(); ++i) {
            if (node.inputs[i] == kNoValue) {
                ins.emplace_back();
                continue;
            }
            if (node.opType == "Pad" && i == 2) { // the pad value, quantized into the codes' type
                const Value& v = m_g.value(node.inputs[i]);
                if (!v.initializer || v.initializer->numel() != 1) return false;
                const int32_t q = quantizeValue(v.initializer->toFloatVector()[0], c.scale,
                                                c.zeroPoint, specOf(c.source));
                const std::string name = fresh(v.name + "::q");
                addInitializer(name, c.type == DataType::U8 ? Tensor::scalar<uint8_t>(uint8_t(q))
                                                            : Tensor::scalar<int8_t>(int8_t(q)));
                ins.push_back(name);
                continue;
            }
            QS_ASSIGN(std::string name, floatName(node.inputs[i]));
            ins.push_back(name);
        }
        if (node.opType == "Pad" && m_g.opsetVersion() < 11) {
            const float value = NodeAttributes(node).getFloat("value", 0.0f);
            attrs["value"] =
                floatAttr(float(quantizeValue(value, c.scale, c.zeroPoint, specOf(c.source))));
        } else if (node.opType == "Pad" && (node.inputs.size() < 3 || node.inputs[2] == kNoValue)) {
            // Absent pad value means 0.0: its code is the zero point.
            while (ins.size() < 3) ins.emplace_back();
            const std::string name = fresh(node.name + "::pad_value");
            addInitializer(name, c.type == DataType::U8
                                     ? Tensor::scalar<uint8_t>(uint8_t(c.zeroPoint))
                                     : Tensor::scalar<int8_t>(int8_t(c.zeroPoint)));
            ins[2] = name;
        }
        std::vector<std::string> outs;
        for (ValueId out : node.outputs) {
            if (out == kNoValue) {
                outs.emplace_back();
                continue;
            }
            outs.push_back(m_g.value(out).name);
            Int8CodeInfo oc = c;
            oc.source = m_g.value(out).name;
            recordCodes(outs.back(), oc);
        }
        addNode(node.name, node.opType, node.domain, ins, outs, std::move(attrs));
        return true;
    }

    const Graph& m_g;
    const QuantPlan& m_plan;
    Int8Options m_options;
    Int8Program m_p;
    std::map<std::string, std::string> m_int;   // original name → lowered codes value
    std::map<std::string, std::string> m_float; // original name → lowered float value
    std::set<NodeId> m_absorbed;                // activations fused into their producer
};

// Int8Options::fuseElementwise. A value is an elementwise function of its root code tensor when a
// fusable op (Lut, Clamp, Requantize; QAdd/QMul) produces it from inputs that all share one root;
// every other value is its own root. Each value of such a group that is read outside it (by
// another node or as a graph output) becomes one Lut on the root, its table the group's own
// integer ops run on a tensor holding all 256 codes; the group's nodes go. Groups that would not
// lose a node stay as they are. Then a Lut read only by a QAdd/QMul goes into that op.
Status fuseElementwiseGroups(Int8Program& p) {
    Graph& g = p.graph;
    auto fusable = [&](const Node& n) {
        if (n.domain != kDomain || n.outputs.size() != 1 || n.outputs[0] == kNoValue) return false;
        const bool unary = n.opType == "Lut" || n.opType == "Clamp" || n.opType == "Requantize";
        const bool binary = n.opType == "QAdd" || n.opType == "QMul";
        if (!(unary && n.inputs.size() == 1) && !(binary && n.inputs.size() == 2)) return false;
        for (ValueId in : n.inputs)
            if (in == kNoValue || g.value(in).initializer || !p.codes.count(g.value(in).name))
                return false;
        return p.codes.count(g.value(n.outputs[0]).name) > 0;
    };
    std::vector<ValueId> root(size_t(g.valueCount()));
    for (ValueId v = 0; v < g.valueCount(); ++v) root[size_t(v)] = v;
    std::vector<bool> member(size_t(g.nodeCount()), false);
    for (NodeId n : g.topoOrder()) {
        const Node& node = g.node(n);
        if (!fusable(node)) continue;
        const ValueId r = root[size_t(node.inputs[0])];
        bool same = true;
        for (ValueId in : node.inputs) same = same && root[size_t(in)] == r;
        if (!same) continue;
        member[size_t(n)] = true;
        root[size_t(node.outputs[0])] = r;
    }
    // Per root: its group's nodes (topological order) and the values read outside the group.
    std::map<ValueId, std::vector<NodeId>> groups;
    for (NodeId n : g.topoOrder())
        if (member[size_t(n)]) groups[root[size_t(g.node(n).outputs[0])]].push_back(n);
    std::vector<bool> removed(size_t(g.nodeCount()), false);
    std::vector<Node> added;
    ThreadPool pool(1);
    for (const auto& [r, nodes] : groups) {
        std::vector<ValueId> needed;
        for (NodeId n : nodes) {
            const Value& v = g.value(g.node(n).outputs[0]);
            bool outside = v.isGraphOutput;
            for (NodeId c : v.consumers) outside = outside || !member[size_t(c)];
            if (outside) needed.push_back(g.node(n).outputs[0]);
        }
        if (needed.size() >= nodes.size()) continue;
        // All 256 codes of the root, at table index j: the code whose byte is j (u8) or j ^ 0x80
        // (i8), as the Lut kernel indexes.
        const Value& rv = g.value(r);
        const DataType rt = p.codes.at(rv.name).type;
        Tensor codes(rt, {256});
        for (int j = 0; j < 256; ++j)
            static_cast<uint8_t*>(codes.rawData())[j] = uint8_t(rt == DataType::I8 ? j ^ 0x80 : j);
        std::map<ValueId, Tensor> results{{r, codes}};
        for (NodeId n : nodes) {
            const Node& node = g.node(n);
            const OpDef* def = findOp(node.domain, node.opType);
            if (!def) return makeError(ErrorCode::Internal, "no kernel for ", node.label());
            std::vector<const Tensor*> ins;
            for (ValueId in : node.inputs) ins.push_back(&results.at(in));
            QS_ASSIGN(std::vector<Tensor> ys,
                      runNodeOnce(*def, node, g.opsetVersion(node.domain), ins, pool));
            results[node.outputs[0]] = std::move(ys[0]);
        }
        for (ValueId v : needed) {
            const Tensor& t = results.at(v);
            std::vector<int64_t> table(256);
            for (int j = 0; j < 256; ++j)
                table[size_t(j)] = t.dtype() == DataType::I8 ? int64_t(t.data<int8_t>()[j])
                                                             : int64_t(t.data<uint8_t>()[j]);
            Node lut;
            lut.name = g.node(g.value(v).producer).name; // the profile names the group's last op
            lut.opType = "Lut";
            lut.domain = kDomain;
            lut.inputs = {r};
            lut.outputs = {v};
            std::string from;
            for (NodeId n : nodes) from += (from.empty() ? "" : ",") + g.node(n).name;
            lut.attributes["table"] = intsAttr(std::move(table));
            lut.attributes["y_type"] = stringAttr(typeName(t.dtype()));
            lut.attributes["fused"] = stringAttr(from);
            added.push_back(std::move(lut));
        }
        for (NodeId n : nodes) {
            removed[size_t(n)] = true;
            p.fusedNodes.push_back(g.node(n).name);
        }
    }
    if (!added.empty()) {
        for (Node& n : added) {
            g.addNode(std::move(n));
            removed.push_back(false);
        }
        QS_TRY(g.removeNodes(removed));
    }
    // A Lut read only by one input of a QAdd/QMul (left after the groups: its other input has
    // another root, e.g. the SE block's HardSigmoid(s) in x · s): the binary op maps that input
    // through the table itself (a_table / b_table, the same bytes the Lut would write).
    removed.assign(size_t(g.nodeCount()), false);
    bool any = false;
    for (NodeId n : g.topoOrder()) {
        Node& node = g.node(n);
        if (node.domain != kDomain || (node.opType != "QAdd" && node.opType != "QMul") ||
            node.inputs.size() != 2 || node.inputs[0] == node.inputs[1])
            continue;
        for (size_t k = 0; k < 2; ++k) {
            const Value& v = g.value(node.inputs[k]);
            if (v.producer == kNoNode || removed[size_t(v.producer)] || v.isGraphOutput ||
                v.consumers.size() != 1)
                continue;
            const Node& lut = g.node(v.producer);
            if (lut.domain != kDomain || lut.opType != "Lut" || lut.inputs.size() != 1 ||
                !lut.attribute("table") || !lut.attribute("y_type"))
                continue;
            const std::string prefix = k == 0 ? "a" : "b";
            node.attributes[prefix + "_table"] = *lut.attribute("table");
            node.attributes[prefix + "_table_type"] = *lut.attribute("y_type");
            node.inputs[k] = lut.inputs[0];
            removed[size_t(v.producer)] = true;
            p.fusedNodes.push_back(lut.name);
            any = true;
        }
    }
    if (any) QS_TRY(g.removeNodes(removed));
    for (auto it = p.codes.begin(); it != p.codes.end();)
        it = g.findValue(it->first) ? std::next(it) : p.codes.erase(it);
    return {};
}

} // namespace

Result<Int8Program> lowerToInt8(const Graph& graph, const QuantPlan& plan,
                                const Int8Options& options) {
    for (const auto& [name, e] : plan.tensors)
        if (e.dynamic)
            return makeError(ErrorCode::Unsupported, "tensor '", name,
                             "': dynamic activation quantization (--act-mode dynamic) has no fixed "
                             "integer form; "
                             "use --executor sim");
    Lowerer lowerer(graph, plan, options);
    QS_ASSIGN(Int8Program program, lowerer.lower());
    if (options.fuseElementwise) QS_TRY(fuseElementwiseGroups(program));
    return program;
}

Result<std::unique_ptr<Int8Executor>>
Int8Executor::create(const Graph& graph, const QuantPlan& plan, const Int8Options& options) {
    auto ex = std::unique_ptr<Int8Executor>(new Int8Executor());
    QS_ASSIGN(ex->m_program, lowerToInt8(graph, plan, options));
    QS_ASSIGN(ex->m_executor, Executor::create(ex->m_program.graph, ExecOptions{options.threads}));
    ex->dropPrepackedWeights();
    return ex;
}

Result<std::unique_ptr<Int8Executor>> Int8Executor::fromProgram(Int8Program program,
                                                                const Int8Options& options) {
    auto ex = std::unique_ptr<Int8Executor>(new Int8Executor());
    ex->m_program = std::move(program);
    QS_ASSIGN(ex->m_executor, Executor::create(ex->m_program.graph, ExecOptions{options.threads}));
    ex->dropPrepackedWeights();
    return ex;
}

void Int8Executor::dropPrepackedWeights() {
    // The program's graph shares the weights' storage with the executor's: both keep shapes only.
    for (ValueId v : m_executor->prepackedConstants())
        m_program.graph.value(v).initializer = m_executor->graph().value(v).initializer;
}

Result<RunResult> Int8Executor::run(const std::map<std::string, Tensor>& inputs, ExecHooks* hooks,
                                    Progress* progress) {
    QS_ASSIGN(RunResult r, m_executor->run(inputs, hooks, progress));
    RunResult out;
    out.kept = std::move(r.kept);
    out.peakLiveBytes = r.peakLiveBytes;
    for (const auto& [name, lowered] : m_program.outputs) {
        Tensor t = r.outputs.at(lowered);
        if (auto c = m_program.codes.find(lowered);
            c != m_program.codes.end() && t.dtype() != DataType::F32) {
            Tensor f(DataType::F32, t.shape());
            for (int64_t i = 0; i < t.numel(); ++i) {
                const int32_t q = t.dtype() == DataType::U8 ? int32_t(t.data<uint8_t>()[i])
                                                            : int32_t(t.data<int8_t>()[i]);
                f.data<float>()[i] = dequantizeValue(q, c->second.scale, c->second.zeroPoint);
            }
            t = std::move(f);
        }
        out.outputs[name] = std::move(t);
    }
    return out;
}

} // namespace qs
