#include "quant/plan_builder.h"

#include <algorithm>
#include <set>

namespace qs {

int weightChannelAxis(const Node& node, int weightRank) {
    if (node.opType == "ConvTranspose") return 1;
    if (node.opType == "Gemm") {
        const Attribute* t = node.attribute("transB");
        return t && t->i ? 0 : 1;
    }
    if (node.opType == "MatMul") return std::max(0, weightRank - 1);
    return 0;
}

std::optional<QuantParams> WeightParamsCache::find(const Tensor& weight,
                                                   const QuantSpec& spec) const {
    std::lock_guard lock(m_mutex);
    auto [begin, end] = m_entries.equal_range(weight.rawData());
    for (auto it = begin; it != end; ++it)
        if (it->second.weight.sharesBufferWith(weight) &&
            it->second.weight.dtype() == weight.dtype() &&
            it->second.weight.shape() == weight.shape() && it->second.spec == spec)
            return it->second.params;
    return std::nullopt;
}

void WeightParamsCache::insert(const Tensor& weight, const QuantSpec& spec,
                               const QuantParams& params) {
    std::lock_guard lock(m_mutex);
    m_entries.emplace(weight.rawData(), Entry{weight, spec, params});
}

namespace {

bool isFloatValue(const Value& v) {
    return v.info.dtype == DataType::F32 || v.info.dtype == DataType::Undefined;
}

// The plan for the given ranges, without scale alignment.
Result<QuantPlan> buildPlanOnce(const Graph& graph, const QuantConfig& config,
                                const std::map<std::string, ClipRange>& activationRanges,
                                WeightParamsCache* weightCache) {
    QuantPlan plan;
    plan.model = graph.name;
    plan.settings = config.describe();
    for (const std::string& name : config.floatNodes)
        if (!graph.findNode(name))
            return makeError(ErrorCode::NotFound, "option '--float ", name,
                             "': the model has no node named '", name, "'");
    for (const auto& [name, bits] : config.layerBits)
        if (!graph.findNode(name))
            return makeError(ErrorCode::NotFound, "option '--layer-bits ", name, "=", bits,
                             "': the model has no node named '", name, "'");
    for (const auto& [name, granularity] : config.layerGranularity)
        if (!graph.findNode(name))
            return makeError(ErrorCode::NotFound, "option '--layer-granularity ", name, "=",
                             granularityName(granularity), "': the model has no node named '", name,
                             "'");
    for (const auto& [name, calibration] : config.tensorCalibration) {
        const auto id = graph.findValue(name);
        if (!id || graph.value(*id).initializer)
            return makeError(ErrorCode::NotFound, "option '--tensor-calib ", name, "=",
                             calibrationMethodName(calibration),
                             "': the model has no activation tensor named '", name, "'");
    }

    const std::vector<NodeRegion> regions = dispatchRegions(graph);
    const int32_t nodeCount = graph.nodeCount();
    std::vector<OpQuantRule> rules(static_cast<size_t>(nodeCount));
    std::vector<bool> quantized(size_t(nodeCount), false);
    const bool activationsQuantized = config.activationMode != ActivationMode::WeightOnly;
    for (NodeId n = 0; n < nodeCount; ++n) {
        const Node& node = graph.node(n);
        rules[size_t(n)] = opQuantRule(graph, node);
        bool q = regionIsQuantized(regions[size_t(n)], config.dispatch) &&
                 !config.floatNodes.count(node.name);
        for (ValueId out : node.outputs)
            if (out != kNoValue && !isFloatValue(graph.value(out)))
                q = false; // int/bool results stay exact
        quantized[size_t(n)] = q;
    }

    // Fusion: a weighted op or Add whose only reader is a Relu/Clip: the activation becomes the
    // requantization clamp, so the intermediate tensor is never quantized on its own.
    std::vector<bool> fusedProducer(size_t(nodeCount), false),
        fusedActivation(size_t(nodeCount), false);
    if (config.fuseActivations && activationsQuantized) {
        for (NodeId n = 0; n < nodeCount; ++n) {
            const Node& node = graph.node(n);
            if (!quantized[size_t(n)] || node.outputs.empty() || node.outputs[0] == kNoValue)
                continue;
            if (rules[size_t(n)] != OpQuantRule::Weighted && node.opType != "Add") continue;
            const Value& out = graph.value(node.outputs[0]);
            if (out.consumers.size() != 1 || out.isGraphOutput) continue;
            const NodeId a = out.consumers[0];
            if (!quantized[size_t(a)] || !isFusableActivation(graph.node(a))) continue;
            fusedProducer[size_t(n)] = true;
            fusedActivation[size_t(a)] = true;
        }
    }

    auto setFloat = [&](const std::string& name) {
        TensorQuantEntry e;
        e.params.state = TensorQuantState::Float;
        plan.tensors[name] = e;
    };
    std::set<std::string> noted;
    auto quantizeActivation = [&](ValueId v) -> Status {
        const Value& value = graph.value(v);
        TensorQuantEntry e;
        if (config.activationMode == ActivationMode::Dynamic) {
            e.params.spec = config.activation;
            e.params.state = TensorQuantState::Quantized;
            e.dynamic = true;
            plan.tensors[value.name] = e;
            return {};
        }
        auto it = activationRanges.find(value.name);
        if (it == activationRanges.end()) {
            if (noted.insert(value.name).second)
                plan.notes.push_back("tensor '" + value.name +
                                     "' has no calibrated range; it stays float");
            setFloat(value.name);
            return {};
        }
        auto params = computeQuantParams(config.activation, {it->second.lo}, {it->second.hi});
        if (!params) return std::move(params.addContext("tensor '" + value.name + "'")).takeError();
        e.params = std::move(params).value();
        e.params.state = TensorQuantState::Quantized;
        plan.tensors[value.name] = std::move(e);
        return {};
    };
    auto isQuantizedOrPassive = [&](ValueId v) {
        const TensorQuantEntry* e = plan.tensor(graph.value(v).name);
        return e && e->params.state != TensorQuantState::Float;
    };

    // Graph inputs read by quantized nodes are quantized where they enter.
    for (ValueId in : graph.inputs()) {
        const Value& v = graph.value(in);
        bool read = false;
        for (NodeId c : v.consumers)
            read = read || (quantized[size_t(c)] && rules[size_t(c)] != OpQuantRule::Float);
        if (read && activationsQuantized && isFloatValue(v))
            QS_TRY(quantizeActivation(in));
        else
            setFloat(v.name);
    }

    for (NodeId n : graph.topoOrder()) {
        const Node& node = graph.node(n);
        NodeQuantInfo info;
        info.op = node.opType;
        info.region = regions[size_t(n)];
        info.rule = rules[size_t(n)];
        info.quantized = quantized[size_t(n)];
        info.fusedActivation = fusedProducer[size_t(n)];

        // A weighted or requantizing node needs quantized data inputs: quantize a float input
        // at its edge (e.g. after a float island such as Softmax).
        if (quantized[size_t(n)] && activationsQuantized &&
            (rules[size_t(n)] == OpQuantRule::Weighted ||
             rules[size_t(n)] == OpQuantRule::Requantize)) {
            for (size_t i = 0; i < node.inputs.size(); ++i) {
                const ValueId in = node.inputs[i];
                if (in == kNoValue || graph.value(in).initializer || !isFloatValue(graph.value(in)))
                    continue;
                if (rules[size_t(n)] == OpQuantRule::Weighted && i > 0) continue;
                const TensorQuantEntry* e = plan.tensor(graph.value(in).name);
                if (e && e->params.state == TensorQuantState::Float &&
                    !(graph.value(in).producer != kNoNode &&
                      fusedProducer[size_t(graph.value(in).producer)]))
                    QS_TRY(quantizeActivation(in));
            }
        }

        // Weights and bias of weighted nodes.
        if (quantized[size_t(n)] && rules[size_t(n)] == OpQuantRule::Weighted) {
            const Value& w = graph.value(node.inputs[1]);
            QuantSpec spec = config.weight;
            if (auto lb = config.layerBits.find(node.name); lb != config.layerBits.end())
                spec.bits = lb->second;
            if (auto lg = config.layerGranularity.find(node.name);
                lg != config.layerGranularity.end())
                spec.granularity = lg->second;
            spec.axis = weightChannelAxis(node, w.initializer->rank());
            if (spec.granularity != Granularity::PerTensor && w.initializer->rank() == 0)
                spec.granularity = Granularity::PerTensor;
            info.bits = spec.bits;
            if (w.initializer->dtype() == DataType::F32 && !plan.tensor(w.name)) {
                TensorQuantEntry e;
                e.isWeight = true;
                if (auto cached =
                        weightCache ? weightCache->find(*w.initializer, spec) : std::nullopt) {
                    e.params = std::move(*cached);
                } else {
                    auto ranges = tensorRanges(*w.initializer, spec);
                    if (!ranges)
                        return std::move(ranges.addContext("node " + node.label() + " weight '" +
                                                           w.name + "'"))
                            .takeError();
                    auto params = computeQuantParams(spec, ranges->first, ranges->second);
                    if (!params)
                        return std::move(params.addContext("node " + node.label() + " weight '" +
                                                           w.name + "'"))
                            .takeError();
                    e.params = std::move(params).value();
                    if (weightCache) weightCache->insert(*w.initializer, spec, e.params);
                }
                plan.tensors[w.name] = std::move(e);
            }
            // Bias: int32 with scale s_in · s_w[c] (zero point 0), so it adds straight into the
            // accumulator.
            if (node.inputs.size() > 2 && node.inputs[2] != kNoValue &&
                graph.value(node.inputs[2]).initializer && node.opType != "MatMul") {
                const Value& b = graph.value(node.inputs[2]);
                const QuantParams* in = plan.effectiveParams(graph.value(node.inputs[0]).name);
                const TensorQuantEntry* we = plan.tensor(w.name);
                const int64_t channels = b.initializer->numel();
                if (in && in->count() == 1 && we &&
                    we->params.state == TensorQuantState::Quantized &&
                    (we->params.count() == 1 || int64_t(we->params.count()) == channels ||
                     we->params.spec.granularity == Granularity::PerGroup) &&
                    !in->scale.empty()) {
                    TensorQuantEntry e;
                    e.isBias = true;
                    e.params.state = TensorQuantState::Quantized;
                    e.params.spec =
                        QuantSpec{32, QuantScheme::Symmetric,   true, Granularity::PerChannel, 0,
                                  1,  RoundingMode::HalfToEven, false};
                    if (we->params.spec.granularity == Granularity::PerGroup) {
                        e.params.spec.granularity =
                            Granularity::PerChannel; // one bias scale per channel from its group
                    }
                    for (int64_t c = 0; c < channels; ++c) {
                        const float sw =
                            we->params.scale[paramIndex(we->params.spec, c) % we->params.count()];
                        e.params.scale.push_back(in->scale[0] * sw);
                        e.params.zeroPoint.push_back(0);
                    }
                    const auto bv = b.initializer->toFloatVector();
                    e.params.min = e.params.max = bv;
                    plan.tensors[b.name] = std::move(e);
                } else if (!plan.tensor(b.name)) {
                    setFloat(b.name);
                }
            }
        } else if (rules[size_t(n)] != OpQuantRule::Weighted || !quantized[size_t(n)]) {
            info.bits = quantized[size_t(n)] && activationsQuantized &&
                                rules[size_t(n)] != OpQuantRule::Float
                            ? config.activation.bits
                            : 0;
        }

        // Outputs.
        for (ValueId out : node.outputs) {
            if (out == kNoValue) continue;
            const Value& v = graph.value(out);
            const OpQuantRule rule = rules[size_t(n)];
            if (!quantized[size_t(n)] || !activationsQuantized || !isFloatValue(v) ||
                fusedProducer[size_t(n)] || rule == OpQuantRule::Float) {
                setFloat(v.name);
            } else if (rule == OpQuantRule::Passive && !fusedActivation[size_t(n)]) {
                const ValueId src = node.inputs.empty() ? kNoValue : node.inputs[0];
                if (src != kNoValue && isQuantizedOrPassive(src)) {
                    TensorQuantEntry e;
                    e.params.state = TensorQuantState::Passive;
                    const QuantParams* p = plan.effectiveParams(graph.value(src).name);
                    if (p) e.params.spec = p->spec;
                    e.passiveSource = graph.value(src).name;
                    e.dynamic = plan.tensor(graph.value(src).name)->dynamic;
                    plan.tensors[v.name] = std::move(e);
                } else {
                    setFloat(v.name);
                }
            } else {
                QS_TRY(quantizeActivation(out));
            }
        }
        plan.nodes[node.name] = info;
    }
    // Constant inputs of non-weighted ops (Add's bias-like operand, Mul's scale) stay float
    // values here: the simulator computes with them exactly; exporters handle them per op.
    return plan;
}

// The tensor whose own parameters `name` uses: itself, or the start of its chain of passive ops.
std::string paramsRoot(const QuantPlan& plan, const std::string& name) {
    std::string root = name;
    for (int hops = 0; hops < 1000; ++hops) { // bounded against cycles, as effectiveParams
        const TensorQuantEntry* e = plan.tensor(root);
        if (!e || e->params.state != TensorQuantState::Passive) break;
        root = e->passiveSource;
    }
    return root;
}

// Union-find over tensor names; the representative of a set is its first-inserted member, so
// the groups (and the names written to quant_table.json) do not depend on map order.
class TensorSets {
public:
    void add(const std::string& a) {
        if (m_parent.emplace(a, a).second) m_order.push_back(a);
    }
    const std::string& find(const std::string& a) {
        std::string* p = &m_parent.at(a);
        if (*p != a) *p = find(*p);
        return *p;
    }
    void unite(const std::string& a, const std::string& b) {
        add(a);
        add(b);
        const std::string ra = find(a), rb = find(b);
        if (ra == rb) return;
        // The earlier-inserted root stays the representative.
        const auto ia = std::find(m_order.begin(), m_order.end(), ra),
                   ib = std::find(m_order.begin(), m_order.end(), rb);
        if (ia < ib)
            m_parent[rb] = ra;
        else
            m_parent[ra] = rb;
    }
    const std::vector<std::string>& members() const { return m_order; }

private:
    std::map<std::string, std::string> m_parent;
    std::vector<std::string> m_order;
};

// Concat scale alignment (TFLite's rule for CONCATENATION: inputs and output share one scale and
// zero point, so the integer kernel only copies codes). Each aligned Concat's output and the
// tensors its inputs take their parameters from (through passive ops: MaxPool, Reshape, ...) form
// one group; groups sharing a tensor merge. Every member gets the union of the members' clip
// ranges, and the plan is built again from those ranges, so everything derived from a member's
// scale (passive tensors, the int32 bias scale s_in·s_w of the producers' readers) follows.
// A Concat with an input that is not a quantized activation (a constant, a float tensor, a
// dynamically quantized one) is not aligned: its inputs are requantized, and a plan note says so.
Result<QuantPlan> alignConcatScales(const Graph& graph, const QuantConfig& config,
                                    const std::map<std::string, ClipRange>& activationRanges,
                                    QuantPlan plan, WeightParamsCache* weightCache) {
    if (config.activationMode == ActivationMode::WeightOnly) return plan;
    if (config.activationMode == ActivationMode::Dynamic ||
        config.activation.granularity != Granularity::PerTensor) {
        bool anyConcat = false;
        for (const Node& n : graph.nodes())
            anyConcat = anyConcat || (n.domain.empty() && n.opType == "Concat");
        if (anyConcat)
            plan.notes.push_back(
                config.activationMode == ActivationMode::Dynamic
                    ? "align-concat: dynamic activation ranges are chosen per input at run time; "
                      "Concat inputs are requantized"
                    : "align-concat: needs per-tensor activation parameters; Concat inputs are "
                      "requantized");
        return plan;
    }
    TensorSets sets;
    std::vector<std::string> skipped;
    for (NodeId n : graph.topoOrder()) {
        const Node& node = graph.node(n);
        if (!node.domain.empty() || node.opType != "Concat" || node.outputs.empty() ||
            node.outputs[0] == kNoValue)
            continue;
        const std::string& outName = graph.value(node.outputs[0]).name;
        const TensorQuantEntry* out = plan.tensor(outName);
        if (!out || out->params.state != TensorQuantState::Quantized || out->dynamic)
            continue; // a float Concat
        std::vector<std::string> roots;
        std::string why;
        for (ValueId in : node.inputs) {
            if (in == kNoValue) continue;
            const Value& v = graph.value(in);
            const std::string root = paramsRoot(plan, v.name);
            const TensorQuantEntry* e = plan.tensor(root);
            if (v.initializer)
                why = "input '" + v.name + "' is a constant";
            else if (!e || e->params.state != TensorQuantState::Quantized || e->isWeight ||
                     e->isBias || e->dynamic || !activationRanges.count(root))
                why = "input '" + v.name + "' is not a quantized activation";
            if (!why.empty()) break;
            roots.push_back(root);
        }
        if (!why.empty()) {
            skipped.push_back("align-concat: node " + node.label() + " keeps requantized inputs (" +
                              why + ")");
            continue;
        }
        sets.add(outName);
        for (const std::string& r : roots) sets.unite(outName, r);
    }
    if (sets.members().empty()) {
        plan.notes.insert(plan.notes.end(), skipped.begin(), skipped.end());
        return plan;
    }

    std::map<std::string, ClipRange> unionRange; // by representative
    for (const std::string& m : sets.members()) {
        const ClipRange& r =
            activationRanges.at(m); // every member is a calibrated, quantized tensor
        auto [it, fresh] = unionRange.emplace(sets.find(m), r);
        if (!fresh)
            it->second = ClipRange{std::min(it->second.lo, r.lo), std::max(it->second.hi, r.hi)};
    }
    std::map<std::string, ClipRange> aligned = activationRanges;
    for (const std::string& m : sets.members()) aligned[m] = unionRange.at(sets.find(m));
    QS_ASSIGN(QuantPlan out, buildPlanOnce(graph, config, aligned, weightCache));
    for (const std::string& m : sets.members()) {
        TensorQuantEntry& e = out.tensors.at(m);
        e.alignedWith = sets.find(m);
    }
    for (const auto& [rep, r] : unionRange) {
        int count = 0;
        for (const std::string& m : sets.members()) count += sets.find(m) == rep;
        out.notes.push_back("align-concat: " + std::to_string(count) +
                            " tensors share the scale of '" + rep + "' (range [" +
                            std::to_string(r.lo) + ", " + std::to_string(r.hi) + "])");
    }
    out.notes.insert(out.notes.end(), skipped.begin(), skipped.end());
    return out;
}

} // namespace

Result<QuantPlan> buildQuantPlan(const Graph& graph, const QuantConfig& config,
                                 const std::map<std::string, ClipRange>& activationRanges,
                                 WeightParamsCache* weightCache) {
    QS_ASSIGN(QuantPlan plan, buildPlanOnce(graph, config, activationRanges, weightCache));
    if (!config.alignConcatScales) return plan;
    return alignConcatScales(graph, config, activationRanges, std::move(plan), weightCache);
}

} // namespace qs
