#include "analysis/sensitivity.h"
#include "analysis/analysis_common.h"

#include "exec/executor.h"
#include "quant/passes/inference_optimizer.h"
#include "quant/simulator.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <set>

namespace qs {

QuantPlan planQuantizingOnly(const QuantPlan& plan, const std::vector<std::string>& keep) {
    QuantPlan p = plan;
    const std::set<std::string> k(keep.begin(), keep.end());
    for (auto& [name, e] : p.tensors)
        if (!k.count(name) && e.params.state == TensorQuantState::Quantized)
            e.params.state = TensorQuantState::Float;
    return p;
}

QuantPlan planWithFloat(const QuantPlan& plan, const std::vector<std::string>& drop) {
    QuantPlan p = plan;
    for (const std::string& name : drop)
        if (auto it = p.tensors.find(name);
            it != p.tensors.end() && it->second.params.state == TensorQuantState::Quantized)
            it->second.params.state = TensorQuantState::Float;
    return p;
}

Result<Graph> downstreamCone(const Graph& graph, NodeId start, std::vector<std::string>* external) {
    return downstreamCone(graph, std::vector<NodeId>{start}, external);
}

Result<Graph> downstreamCone(const Graph& graph, const std::vector<NodeId>& starts,
                             std::vector<std::string>* external) {
    Graph g = graph;
    std::vector<bool> inCone(size_t(g.nodeCount()), false);
    for (NodeId start : starts) {
        if (start < 0 || start >= g.nodeCount())
            return makeError(ErrorCode::InvalidArgument, "no node ", start, " in the graph");
        inCone[size_t(start)] = true;
    }
    for (NodeId n : g.topoOrder()) {
        if (inCone[size_t(n)]) continue;
        for (ValueId v : g.node(n).inputs)
            if (v != kNoValue && g.value(v).producer != kNoNode &&
                inCone[size_t(g.value(v).producer)])
                inCone[size_t(n)] = true;
    }
    std::vector<ValueId> inputs, outputs;
    std::set<ValueId> seen;
    for (NodeId n : g.topoOrder()) {
        if (!inCone[size_t(n)]) continue;
        for (ValueId v : g.node(n).inputs) {
            if (v == kNoValue || g.value(v).initializer || seen.count(v)) continue;
            const NodeId p = g.value(v).producer;
            if (p != kNoNode && inCone[size_t(p)]) continue;
            seen.insert(v);
            inputs.push_back(v);
            // Keep the type (shape arithmetic feeds some cones int64 values); the batch decides the
            // shape.
            const DataType dtype = g.value(v).info.dtype == DataType::Undefined
                                       ? DataType::F32
                                       : g.value(v).info.dtype;
            g.value(v).info = TensorInfo{dtype, {}, false};
            if (external) external->push_back(g.value(v).name);
        }
    }
    for (ValueId v : g.outputs())
        if (g.value(v).producer != kNoNode && inCone[size_t(g.value(v).producer)])
            outputs.push_back(v);
    std::vector<bool> removed(size_t(g.nodeCount()));
    for (size_t i = 0; i < removed.size(); ++i) removed[i] = !inCone[i];
    g.setInputs(inputs);
    g.setOutputs(outputs);
    QS_TRY(g.removeNodes(removed));
    return g;
}

namespace {

// Keeps the named values of a run.
class KeepHooks : public ExecHooks {
public:
    KeepHooks(const Graph& g, const std::set<std::string>& names) {
        m_keep.resize(size_t(g.valueCount()), false);
        for (ValueId v = 0; v < g.valueCount(); ++v)
            m_keep[size_t(v)] = names.count(g.value(v).name) > 0;
    }
    bool keep(ValueId v) const override { return m_keep[size_t(v)]; }

private:
    std::vector<bool> m_keep;
};

Result<OutputAgreement> agreementOf(const Tensor& reference, const Tensor& test,
                                    const Tensor* labels) {
    QS_ASSIGN(AccuracyResult acc, compareClassifiers(reference, test, labels));
    OutputAgreement a;
    a.sqnrDb = acc.sqnrDb;
    a.cosine = cosineSimilarity(reference, test);
    a.agreement = acc.agreement;
    a.top1 = acc.top1;
    return a;
}

} // namespace

Result<std::unique_ptr<LayerConeRunner>>
LayerConeRunner::create(const QuantizedModel& m, const std::vector<QuantLayerRef>& layers,
                        const Tensor& data, const std::string& inputName, int threads,
                        int batchSize, bool quantizedCache, const Progress* cancel) {
    const Graph& g = m.graph;
    if (g.outputs().empty()) return makeError(ErrorCode::InvalidModel, "the model has no outputs");
    auto inputId = g.findValue(inputName);
    if (!inputId || !g.value(*inputId).isGraphInput)
        return makeError(ErrorCode::NotFound, "the model has no input named '", inputName, "'");
    QS_ASSIGN(std::vector<Tensor> batches, splitIntoBatches(data, g.value(*inputId), batchSize));
    auto r = std::unique_ptr<LayerConeRunner>(new LayerConeRunner());
    r->m_threads = threads;
    r->m_output = g.value(g.outputs()[0]).name;
    // The cones are cut from the activation-fused graph (Conv/Gemm + Relu/Clip as one kernel
    // whose epilogue clamps: the same values, one pass over the tensor less) unless a tensor
    // fusion removes is quantized by the plan. The plans the cones run are the model's with
    // tensors set to float or a weight's parameters changed, so none of them quantizes it either.
    std::vector<NodeId> fusedIds;
    QS_ASSIGN(Graph fused, fuseActivations(g, nullptr, &fusedIds));
    bool useFused = true;
    for (const Value& v : g.values())
        if (!fused.findValue(v.name))
            if (const TensorQuantEntry* e = m.plan.tensor(v.name);
                e && e->params.state == TensorQuantState::Quantized)
                useFused = false;
    for (const QuantLayerRef& l : layers)
        if (l.node < 0 || l.node >= g.nodeCount() || fusedIds[size_t(l.node)] == kNoNode)
            useFused = false;
    // Cones and what they read, so only those values are cached.
    std::set<std::string> needed;
    for (const QuantLayerRef& l : layers) {
        Cone c;
        QS_ASSIGN(c.graph, useFused ? downstreamCone(fused, fusedIds[size_t(l.node)], &c.external)
                                    : downstreamCone(g, l.node, &c.external));
        needed.insert(c.external.begin(), c.external.end());
        r->m_cones.push_back(std::move(c));
    }
    QS_ASSIGN(auto fp32, Executor::create(g, ExecOptions{threads}));
    std::unique_ptr<Simulator> sim;
    if (quantizedCache) {
        QS_ASSIGN(sim, Simulator::create(g, m.plan, ExecOptions{threads}));
    }
    std::vector<Tensor> refs, quants;
    CancelOnly stop(cancel);
    for (const Tensor& b : batches) {
        if (stop.isCancelled()) return Error(ErrorCode::Cancelled, "cancelled");
        KeepHooks keepF(fp32->graph(), needed);
        QS_ASSIGN(RunResult rf, fp32->run({{inputName, b}}, &keepF, &stop));
        std::map<std::string, Tensor> kf;
        for (auto& [id, t] : rf.kept) kf[fp32->graph().value(id).name] = t;
        kf[inputName] = b;
        r->m_float.batches.push_back(std::move(kf));
        refs.push_back(rf.outputs.at(r->m_output));
        if (sim) {
            KeepHooks keepQ(sim->graph(), needed);
            QS_ASSIGN(RunResult rq, sim->run({{inputName, b}}, &keepQ, &stop));
            std::map<std::string, Tensor> kq;
            for (auto& [id, t] : rq.kept) kq[sim->graph().value(id).name] = t;
            kq[inputName] = b; // the input's own quantization is applied again by the cone's plan
            r->m_quant.batches.push_back(std::move(kq));
            quants.push_back(rq.outputs.at(r->m_output));
        }
    }
    r->m_reference = concatRows(refs);
    if (sim) r->m_quantized = concatRows(quants);
    return r;
}

bool LayerConeRunner::reachesOutput(size_t layer) const {
    const Graph& c = m_cones[layer].graph;
    return !c.outputs().empty() && c.value(c.outputs()[0]).name == m_output;
}

Result<Tensor> LayerConeRunner::run(size_t layer, const QuantPlan& plan, bool fromQuantized,
                                    const Progress* cancel) const {
    if (layer >= m_cones.size()) return makeError(ErrorCode::InvalidArgument, "no layer ", layer);
    if (!reachesOutput(layer)) return m_reference;
    const Cone& cone = m_cones[layer];
    const Cache& cache = fromQuantized ? m_quant : m_float;
    if (cache.batches.empty())
        return makeError(ErrorCode::Internal, "the quantized activations were not cached");
    QS_ASSIGN(auto sim, Simulator::create(cone.graph, plan, ExecOptions{itemThreads(m_threads)}));
    std::vector<Tensor> parts;
    CancelOnly stop(cancel);
    for (const auto& values : cache.batches) {
        if (stop.isCancelled()) return Error(ErrorCode::Cancelled, "cancelled");
        std::map<std::string, Tensor> inputs;
        for (const std::string& name : cone.external) {
            auto it = values.find(name);
            if (it == values.end())
                return makeError(ErrorCode::Internal, "tensor '", name, "' was not cached");
            inputs[name] = it->second;
        }
        QS_ASSIGN(RunResult r, sim->run(inputs, nullptr, &stop));
        parts.push_back(r.outputs.at(m_output));
    }
    return concatRows(parts);
}

Result<SensitivityResult> analyzeSensitivity(const QuantizedModel& m,
                                             const std::vector<QuantLayerRef>& layers,
                                             const Tensor& data, const Tensor* labels,
                                             const std::string& inputName,
                                             const SensitivityOptions& options) {
    QS_ASSIGN(auto runner, LayerConeRunner::create(m, layers, data, inputName, options.threads,
                                                   options.batchSize, options.reverse));
    return analyzeSensitivity(m, layers, *runner, labels, options);
}

Result<SensitivityResult> analyzeSensitivity(const QuantizedModel& m,
                                             const std::vector<QuantLayerRef>& layers,
                                             const LayerConeRunner& cones, const Tensor* labels,
                                             const SensitivityOptions& options) {
    const LayerConeRunner* runner = &cones;
    if (options.reverse && runner->quantized().isNull())
        return makeError(ErrorCode::InvalidArgument,
                         "reverse sensitivity needs the quantized cache");
    const Graph& g = m.graph;
    const Tensor& reference = runner->reference();
    SensitivityResult result;
    result.samples = reference.dim(0);
    {
        QS_ASSIGN(AccuracyResult acc, compareClassifiers(reference, reference, labels));
        result.fp32Top1 = acc.fp32Top1;
    }
    if (options.reverse) {
        QS_ASSIGN(result.full, agreementOf(reference, runner->quantized(), labels));
    }
    // Work items: each layer alone and (with reverse) all but it; the layers' order puts the
    // large cones first.
    const size_t perLayer = options.reverse ? 2 : 1;
    result.layers.resize(layers.size());
    for (size_t i = 0; i < layers.size(); ++i) {
        LayerSensitivity& s = result.layers[i];
        s.node = layers[i].name;
        s.op = layers[i].op;
        if (!runner->reachesOutput(i))
            s.alone = s.reverse =
                OutputAgreement{std::numeric_limits<double>::infinity(), 1.0, 1.0, result.fp32Top1};
    }
    QS_TRY(forEachItem(
        options.threads, layers.size() * perLayer, options.progress,
        [&](size_t item) { return "sensitivity of " + layers[item / perLayer].name; },
        [&](size_t item) -> Status {
            const size_t i = item / perLayer;
            const bool reverse = item % perLayer == 1;
            if (!runner->reachesOutput(i)) return {};
            const QuantLayerRef& l = layers[i];
            LayerSensitivity& s = result.layers[i];
            if (!reverse) {
                QS_ASSIGN(Tensor a,
                          runner->run(i, planQuantizingOnly(m.plan, layerTensors(g, l, true)),
                                      false, options.progress));
                QS_ASSIGN(s.alone, agreementOf(reference, a, labels));
            } else {
                QS_ASSIGN(Tensor r, runner->run(i, planWithFloat(m.plan, layerTensors(g, l, false)),
                                                true, options.progress));
                QS_ASSIGN(s.reverse, agreementOf(reference, r, labels));
            }
            return {};
        }));
    result.ranking.resize(result.layers.size());
    std::iota(result.ranking.begin(), result.ranking.end(), size_t(0));
    std::stable_sort(result.ranking.begin(), result.ranking.end(), [&](size_t a, size_t b) {
        return result.layers[a].alone.sqnrDb < result.layers[b].alone.sqnrDb;
    });
    for (size_t r = 0; r < result.ranking.size(); ++r)
        result.layers[result.ranking[r]].rank = int(r) + 1;
    if (options.progress) options.progress->report(1.0, "sensitivity done");
    return result;
}

std::vector<std::string> layerTensors(const Graph& g, const QuantLayerRef& l, bool withInput) {
    const Node& node = g.node(l.node);
    std::vector<std::string> own{l.weight};
    if (node.inputs.size() > 2 && node.inputs[2] != kNoValue)
        own.push_back(g.value(node.inputs[2]).name);
    for (ValueId out : node.outputs)
        if (out != kNoValue) own.push_back(g.value(out).name);
    if (!l.output.empty()) own.push_back(l.output);
    if (withInput) own.push_back(l.input);
    return own;
}

} // namespace qs
