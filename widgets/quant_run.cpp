#include "quant_run.h"

#include "analysis/accuracy.h"
#include "analysis/analysis_session.h"
#include "analysis/calibrator_comparison.h"
#include "analysis/quant_layers.h"
#include "exec/executor.h"
#include "io/npy.h"
#include "quant/quantizer.h"
#include "quant/simulator.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <cmath>
#include <cstring>
#include <exception>
#include <limits>
#include <optional>
#include <set>

namespace qs {

namespace {

// Maps a sub-task's [0, 1] onto [begin, end] of the whole run and forwards cancellation.
class SubProgress : public Progress {
public:
    SubProgress(Progress& parent, double begin, double end)
        : m_parent(parent)
        , m_begin(begin)
        , m_end(end) {}
    void report(double fraction, std::string_view what) override {
        m_parent.report(m_begin + (m_end - m_begin) * fraction, what);
    }
    bool isCancelled() const override { return m_parent.isCancelled(); }

private:
    Progress& m_parent;
    double m_begin, m_end;
};

Result<Tensor> readCalibration(const QString& path) {
    if (!path.startsWith(QLatin1String(":/")))
        return readNpy(QFile::encodeName(path).toStdString());
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return makeError(ErrorCode::IoError, "cannot open resource '", path.toStdString(), "'");
    const QByteArray bytes = file.readAll();
    return readNpyBytes(bytes.constData(), size_t(bytes.size()));
}

// The first `count` samples (N first) as a new tensor.
// Keeps a deep copy of every float node output of the fp32 run.
class ReferenceHooks : public ExecHooks {
public:
    std::map<ValueId, Tensor> tensors;
    Status onTensor(NodeId producer, ValueId value, Tensor& tensor) override {
        if (producer == kNoNode || tensor.dtype() != DataType::F32) return {};
        // Same buffers batch after batch: no allocation churn while the GUI thread runs.
        Tensor& kept = tensors[value];
        if (kept.isNull() || kept.shape() != tensor.shape())
            kept = Tensor(DataType::F32, tensor.shape());
        std::memcpy(kept.rawData(), tensor.rawData(), tensor.byteSize());
        return {};
    }
};

// Records every tensor's shape.
class ShapeHooks : public ExecHooks {
public:
    std::map<ValueId, Shape> shapes;
    Status onTensor(NodeId, ValueId value, Tensor& tensor) override {
        shapes[value] = tensor.shape();
        return {};
    }
};

QString formatShape(const Shape& shape, bool dynamicBatch) {
    QStringList dims;
    for (size_t i = 0; i < shape.size(); ++i)
        dims << (i == 0 && dynamicBatch ? QStringLiteral("N") : QString::number(shape[i]));
    return QLatin1Char('[') + dims.join(QLatin1Char(',')) + QLatin1Char(']');
}

// Accumulates Σy² and Σ(y − ŷ)² per value of the simulator's run against the references.
class ErrorHooks : public ExecHooks {
public:
    struct Sums {
        double signal = 0;
        double noise = 0;
    };
    const std::map<ValueId, Tensor>* reference = nullptr;
    std::map<ValueId, Sums> sums;
    Status onTensor(NodeId producer, ValueId value, Tensor& tensor) override {
        if (producer == kNoNode || tensor.dtype() != DataType::F32) return {};
        const auto it = reference->find(value);
        if (it == reference->end() || it->second.numel() != tensor.numel()) return {};
        const float* y = it->second.data<float>();
        const float* q = tensor.data<float>();
        Sums& s = sums[value];
        for (int64_t i = 0; i < tensor.numel(); ++i) {
            const double d = double(y[i]) - double(q[i]);
            s.signal += double(y[i]) * double(y[i]);
            s.noise += d * d;
        }
        return {};
    }
};

double sqnrFromSums(const ErrorHooks::Sums& s) {
    if (s.noise == 0) return s.signal == 0 ? qQNaN() : std::numeric_limits<double>::infinity();
    return 10.0 * std::log10(s.signal / s.noise);
}

QString granularityText(const QuantSpec& spec) {
    QString text = QString::fromLatin1(granularityName(spec.granularity));
    if (spec.granularity == Granularity::PerGroup)
        text += QStringLiteral(":%1").arg(spec.groupSize);
    return text;
}

// Bits, scheme and granularity of a node from the plan: its weight's if it has one, else its
// first output's.
void describeFromPlan(const QuantizedModel& q, const Node& node, LayerRunResult& layer) {
    const auto info = q.plan.nodes.find(node.name);
    if (info == q.plan.nodes.end()) return;
    layer.inPlan = true;
    layer.quantized = info->second.quantized;
    layer.bits = info->second.bits;
    const QuantParams* params = nullptr;
    for (ValueId in : node.inputs) {
        if (in == kNoValue) continue;
        const TensorQuantEntry* entry = q.plan.tensor(q.graph.value(in).name);
        if (entry && entry->isWeight && entry->params.state == TensorQuantState::Quantized) {
            params = &entry->params;
            break;
        }
    }
    if (!params && !node.outputs.empty() && node.outputs[0] != kNoValue)
        params = q.plan.effectiveParams(q.graph.value(node.outputs[0]).name);
    if (params && params->state != TensorQuantState::Float && layer.quantized) {
        layer.scheme = QString::fromLatin1(quantSchemeName(params->spec.scheme));
        layer.granularity = granularityText(params->spec);
    }
}

Status evaluate(const QuantizedModel& q, const Tensor& samples, const QuantRunRequest& request,
                QuantRunResult& result, Progress& progress) {
    const Graph& graph = q.graph;
    const ValueId inputId = graph.inputs().at(0);
    QS_ASSIGN(auto fp32, Executor::create(graph, ExecOptions{q.config.threads}));
    QS_ASSIGN(auto sim, Simulator::create(graph, q.plan, ExecOptions{q.config.threads}));
    const Tensor data = samples.firstRows(request.maxEvalSamples);
    QS_ASSIGN(std::vector<Tensor> batches,
              splitIntoBatches(data, graph.value(inputId), request.evalBatch));
    const std::string inputName = graph.value(inputId).name;
    const std::string outputName = graph.value(graph.outputs().at(0)).name;
    if (batches.empty()) return makeError(ErrorCode::InvalidArgument, "no samples to evaluate");
    {
        // The shapes of the model as imported (BatchNorm not folded), as the graph draws it:
        // one batch through the fp32 executor on the original graph.
        const Graph& original = *request.graph;
        const ValueId originalInput = original.inputs().at(0);
        const Value& input = original.value(originalInput);
        const bool dynamicBatch = (!input.dimNames.empty() && !input.dimNames[0].empty()) ||
                                  (!input.info.shape.empty() && input.info.shape[0] < 0);
        QS_ASSIGN(auto executor, Executor::create(original, ExecOptions{q.config.threads}));
        ShapeHooks shapes;
        QS_TRY(executor->run({{input.name, batches.front()}}, &shapes, &progress).status());
        for (const auto& [value, shape] : shapes.shapes)
            result.tensorShapes.insert(QString::fromStdString(original.value(value).name),
                                       formatShape(shape, dynamicBatch));
    }
    ErrorHooks errors;
    double agreementSum = 0;
    int64_t samplesSeen = 0;
    ReferenceHooks reference;
    QElapsedTimer clock;
    qint64 fp32Ns = 0, simNs = 0;
    for (size_t b = 0; b < batches.size(); ++b) {
        if (progress.isCancelled()) return makeError(ErrorCode::Cancelled, "cancelled");
        clock.start();
        QS_ASSIGN(RunResult ref, fp32->run({{inputName, batches[b]}}, &reference, &progress));
        fp32Ns += clock.nsecsElapsed();
        clock.start();
        errors.reference = &reference.tensors;
        QS_ASSIGN(RunResult test, sim->run({{inputName, batches[b]}}, &errors, &progress));
        simNs += clock.nsecsElapsed();
        Tensor y = ref.outputs.at(outputName), yq = test.outputs.at(outputName);
        if (y.dtype() == DataType::F32 && yq.dtype() == DataType::F32 && y.rank() >= 1) {
            QS_ASSIGN(AccuracyResult acc, compareClassifiers(y, yq, nullptr));
            agreementSum += acc.agreement * double(acc.samples);
            samplesSeen += acc.samples;
        }
        progress.report(double(b + 1) / double(batches.size()), "evaluation");
    }
    result.evalSamples = int(samplesSeen);
    if (data.rank() > 0 && data.dim(0) > 0) {
        result.fp32SecondsPerSample = double(fp32Ns) / 1e9 / double(data.dim(0));
        result.simSecondsPerSample = double(simNs) / 1e9 / double(data.dim(0));
        if (data.dtype() == DataType::F32) result.evalData = std::make_shared<const Tensor>(data);
    }
    // The last batch's float activations, as the fp32 references kept them: what a what-if
    // session caches per sample (twice).
    if (const Tensor& last = batches.back(); last.rank() > 0 && last.dim(0) > 0) {
        int64_t bytes = 0;
        for (const auto& [value, tensor] : reference.tensors) bytes += int64_t(tensor.byteSize());
        result.activationBytesPerSample = double(bytes) / double(last.dim(0));
    }
    if (samplesSeen > 0) result.agreement = agreementSum / double(samplesSeen);
    const auto out = errors.sums.find(graph.outputs().at(0));
    if (out != errors.sums.end()) result.outputSqnrDb = sqnrFromSums(out->second);
    for (const Node& node : graph.nodes()) {
        if (node.outputs.empty() || node.outputs[0] == kNoValue) continue;
        const auto it = errors.sums.find(node.outputs[0]);
        if (it == errors.sums.end()) continue;
        const QString name = QString::fromStdString(node.name);
        if (result.layers.contains(name)) result.layers[name].sqnrDb = sqnrFromSums(it->second);
    }
    return {};
}

// The calibrator comparison of every calibrated activation, as `quantscope-cli analyze` computes
// it: output SQNRs from a what-if session on the first request.calibratorSamples samples.
Status compareCalibratorsOf(const QuantizedModel& q, const std::vector<QuantLayerRef>& layers,
                            const Tensor& data, const QuantRunRequest& request, Progress& progress,
                            RunAnalyses& out) {
    out.activationRanges = q.activationRanges;
    if (q.collectors.empty()) return {};
    std::unique_ptr<AnalysisSession> session;
    if (request.calibratorSamples > 0 && data.rank() >= 1 && data.dtype() == DataType::F32) {
        progress.report(0.0, "calibrator comparison: evaluation samples");
        AnalysisSessionOptions ao;
        ao.threads = q.config.threads;
        ao.batchSize = 4;
        ao.cancel = &progress;
        const std::string inputName = q.graph.value(q.graph.inputs().at(0)).name;
        QS_ASSIGN(session, AnalysisSession::create(q, data.firstRows(request.calibratorSamples),
                                                   inputName, ao));
        out.calibratorSamples = int(session->samples());
        out.calibratorBaseSqnrDb = session->outputSqnrDb();
    }
    QS_ASSIGN(std::vector<TensorCalibratorComparison> all,
              compareCalibratorsAll(q, session.get(), &progress));
    for (TensorCalibratorComparison& c : all) {
        const TensorQuantEntry* e = q.plan.tensor(c.tensor);
        ActivationCalibrators a;
        a.histogram =
            activationHistogram(c.tensor, *q.collectors.at(c.tensor), e ? &e->params : nullptr);
        a.comparison = std::move(c);
        out.calibrators.push_back(std::move(a));
    }
    std::set<std::string> compared;
    for (const ActivationCalibrators& a : out.calibrators) compared.insert(a.comparison.tensor);
    for (const Node& node : q.graph.nodes())
        for (ValueId v : node.outputs)
            if (v != kNoValue && compared.count(q.graph.value(v).name) &&
                !out.nodeActivation.count(node.name))
                out.nodeActivation[node.name] = q.graph.value(v).name;
    // A layer fused with its Relu/Clip is quantized on the activation's output.
    for (const QuantLayerRef& l : layers)
        if (compared.count(l.output)) out.nodeActivation[l.name] = l.output;
    return {};
}

// Core's analyses on the evaluation samples, as `quantscope-cli analyze` runs them: outliers,
// histograms and channel ranges from the plan, then the cone runner shared by sensitivity and
// the mixed-bit table, the suggestion verified by quantizing with it, and the graph-wise error.
Result<std::shared_ptr<const RunAnalyses>> analyze(const Graph& original, const QuantizedModel& q,
                                                   const Tensor& samples,
                                                   const QuantRunRequest& request,
                                                   Progress& progress) {
    auto out = std::make_shared<RunAnalyses>();
    const Tensor data = samples.firstRows(request.maxEvalSamples);
    const std::string inputName = q.graph.value(q.graph.inputs().at(0)).name;
    const std::vector<QuantLayerRef> layers = quantLayers(q);
    auto cancelled = [&progress]() -> Status {
        if (progress.isCancelled()) return makeError(ErrorCode::Cancelled, "cancelled");
        return {};
    };
    progress.report(0.0, "weight outliers");
    OutlierOptions outlierOptions;
    outlierOptions.weightSpec.bits = q.config.weight.bits;
    outlierOptions.weightSpec.scheme = q.config.weight.scheme;
    QS_TRY(fillLayerAnalyses(*out, q, layers, outlierOptions));
    QS_TRY(cancelled());
    {
        SubProgress calibratorProgress(progress, 0.0, 0.05);
        QS_TRY(compareCalibratorsOf(q, layers, data, request, calibratorProgress, *out));
    }
    QS_TRY(cancelled());
    if (data.rank() < 1 || data.dtype() != DataType::F32) {
        out->notes.push_back("sensitivity, mixed bits and graph-wise error need float32 data");
        return std::shared_ptr<const RunAnalyses>(std::move(out));
    }
    const int threads = q.config.threads;
    progress.report(0.05, "activation cache");
    const bool mixed = request.mixedBitsBudget > 0 && !layers.empty();
    QS_ASSIGN(auto runner,
              LayerConeRunner::create(q, layers, data, inputName, threads, 16, true, &progress));
    QS_TRY(cancelled());
    SubProgress sensProgress(progress, 0.15, mixed ? 0.55 : 0.8);
    SensitivityOptions so;
    so.threads = threads;
    so.progress = &sensProgress;
    QS_ASSIGN(out->sensitivity, analyzeSensitivity(q, layers, *runner, nullptr, so));
    QS_TRY(cancelled());
    if (mixed) {
        SubProgress mixedProgress(progress, 0.55, 0.75);
        MixedBitsOptions mo;
        mo.budgetBits = request.mixedBitsBudget;
        mo.progress = &mixedProgress;
        QS_ASSIGN(out->mixedBits, suggestMixedBits(q, layers, *runner, mo));
        QS_TRY(cancelled());
        // Verify the suggestion: quantize with it (as --layer-bits would) and run it.
        progress.report(0.75, "mixed bits: measuring the suggestion");
        QuantConfig withBits = q.config;
        for (const auto& [node, bits] : out->mixedBits->chosen.assignment)
            withBits.layerBits[node] = bits;
        CalibrationData calibration;
        calibration.samples = samples;
        SubProgress requantizing(progress, 0.75, 0.8);
        QS_ASSIGN(QuantizedModel q2,
                  quantizeModel(original, withBits, &calibration, &requantizing));
        QS_TRY(cancelled());
        QS_ASSIGN(auto r2,
                  LayerConeRunner::create(q2, {}, data, inputName, threads, 16, true, &progress));
        out->mixedBitsMeasuredSqnrDb = sqnrDb(runner->reference(), r2->quantized());
        out->mixedBitsMeasured = true;
    }
    QS_TRY(cancelled());
    progress.report(0.8, "graph-wise error");
    ErrorPropagationOptions eo;
    eo.threads = threads;
    eo.batchSize = 4; // every value of a batch is kept twice: small batches bound the memory
    eo.cancel = &progress;
    QS_ASSIGN(out->errors, analyzeErrorPropagation(q, data, inputName, eo));
    QS_TRY(cancelled());
    // fp32 vs simulator vs int8 executor, as the report states them.
    progress.report(0.95, "executors");
    ExecutorComparisonOptions xo;
    xo.threads = threads;
    xo.batchSize = request.evalBatch;
    xo.cancel = &progress; // per node: three executors over every evaluation sample
    QS_ASSIGN(out->executors, compareExecutors(q, data, nullptr, inputName, xo));
    QS_TRY(cancelled());
    // Where the integer executor departs from the Simulator, and its codes' use (the table's
    // int8 column and the report).
    progress.report(0.96, "int8 diagnostics");
    Int8FindingsOptions io;
    io.threads = threads;
    io.maxSamples = std::min(8, request.maxEvalSamples);
    SubProgress int8Progress(progress, 0.96, 0.97);
    io.progress = &int8Progress;
    QS_ASSIGN(out->int8, analyzeInt8Execution(q, data, inputName, io));
    QS_TRY(cancelled());
    progress.report(0.97, "remedies");
    // The report's measured remedies on a few samples: the what-if session polls the cancel flag
    // per node while it is created, and each remedy per node of its cone and inside its AdaRound
    // redo.
    QS_TRY(measureReportRemedies(*out, q, data, nullptr, inputName, threads, 5, 8, &progress));
    progress.report(1.0, "analyses");
    return std::shared_ptr<const RunAnalyses>(std::move(out));
}

} // namespace

QuantRunResult QuantRunner::run(const QuantRunRequest& request, Progress& progress) {
    QuantRunResult result;
    QElapsedTimer timer;
    timer.start();
    try {
        if (!request.graph) {
            result.error = tr("no model is loaded");
            return result;
        }
        std::optional<Tensor> samples;
        CalibrationData calibration;
        // An image folder is decoded here, on the worker: the first 5 % of the progress.
        const bool imageFolder = !request.calibrationPath.isEmpty() &&
                                 !request.calibrationPath.startsWith(QLatin1String(":/")) &&
                                 QFileInfo(request.calibrationPath).isDir();
        const double readEnd = imageFolder ? 0.05 : 0.0;
        if (imageFolder) {
            const Graph& graph = *request.graph;
            if (graph.inputs().empty()) {
                result.error = tr("the model has no input to feed images to");
                return result;
            }
            SubProgress reading(progress, 0.0, readEnd);
            Result<ImageFolderData> read =
                ImageFolder::read(request.calibrationPath, request.imageOptions,
                                  graph.value(graph.inputs().front()).info, &reading);
            if (progress.isCancelled()) {
                result.cancelled = true;
                return result;
            }
            if (!read) {
                result.error = tr("image folder %1: %2")
                                   .arg(QFileInfo(request.calibrationPath).fileName(),
                                        QString::fromStdString(read.error().message()));
                return result;
            }
            const ImageFolderData& images = *read;
            result.notes << tr("calibration data: %1 of %n image(s) in %2, %3×%4, %5 channel(s), "
                               "%6",
                               nullptr, images.imagesFound)
                                .arg(images.imagesUsed)
                                .arg(QFileInfo(request.calibrationPath).fileName())
                                .arg(images.height)
                                .arg(images.width)
                                .arg(images.channels)
                                .arg(
                                    ImageFolder::layoutName(request.imageOptions.layout).toUpper());
            samples = images.samples;
            calibration.samples = *samples;
        } else if (!request.calibrationPath.isEmpty()) {
            Result<Tensor> read = readCalibration(request.calibrationPath);
            if (!read) {
                result.error = tr("calibration file %1: %2")
                                   .arg(QFileInfo(request.calibrationPath).fileName(),
                                        QString::fromStdString(read.message()));
                return result;
            }
            samples = std::move(read).value();
            calibration.samples = *samples;
        }
        const bool analyses = request.analyses && samples.has_value();
        SubProgress quantizing(progress, readEnd, analyses ? 0.35 : 0.6);
        Result<QuantizedModel> quantized = quantizeModel(
            *request.graph, request.config, samples ? &calibration : nullptr, &quantizing);
        if (progress.isCancelled()) {
            result.cancelled = true;
            return result;
        }
        if (!quantized) {
            result.error = QString::fromStdString(quantized.message());
            return result;
        }
        const QuantizedModel& q = *quantized;
        result.calibrationSamples = q.calibrationSamples;
        result.dataFree = q.dataFree;
        for (const auto& [key, value] : q.config.describe())
            result.settings << QString::fromStdString(key + ": " + value);
        for (const std::string& note : q.plan.notes) result.notes << QString::fromStdString(note);
        if (q.adaround) {
            result.adaroundIterations = q.config.adaroundIterations;
            for (const AdaRoundLayer& l : q.adaround->layers) {
                result.adaroundSeconds.insert(QString::fromStdString(l.node), l.seconds);
                // Per-layer AdaRound (the node menu's remedy): what it did, in the run's notes.
                if (!q.config.adaround)
                    result.notes << tr("AdaRound %1: %2 of %3 weights rounded the other way than "
                                       "nearest, reconstruction error %4 → %5, %6 s")
                                        .arg(QString::fromStdString(l.node))
                                        .arg(l.changed)
                                        .arg(l.weights)
                                        .arg(l.nearestError, 0, 'g', 3)
                                        .arg(l.adaroundError, 0, 'g', 3)
                                        .arg(l.seconds, 0, 'f', 2);
            }
        }
        if (q.cle && !q.config.cle)
            for (const CleLayerRanges& l : q.cle->layers)
                result.notes << tr("cross-layer equalization %1: channel-range ratio %2 → %3")
                                    .arg(QString::fromStdString(l.node))
                                    .arg(l.rangeRatioBefore, 0, 'f', 2)
                                    .arg(l.rangeRatioAfter, 0, 'f', 2);
        for (const Node& node : q.graph.nodes()) {
            LayerRunResult layer;
            layer.op = QString::fromStdString(node.opType);
            describeFromPlan(q, node, layer);
            result.layers.insert(QString::fromStdString(node.name), layer);
        }
        if (samples) {
            SubProgress evaluating(progress, analyses ? 0.35 : 0.6, analyses ? 0.5 : 1.0);
            Status evaluated = evaluate(q, *samples, request, result, evaluating);
            if (progress.isCancelled()) {
                result.cancelled = true;
                return result;
            }
            if (!evaluated) {
                result.error = QString::fromStdString(evaluated.message());
                return result;
            }
            if (analyses) {
                SubProgress analyzing(progress, 0.5, 1.0);
                auto analyzed = analyze(*request.graph, q, *samples, request, analyzing);
                if (progress.isCancelled()) {
                    result.cancelled = true;
                    return result;
                }
                if (!analyzed) {
                    result.error =
                        tr("analyses: %1").arg(QString::fromStdString(analyzed.message()));
                    return result;
                }
                result.analyses = std::move(analyzed).value();
            }
        } else {
            result.notes << tr("no calibration data: ranges are data-free and no layer was "
                               "evaluated");
        }
        // Kept for the node menu's remedy previews (what-ifs on this quantization).
        if (result.evalData)
            result.model = std::make_shared<const QuantizedModel>(std::move(quantized).value());
        result.ok = true;
    } catch (const std::bad_alloc&) {
        result.error = tr("out of memory during the quantization run");
    } catch (const std::exception& e) {
        result.error = tr("unexpected error: %1").arg(QString::fromLocal8Bit(e.what()));
    }
    result.seconds = double(timer.nsecsElapsed()) / 1e9;
    return result;
}

} // namespace qs
