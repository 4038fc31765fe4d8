#include "analysis/int8_findings.h"

#include "quant/int8/int8_executor.h"

#include <map>

namespace qs {

const Int8NodeFinding* Int8Findings::node(const std::string& name) const {
    for (const Int8NodeFinding& f : nodes)
        if (f.node == name) return &f;
    return nullptr;
}

Result<Int8Findings> analyzeInt8Execution(const QuantizedModel& model, const Tensor& data,
                                          const std::string& inputName,
                                          const Int8FindingsOptions& options) {
    Int8Findings out;
    const Graph& graph = model.graph;
    if (graph.inputs().empty())
        return makeError(ErrorCode::InvalidArgument, "the model has no input");
    const std::string name =
        inputName.empty() ? graph.value(graph.inputs().front()).name : inputName;
    const auto id = graph.findValue(name);
    if (!id || !graph.value(*id).isGraphInput)
        return makeError(ErrorCode::NotFound, "the model has no input named '", name, "'");
    if (options.maxSamples < 1)
        return makeError(ErrorCode::InvalidArgument, "int8 findings: maxSamples must be >= 1");

    auto lowered =
        Int8Executor::create(graph, model.plan, Int8Options{model.config.requant, options.threads});
    if (!lowered) {
        out.note = lowered.message();
        return out;
    }
    Int8Executor& executor = **lowered;
    DivergenceOptions dopt;
    dopt.sqnrThresholdDb = options.sqnrThresholdDb;
    dopt.threads = options.threads;
    dopt.batchSize = options.maxSamples;
    QS_ASSIGN(auto finder, DivergenceFinder::create(graph, model.plan, executor, dopt));
    Int8DiagnosticsCollector collector(executor);

    // Batches of maxSamples (or the model's fixed batch size), up to maxSamples samples.
    QS_ASSIGN(std::vector<Tensor> batches,
              splitIntoBatches(data, graph.value(*id), options.maxSamples));
    for (const Tensor& batch : batches) {
        if (out.samples >= options.maxSamples) break;
        if (options.progress && options.progress->isCancelled())
            return makeError(ErrorCode::Cancelled, "cancelled");
        const std::map<std::string, Tensor> inputs{{name, batch}};
        QS_TRY(executor.run(inputs, &collector).status().addContext("int8 executor"));
        collector.finishRun();
        QS_TRY(finder->add(inputs, options.progress));
        out.samples += batch.rank() > 0 ? batch.shape()[0] : 1;
    }
    out.diagnostics = collector.result();
    out.divergence = finder->result();
    out.summary = divergenceSummary(out.divergence);
    out.measured = true;

    std::map<std::string, const Int8TensorStats*> tensorStats;
    for (const Int8TensorStats& t : out.diagnostics.tensors) tensorStats[t.tensor] = &t;
    std::map<std::string, const Int8NodeStats*> nodeStats;
    for (const Int8NodeStats& n : out.diagnostics.nodes) nodeStats[n.node] = &n;
    for (size_t i = 0; i < out.divergence.tensors.size(); ++i) {
        const TensorDivergence& d = out.divergence.tensors[i];
        if (d.node.empty()) continue; // a graph input
        Int8NodeFinding f;
        f.node = d.node;
        f.op = d.op;
        f.tensor = d.tensor;
        f.maxSteps = d.maxSteps;
        f.shareBeyondOneStep = d.shareBeyondOneStep();
        f.maxStepsEndToEnd = d.maxStepsEndToEnd;
        f.sqnrIntDb = d.sqnrIntDb();
        f.sqnrSimDb = d.sqnrSimDb();
        if (const auto t = tensorStats.find(d.loweredTensor);
            t != tensorStats.end() && t->second->elements > 0) {
            const Int8TensorStats& s = *t->second;
            f.codesUsedShare = s.codesUsedShare();
            f.saturationLow = double(s.atMin) / double(s.elements);
            f.saturationHigh = double(s.atMax) / double(s.elements);
        }
        if (const auto n = nodeStats.find(d.loweredNode); n != nodeStats.end())
            f.headroomBits = n->second->headroomBits;
        f.divergent = out.divergence.first && *out.divergence.first == i;
        out.nodes.push_back(std::move(f));
    }
    return out;
}

} // namespace qs
