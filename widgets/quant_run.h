// One quantization run for the GUI, as a plain function for a worker thread: quantizeModel
// with the settings' QuantConfig and calibration data, then the simulator (fake quantization)
// against the fp32 executor on the same graph, layer by layer. The result is an immutable
// struct the layer table and the graph colouring read; a failure or a cancel is a value too.
#pragma once

#include "image_folder.h"
#include "inspector/run_analyses.h"
#include "quant/quant_config.h"
#include "util/progress.h"

#include <QCoreApplication>
#include <QHash>
#include <QString>
#include <QStringList>
#include <QtNumeric>
#include <memory>

namespace qs {

class Graph;

struct LayerRunResult {
    QString op;
    bool inPlan = false;    // the node exists in the quantized graph (BatchNorm is folded away)
    bool quantized = false; // computes on quantized values
    int bits = 0;           // weight bits for weighted nodes, activation bits otherwise; 0 = float
    QString scheme;         // of its weight, else of its output: "symmetric" / "asymmetric"
    QString granularity;    // "tensor", "channel", "group:G"
    // SQNR of the node's first output, simulator vs fp32 on the evaluation samples, in dB
    // (10·log10 Σy²/Σ(y−ŷ)², +inf when identical); NaN when not measured.
    double sqnrDb = qQNaN();
};

struct QuantRunResult {
    bool ok = false;
    bool cancelled = false;
    QString error; // one line, when !ok && !cancelled

    QHash<QString, LayerRunResult> layers; // by node name of the original model
    QStringList settings;                  // "weights: 8-bit symmetric int, channel", ...
    QStringList notes;                     // data-free calibration, skipped evaluation, ...
    int calibrationSamples = 0;
    bool dataFree = false;
    int evalSamples = 0;           // 0: no evaluation (no data)
    double outputSqnrDb = qQNaN(); // of the first graph output
    double agreement = qQNaN();    // fraction of samples whose arg-max matches fp32
    double seconds = 0;
    // AdaRound's time per layer in this run (by node name) and its iterations per layer; empty
    // without AdaRound. The node menu's estimate for "AdaRound for this layer".
    QHash<QString, double> adaroundSeconds;
    int adaroundIterations = 0;
    // Shapes measured in the fp32 run by tensor name, "[N,8,24,96]" ("N": a dynamic batch).
    // Exact where static inference had to assume 1 for a dynamic dimension.
    QHash<QString, QString> tensorShapes;
    // The analyses (histograms, channel ranges, outliers, sensitivity, graph-wise error, mixed
    // bits) when the request asked for them and there was data; what the inspector draws.
    std::shared_ptr<const RunAnalyses> analyses;
    // What a remedy preview (a what-if on this run's quantization) needs: the quantized model and
    // the evaluation samples; null without evaluation data or for a result read from a project.
    std::shared_ptr<const QuantizedModel> model;
    std::shared_ptr<const Tensor> evalData;
    // The evaluation's executor speed (wall seconds per sample): the previews' time estimates.
    double fp32SecondsPerSample = qQNaN(), simSecondsPerSample = qQNaN();
    // Bytes of one sample's float activations (every node output): a what-if session's cache.
    double activationBytesPerSample = qQNaN();
};

// How much of core's analysis a GUI run does after quantizing and evaluating: everything, all
// but the mixed-bit search (its per-layer bit-width table is the costliest part on large
// models) and the calibrator comparison's output SQNRs (a what-if per calibrator and tensor:
// +35 % on a ppocr_cls run), or nothing (quick iterations on the settings).
enum class AnalysisDepth { Full, WithoutMixedBits, None };

struct QuantRunRequest {
    std::shared_ptr<const Graph> graph;
    QuantConfig config;
    QString calibrationPath;         // .npy file, ":/" resource or image folder; empty = data-free
    ImageFolderOptions imageOptions; // how an image folder becomes input (read on the worker)
    int maxEvalSamples = 32;         // the first samples of the calibration data
    int evalBatch = 4;            // small batches: every activation of one batch is held for SQNR
    bool analyses = true;         // run core's analyses on the evaluation samples after the run
    double mixedBitsBudget = 6.0; // average weight bits of the mixed-bit suggestion (0 = skip)
    int calibratorSamples = 4;    // evaluation samples for the calibrator comparison's output
                                  // SQNRs (0 = ranges and quantization MSE only)
};

class QuantRunner {
    Q_DECLARE_TR_FUNCTIONS(qs::QuantRunner)

public:
    // Thread-safe; `progress` reports fractions and is polled for cancellation between
    // batches and nodes. Never throws.
    static QuantRunResult run(const QuantRunRequest& request, Progress& progress);
};

} // namespace qs
