// Mixed-bit suggestion for weights: a per-layer error table at each candidate bit width, an
// allocation under an average-bits budget, and the Pareto curve of allocations.
//
// Table: for layer l and bits b, the output noise power N_l(b) = E[(y − y_f)²] with only l's
// weights quantized at b bits (everything else float), run on l's cone from the float cache.
// Prediction (additive, independent noise): an assignment A costs
//     N(A) = N_full + Σ_l (N_l(A_l) − N_l(b_l))
// with N_full the measured noise of the model as configured (weight bits b_l, activations
// quantized) — so the activations' share is measured, only the weight deltas are predicted.
// Allocation: Lagrangian relaxation of the knapsack, per layer argmin_b N_l(b) + μ·params_l·b,
// μ swept over every breakpoint where a layer's choice changes; each distinct assignment is a
// Pareto point (average bits weighted by parameter count, predicted SQNR). The suggestion is
// the point of lowest predicted noise within the budget.
#pragma once

#include "analysis/sensitivity.h"

#include <map>
#include <string>
#include <vector>

namespace qs {

struct MixedBitsOptions {
    std::vector<int> candidates{4, 6, 8}; // the configured bits are added when missing
    double budgetBits = 6.0;              // average weight bits, weighted by parameter count
    Progress* progress = nullptr;
};

struct LayerBitNoise {
    std::string node;
    int64_t params = 0;
    int configuredBits = 8;
    std::vector<double> noise; // per candidate (MixedBitsResult::candidates order)
};

struct MixedBitsPoint {
    double averageBits = 0.0;
    double predictedSqnrDb = 0.0;
    std::map<std::string, int> assignment; // node → weight bits
};

struct MixedBitsResult {
    std::vector<int> candidates;
    double budgetBits = 0.0;
    double signal = 0.0;                // E[y_f²]
    double fullNoise = 0.0;             // N_full
    std::vector<LayerBitNoise> table;   // quantLayers() order
    std::vector<MixedBitsPoint> pareto; // increasing average bits
    MixedBitsPoint chosen;              // best within the budget (the smallest point if none fits)
    bool withinBudget = false;
};

// runner: built on the same model and layers; its quantized() output gives N_full, so it must
// have been created with the quantized cache. The table's runs (layer × candidate) are spread
// over the runner's threads; the result does not depend on their number.
Result<MixedBitsResult> suggestMixedBits(const QuantizedModel& model,
                                         const std::vector<QuantLayerRef>& layers,
                                         const LayerConeRunner& runner,
                                         const MixedBitsOptions& options = {});

} // namespace qs
