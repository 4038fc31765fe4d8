#include "analysis/analysis_session.h"
#include "analysis/analysis_common.h"

#include "analysis/sensitivity.h"
#include "exec/executor.h"
#include "quant/passes/inference_optimizer.h"
#include "quant/op_quant_rules.h"
#include "quant/plan_builder.h"
#include "quant/simulator.h"
#include "quant/quant_params.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>

namespace qs {

namespace {

// Σ f², Σ (q − f)² of two f32 tensors of the same size; false when they do not pair up.
bool addPower(const Tensor& f, const Tensor& q, double& signal, double& noise) {
    if (f.isNull() || q.isNull() || f.dtype() != DataType::F32 || q.dtype() != DataType::F32 ||
        f.numel() != q.numel())
        return false;
    const float* a = f.data<float>();
    const float* b = q.data<float>();
    double s = 0.0, n = 0.0;
    for (int64_t i = 0; i < f.numel(); ++i) {
        s += double(a[i]) * a[i];
        n += (double(b[i]) - a[i]) * (double(b[i]) - a[i]);
    }
    signal += s;
    noise += n;
    return true;
}

bool sameParams(const QuantParams& a, const QuantParams& b) {
    return a.state == b.state && a.scale == b.scale && a.zeroPoint == b.zeroPoint &&
           a.spec.bits == b.spec.bits && a.spec.scheme == b.spec.scheme &&
           a.spec.isSigned == b.spec.isSigned && a.spec.granularity == b.spec.granularity &&
           a.spec.axis == b.spec.axis && a.spec.groupSize == b.spec.groupSize &&
           a.spec.rounding == b.spec.rounding;
}

bool sameEntry(const TensorQuantEntry* a, const TensorQuantEntry* b) {
    if (!a || !b) return !a && !b;
    if (a->dynamic != b->dynamic) return false;
    // Float and Passive tensors are not transformed by the simulator: their parameters do not
    // matter, only the state.
    if (a->params.state != TensorQuantState::Quantized ||
        b->params.state != TensorQuantState::Quantized)
        return a->params.state == b->params.state;
    return sameParams(a->params, b->params);
}

} // namespace

Result<std::unique_ptr<AnalysisSession>>
AnalysisSession::create(const QuantizedModel& m, const Tensor& data, const std::string& inputName,
                        const AnalysisSessionOptions& options) {
    const Graph& g = m.graph;
    if (g.outputs().empty()) return makeError(ErrorCode::InvalidModel, "the model has no outputs");
    if (g.inputs().empty()) return makeError(ErrorCode::InvalidModel, "the model has no inputs");
    auto s = std::unique_ptr<AnalysisSession>(new AnalysisSession());
    s->m_model = &m;
    s->m_config = m.config;
    s->m_ranges = m.activationRanges;
    s->m_plan = m.plan;
    s->m_graph = m.graph;
    s->m_planGraph = m.graph;
    if (m.adaround)
        for (const AdaRoundLayer& l : m.adaround->layers) {
            auto node = m.beforeRepairs.findNode(l.node);
            auto mine = g.findNode(l.node);
            if (!node || !mine) continue;
            const ValueId w = g.node(*mine).inputs[1];
            s->m_planGraph.value(w).initializer =
                m.beforeRepairs.value(m.beforeRepairs.node(*node).inputs[1]).initializer;
            s->m_adarounded.insert(l.node);
        }
    s->m_threads = options.threads;
    s->m_cancel = options.cancel;
    s->m_inputName = inputName.empty() ? g.value(g.inputs()[0]).name : inputName;
    s->m_outputName = g.value(g.outputs()[0]).name;
    auto inputId = g.findValue(s->m_inputName);
    if (!inputId || !g.value(*inputId).isGraphInput)
        return makeError(ErrorCode::NotFound, "the model has no input named '", s->m_inputName,
                         "'");
    QS_ASSIGN(std::vector<Tensor> batches,
              splitIntoBatches(data, g.value(*inputId), options.batchSize));
    s->m_samples = data.rank() > 0 ? data.dim(0) : 0;
    QS_ASSIGN(auto fp32, Executor::create(g, ExecOptions{options.threads}));
    QS_ASSIGN(auto sim, Simulator::create(g, m.plan, ExecOptions{options.threads}));
    std::vector<Tensor> refs, outs;
    CancelOnly stop(options.cancel);
    for (const Tensor& b : batches) {
        if (stop.isCancelled()) return Error(ErrorCode::Cancelled, "cancelled");
        KeepAll keep;
        QS_ASSIGN(RunResult rf, fp32->run({{s->m_inputName, b}}, &keep, &stop));
        QS_ASSIGN(RunResult rq, sim->run({{s->m_inputName, b}}, &keep, &stop));
        std::map<std::string, Tensor> fv, qv;
        for (auto& [id, t] : rf.kept)
            if (!g.value(id).initializer) fv[g.value(id).name] = std::move(t);
        for (auto& [id, t] : rq.kept)
            if (!g.value(id).initializer) qv[g.value(id).name] = std::move(t);
        fv[s->m_inputName] = b;
        for (const auto& [name, f] : fv) {
            auto it = qv.find(name);
            if (it == qv.end()) continue;
            Power& p = s->m_power[name];
            addPower(f, it->second, p.signal, p.noise);
        }
        refs.push_back(rf.outputs.at(s->m_outputName));
        outs.push_back(rq.outputs.at(s->m_outputName));
        s->m_float.push_back(std::move(fv));
        s->m_quant.push_back(std::move(qv));
    }
    if (refs.empty()) return makeError(ErrorCode::InvalidArgument, "no evaluation samples");
    s->m_reference = concatRows(refs);
    s->m_output = concatRows(outs);
    return s;
}

double AnalysisSession::outputSqnrDb() const {
    return sqnrDb(m_reference, m_output);
}

std::optional<double> AnalysisSession::tensorSqnrDb(const std::string& tensor) const {
    auto it = m_power.find(tensor);
    if (it == m_power.end()) return std::nullopt;
    return sqnrOf(it->second.signal, it->second.noise);
}

Result<QuantPlan> AnalysisSession::planWith(const LayerChange& change) const {
    QS_ASSIGN(Variant v, variantWith(change, m_cancel));
    return std::move(v.plan);
}

namespace {

Tensor zeros(const Shape& shape) {
    Tensor t(DataType::F32, shape);
    std::memset(t.rawData(), 0, t.byteSize());
    return t;
}

} // namespace

Result<std::vector<Tensor>> AnalysisSession::floatInputsAt(const std::string& tensor) const {
    std::vector<Tensor> out;
    if (m_adarounded.empty() || tensor == m_inputName) {
        // The session's float run is the float-weight model's.
        for (const auto& cache : m_float) {
            auto it = cache.find(tensor);
            if (it == cache.end())
                return makeError(ErrorCode::Internal, "tensor '", tensor, "' was not cached");
            out.push_back(it->second);
        }
        return out;
    }
    // The cached float run has the learned weights: run the float-weight graph to the tensor.
    QS_ASSIGN(auto fp32, Executor::create(m_planGraph, ExecOptions{m_threads}));
    auto id = fp32->graph().findValue(tensor);
    if (!id) return makeError(ErrorCode::Internal, "tensor '", tensor, "' vanished");
    struct KeepOne : ExecHooks {
        ValueId v;
        bool keep(ValueId x) const override { return x == v; }
    } keep;
    keep.v = *id;
    for (const auto& cache : m_float) {
        QS_ASSIGN(RunResult r, fp32->run({{m_inputName, cache.at(m_inputName)}}, &keep));
        auto it = r.kept.find(*id);
        if (it == r.kept.end())
            return makeError(ErrorCode::Internal, "tensor '", tensor, "' was not kept");
        out.push_back(it->second);
    }
    return out;
}

Result<AnalysisSession::Variant> AnalysisSession::variantWith(const LayerChange& change,
                                                              const Progress* cancel) const {
    const Graph& g = m_graph;
    auto id = g.findNode(change.node);
    if (!id)
        return makeError(ErrorCode::NotFound, "the model has no node named '", change.node, "'");
    QuantConfig config = m_config;
    if (change.keepFloat) config.floatNodes.insert(change.node);
    if (change.weightBits) {
        if (*change.weightBits < 2 || *change.weightBits > 16)
            return makeError(ErrorCode::InvalidArgument, "node '", change.node, "': weight bits ",
                             *change.weightBits, " outside 2..16");
        config.layerBits[change.node] = *change.weightBits;
    }
    if (change.granularity) config.layerGranularity[change.node] = *change.granularity;
    auto context = [&](auto&& r) {
        return std::move(r.addContext("what-if on node '" + change.node + "'")).takeError();
    };
    Variant v;
    const bool wasRounded = m_adarounded.count(change.node) > 0;
    const bool correct = m_config.biasCorrection && m_model->biasCorrection.has_value();
    const bool round = change.adaround.value_or(wasRounded);
    // Keeping a node without weights (an Add, a Relu) in float changes only the plan.
    const bool weighted = opQuantRule(g, g.node(*id)) == OpQuantRule::Weighted;
    const bool weightChanged = weighted && (change.weightBits || change.granularity ||
                                            change.keepFloat || round != wasRounded);
    if (!weightChanged || (!correct && !round && !wasRounded)) {
        auto plan = buildQuantPlan(m_planGraph, config, m_ranges, &m_weightCache);
        if (!plan) return context(plan);
        v.plan = std::move(plan).value();
        v.adarounded = wasRounded;
        return v;
    }
    // Redo the layer's repairs: start from its uncorrected bias and float weight.
    const auto t0 = std::chrono::steady_clock::now();
    const Node& node = g.node(*id);
    const Graph& before =
        m_model->beforeRepairs.nodeCount() ? m_model->beforeRepairs : m_model->graph;
    auto bid = before.findNode(change.node);
    if (!bid || node.inputs.size() < 2 || node.inputs[1] == kNoValue)
        return makeError(ErrorCode::InvalidArgument, "what-if on node '", change.node,
                         "': not a weighted layer");
    const Node& original = before.node(*bid);
    Graph graph = m_graph, planGraph = m_planGraph;
    const ValueId wid = node.inputs[1];
    const auto& floatWeight = before.value(original.inputs[1]).initializer;
    if (!floatWeight)
        return makeError(ErrorCode::InvalidArgument, "what-if on node '", change.node,
                         "': its weight is not a constant");
    graph.value(wid).initializer = floatWeight;
    planGraph.value(wid).initializer = floatWeight;
    if (node.inputs.size() > 2 && node.inputs[2] != kNoValue &&
        graph.value(node.inputs[2]).initializer) {
        const ValueId bias = node.inputs[2];
        const bool hadBias = original.inputs.size() > 2 && original.inputs[2] != kNoValue &&
                             before.value(original.inputs[2]).initializer;
        const Tensor b = hadBias ? *before.value(original.inputs[2]).initializer
                                 : zeros(graph.value(bias).initializer->shape());
        graph.value(bias).initializer = b;
        planGraph.value(bias).initializer = b;
    }
    {
        auto plan = buildQuantPlan(planGraph, config, m_ranges, &m_weightCache);
        if (!plan) return context(plan);
        v.plan = std::move(plan).value();
    }
    const TensorQuantEntry* we = v.plan.tensor(g.value(wid).name);
    const auto info = v.plan.nodes.find(change.node);
    const bool quantized = info != v.plan.nodes.end() && info->second.quantized && we &&
                           we->params.state == TensorQuantState::Quantized;
    if (round && quantized) {
        const std::string in = g.value(node.inputs[0]).name;
        auto xf = floatInputsAt(in);
        if (!xf) return context(xf);
        std::vector<Tensor> xq;
        for (size_t b = 0; b < m_quant.size(); ++b) {
            auto it = m_quant[b].find(in);
            if (it != m_quant[b].end()) {
                xq.push_back(it->second);
                continue;
            }
            // A graph input: the simulator quantizes it on entry.
            const Tensor& x = m_float[b].at(in);
            const TensorQuantEntry* e = v.plan.tensor(in);
            if (e && e->params.state == TensorQuantState::Quantized) {
                auto q = fakeQuantize(x, e->params);
                if (!q) return context(q);
                xq.push_back(std::move(q).value());
            } else {
                xq.push_back(x);
            }
        }
        AdaRoundOptions options;
        options.iterations = m_config.adaroundIterations;
        options.threads = m_threads;
        // Re-learning a large layer takes seconds: a run's Cancel must reach it.
        CancelOnly stop(cancel);
        options.progress = &stop;
        auto ar = adaroundLayer(graph, v.plan, change.node, *xf, xq, options);
        if (!ar) return context(ar);
        for (const std::string& why : ar->skipped) v.redone.push_back("AdaRound skipped " + why);
        if (!ar->layers.empty()) {
            v.adaround = ar->layers.front();
            v.adarounded = true;
            v.redone.push_back("AdaRound " + change.node + " (" +
                               std::to_string(options.iterations) + " iterations, " +
                               std::to_string(m_samples) + " evaluation samples)");
        }
    } else if (wasRounded) {
        v.redone.push_back("AdaRound removed: " + change.node +
                           (quantized ? " rounded to nearest" : " kept in float"));
    }
    if (correct && quantized && v.adarounded) {
        // As quantizeModel: a layer AdaRound rounded is not bias-corrected.
        v.redone.push_back("bias correction skipped " + change.node + ": AdaRound rounded it");
    } else if (correct && quantized) {
        const BiasCorrectionResult& model = *m_model->biasCorrection;
        auto bc = computeLayerBiasCorrection(planGraph, v.plan, change.node, model.means,
                                             model.mode, model.sources);
        if (!bc) return context(bc);
        for (const std::string& why : bc->skipped)
            v.redone.push_back("bias correction skipped " + why);
        if (!bc->layers.empty()) {
            auto pg = applyBiasCorrection(planGraph, *bc);
            if (!pg) return context(pg);
            auto rg = applyBiasCorrection(graph, *bc);
            if (!rg) return context(rg);
            planGraph = std::move(pg).value();
            graph = std::move(rg).value();
            v.biasCorrection = bc->layers.front();
            v.redone.push_back("bias correction " + change.node + " (" +
                               biasCorrectionModeName(model.mode) + ")");
            auto plan = buildQuantPlan(planGraph, config, m_ranges, &m_weightCache);
            if (!plan) return context(plan);
            v.plan = std::move(plan).value();
        }
    } else if (correct) {
        v.redone.push_back("bias correction removed: " + change.node + " kept in float");
    }
    v.graph = std::move(graph);
    v.planGraph = std::move(planGraph);
    v.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return v;
}

Result<QuantPlan> AnalysisSession::planWithRange(const std::string& tensor, ClipRange range) const {
    if (!m_ranges.count(tensor))
        return makeError(ErrorCode::NotFound, "tensor '", tensor, "' has no calibrated range");
    std::map<std::string, ClipRange> ranges = m_ranges;
    ranges[tensor] = range;
    auto plan = buildQuantPlan(m_planGraph, m_config, ranges, &m_weightCache);
    if (!plan) return std::move(plan.addContext("range of tensor '" + tensor + "'")).takeError();
    return std::move(plan).value();
}

Result<WhatIfResult> AnalysisSession::whatIf(const LayerChange& change, bool perTensor,
                                             const Progress* cancel) const {
    const auto t0 = std::chrono::steady_clock::now();
    const Progress* stop = cancel ? cancel : m_cancel;
    QS_ASSIGN(Variant v, variantWith(change, stop));
    std::vector<NodeId> alsoRun;
    if (v.graph) alsoRun.push_back(*m_graph.findNode(change.node));
    QS_ASSIGN(WhatIfResult r,
              const_cast<AnalysisSession*>(this)->evaluateInto(v.plan, v.graph ? *v.graph : m_graph,
                                                               alsoRun, false, perTensor, stop));
    r.redone = std::move(v.redone);
    r.biasCorrection = std::move(v.biasCorrection);
    r.adaround = std::move(v.adaround);
    r.repairSeconds = v.seconds;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

Result<WhatIfResult> AnalysisSession::whatIfRange(const std::string& tensor, ClipRange range,
                                                  bool perTensor, const Progress* cancel) const {
    const auto t0 = std::chrono::steady_clock::now();
    QS_ASSIGN(QuantPlan plan, planWithRange(tensor, range));
    QS_ASSIGN(WhatIfResult r, evaluate(plan, perTensor, cancel));
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

Result<WhatIfResult> AnalysisSession::evaluate(const QuantPlan& plan, bool perTensor,
                                               const Progress* cancel) const {
    return const_cast<AnalysisSession*>(this)->evaluateInto(plan, m_graph, {}, false, perTensor,
                                                            cancel ? cancel : m_cancel);
}

Status AnalysisSession::apply(const LayerChange& change) {
    QS_ASSIGN(Variant v, variantWith(change, m_cancel));
    std::vector<NodeId> alsoRun;
    if (v.graph) alsoRun.push_back(*m_graph.findNode(change.node));
    QS_TRY(
        evaluateInto(v.plan, v.graph ? *v.graph : m_graph, alsoRun, true, true, m_cancel).status());
    if (v.graph) {
        m_graph = std::move(*v.graph);
        m_planGraph = std::move(*v.planGraph);
    }
    if (v.adarounded)
        m_adarounded.insert(change.node);
    else
        m_adarounded.erase(change.node);
    if (change.keepFloat) m_config.floatNodes.insert(change.node);
    if (change.weightBits) m_config.layerBits[change.node] = *change.weightBits;
    if (change.granularity) m_config.layerGranularity[change.node] = *change.granularity;
    return {};
}

// commit == false never modifies *this (evaluate() casts const away only to share the code).
Result<WhatIfResult> AnalysisSession::evaluateInto(const QuantPlan& plan, const Graph& g,
                                                   const std::vector<NodeId>& alsoRun, bool commit,
                                                   bool perTensor, const Progress* cancel) {
    const auto t0 = std::chrono::steady_clock::now();
    WhatIfResult result;
    result.outputSqnrBeforeDb = outputSqnrDb();
    // Tensors whose quantization differs, and the nodes that must run again: their producers,
    // or, for graph inputs and weights, their readers.
    std::set<std::string> names;
    for (const auto& [name, e] : m_plan.tensors) names.insert(name);
    for (const auto& [name, e] : plan.tensors) names.insert(name);
    std::set<NodeId> starts(alsoRun.begin(), alsoRun.end());
    for (const std::string& name : names) {
        if (sameEntry(m_plan.tensor(name), plan.tensor(name))) continue;
        auto v = g.findValue(name);
        if (!v) continue;
        result.changedTensors.push_back(name);
        const Value& value = g.value(*v);
        if (value.producer != kNoNode && !value.initializer) {
            starts.insert(value.producer);
        } else {
            for (NodeId n = 0; n < g.nodeCount(); ++n)
                for (ValueId in : g.node(n).inputs)
                    if (in == *v) starts.insert(n);
        }
    }
    if (starts.empty()) {
        result.outputSqnrAfterDb = result.outputSqnrBeforeDb;
        result.output = m_output;
        result.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (commit) m_plan = plan;
        return result;
    }
    std::vector<std::string> external;
    QS_ASSIGN(Graph cone,
              downstreamCone(g, std::vector<NodeId>(starts.begin(), starts.end()), &external));
    result.nodesRun = int(cone.nodeCount());
    if (!perTensor && !commit) {
        // Only the output is read: run Conv/Gemm + Relu/Clip as one kernel (the same values, one
        // pass less) unless the plan quantizes a tensor the fusion removes.
        QS_ASSIGN(Graph fused, fuseActivations(cone));
        bool usable = true;
        for (const Value& v : cone.values())
            if (!fused.findValue(v.name))
                if (const TensorQuantEntry* e = plan.tensor(v.name);
                    e && e->params.state == TensorQuantState::Quantized)
                    usable = false;
        if (usable) cone = std::move(fused);
    }
    QS_ASSIGN(auto sim, Simulator::create(cone, plan, ExecOptions{itemThreads(m_threads)}));
    const bool outputInCone = [&] {
        for (ValueId o : cone.outputs())
            if (cone.value(o).name == m_outputName) return true;
        return false;
    }();
    std::set<std::string> graphInputs;
    for (ValueId v : g.inputs()) graphInputs.insert(g.value(v).name);
    std::map<std::string, Power> power;
    std::vector<Tensor> outs;
    // Polled per node: a cone through most of a large model takes a second and more per batch.
    CancelOnly stop(cancel);
    for (size_t b = 0; b < m_quant.size(); ++b) {
        if (stop.isCancelled()) return Error(ErrorCode::Cancelled, "cancelled");
        std::map<std::string, Tensor> inputs;
        for (const std::string& name : external) {
            // Graph inputs enter float (the plan quantizes them on entry, perhaps differently
            // now); everything else at the cone's edge is unchanged and enters as it was quantized.
            const auto& cache = graphInputs.count(name) ? m_float[b] : m_quant[b];
            auto it = cache.find(name);
            if (it == cache.end())
                return makeError(ErrorCode::Internal, "tensor '", name, "' was not cached");
            inputs[name] = it->second;
        }
        KeepAll keep;
        QS_ASSIGN(RunResult r, sim->run(inputs, perTensor || commit ? &keep : nullptr, &stop));
        for (auto& [id, t] : r.kept) {
            const Value& v = cone.value(id);
            if (v.initializer || v.isGraphInput) continue;
            auto f = m_float[b].find(v.name);
            if (f == m_float[b].end()) continue;
            Power& p = power[v.name];
            addPower(f->second, t, p.signal, p.noise);
            if (commit) m_quant[b][v.name] = t;
        }
        if (outputInCone) outs.push_back(r.outputs.at(m_outputName));
    }
    result.output = outputInCone ? concatRows(outs) : m_output;
    result.outputSqnrAfterDb = sqnrDb(m_reference, result.output);
    for (NodeId n : cone.topoOrder())
        for (ValueId v : cone.node(n).outputs) {
            if (v == kNoValue) continue;
            auto it = power.find(cone.value(v).name);
            if (it == power.end()) continue;
            TensorSqnrDelta d;
            d.tensor = it->first;
            d.beforeDb = tensorSqnrDb(d.tensor).value_or(std::numeric_limits<double>::quiet_NaN());
            d.afterDb = sqnrOf(it->second.signal, it->second.noise);
            result.tensors.push_back(d);
        }
    if (commit) {
        for (const auto& [name, p] : power) m_power[name] = p;
        m_output = result.output;
        m_plan = plan;
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return result;
}

} // namespace qs
