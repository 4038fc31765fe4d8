#include "analysis/sensitivity.h"

#include "exec/executor.h"
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
    Graph g = graph;
    std::vector<bool> inCone(size_t(g.nodeCount()), false);
    inCone[size_t(start)] = true;
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
            g.value(v).info = TensorInfo{DataType::F32, {}, false}; // the batch decides at run time
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

struct CachedRun {
    std::vector<std::map<std::string, Tensor>> batches; // kept values by name
    std::vector<Tensor> outputs;                        // first graph output per batch
};

Tensor concatRows(const std::vector<Tensor>& parts) {
    Shape shape = parts[0].shape();
    int64_t rows = 0;
    for (const Tensor& t : parts) rows += t.dim(0);
    shape[0] = rows;
    Tensor all(DataType::F32, shape);
    size_t offset = 0;
    for (const Tensor& t : parts) {
        const Tensor f = t.dtype() == DataType::F32 ? t : t.castTo(DataType::F32);
        std::memcpy(all.data<float>() + offset, f.data<float>(), f.byteSize());
        offset += size_t(f.numel());
    }
    return all;
}

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

// Runs `graph` with `plan` (fake quantization) from cached values, one run per batch.
Result<Tensor> runCone(const Graph& cone, const std::vector<std::string>& external,
                       const QuantPlan& plan, const CachedRun& cache, int threads) {
    QS_ASSIGN(auto sim, Simulator::create(cone, plan, ExecOptions{threads}));
    if (cone.outputs().empty()) return Tensor();
    const std::string out = cone.value(cone.outputs()[0]).name;
    std::vector<Tensor> parts;
    for (const auto& values : cache.batches) {
        std::map<std::string, Tensor> inputs;
        for (const std::string& name : external) {
            auto it = values.find(name);
            if (it == values.end())
                return makeError(ErrorCode::Internal, "tensor '", name, "' was not cached");
            inputs[name] = it->second;
        }
        QS_ASSIGN(RunResult r, sim->run(inputs));
        parts.push_back(r.outputs.at(out));
    }
    return concatRows(parts);
}

} // namespace

Result<SensitivityResult> analyzeSensitivity(const QuantizedModel& m,
                                             const std::vector<QuantLayerRef>& layers,
                                             const Tensor& data, const Tensor* labels,
                                             const std::string& inputName,
                                             const SensitivityOptions& options) {
    const Graph& g = m.graph;
    if (g.outputs().empty()) return makeError(ErrorCode::InvalidModel, "the model has no outputs");
    auto inputId = g.findValue(inputName);
    if (!inputId || !g.value(*inputId).isGraphInput)
        return makeError(ErrorCode::NotFound, "the model has no input named '", inputName, "'");
    QS_ASSIGN(std::vector<Tensor> batches,
              splitIntoBatches(data, g.value(*inputId), options.batchSize));
    const std::string outName = g.value(g.outputs()[0]).name;

    // Cones and what they read, so only those values are cached.
    struct Cone {
        Graph graph;
        std::vector<std::string> external;
    };
    std::vector<Cone> cones;
    std::set<std::string> needed;
    for (const QuantLayerRef& l : layers) {
        Cone c;
        QS_ASSIGN(c.graph, downstreamCone(g, l.node, &c.external));
        needed.insert(c.external.begin(), c.external.end());
        cones.push_back(std::move(c));
    }

    CachedRun floatRun, quantRun;
    {
        QS_ASSIGN(auto fp32, Executor::create(g, ExecOptions{options.threads}));
        QS_ASSIGN(auto sim, Simulator::create(g, m.plan, ExecOptions{options.threads}));
        for (const Tensor& b : batches) {
            KeepHooks keepF(fp32->graph(), needed);
            QS_ASSIGN(RunResult rf, fp32->run({{inputName, b}}, &keepF));
            std::map<std::string, Tensor> kf;
            for (auto& [id, t] : rf.kept) kf[fp32->graph().value(id).name] = t;
            kf[inputName] = b;
            floatRun.batches.push_back(std::move(kf));
            floatRun.outputs.push_back(rf.outputs.at(outName));
            if (options.reverse) {
                KeepHooks keepQ(sim->graph(), needed);
                QS_ASSIGN(RunResult rq, sim->run({{inputName, b}}, &keepQ));
                std::map<std::string, Tensor> kq;
                for (auto& [id, t] : rq.kept) kq[sim->graph().value(id).name] = t;
                kq[inputName] =
                    b; // the input's own quantization is applied again by the cone's plan
                quantRun.batches.push_back(std::move(kq));
                quantRun.outputs.push_back(rq.outputs.at(outName));
            }
        }
    }
    const Tensor reference = concatRows(floatRun.outputs);
    SensitivityResult result;
    result.samples = reference.dim(0);
    {
        QS_ASSIGN(AccuracyResult acc, compareClassifiers(reference, reference, labels));
        result.fp32Top1 = acc.fp32Top1;
    }
    if (options.reverse) {
        QS_ASSIGN(result.full, agreementOf(reference, concatRows(quantRun.outputs), labels));
    }

    for (size_t i = 0; i < layers.size(); ++i) {
        const QuantLayerRef& l = layers[i];
        if (options.progress) {
            if (options.progress->isCancelled()) return Error(ErrorCode::Cancelled, "cancelled");
            options.progress->report(double(i) / double(layers.size()), "sensitivity of " + l.name);
        }
        LayerSensitivity s;
        s.node = l.name;
        s.op = l.op;
        const Node& node = g.node(l.node);
        std::vector<std::string> own{l.weight};
        if (node.inputs.size() > 2 && node.inputs[2] != kNoValue)
            own.push_back(g.value(node.inputs[2]).name);
        for (ValueId out : node.outputs)
            if (out != kNoValue) own.push_back(g.value(out).name);
        if (!l.output.empty()) own.push_back(l.output);
        std::vector<std::string> alone = own;
        alone.push_back(l.input);
        const Cone& cone = cones[i];
        if (cone.graph.outputs().empty() ||
            cone.graph.value(cone.graph.outputs()[0]).name != outName) {
            // The layer does not reach the first output: it cannot change it.
            s.alone = s.reverse =
                OutputAgreement{std::numeric_limits<double>::infinity(), 1.0, 1.0, result.fp32Top1};
            result.layers.push_back(s);
            continue;
        }
        QS_ASSIGN(Tensor a, runCone(cone.graph, cone.external, planQuantizingOnly(m.plan, alone),
                                    floatRun, options.threads));
        QS_ASSIGN(s.alone, agreementOf(reference, a, labels));
        if (options.reverse) {
            QS_ASSIGN(Tensor r, runCone(cone.graph, cone.external, planWithFloat(m.plan, own),
                                        quantRun, options.threads));
            QS_ASSIGN(s.reverse, agreementOf(reference, r, labels));
        }
        result.layers.push_back(s);
    }
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

} // namespace qs
