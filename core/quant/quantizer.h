// The quantization pipeline, one call for the CLI and the GUI: fold BatchNorm, calibrate
// activations (with data, or data-free from BN statistics), build the QuantPlan.
#pragma once

#include "quant/adaround.h"
#include "quant/bias_correction.h"
#include "quant/calibrators.h"
#include "quant/passes/cross_layer_equalization.h"
#include "quant/passes/fold_batch_norm.h"
#include "quant/plan_builder.h"
#include "quant/range_collector.h"
#include "util/progress.h"

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

namespace qs {

struct CalibrationData {
    Tensor samples;        // N first, the model input's layout
    std::string inputName; // "" = the model's first input
    int batchSize = 16;    // ignored when the model fixes its batch dimension
};

struct QuantizedModel {
    Graph original; // as imported
    Graph graph;    // what the plan describes (BatchNorm folded unless disabled)
    std::vector<FoldedBatchNorm> folds;
    // BatchNorm folded, before cross-layer equalization: what "weights after BN merge" shows
    // (shares its buffers with `graph` where CLE changed nothing). Same as `graph` without CLE.
    Graph merged;
    // With config.cle or cleLayers: the pairs (only those of cleLayers), sweeps and channel-range
    // ratios (its `graph` is moved into `graph` above and left empty here).
    std::optional<CleResult> cle;
    // With config.biasCorrection: the shift removed from each layer's bias (empirical with
    // calibration data, else data-free from BN statistics). `graph` holds the corrected biases.
    std::optional<BiasCorrectionResult> biasCorrection;
    // With config.adaround or adaroundLayers (needs calibration data): per layer reconstruction
    // errors. `graph` holds the learned weights (on the plan's grid). With bias correction too, the
    // correction is computed for nearest rounding first.
    std::optional<AdaRoundResult> adaround;
    // With bias correction or AdaRound: `graph` before them (BN folded, CLE applied) — the
    // biases before correction and the float weights AdaRound started from (shares its buffers
    // with `graph` otherwise). Empty without either.
    Graph beforeRepairs;
    QuantConfig config;
    QuantPlan plan;
    std::map<std::string, ClipRange> activationRanges;
    // Streaming statistics of every float activation seen in calibration (histograms, per-channel
    // ranges, extremes): what the analysis views read. Empty without calibration data.
    std::map<std::string, std::shared_ptr<RangeCollector>> collectors;
    int calibrationSamples = 0;
    bool dataFree = false;
};

// progress/cancel: reported per calibration batch.
Result<QuantizedModel> quantizeModel(const Graph& original, const QuantConfig& config,
                                     const CalibrationData* calibration,
                                     Progress* progress = nullptr);

// The pairs cross-layer equalization finds in `original` prepared as quantizeModel prepares it
// (BatchNorm folded unless config.foldBatchNorm is off), without equalizing: what
// --cle-layers accepts (a node named as first or second of a pair).
Result<std::vector<ClePair>> equalizablePairs(const Graph& original, const QuantConfig& config);

// Splits samples (N first) into batches for `input`: its fixed batch size if the model fixes
// one, else `preferred`. Fails naming the input when the shapes do not fit.
Result<std::vector<Tensor>> splitIntoBatches(const Tensor& samples, const Value& input,
                                             int preferred);

// Streams batches through the fp32 executor and collects the statistics of every float
// activation (or only those named in `only`).
Result<std::map<std::string, std::shared_ptr<RangeCollector>>>
collectActivationStatistics(const Graph& graph, const std::string& inputName,
                            const std::vector<Tensor>& batches, int threads,
                            const RangeCollectorOptions& options, Progress* progress = nullptr,
                            const std::set<std::string>* only = nullptr);

} // namespace qs
