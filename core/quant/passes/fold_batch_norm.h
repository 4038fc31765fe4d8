// BatchNormalization folding into the preceding Conv / ConvTranspose / Gemm (inference):
//   f = γ / √(σ² + ε) per output channel,  W' = W · f,  b' = β + (b − μ) · f.
// The record of each fold keeps f, γ and β so the analyzer can show weights before and after
// the merge, draw each channel's BN factor beside its range, and calibrate data-free from BN
// statistics (β ± k·|γ|).
#pragma once

#include "ir/graph.h"

#include <string>
#include <vector>

namespace qs {

struct FoldedBatchNorm {
    std::string batchNormNode;  // the removed node
    std::string targetNode;     // the Conv/ConvTranspose/Gemm that absorbed it
    std::string outputValue;    // the target's output now (the BN's former output name)
    std::string originalWeight; // weight value name in the unfolded graph
    std::string foldedWeight;   // weight value name in the folded graph
    std::vector<float> factor;  // γ / √(σ² + ε) per output channel
    std::vector<float> gamma, beta, mean, var;
};

struct BatchNormFoldResult {
    Graph graph;
    std::vector<FoldedBatchNorm> folds;
    std::vector<std::string> notFolded; // "bn_3: input comes from Add, not a Conv/Gemm"
};

// Folds every BN it can; the rest stay as BatchNormalization nodes (listed in notFolded).
Result<BatchNormFoldResult> foldBatchNorms(const Graph& graph);

} // namespace qs
