#include "analysis/executor_comparison.h"

#include "analysis/analysis_common.h"
#include "quant/int8/int8_executor.h"
#include "quant/simulator.h"

namespace qs {

namespace {

bool isFloatType(DataType t) {
    return t == DataType::F32 || t == DataType::F16 || t == DataType::F64;
}

} // namespace

QuantizedSize quantizedModelSize(const QuantizedModel& model) {
    QuantizedSize size;
    for (const Value& v : model.graph.values()) {
        if (!v.initializer || !isFloatType(v.initializer->dtype())) continue;
        const int64_t n = v.initializer->numel();
        size.parameters += n;
        size.fp32Bytes += 4 * n;
        const TensorQuantEntry* e = model.plan.tensor(v.name);
        if (e && e->params.state == TensorQuantState::Quantized && (e->isWeight || e->isBias)) {
            size.quantizedParameters += n;
            if (e->isBias) {
                size.quantizedBytes += 4 * n;
            } else {
                const int bits = e->params.spec.bits;
                const int64_t sets = int64_t(e->params.count());
                size.quantizedBytes += (n * bits + 7) / 8 + sets * (4 + (bits <= 8 ? 1 : 2));
            }
        } else {
            size.quantizedBytes += 4 * n;
        }
    }
    return size;
}

namespace {

template <class Run>
Result<Tensor> firstOutput(const std::vector<Tensor>& batches, const std::string& inputName,
                           const std::string& outputName, Run&& run) {
    std::vector<Tensor> parts;
    for (const Tensor& b : batches) {
        QS_ASSIGN(RunResult r, run(std::map<std::string, Tensor>{{inputName, b}}));
        const auto it = r.outputs.find(outputName);
        if (it == r.outputs.end())
            return makeError(ErrorCode::Internal, "output '", outputName, "' missing");
        parts.push_back(it->second);
    }
    return concatRows(parts);
}

} // namespace

Result<ExecutorComparison> compareExecutors(const QuantizedModel& model, const Tensor& data,
                                            const Tensor* labels, const std::string& inputName,
                                            const ExecutorComparisonOptions& options) {
    const Graph& graph = model.graph;
    if (graph.inputs().empty() || graph.outputs().empty())
        return makeError(ErrorCode::InvalidArgument, "the model has no inputs or outputs");
    const std::string input = inputName.empty() ? graph.value(graph.inputs()[0]).name : inputName;
    const auto inputId = graph.findValue(input);
    if (!inputId)
        return makeError(ErrorCode::NotFound, "the model has no input named '", input, "'");
    const std::string output = graph.value(graph.outputs()[0]).name;
    QS_ASSIGN(std::vector<Tensor> batches,
              splitIntoBatches(data, graph.value(*inputId), options.batchSize));
    if (batches.empty()) return makeError(ErrorCode::InvalidArgument, "no evaluation samples");
    const ExecOptions exec{options.threads};
    CancelOnly stop(options.cancel);

    QS_ASSIGN(auto fp32, Executor::create(graph, exec));
    QS_ASSIGN(Tensor reference,
              firstOutput(batches, input, output, [&](const std::map<std::string, Tensor>& in) {
                  return fp32->run(in, nullptr, &stop);
              }));
    ExecutorComparison out;
    out.samples = reference.dim(0);

    auto measure = [&](ExecutorAccuracy& row, const Tensor& test) -> Status {
        QS_ASSIGN(row.result, compareClassifiers(reference, test, labels));
        row.cosine = cosineSimilarity(reference, test);
        row.measured = true;
        if (row.result.fp32Top1) out.fp32Top1 = row.result.fp32Top1;
        return {};
    };
    {
        ExecutorAccuracy row;
        row.executor = "simulator";
        QS_ASSIGN(auto sim, Simulator::create(graph, model.plan, exec));
        QS_ASSIGN(Tensor test,
                  firstOutput(batches, input, output, [&](const std::map<std::string, Tensor>& in) {
                      return sim->run(in, nullptr, &stop);
                  }));
        QS_TRY(measure(row, test));
        out.executors.push_back(std::move(row));
    }
    {
        ExecutorAccuracy row;
        row.executor = "int8";
        // Outputs only: elementwise groups may run as fused tables (bit-exact).
        auto int8 = Int8Executor::create(
            graph, model.plan,
            Int8Options{model.config.requant, options.threads, /*fuseElementwise=*/true});
        if (!int8) {
            row.note = int8.message();
        } else {
            auto test =
                firstOutput(batches, input, output, [&](const std::map<std::string, Tensor>& in) {
                    return (*int8)->run(in, nullptr, &stop);
                });
            if (!test && test.error().code() == ErrorCode::Cancelled) return test.takeError();
            if (!test)
                row.note = test.message();
            else
                QS_TRY(measure(row, *test));
        }
        out.executors.push_back(std::move(row));
    }
    return out;
}

} // namespace qs
