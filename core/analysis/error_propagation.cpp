#include "analysis/error_propagation.h"
#include "analysis/analysis_common.h"

#include "exec/executor.h"
#include "exec/node_runner.h"
#include "ops/op_registry.h"
#include "quant/simulator.h"

#include <cmath>
#include <limits>

namespace qs {

namespace {

// What the plan does to a produced tensor (the simulator's transform), or nothing.
Result<Tensor> quantizeOutput(const QuantPlan& plan, const std::string& name, const Tensor& t,
                              ThreadPool* pool) {
    const TensorQuantEntry* e = plan.tensor(name);
    if (!e || e->params.state != TensorQuantState::Quantized || e->isWeight || e->isBias ||
        t.dtype() != DataType::F32)
        return t;
    if (e->dynamic) {
        QS_ASSIGN(auto ranges, tensorRanges(t, e->params.spec));
        QS_ASSIGN(QuantParams p, computeQuantParams(e->params.spec, ranges.first, ranges.second));
        return fakeQuantize(t, p, pool);
    }
    return fakeQuantize(t, e->params, pool);
}

struct Sums {
    double signal = 0, total = 0, injected = 0, inherited = 0;
    int64_t count = 0;
};

} // namespace

Result<ErrorPropagation> analyzeErrorPropagation(const QuantizedModel& m, const Tensor& data,
                                                 const std::string& inputName,
                                                 const ErrorPropagationOptions& options) {
    const Graph& g = m.graph;
    auto inputId = g.findValue(inputName);
    if (!inputId || !g.value(*inputId).isGraphInput)
        return makeError(ErrorCode::NotFound, "the model has no input named '", inputName, "'");
    QS_ASSIGN(std::vector<Tensor> batches,
              splitIntoBatches(data, g.value(*inputId), options.batchSize));
    QS_ASSIGN(auto fp32, Executor::create(g, ExecOptions{options.threads}));
    QS_ASSIGN(auto sim, Simulator::create(g, m.plan, ExecOptions{options.threads}));
    QS_ASSIGN(Graph quantWeights, fakeQuantizeWeights(g, m.plan));
    ThreadPool pool(options.threads);

    std::vector<Sums> sums(size_t(g.valueCount()));
    CancelOnly stop(options.cancel);
    for (size_t b = 0; b < batches.size(); ++b) {
        if (stop.isCancelled()) return Error(ErrorCode::Cancelled, "cancelled");
        KeepAll keep;
        QS_ASSIGN(RunResult rf, fp32->run({{inputName, batches[b]}}, &keep, &stop));
        QS_ASSIGN(RunResult rq, sim->run({{inputName, batches[b]}}, &keep, &stop));
        std::map<std::string, Tensor> fv, qv;
        for (auto& [id, t] : rf.kept) fv[fp32->graph().value(id).name] = t;
        for (auto& [id, t] : rq.kept) qv[sim->graph().value(id).name] = t;
        fv[inputName] = batches[b];
        if (!qv.count(inputName)) {
            QS_ASSIGN(qv[inputName], quantizeOutput(m.plan, inputName, batches[b], &pool));
        }
        auto accumulate = [&](ValueId v, const Tensor& yf, const Tensor& yq, const Tensor& yi) {
            if (yf.dtype() != DataType::F32 || yq.numel() != yf.numel() || yi.numel() != yf.numel())
                return;
            Sums& s = sums[size_t(v)];
            const float* f = yf.data<float>();
            const float* q = yq.data<float>();
            const float* i = yi.data<float>();
            for (int64_t k = 0; k < yf.numel(); ++k) {
                s.signal += double(f[k]) * f[k];
                s.total += (double(q[k]) - f[k]) * (double(q[k]) - f[k]);
                s.injected += (double(i[k]) - f[k]) * (double(i[k]) - f[k]);
                s.inherited += (double(q[k]) - i[k]) * (double(q[k]) - i[k]);
            }
            s.count += yf.numel();
        };
        // Graph inputs: their quantization is all injected (nothing is upstream of them).
        accumulate(*inputId, fv.at(inputName), qv.at(inputName), qv.at(inputName));
        // Each node's injected run reads only the cached float values and adds to the sums of
        // its own outputs: the nodes are independent work items (every value's sums still grow
        // batch by batch in order, so the result does not depend on the threads).
        const std::vector<NodeId>& order = g.topoOrder();
        QS_TRY(forEachItem(
            options.threads, order.size(), nullptr, [](size_t) { return std::string(); },
            [&](size_t item) -> Status {
                const NodeId n = order[item];
                const Node& node = g.node(n);
                bool floatOut = false;
                for (ValueId out : node.outputs)
                    if (out != kNoValue)
                        if (auto it = fv.find(g.value(out).name);
                            it != fv.end() && it->second.dtype() == DataType::F32)
                            floatOut = true;
                if (!floatOut) return {};
                const OpDef* op = findOp(node.domain, node.opType);
                if (!op)
                    return makeError(ErrorCode::Unsupported, "node ", node.label(), ": unknown op");
                std::vector<const Tensor*> ins;
                for (ValueId v : node.inputs) {
                    if (v == kNoValue) {
                        ins.push_back(nullptr);
                        continue;
                    }
                    const Value& qvw = quantWeights.value(v);
                    if (qvw.initializer) {
                        ins.push_back(&*qvw.initializer);
                        continue;
                    }
                    auto it = fv.find(g.value(v).name);
                    if (it == fv.end()) return {}; // an input was not computed: nothing to compare
                    ins.push_back(&it->second);
                }
                auto outs = runNodeOnce(*op, node, g.opsetVersion(node.domain), ins, pool);
                if (!outs) return std::move(outs.addContext("node " + node.label())).takeError();
                for (size_t o = 0; o < node.outputs.size() && o < outs->size(); ++o) {
                    const ValueId v = node.outputs[o];
                    if (v == kNoValue) continue;
                    const std::string& name = g.value(v).name;
                    auto f = fv.find(name);
                    auto q = qv.find(name);
                    if (f == fv.end() || q == qv.end()) continue;
                    QS_ASSIGN(Tensor yi, quantizeOutput(m.plan, name, (*outs)[o], &pool));
                    accumulate(v, f->second, q->second, yi);
                }
                return {};
            }));
    }

    ErrorPropagation result;
    result.samples = data.rank() > 0 ? data.dim(0) : 0;
    auto row = [&](ValueId v, const std::string& node, const std::string& op) {
        const Sums& s = sums[size_t(v)];
        if (s.count == 0) return;
        TensorError e;
        e.tensor = g.value(v).name;
        e.node = node;
        e.op = op;
        const TensorQuantEntry* q = m.plan.tensor(e.tensor);
        e.quantized = q && q->params.state == TensorQuantState::Quantized;
        const double n = double(s.count);
        e.signal = s.signal / n;
        e.totalNoise = s.total / n;
        e.injectedNoise = s.injected / n;
        e.inheritedNoise = s.inherited / n;
        e.totalSqnrDb = sqnrOf(s.signal, s.total);
        e.injectedSqnrDb = sqnrOf(s.signal, s.injected);
        e.inheritedSqnrDb = sqnrOf(s.signal, s.inherited);
        e.injectedShare =
            s.injected + s.inherited > 0 ? s.injected / (s.injected + s.inherited) : 0.0;
        result.tensors.push_back(e);
    };
    row(*inputId, "", "input");
    for (NodeId n : g.topoOrder())
        for (ValueId v : g.node(n).outputs)
            if (v != kNoValue) row(v, g.node(n).name, g.node(n).opType);
    return result;
}

} // namespace qs
