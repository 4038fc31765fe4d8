// Cross-layer equalization (Nagel et al., "Data-Free Quantization Through Weight Equalization
// and Bias Correction", ICCV 2019, section 4.1). For a pair A → act → B where act is positively
// homogeneous (act(s·x) = s·act(x) for s > 0: Relu, Clip(0, +inf), nothing), dividing A's
// output channel i (weights and bias) by s_i and multiplying B's input channel i by s_i leaves
// the function unchanged. s_i = √(r1_i / r2_i) (r1: max|W_A| of output channel i, r2: max|W_B|
// over input channel i) makes both ranges √(r1_i·r2_i): the per-channel ranges of A, of B's
// inputs and of the activation between them become balanced, so one per-tensor grid fits all.
// Chains (A → B → C ...) are swept pair by pair until no scale moves more than the tolerance.
//
// Pairs found: A a Conv (any group count, so depthwise too); between A and B an optional Relu
// or Clip with min 0 and no upper bound, then optional per-channel pass-throughs (MaxPool,
// AveragePool, GlobalAveragePool, GlobalMaxPool, and a Flatten right before a Gemm); B a Conv
// (any group count) or a Gemm. Every intermediate value has one reader and is not a graph
// output; weights are constant f32 with one reader. Clip with a finite bound (ReLU6) is not
// positively homogeneous: such pairs are skipped and listed, never changed (the pass is exact).
//
// Numerics: weights and biases are scaled in double and rounded to f32 once at the end, so the
// fp32 outputs change only by that rounding (≈ 1e-7 relative per weight).
#pragma once

#include "ir/graph.h"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace qs {

struct CleOptions {
    int maxSweeps = 200;     // sweeps over all pairs
    double tolerance = 1e-6; // stop when every |log s_i| of a sweep is below this
    // Non-empty: only the pairs with one of these nodes as A or B are equalized (and listed,
    // with the skips that concern them); every other weight stays as it is.
    std::set<std::string> only;
};

struct ClePair {
    std::string first, second; // node names A, B
    std::string between; // what sits between them ("Relu", "Relu,GlobalAveragePool,Flatten", "")
};

struct CleLayerRanges {
    std::string node;
    double rangeRatioBefore = 0; // channel-range ratio (largest / median output channel range)
    double rangeRatioAfter = 0;
};

struct CleResult {
    Graph graph;
    std::vector<ClePair> pairs;
    std::vector<CleLayerRanges> layers; // every node of a pair, in graph order
    // Per equalized node A: the factor each output channel was divided by (s_i, product over
    // sweeps). Statistics of A's output (BN β, γ for data-free ranges) scale by 1/s_i.
    std::map<std::string, std::vector<double>> outputDivisors;
    std::vector<std::string>
        skipped; // "conv_3 -> conv_4: Clip(0, 6) between them is not scale-invariant"
    int sweeps = 0;
    bool converged = false;
};

Result<CleResult> equalizeCrossLayer(const Graph& graph, const CleOptions& options = {});

} // namespace qs
