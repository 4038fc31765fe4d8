// Bias correction (Nagel et al., "Data-Free Quantization Through Weight Equalization and Bias
// Correction", ICCV 2019, section 4.2): quantizing W to Ŵ = W + ΔW shifts a layer's expected
// output by E[ΔW·x] per output channel; subtracting that from the bias removes the shift.
// E[ΔW·x] = ΔW·E[x] because the layer is linear, so the layer is run once with ΔW as its weight
// (no bias) on the mean input map E[x] and its output is averaged per channel — zero padding at
// the borders is then accounted for exactly.
//   Empirical: E[x] per position, the mean of the layer's float input over the calibration data.
//   Data-free: E[x] per channel from the BatchNorm that produced the input: BN output ~ N(β, γ²),
//   through Relu E = β·Φ(β/|γ|) + |γ|·φ(β/|γ|) (the mean of a rectified normal), through Clip(0, b)
//   E[relu(z)] − E[relu(z − b)], without activation β; constant over the map.
// Layers whose input mean is unknown (data-free and no BN before them) are left alone and listed.
#pragma once

#include "ir/graph.h"
#include "quant/passes/fold_batch_norm.h"
#include "quant/quant_plan.h"
#include "util/progress.h"

#include <map>
#include <string>
#include <vector>

namespace qs {

enum class BiasCorrectionMode : uint8_t { Empirical, DataFree };
const char* biasCorrectionModeName(BiasCorrectionMode m); // "empirical" | "data_free"

struct BiasCorrectionLayer {
    std::string node;
    std::string bias;          // the bias value corrected (created when the node had none)
    std::vector<double> shift; // E[ΔW·x] per output channel, subtracted from the bias
    double meanAbsShift = 0.0;
    std::string inputMeanFrom; // "calibration", or "bn <name> + Relu" ...
};

// E[x] of each weighted node's data input as a tensor of the input's shape with N = 1.
using InputMeans = std::map<std::string, Tensor>;

struct BiasCorrectionResult {
    BiasCorrectionMode mode = BiasCorrectionMode::Empirical;
    std::vector<BiasCorrectionLayer> layers;
    std::vector<std::string> skipped; // "conv_0: input mean unknown (no BatchNorm before it)"
    // The input means the correction used and, data-free, where each came from (set by
    // quantizeModel: a what-if recomputes one layer's correction from them).
    InputMeans means;
    std::map<std::string, std::string> sources;
};

// Empirical means: streams the batches through the fp32 executor of `graph` and averages the
// named tensors over the samples (summed in double).
Result<InputMeans> meanActivations(const Graph& graph, const std::string& inputName,
                                   const std::vector<Tensor>& batches,
                                   const std::vector<std::string>& tensors, int threads,
                                   const Progress* progress = nullptr); // cancel: Cancelled

// Data-free means of every weighted node's input that comes (through an optional Relu/Clip)
// from a node whose output statistics `outputStats` hold (FoldedBatchNorm.targetNode/gamma/beta,
// already scaled for CLE). Needs the input's spatial shape from shape inference.
InputMeans dataFreeInputMeans(const Graph& graph, const std::vector<FoldedBatchNorm>& outputStats,
                              std::map<std::string, std::string>* sources = nullptr);

// Shifts for every quantized weighted node of the plan with a mean for its input.
Result<BiasCorrectionResult>
computeBiasCorrection(const Graph& graph, const QuantPlan& plan, const InputMeans& means,
                      BiasCorrectionMode mode,
                      const std::map<std::string, std::string>& sources = {});

// One node's correction (computeBiasCorrection restricted to `node`): no layer when the node is
// not a quantized weighted layer of the plan, or a `skipped` entry saying why it cannot be
// corrected. The weight is quantized with the plan's parameters for it.
Result<BiasCorrectionResult>
computeLayerBiasCorrection(const Graph& graph, const QuantPlan& plan, const std::string& node,
                           const InputMeans& means, BiasCorrectionMode mode,
                           const std::map<std::string, std::string>& sources = {});

// The graph with each corrected bias replaced (a bias input is added where a node had none).
Result<Graph> applyBiasCorrection(const Graph& graph, const BiasCorrectionResult& correction);

} // namespace qs
