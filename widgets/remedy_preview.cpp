#include "remedy_preview.h"

#include "analysis/accuracy.h"
#include "analysis/calibrator_comparison.h"
#include "quant_run.h"

#include <QElapsedTimer>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <exception>

namespace qs {

namespace {

constexpr int kSessionBatch = 4; // every value of a batch is cached twice
constexpr int64_t kSessionSamples = 8;
constexpr double kSessionBytes = 256.0 * 1024 * 1024;
// A what-if's cone run per node and sample, as a share of the run's evaluation simulator time
// per node and sample: the evaluation also sums every tensor's error (ErrorHooks) and keeps the
// fp32 references, a what-if runs the bare (fused) cone. Measured 0.20-0.44 on ppocr_cls and
// mobilenet_v2_bn (8 samples, 2 cores); the estimate errs on the long side.
constexpr double kConeShareOfEvaluation = 0.4;

// The cancel a session keeps (AnalysisSessionOptions::cancel): the preview's own while the
// session is created, nothing after it (that preview's flag is gone by then).
class SwitchableCancel : public Progress {
public:
    void setTarget(const Progress* p) { m_target.store(p, std::memory_order_release); }
    bool isCancelled() const override {
        const Progress* p = m_target.load(std::memory_order_acquire);
        return p && p->isCancelled();
    }

private:
    std::atomic<const Progress*> m_target{nullptr};
};

double seconds(const QElapsedTimer& timer) {
    return double(timer.nsecsElapsed()) / 1e9;
}

// The clip range the calibrator `method` chooses for `tensor`, on the run's calibration
// statistics (the same calibrators --tensor-calib uses).
Result<ClipRange> calibratorRange(const QuantizedModel& model, const std::string& tensor,
                                  const std::string& method) {
    const auto collector = model.collectors.find(tensor);
    if (collector == model.collectors.end() || !collector->second)
        return makeError(ErrorCode::NotFound, "tensor '", tensor,
                         "' has no calibration statistics (calibrate with data first)");
    CalibratorComparisonOptions options;
    options.klTargetBins = model.config.calibration.klTargetBins;
    const std::string kind = method.substr(0, method.find(':'));
    if (kind == "percentile" && method.size() > kind.size() + 1) {
        try {
            options.percentile = std::stod(method.substr(kind.size() + 1));
        } catch (const std::exception&) {
            return makeError(ErrorCode::InvalidArgument, "calibrator '", method,
                             "': the percentile is not a number");
        }
    }
    QS_ASSIGN(TensorCalibratorComparison c,
              compareCalibrators(tensor, *collector->second, model.config.activation, options));
    for (const CalibratorChoice& choice : c.choices)
        if (choice.method.substr(0, choice.method.find(':')) == kind) {
            if (!choice.error.empty())
                return makeError(ErrorCode::InvalidArgument, "calibrator '", method,
                                 "': ", choice.error);
            return choice.range;
        }
    return makeError(ErrorCode::InvalidArgument, "unknown calibrator '", method, "'");
}

} // namespace

namespace {

int coneFrom(const Graph& g, std::vector<NodeId> starts) {
    std::vector<char> seen(size_t(g.nodeCount()), 0);
    int count = 0;
    while (!starts.empty()) {
        const NodeId n = starts.back();
        starts.pop_back();
        if (n == kNoNode || seen[size_t(n)]) continue;
        seen[size_t(n)] = 1;
        ++count;
        for (ValueId v : g.node(n).outputs)
            if (v != kNoValue)
                for (NodeId c : g.value(v).consumers) starts.push_back(c);
    }
    return count;
}

} // namespace

int RemedyPreviewer::coneNodes(const Graph& graph, const std::string& node) {
    const auto id = graph.findNode(node);
    return id ? coneFrom(graph, {*id}) : 0;
}

int RemedyPreviewer::coneNodesOfTensor(const Graph& graph, const std::string& tensor) {
    const auto id = graph.findValue(tensor);
    if (!id) return 0;
    const Value& v = graph.value(*id);
    if (v.producer != kNoNode) return coneFrom(graph, {v.producer});
    return coneFrom(graph, v.consumers);
}

std::string RemedyPreviewer::layerNode(const QuantizedModel& model, const std::string& node) {
    if (model.graph.findNode(node)) return node;
    for (const FoldedBatchNorm& f : model.folds)
        if (f.batchNormNode == node) return f.targetNode;
    return {};
}

int RemedyPreviewer::sessionSamples(const QuantRunResult& run) {
    const int64_t rows = run.evalData && run.evalData->rank() > 0 ? run.evalData->dim(0) : 0;
    int64_t samples = std::min<int64_t>(kSessionSamples, rows);
    // The session stays while its run is the current one: it caches every activation of every
    // sample twice (fp32 and quantized); keep that within kSessionBytes (mobilenet_v2_bn at
    // 224×224: 3 samples; ppocr_cls: 8).
    if (std::isfinite(run.activationBytesPerSample) && run.activationBytesPerSample > 0)
        samples = std::min<int64_t>(
            samples,
            std::max<int64_t>(1, int64_t(kSessionBytes / (2 * run.activationBytesPerSample))));
    return int(samples);
}

double RemedyPreviewer::estimateSeconds(const QuantRunResult& run, int coneNodes, int totalNodes,
                                        bool prepared, double repairSeconds) {
    if (!std::isfinite(run.simSecondsPerSample) || totalNodes <= 0) return qQNaN();
    const double samples = sessionSamples(run);
    const double share = double(std::clamp(coneNodes, 0, totalNodes)) / double(totalNodes);
    double s = kConeShareOfEvaluation * share * run.simSecondsPerSample * samples;
    if (!prepared) s += (run.simSecondsPerSample + run.fp32SecondsPerSample) * samples;
    if (std::isfinite(repairSeconds)) s += repairSeconds;
    return s;
}

RemedyPreviewResult RemedyPreviewer::run(const RemedyPreviewRequest& request, Progress& progress) {
    RemedyPreviewResult out;
    QElapsedTimer total;
    total.start();
    auto fail = [&](const Error& e) {
        out.cancelled = e.code() == ErrorCode::Cancelled;
        if (!out.cancelled) out.error = QString::fromStdString(e.toString());
        return out;
    };
    try {
        if (!request.model || (!request.session && !request.data)) {
            out.error = tr("no quantized model to preview on: run the quantization first");
            return out;
        }
        std::shared_ptr<const PreviewSession> session = request.session;
        if (!session || session->model != request.model) {
            progress.report(0.0, "preparing the what-if session");
            QElapsedTimer prepare;
            prepare.start();
            auto made = std::make_shared<PreviewSession>();
            made->model = request.model;
            auto cancel = std::make_shared<SwitchableCancel>();
            cancel->setTarget(&progress);
            made->createCancel = cancel;
            AnalysisSessionOptions options;
            options.threads = request.threads;
            options.batchSize = kSessionBatch;
            options.cancel = cancel.get(); // later what-ifs pass their own
            const Graph& g = request.model->graph;
            auto created = AnalysisSession::create(
                *request.model, request.data->firstRows(request.samples),
                g.inputs().empty() ? std::string() : g.value(g.inputs()[0]).name, options);
            cancel->setTarget(nullptr);
            if (!created) return fail(created.error());
            made->session = std::move(created).value();
            made->prepareSeconds = seconds(prepare);
            session = made;
            out.sessionCreated = true;
            out.prepareSeconds = made->prepareSeconds;
        }
        out.session = session;
        const AnalysisSession& s = *session->session;
        out.samples = int(s.samples());
        out.nodesTotal = int(s.model().graph.nodeCount());
        progress.report(0.5, "what-if");
        Result<WhatIfResult> r = Error(ErrorCode::InvalidArgument, "no remedy");
        if (request.change) {
            r = s.whatIf(*request.change, false, &progress);
        } else {
            const std::string tensor = request.tensor.toStdString();
            auto range = calibratorRange(s.model(), tensor, request.method.toStdString());
            if (!range) return fail(range.error());
            out.range = QStringLiteral("[%1, %2]")
                            .arg(double(range->lo), 0, 'g', 4)
                            .arg(double(range->hi), 0, 'g', 4);
            r = s.whatIfRange(tensor, *range, false, &progress);
        }
        if (!r) return fail(r.error());
        out.outputSqnrBeforeDb = r->outputSqnrBeforeDb;
        out.outputSqnrAfterDb = r->outputSqnrAfterDb;
        out.nodesRun = r->nodesRun;
        out.whatIfSeconds = r->seconds;
        out.repairSeconds = r->repairSeconds;
        for (const std::string& line : r->redone) out.redone << QString::fromStdString(line);
        if (s.reference().dtype() == DataType::F32 && s.reference().rank() >= 1) {
            auto before = compareClassifiers(s.reference(), s.output(), nullptr);
            auto after = compareClassifiers(s.reference(), r->output, nullptr);
            if (before && after) {
                out.agreementBefore = before->agreement;
                out.agreementAfter = after->agreement;
            }
        }
        progress.report(1.0, "what-if");
        out.ok = true;
    } catch (const std::bad_alloc&) {
        out.error = tr("out of memory during the remedy preview");
    } catch (const std::exception& e) {
        out.error = tr("unexpected error: %1").arg(QString::fromLocal8Bit(e.what()));
    }
    out.totalSeconds = seconds(total);
    return out;
}

} // namespace qs
