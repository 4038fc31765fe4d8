// The analyses of one GUI run, as core computed them (the same calls `quantscope-cli analyze`
// makes): histograms, channel ranges, weight outliers, sensitivity, graph-wise error, the
// mixed-bit suggestion and the calibrator comparison. Plain core structs, immutable once built on
// the worker thread; the inspector's charts only read them. Rows of the per-layer vectors line up
// with `layers`.
#pragma once

#include "analysis/calibrator_comparison.h"
#include "analysis/channel_spread.h"
#include "analysis/error_propagation.h"
#include "analysis/executor_comparison.h"
#include "analysis/int8_findings.h"
#include "analysis/layer_remedies.h"
#include "analysis/mixed_bits.h"
#include "analysis/sensitivity.h"
#include "analysis/tensor_histograms.h"
#include "analysis/weight_outliers.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace qs {

struct LayerInfo {
    std::string node, op, weight, batchNorm;
    bool depthwise = false;
    int64_t channels = 0;
};

// One calibrated activation: what min-max, percentile, KL and MSE would choose for it, on its
// calibration histogram (with the plan's clip range and grid).
struct ActivationCalibrators {
    TensorCalibratorComparison comparison;
    TensorHistogram histogram;
};

struct RunAnalyses {
    std::vector<LayerInfo> layers;           // quantLayers() order
    std::vector<LayerHistograms> histograms; // per layer
    std::vector<LayerChannelSpread> spread;  // per layer
    OutlierReport outliers;                  // per layer
    std::optional<SensitivityResult> sensitivity;
    std::optional<ErrorPropagation> errors;
    std::optional<MixedBitsResult> mixedBits;
    double mixedBitsMeasuredSqnrDb = 0.0; // the chosen assignment quantized and run
    bool mixedBitsMeasured = false;
    int configuredWeightBits = 8;
    // BN factor γ/√(σ²+ε) per output channel, by the node the BatchNorm was folded into
    // (QuantizedModel::folds, as core's fold recorded it).
    std::map<std::string, std::vector<float>> bnFactor;
    // The folded BatchNorm node → the node that absorbed it (selecting a BN shows its Conv).
    std::map<std::string, std::string> foldedInto;
    // Calibrator comparison of every calibrated activation (graph order); the output SQNRs come
    // from `calibratorSamples` evaluation samples (0: not computed).
    std::vector<ActivationCalibrators> calibrators;
    int calibratorSamples = 0;
    std::optional<double> calibratorBaseSqnrDb; // the current plan's output SQNR on those samples
    // Node (QuantizedModel::graph) → the activation its output is quantized on (a Conv fused
    // with its Relu: the Relu's output).
    std::map<std::string, std::string> nodeActivation;
    // The plan's activation clip ranges as calibrated (QuantizedModel::activationRanges).
    std::map<std::string, ClipRange> activationRanges;
    std::vector<std::string> notes; // analyses skipped, and why
    // False when the all-but-one runs were skipped (SensitivityResult::full and each layer's
    // `reverse` then hold no measurement).
    bool reverseMeasured = true;
    QuantizedSize size; // of the quantized model's constants, fp32 and as quantized
    // fp32 vs simulator vs int8 executor on the evaluation samples (absent: not run).
    std::optional<ExecutorComparison> executors;
    // The integer executor's diagnostics and divergence finder on the first evaluation samples,
    // per node (absent: not run).
    std::optional<Int8Findings> int8;
    // Per-channel / 16-bit weights measured on the mostSensitive() layers (absent: not run).
    std::optional<RemedyReport> remedies;

    // Index into `layers` of a node (or of the layer a folded BN went into); -1 if none.
    int layerIndex(const std::string& node) const {
        std::string name = node;
        if (const auto it = foldedInto.find(node); it != foldedInto.end()) name = it->second;
        for (size_t i = 0; i < layers.size(); ++i)
            if (layers[i].node == name) return int(i);
        return -1;
    }
    // Indices into `layers` of the n most sensitive layers, rank 1 first (by the weight-outlier
    // ranking when sensitivity was not run): the layers the report details.
    std::vector<size_t> mostSensitive(int n) const {
        std::vector<size_t> out;
        for (size_t i : sensitivity ? sensitivity->ranking : outliers.ranking)
            if (int(out.size()) < n && i < layers.size()) out.push_back(i);
        return out;
    }
    // Index into `calibrators` of the node's (or its layer's) output activation; -1 if none.
    int calibratorIndex(const std::string& node) const {
        std::string name = node;
        if (const auto it = foldedInto.find(node); it != foldedInto.end()) name = it->second;
        const auto t = nodeActivation.find(name);
        if (t == nodeActivation.end()) return -1;
        for (size_t i = 0; i < calibrators.size(); ++i)
            if (calibrators[i].comparison.tensor == t->second) return int(i);
        return -1;
    }
    // Index into errors->tensors of the node's output tensor; -1 if none.
    int errorIndex(const std::string& node) const {
        if (!errors) return -1;
        std::string name = node;
        if (const auto it = foldedInto.find(node); it != foldedInto.end()) name = it->second;
        for (size_t i = 0; i < errors->tensors.size(); ++i)
            if (errors->tensors[i].node == name) return int(i);
        return -1;
    }
};

// The layer-wise part every run shares (the GUI's and `analyze --report`'s): `layers`, BN
// factors, the folded-BN map, weight outliers (with `outlierOptions`), histograms, channel
// ranges and the model size. Sensitivity, errors, mixed bits and executors are left to the caller.
Status fillLayerAnalyses(RunAnalyses& out, const QuantizedModel& model,
                         const std::vector<QuantLayerRef>& layers,
                         const OutlierOptions& outlierOptions);

// The report's measured remedies: a what-if session on `data` (the first `maxSamples` rows)
// and measureLayerRemedies on out.mostSensitive(topLayers). Needs out.sensitivity or outliers.
Status measureReportRemedies(RunAnalyses& out, const QuantizedModel& model, const Tensor& data,
                             const Tensor* labels, const std::string& inputName, int threads,
                             int topLayers = 5, int64_t maxSamples = 32,
                             const Progress* cancel = nullptr);

} // namespace qs
