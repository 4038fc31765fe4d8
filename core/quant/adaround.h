// AdaRound (Nagel et al., "Up or Down? Adaptive Rounding for Post-Training Quantization",
// ICML 2020): per layer, learn whether each weight rounds up or down. W̃ = s·(clamp(⌊W/s⌋ + z +
// h(V), qmin, qmax) − z) with the rectified sigmoid h(V) = clip(σ(V)(ζ − γ) + γ, 0, 1),
// ζ = 1.1, γ = −0.1, minimising per output channel c
//     ‖W_c·x_f − W̃_c·x_q‖² (mean over calibration positions) + λ·Σ (1 − |2h(V) − 1|^β)
// where x_f is the layer's input in the float model and x_q its input in the model quantized
// so far (earlier layers already AdaRounded: the paper's asymmetric reconstruction). β anneals
// from βstart to βend by a cosine after a warm start without the regulariser (AIMET's schedule);
// Adam on V; V starts where h(V) equals the fractional part of W/s (nearest rounding's
// neighbourhood). At the end h is rounded to {0, 1}.
//
// Full-batch objective: the squared error is a quadratic form in W̃_c, so the calibration
// inputs enter only through K×K Gram matrices G_qq = E[x_q x_qᵀ], G_qf = E[x_q x_fᵀ] (K the
// inputs of one output: Cin/group · kh · kw). The iterations then cost K² per channel and need
// no data; every output channel is an independent problem. Channels of one group are solved in
// fixed chunks of 16 (the gradient's product is one K×K by K×16 single-precision matrix product
// per iteration), the chunks spread over the thread pool (results do not depend on the thread
// count; there is no sampling, so no seed).
//
// Layers: Conv with 2-D kernels (any group count) and Gemm (transA = 0) whose weights the plan
// quantizes. The plan's weight parameters are kept: the new weights lie on that same grid.
#pragma once

#include "quant/quant_plan.h"
#include "util/progress.h"

#include <set>
#include <string>
#include <vector>

namespace qs {

struct AdaRoundOptions {
    int iterations = 1000;
    double lambda = 0.01;
    double betaStart = 20.0, betaEnd = 2.0;
    double warmStart = 0.2; // fraction of the iterations without the regulariser
    double learningRate = 1e-2;
    int threads = 1;
    // Reported per layer; cancel (checked per layer and every 16 iterations inside one, from the
    // pool's threads) stops with Cancelled.
    Progress* progress = nullptr;
    std::set<std::string> only; // non-empty: only these layers (the others keep nearest)
};

struct AdaRoundLayer {
    std::string node;
    // Reconstruction error E‖W·x_f − W̃·x_q‖² per output (mean over channels), nearest vs learned.
    double nearestError = 0.0, adaroundError = 0.0;
    int64_t changed = 0; // weights rounded the other way than nearest
    int64_t weights = 0;
    double seconds = 0.0;
};

struct AdaRoundResult {
    std::vector<AdaRoundLayer> layers;
    std::vector<std::string> skipped;
};

// Rewrites the quantized weights of `graph` (in place) layer by layer in topological order.
// batches: calibration inputs for `inputName`.
Result<AdaRoundResult> adaroundWeights(Graph& graph, const QuantPlan& plan,
                                       const std::string& inputName,
                                       const std::vector<Tensor>& batches,
                                       const AdaRoundOptions& options);

// One layer (adaroundWeights restricted to `node`), from its inputs given per batch: floatInputs
// as the float model computes them, quantInputs as the model quantized so far does (the caller
// chooses the data). `graph` must hold the node's float weight; it is replaced by the learned one.
// No layer (and perhaps a `skipped` entry) when the node is not one AdaRound rewrites.
Result<AdaRoundResult> adaroundLayer(Graph& graph, const QuantPlan& plan, const std::string& node,
                                     const std::vector<Tensor>& floatInputs,
                                     const std::vector<Tensor>& quantInputs,
                                     const AdaRoundOptions& options);

} // namespace qs
