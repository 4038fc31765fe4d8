// Output-level comparison of a quantized model against fp32: top-1 (with labels), agreement of
// the arg-max, and SQNR. What `eval` prints and the GUI's accuracy panel shows.
#pragma once

#include "ir/tensor.h"

#include <optional>

namespace qs {

struct AccuracyResult {
    int64_t samples = 0;
    std::optional<double> top1;     // quantized, with labels
    std::optional<double> fp32Top1; // with labels
    double agreement = 0;           // fraction of samples whose arg-max equals fp32's
    double sqnrDb = 0;              // 10·log10(Σ y² / Σ (y − ŷ)²); +inf when identical
};

// Signal-to-quantization-noise ratio in dB of `test` against `reference` (same shape).
double sqnrDb(const Tensor& reference, const Tensor& test);
// Cosine similarity of the flattened tensors.
double cosineSimilarity(const Tensor& reference, const Tensor& test);

// logits: N×C (or N×…, flattened per sample). labels: N integers, or null.
Result<AccuracyResult> compareClassifiers(const Tensor& fp32Logits, const Tensor& quantLogits,
                                          const Tensor* labels);

} // namespace qs
