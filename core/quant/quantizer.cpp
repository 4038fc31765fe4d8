#include "quant/quantizer.h"

#include "exec/executor.h"
#include "exec/shape_inference.h"
#include "quant/data_free_ranges.h"
#include "quant/op_quant_rules.h"
#include "quant/passes/inference_optimizer.h"
#include "util/thread_pool.h"

#include <cstring>
#include <optional>
#include <set>

namespace qs {

Result<std::vector<Tensor>> splitIntoBatches(const Tensor& samples, const Value& input,
                                             int preferred) {
    if (samples.rank() < 1 || samples.dim(0) < 1)
        return makeError(ErrorCode::InvalidArgument, "calibration data for input '", input.name,
                         "' is empty");
    if (samples.dtype() != DataType::F32)
        return makeError(ErrorCode::TypeMismatch, "calibration data for input '", input.name,
                         "' is ", dataTypeName(samples.dtype()), ", expected f32");
    const TensorInfo& d = input.info;
    if (d.shapeKnown) {
        bool ok = d.shape.size() == samples.shape().size();
        for (size_t i = 1; ok && i < d.shape.size(); ++i)
            if (d.shape[i] >= 0 && d.shape[i] != samples.shape()[i]) ok = false;
        if (!ok)
            return makeError(ErrorCode::ShapeMismatch, "calibration data of shape ",
                             shapeToString(samples.shape()), " does not fit input '", input.name,
                             "' of shape ", shapeToString(d.shape));
    }
    const int64_t n = samples.dim(0);
    int64_t batch = std::max(1, preferred);
    if (d.shapeKnown && !d.shape.empty() && d.shape[0] > 0) {
        batch = d.shape[0];
        if (n % batch != 0)
            return makeError(ErrorCode::ShapeMismatch, "input '", input.name,
                             "' has a fixed batch of ", batch, ", but ", n,
                             " calibration samples are not a multiple of it");
    }
    const int64_t per = samples.numel() / n;
    std::vector<Tensor> batches;
    for (int64_t b = 0; b < n; b += batch) {
        Shape s = samples.shape();
        s[0] = std::min(batch, n - b);
        Tensor t(DataType::F32, s);
        std::memcpy(t.rawData(), samples.data<float>() + b * per,
                    size_t(s[0] * per) * sizeof(float));
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
    Status onTensor(NodeId, ValueId value, Tensor& tensor) override {
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

Result<std::map<std::string, std::shared_ptr<RangeCollector>>>
collectActivationStatistics(const Graph& graph, const std::string& inputName,
                            const std::vector<Tensor>& batches, int threads,
                            const RangeCollectorOptions& options, Progress* progress,
                            const std::set<std::string>* only) {
    QS_ASSIGN(auto executor, Executor::create(graph, ExecOptions{threads}));
    std::map<std::string, std::shared_ptr<RangeCollector>> collectors;
    // Observers run between kernels, while the executor's threads wait: a pool of the same size
    // scans the large tensors in parallel (RangeCollector splits them independently of threads).
    ThreadPool pool(std::max(1, threads));
    for (size_t b = 0; b < batches.size(); ++b) {
        if (progress) {
            if (progress->isCancelled()) return Error(ErrorCode::Cancelled, "cancelled");
            progress->report(double(b) / double(batches.size()),
                             "calibration batch " + std::to_string(b + 1) + "/" +
                                 std::to_string(batches.size()));
        }
        StatisticsHooks hooks(executor->graph(), collectors, options, only, &pool);
        auto r = executor->run({{inputName, batches[b]}}, &hooks);
        if (!r)
            return std::move(r.addContext("calibration batch " + std::to_string(b + 1)))
                .takeError();
    }
    return collectors;
}

namespace {

// For an unknown name in a node list: when the model's node names hold commas, the list's comma
// probably split one of them.
std::string commaHint(const Graph& graph) {
    for (const Node& n : graph.nodes())
        if (n.name.find(',') != std::string::npos)
            return " (node names of this model contain commas: write a comma inside a name as "
                   "'\\,')";
    return {};
}

// The graph the quantizer works on: BatchNorm folded unless disabled.
Status prepareGraph(const Graph& original, const QuantConfig& config, Graph& graph,
                    std::vector<FoldedBatchNorm>& folds) {
    if (!config.foldBatchNorm) {
        graph = original;
        return {};
    }
    // Identity nodes in front of weights (torchvision exports) would hide them from folding.
    QS_ASSIGN(Graph plain, removePassThroughs(original));
    QS_ASSIGN(BatchNormFoldResult folded, foldBatchNorms(plain));
    graph = std::move(folded.graph);
    folds = std::move(folded.folds);
    return {};
}

} // namespace

Result<std::vector<ClePair>> equalizablePairs(const Graph& original, const QuantConfig& config) {
    Graph graph;
    std::vector<FoldedBatchNorm> folds;
    QS_TRY(prepareGraph(original, config, graph, folds));
    CleOptions options;
    options.maxSweeps = 0; // find the pairs, change nothing
    QS_ASSIGN(CleResult found, equalizeCrossLayer(graph, options));
    return std::move(found.pairs);
}

Result<QuantizedModel> quantizeModel(const Graph& original, const QuantConfig& config,
                                     const CalibrationData* calibration, Progress* progress) {
    QuantizedModel m;
    m.original = original;
    m.config = config;
    QS_TRY(prepareGraph(original, config, m.graph, m.folds));
    m.merged = m.graph;
    // Statistics of each folded layer's output as data-free calibration sees them: CLE divides
    // an equalized layer's output channel i by s_i, and its BN's β, γ with it.
    std::vector<FoldedBatchNorm> outputStats = m.folds;
    if (config.cleEnabled()) {
        // --cle-layers: the named nodes (a folded BatchNorm stands for its Conv) restrict the
        // pass to their pairs; each must be in one.
        CleOptions cleOptions;
        std::map<std::string, std::string> named; // --cle-layers name -> node in m.graph
        // Checked with --cle too (which equalizes every pair anyway): a wrong name is a mistake.
        for (const std::string& name : config.cleLayers) {
            std::string target = name;
            for (const FoldedBatchNorm& f : m.folds)
                if (f.batchNormNode == name) target = f.targetNode;
            if (!m.graph.findNode(target))
                return makeError(ErrorCode::InvalidArgument, "option '--cle-layers ",
                                 joinNodeList({name}), "': the model has no node named '", name,
                                 "'", commaHint(m.original));
            named[name] = target;
            if (!config.cle) cleOptions.only.insert(target);
        }
        QS_ASSIGN(CleResult cle, equalizeCrossLayer(m.graph, cleOptions));
        for (const auto& [name, target] : named) {
            bool paired = false;
            for (const ClePair& p : cle.pairs) paired |= p.first == target || p.second == target;
            if (paired) continue;
            std::string why;
            for (const std::string& s : cle.skipped)
                if (s.rfind(target + " -> ", 0) == 0) why = " (" + s + ")";
            return makeError(ErrorCode::InvalidArgument, "option '--cle-layers ",
                             joinNodeList({name}), "': '", name,
                             "' is in no pair cross-layer equalization can balance (Conv, then "
                             "Relu or nothing, then Conv or Gemm)",
                             why);
        }
        m.graph = std::move(cle.graph);
        cle.graph = Graph();
        for (FoldedBatchNorm& f : outputStats) {
            auto it = cle.outputDivisors.find(f.targetNode);
            if (it == cle.outputDivisors.end() || it->second.size() != f.gamma.size()) continue;
            for (size_t c = 0; c < f.gamma.size(); ++c) {
                f.gamma[c] = float(double(f.gamma[c]) / it->second[c]);
                f.beta[c] = float(double(f.beta[c]) / it->second[c]);
            }
        }
        m.cle = std::move(cle);
    }
    if (m.graph.inputs().empty())
        return makeError(ErrorCode::InvalidModel, "the model has no inputs");
    // --adaround-layers: weighted layers only (checked before the costly calibration; with
    // --adaround too).
    for (const std::string& name : config.adaroundLayers) {
        const auto id = m.graph.findNode(name);
        bool folded = false;
        for (const FoldedBatchNorm& f : m.folds) folded |= f.batchNormNode == name;
        if (!id && !folded)
            return makeError(ErrorCode::InvalidArgument, "option '--adaround-layers ",
                             joinNodeList({name}), "': the model has no node named '", name, "'",
                             commaHint(m.original));
        if (!id || opQuantRule(m.graph, m.graph.node(*id)) != OpQuantRule::Weighted)
            return makeError(ErrorCode::InvalidArgument, "option '--adaround-layers ",
                             joinNodeList({name}), "': '", name,
                             "' is not a weighted layer (Conv, Gemm, MatMul with constant "
                             "weights)");
    }
    // Types of intermediate values decide what can be quantized (int64 shape arithmetic is not):
    // infer them, binding a dynamic batch to the calibration data's where there is one.
    {
        std::map<std::string, Shape> shapes;
        if (calibration && calibration->samples.rank() > 0) {
            const std::string name = calibration->inputName.empty()
                                         ? m.graph.value(m.graph.inputs()[0]).name
                                         : calibration->inputName;
            Shape s = calibration->samples.shape();
            s[0] = 1;
            if (auto id = m.graph.findValue(name); id && m.graph.value(*id).isGraphInput &&
                                                   m.graph.value(*id).info.shape.size() == s.size())
                shapes[name] = s;
        }
        auto report =
            inferShapes(m.graph, shapes); // unknown shapes are not fatal: data decides at run time
        (void)report;
    }

    // An empty calibration set is a mistake (a wrong file or slice), not a request for
    // data-free ranges: say so rather than silently calibrating without data.
    if (calibration && !calibration->samples.isNull() && calibration->samples.numel() == 0)
        return makeError(ErrorCode::InvalidArgument, "the calibration set has no samples (shape ",
                         shapeToString(calibration->samples.shape()), ")");
    std::string inputName;
    std::vector<Tensor> batches;
    const bool haveData = calibration && calibration->samples.numel() > 0 &&
                          (config.activationMode == ActivationMode::Static ||
                           config.biasCorrection || config.adaroundEnabled());
    if (config.adaroundEnabled() && !haveData)
        return makeError(ErrorCode::InvalidArgument, "option '--",
                         config.adaround ? "adaround" : "adaround-layers",
                         "' needs calibration data (--calib)");
    if (haveData) {
        inputName = calibration->inputName.empty() ? m.graph.value(m.graph.inputs()[0]).name
                                                   : calibration->inputName;
        auto inputId = m.graph.findValue(inputName);
        if (!inputId || !m.graph.value(*inputId).isGraphInput)
            return makeError(ErrorCode::NotFound, "the model has no input named '", inputName, "'");
        QS_ASSIGN(batches, splitIntoBatches(calibration->samples, m.graph.value(*inputId),
                                            calibration->batchSize));
        m.calibrationSamples = int(calibration->samples.dim(0));
    }
    std::vector<std::string> dataFreeNotes;
    if (config.activationMode == ActivationMode::Static) {
        if (haveData) {
            // Only tensors the plan can quantize need statistics: find them with a plan built on
            // placeholder ranges (the plan's structure does not depend on the range values).
            std::map<std::string, ClipRange> placeholder;
            for (const Value& v : m.graph.values())
                if (!v.initializer) placeholder[v.name] = ClipRange{-1.0f, 1.0f};
            QS_ASSIGN(QuantPlan shape, buildQuantPlan(m.graph, config, placeholder));
            std::set<std::string> needed;
            for (const auto& [name, e] : shape.tensors)
                if (e.params.state == TensorQuantState::Quantized && !e.isWeight && !e.isBias)
                    needed.insert(name);
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
            QS_ASSIGN(std::unique_ptr<Calibrator> calibrator, makeCalibrator(config.calibration));
            // --tensor-calib: those tensors' own calibrators.
            std::map<std::string, std::unique_ptr<Calibrator>> overrides;
            for (const auto& [name, method] : config.tensorCalibration) {
                if (!m.collectors.count(name)) {
                    dataFreeNotes.push_back("--tensor-calib " + name + "=" +
                                            calibrationMethodName(method) +
                                            ": the tensor is not a calibrated activation; ignored");
                    continue;
                }
                auto made = makeCalibrator(config.calibrationFor(name));
                if (!made)
                    return std::move(made.addContext("option '--tensor-calib " + name + "'"))
                        .takeError();
                overrides[name] = std::move(made).value();
            }
            // Range choice per tensor is independent (KL costs a few ms each): spread it over the
            // threads.
            std::vector<std::pair<std::string, const RangeCollector*>> items;
            std::vector<const Calibrator*> calibrators;
            for (const auto& [name, collector] : m.collectors) {
                items.emplace_back(name, collector.get());
                const auto o = overrides.find(name);
                calibrators.push_back(o != overrides.end() ? o->second.get() : calibrator.get());
            }
            std::vector<std::optional<Result<ClipRange>>> chosen(items.size());
            ThreadPool pool(config.threads);
            pool.parallelFor(int64_t(items.size()), 1, [&](int64_t b, int64_t e) {
                for (int64_t i = b; i < e; ++i)
                    chosen[size_t(i)] = calibrators[size_t(i)]->chooseRange(
                        *items[size_t(i)].second, config.activation);
            });
            for (size_t i = 0; i < items.size(); ++i) {
                Result<ClipRange>& range = *chosen[i];
                if (!range)
                    return std::move(range.addContext("tensor '" + items[i].first + "'"))
                        .takeError();
                m.activationRanges[items[i].first] = *range;
            }
        } else {
            DataFreeRanges df = estimateDataFreeRanges(m.graph, outputStats, config.dataFreeSigmas);
            m.activationRanges = std::move(df.ranges);
            m.dataFree = true;
            dataFreeNotes = std::move(df.notes);
            if (!config.tensorCalibration.empty())
                dataFreeNotes.push_back("--tensor-calib is ignored without calibration data "
                                        "(data-free ranges)");
        }
    }
    QS_ASSIGN(m.plan, buildQuantPlan(m.graph, config, m.activationRanges));
    if (config.biasCorrection || config.adaroundEnabled()) m.beforeRepairs = m.graph;
    std::vector<std::string> adaroundNotes; // after bias correction's plan rebuild
    if (config.adaroundEnabled()) {
        AdaRoundOptions options;
        options.iterations = config.adaroundIterations;
        options.threads = config.threads;
        options.progress = progress;
        if (!config.adaround) {
            options.only = config.adaroundLayers;
            for (const std::string& name : config.adaroundLayers)
                if (const auto it = m.plan.nodes.find(name);
                    it == m.plan.nodes.end() || !it->second.quantized)
                    adaroundNotes.push_back("--adaround-layers " + name +
                                            ": the layer is not quantized; nothing to round");
        }
        QS_ASSIGN(m.adaround, adaroundWeights(m.graph, m.plan, inputName, batches, options));
    }
    if (config.biasCorrection) {
        // After the plan (the correction needs each weight's quantization error) and after
        // AdaRound, whose layers it leaves alone: AdaRound's reconstruction of W·x already
        // includes the output's mean, and correcting nearest rounding's shift on top added error
        // (digits_mbv2_bn W4: 25.1 dB AdaRound alone, 15.8 dB with that correction; the residual
        // shift of the AdaRounded weights, 23.7 dB).
        InputMeans means;
        std::map<std::string, std::string> sources;
        const BiasCorrectionMode mode =
            haveData ? BiasCorrectionMode::Empirical : BiasCorrectionMode::DataFree;
        if (haveData) {
            std::vector<std::string> inputs;
            for (const auto& [name, info] : m.plan.nodes) {
                if (info.rule != OpQuantRule::Weighted || !info.quantized) continue;
                if (auto id = m.graph.findNode(name); id && !m.graph.node(*id).inputs.empty() &&
                                                      m.graph.node(*id).inputs[0] != kNoValue)
                    inputs.push_back(m.graph.value(m.graph.node(*id).inputs[0]).name);
            }
            if (progress) progress->report(0.0, "bias correction: input means");
            QS_ASSIGN(means, meanActivations(m.beforeRepairs, inputName, batches, inputs,
                                             config.threads, progress));
        } else {
            means = dataFreeInputMeans(m.beforeRepairs, outputStats, &sources);
        }
        QS_ASSIGN(BiasCorrectionResult bc,
                  computeBiasCorrection(m.graph, m.plan, means, mode, sources));
        if (m.adaround)
            for (const AdaRoundLayer& l : m.adaround->layers)
                if (std::erase_if(bc.layers, [&](const BiasCorrectionLayer& c) {
                        return c.node == l.node;
                    }) > 0)
                    bc.skipped.push_back(l.node + ": AdaRound rounded it (its reconstruction "
                                                  "includes the output's mean)");
        QS_ASSIGN(m.graph, applyBiasCorrection(m.graph, bc));
        // The plan from the float weights (as before AdaRound) with the corrected biases.
        QS_ASSIGN(Graph planGraph, applyBiasCorrection(m.beforeRepairs, bc));
        QS_ASSIGN(m.plan, buildQuantPlan(planGraph, config, m.activationRanges));
        for (const std::string& s : bc.skipped)
            m.plan.notes.push_back("bias correction skipped " + s);
        bc.means = std::move(means);
        bc.sources = std::move(sources);
        m.biasCorrection = std::move(bc);
    }
    m.plan.notes.insert(m.plan.notes.end(), adaroundNotes.begin(), adaroundNotes.end());
    m.plan.notes.insert(m.plan.notes.begin(), dataFreeNotes.begin(), dataFreeNotes.end());
    if (progress) progress->report(1.0, "quantized");
    return m;
}

} // namespace qs
