#include "quant/quantizer.h"

#include "exec/executor.h"
#include "exec/shape_inference.h"
#include "quant/data_free_ranges.h"
#include "quant/passes/inference_optimizer.h"
#include "util/thread_pool.h"

#include <cstring>
#include <optional>
#include <set>

namespace qs {

Result<std::vector<Tensor>> splitIntoBatches(const Tensor& samples, const Value& input, int preferred)
{
    if (samples.rank() < 1 || samples.dim(0) < 1)
        return makeError(ErrorCode::InvalidArgument, "calibration data for input '", input.name, "' is empty");
    if (samples.dtype() != DataType::F32)
        return makeError(ErrorCode::TypeMismatch, "calibration data for input '", input.name, "' is ",
                         dataTypeName(samples.dtype()), ", expected f32");
    const TensorInfo& d = input.info;
    if (d.shapeKnown) {
        bool ok = d.shape.size() == samples.shape().size();
        for (size_t i = 1; ok && i < d.shape.size(); ++i)
            if (d.shape[i] >= 0 && d.shape[i] != samples.shape()[i]) ok = false;
        if (!ok)
            return makeError(ErrorCode::ShapeMismatch, "calibration data of shape ", shapeToString(samples.shape()),
                             " does not fit input '", input.name, "' of shape ", shapeToString(d.shape));
    }
    const int64_t n = samples.dim(0);
    int64_t batch = std::max(1, preferred);
    if (d.shapeKnown && !d.shape.empty() && d.shape[0] > 0) {
        batch = d.shape[0];
        if (n % batch != 0)
            return makeError(ErrorCode::ShapeMismatch, "input '", input.name, "' has a fixed batch of ", batch, ", but ",
                             n, " calibration samples are not a multiple of it");
    }
    const int64_t per = samples.numel() / n;
    std::vector<Tensor> batches;
    for (int64_t b = 0; b < n; b += batch) {
        Shape s = samples.shape();
        s[0] = std::min(batch, n - b);
        Tensor t(DataType::F32, s);
        std::memcpy(t.rawData(), samples.data<float>() + b * per, size_t(s[0] * per) * sizeof(float));
        batches.push_back(std::move(t));
    }
    return batches;
}

namespace {

class StatisticsHooks : public ExecHooks {
public:
    StatisticsHooks(const Graph& graph, std::map<std::string, std::shared_ptr<RangeCollector>>& out,
                    const RangeCollectorOptions& options, const std::set<std::string>* only,
                    ThreadPool* pool)
        : m_graph(graph)
        , m_out(out)
        , m_options(options)
        , m_only(only)
        , m_pool(pool) {}
    Status onTensor(NodeId, ValueId value, Tensor& tensor) override
    {
        if (tensor.dtype() != DataType::F32) return {};
        if (m_only && !m_only->count(m_graph.value(value).name)) return {};
        const std::string& name = m_graph.value(value).name;
        auto& c = m_out[name];
        if (!c) c = std::make_shared<RangeCollector>(m_options);
        Status st = c->observe(tensor, m_pool);
        if (!st) return std::move(st.addContext("tensor '" + name + "'")).takeError();
        return {};
    }

private:
    const Graph& m_graph;
    std::map<std::string, std::shared_ptr<RangeCollector>>& m_out;
    RangeCollectorOptions m_options;
    const std::set<std::string>* m_only;
    ThreadPool* m_pool;
};

} // namespace

Result<std::map<std::string, std::shared_ptr<RangeCollector>>> collectActivationStatistics(
    const Graph& graph, const std::string& inputName, const std::vector<Tensor>& batches, int threads,
    const RangeCollectorOptions& options, Progress* progress, const std::set<std::string>* only)
{
    QS_ASSIGN(auto executor, Executor::create(graph, ExecOptions{threads}));
    std::map<std::string, std::shared_ptr<RangeCollector>> collectors;
    // Observers run between kernels, while the executor's threads wait: a pool of the same size
    // scans the large tensors in parallel (RangeCollector splits them independently of threads).
    ThreadPool pool(std::max(1, threads));
    for (size_t b = 0; b < batches.size(); ++b) {
        if (progress) {
            if (progress->isCancelled()) return Error(ErrorCode::Cancelled, "cancelled");
            progress->report(double(b) / double(batches.size()),
                             "calibration batch " + std::to_string(b + 1) + "/" + std::to_string(batches.size()));
        }
        StatisticsHooks hooks(executor->graph(), collectors, options, only, &pool);
        auto r = executor->run({{inputName, batches[b]}}, &hooks);
        if (!r) return std::move(r.addContext("calibration batch " + std::to_string(b + 1))).takeError();
    }
    return collectors;
}

Result<QuantizedModel> quantizeModel(const Graph& original, const QuantConfig& config, const CalibrationData* calibration,
                                     Progress* progress)
{
    QuantizedModel m;
    m.original = original;
    m.config = config;
    if (config.foldBatchNorm) {
        // Identity nodes in front of weights (torchvision exports) would hide them from folding.
        QS_ASSIGN(Graph plain, removePassThroughs(original));
        QS_ASSIGN(BatchNormFoldResult folded, foldBatchNorms(plain));
        m.graph = std::move(folded.graph);
        m.folds = std::move(folded.folds);
    } else {
        m.graph = original;
    }
    if (m.graph.inputs().empty()) return makeError(ErrorCode::InvalidModel, "the model has no inputs");
    // Types of intermediate values decide what can be quantized (int64 shape arithmetic is not):
    // infer them, binding a dynamic batch to the calibration data's where there is one.
    {
        std::map<std::string, Shape> shapes;
        if (calibration && calibration->samples.rank() > 0) {
            const std::string name =
                calibration->inputName.empty() ? m.graph.value(m.graph.inputs()[0]).name : calibration->inputName;
            Shape s = calibration->samples.shape();
            s[0] = 1;
            if (auto id = m.graph.findValue(name); id && m.graph.value(*id).isGraphInput &&
                                                   m.graph.value(*id).info.shape.size() == s.size())
                shapes[name] = s;
        }
        auto report = inferShapes(m.graph, shapes); // unknown shapes are not fatal: data decides at run time
        (void)report;
    }

    if (config.activationMode == ActivationMode::Static) {
        if (calibration && calibration->samples.numel() > 0) {
            const std::string inputName =
                calibration->inputName.empty() ? m.graph.value(m.graph.inputs()[0]).name : calibration->inputName;
            auto inputId = m.graph.findValue(inputName);
            if (!inputId || !m.graph.value(*inputId).isGraphInput)
                return makeError(ErrorCode::NotFound, "the model has no input named '", inputName, "'");
            QS_ASSIGN(std::vector<Tensor> batches,
                      splitIntoBatches(calibration->samples, m.graph.value(*inputId), calibration->batchSize));
            // Only tensors the plan can quantize need statistics: find them with a plan built on
            // placeholder ranges (the plan's structure does not depend on the range values).
            std::map<std::string, ClipRange> placeholder;
            for (const Value& v : m.graph.values())
                if (!v.initializer) placeholder[v.name] = ClipRange{-1.0f, 1.0f};
            QS_ASSIGN(QuantPlan shape, buildQuantPlan(m.graph, config, placeholder));
            std::set<std::string> needed;
            for (const auto& [name, e] : shape.tensors)
                if (e.params.state == TensorQuantState::Quantized && !e.isWeight && !e.isBias) needed.insert(name);
            const RangeCollectorOptions options = collectorOptionsFor(config.calibration);
            // Calibrate on the activation-fused graph (Conv/Gemm + Relu/Clip as one kernel, as the
            // optimised fp32 forward runs): the fused output carries the activation's name and
            // values, and the plan quantizes only that tensor of the pair. Fall back to the plain
            // graph if fusion removed a tensor the plan needs (a --float Relu after a Conv).
            QS_ASSIGN(Graph fused, fuseActivations(m.graph));
            bool fusedHasAll = true;
            for (const std::string& name : needed)
                fusedHasAll = fusedHasAll && fused.findValue(name).has_value();
            QS_ASSIGN(m.collectors,
                      collectActivationStatistics(fusedHasAll ? fused : m.graph, inputName, batches,
                                                  config.threads, options, progress, &needed));
            m.calibrationSamples = int(calibration->samples.dim(0));
            QS_ASSIGN(std::unique_ptr<Calibrator> calibrator, makeCalibrator(config.calibration));
            // Range choice per tensor is independent (KL costs a few ms each): spread it over the threads.
            std::vector<std::pair<std::string, const RangeCollector*>> items;
            for (const auto& [name, collector] : m.collectors) items.emplace_back(name, collector.get());
            std::vector<std::optional<Result<ClipRange>>> chosen(items.size());
            ThreadPool pool(config.threads);
            pool.parallelFor(int64_t(items.size()), 1, [&](int64_t b, int64_t e) {
                for (int64_t i = b; i < e; ++i)
                    chosen[size_t(i)] = calibrator->chooseRange(*items[size_t(i)].second, config.activation);
            });
            for (size_t i = 0; i < items.size(); ++i) {
                Result<ClipRange>& range = *chosen[i];
                if (!range) return std::move(range.addContext("tensor '" + items[i].first + "'")).takeError();
                m.activationRanges[items[i].first] = *range;
            }
        } else {
            DataFreeRanges df = estimateDataFreeRanges(m.graph, m.folds, config.dataFreeSigmas);
            m.activationRanges = std::move(df.ranges);
            m.dataFree = true;
            QS_ASSIGN(m.plan, buildQuantPlan(m.graph, config, m.activationRanges));
            m.plan.notes.insert(m.plan.notes.begin(), df.notes.begin(), df.notes.end());
            return m;
        }
    }
    QS_ASSIGN(m.plan, buildQuantPlan(m.graph, config, m.activationRanges));
    if (progress) progress->report(1.0, "quantized");
    return m;
}

} // namespace qs
