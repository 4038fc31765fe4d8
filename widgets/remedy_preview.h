// A remedy of the node menu previewed before it is applied: a what-if on an analysis session of
// the last run's quantized model (core's AnalysisSession: only the changed layer's downstream
// cone is run again, fed from cached activations; bias correction and AdaRound of the layer are
// redone for its new quantization) — the output's SQNR and arg-max agreement with fp32 before
// and after, and the time it took. Plain functions for a worker thread (no GUI objects), and the
// estimate of that time for the menu and the dialog before it runs.
#pragma once

#include "analysis/analysis_session.h"
#include "util/progress.h"

#include <QCoreApplication>
#include <QString>
#include <QStringList>
#include <QtNumeric>
#include <functional>
#include <memory>
#include <optional>

namespace qs {

struct QuantRunResult;

// A prepared what-if session with what it reads. Immutable once built; shared by the previews of
// one run (AnalysisSession's const evaluations may run concurrently).
struct PreviewSession {
    std::shared_ptr<const QuantizedModel> model;  // declared first: the session reads it
    std::shared_ptr<const Progress> createCancel; // the cancel the session was created with
    std::unique_ptr<AnalysisSession> session;
    double prepareSeconds = 0.0;
};

struct RemedyPreviewRequest {
    std::shared_ptr<const QuantizedModel> model;   // QuantRunResult::model
    std::shared_ptr<const Tensor> data;            // QuantRunResult::evalData
    std::shared_ptr<const PreviewSession> session; // a session prepared earlier, or null
    int samples = 8;                               // evaluation samples of a new session
    int threads = 1;
    // A weight change of one layer (change.node names a node of QuantizedModel::graph) ...
    std::optional<LayerChange> change;
    // ... or another calibrator for one activation: "minmax", "percentile:P", "kl", "mse".
    QString tensor, method;
};

struct RemedyPreviewResult {
    bool ok = false;
    bool cancelled = false;
    QString error;                                 // one line, when !ok && !cancelled
    std::shared_ptr<const PreviewSession> session; // the one used (new or the request's)
    bool sessionCreated = false;
    int samples = 0;
    double outputSqnrBeforeDb = qQNaN(), outputSqnrAfterDb = qQNaN();
    double agreementBefore = qQNaN(), agreementAfter = qQNaN(); // fraction of samples
    int nodesRun = 0, nodesTotal = 0;
    double whatIfSeconds = 0.0, repairSeconds = 0.0, prepareSeconds = 0.0, totalSeconds = 0.0;
    QStringList redone; // repairs redone for the changed layer (core's lines)
    QString range;      // the calibrator's clip range, "[lo, hi]"
};

// A remedy the node menu proposes: previewed (request set) or, when a what-if cannot express
// it, explained (noPreviewReason) with the full re-run's time; `apply` writes it to the settings.
struct RemedyProposal {
    QString node;        // as the user picked it (the model as loaded)
    QString description; // translated: "keep in float", "calibrator kl for x"
    std::optional<RemedyPreviewRequest> request;
    QString noPreviewReason;          // translated, when !request
    double estimateSeconds = qQNaN(); // the preview's, or the full re-run's without one
    std::function<void()> apply;
};

class RemedyPreviewer {
    Q_DECLARE_TR_FUNCTIONS(qs::RemedyPreviewer)

public:
    // Thread-safe; `progress` is reported to and polled per node. Never throws.
    static RemedyPreviewResult run(const RemedyPreviewRequest& request, Progress& progress);

    // Seconds a preview on `node` (a node of the model as loaded; a folded BatchNorm counts as
    // its Conv) is expected to take, from the last run's measured executor speed: its downstream
    // cone's share of the model times a simulator run of the session's samples, plus preparing
    // the session (an fp32 and a simulator run of them) unless `prepared`, plus `repairSeconds`
    // (AdaRound of the layer). NaN without a run that measured its speed.
    static double estimateSeconds(const QuantRunResult& run, int coneNodes, int totalNodes,
                                  bool prepared, double repairSeconds = 0.0);
    // The evaluation samples a preview session takes from a run: up to 8, fewer when their
    // cached activations would pass 256 MB.
    static int sessionSamples(const QuantRunResult& run);
    // Nodes of `graph` a change to `node` (or to the tensor `tensor`, through its producer or, for
    // a graph input, its readers) re-runs: the node and everything downstream of it. 0 if unknown.
    static int coneNodes(const Graph& graph, const std::string& node);
    static int coneNodesOfTensor(const Graph& graph, const std::string& tensor);
    // The node of the run's quantized graph a remedy on `node` changes: itself, or the Conv/Gemm
    // a BatchNormalization was folded into; empty if the quantized graph has neither.
    static std::string layerNode(const QuantizedModel& model, const std::string& node);
};

} // namespace qs
