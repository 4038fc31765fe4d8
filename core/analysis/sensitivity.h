// Per-layer sensitivity: each quantizable layer quantized alone (everything else float), and
// the reverse, everything quantized except that layer (what keeping it in float would recover).
// Output SQNR, cosine similarity and top-1 agreement against fp32 (and accuracy with labels).
//
// The float prefix is reused: the model is run once in fp32 and once fully quantized with the
// activations kept, and each layer's runs start at that layer — only the layer and what lies
// downstream of it (its cone) is executed, its other inputs (skip connections) fed from the
// cache: the fp32 cache for "alone" (upstream is float), the quantized cache for "reverse".
//
// What "the layer" quantizes: alone — its weight, bias, input activation and output activation
// (the op running int8 × int8 with its requantization); reverse — its weight, bias and output
// stay float (as `--float NODE` does; its input keeps the upstream layer's quantization).
#pragma once

#include "analysis/accuracy.h"
#include "analysis/quant_layers.h"
#include "util/progress.h"

#include <optional>
#include <string>
#include <vector>

namespace qs {

struct OutputAgreement {
    double sqnrDb = 0.0; // of the first graph output against fp32; +inf when identical
    double cosine = 1.0;
    double agreement = 1.0; // fraction of samples whose arg-max equals fp32's
    std::optional<double> top1;
};

struct LayerSensitivity {
    std::string node, op;
    OutputAgreement alone;   // only this layer quantized
    OutputAgreement reverse; // all but this layer quantized
    int rank = 0;            // 1 = most sensitive (lowest SQNR alone)
};

struct SensitivityOptions {
    int threads = 1;
    int batchSize = 16;
    bool reverse = true;
    Progress* progress = nullptr; // per layer; cancel stops with Cancelled
};

struct SensitivityResult {
    std::vector<LayerSensitivity> layers; // quantLayers() order
    std::vector<size_t> ranking;          // indices into layers, rank 1 first
    OutputAgreement full;                 // the whole model quantized
    std::optional<double> fp32Top1;
    int64_t samples = 0;
};

// data: N first, for the model input `inputName`; labels: N integers or null.
Result<SensitivityResult> analyzeSensitivity(const QuantizedModel& model,
                                             const std::vector<QuantLayerRef>& layers,
                                             const Tensor& data, const Tensor* labels,
                                             const std::string& inputName,
                                             const SensitivityOptions& options = {});

// Pieces shared with the error-propagation analysis.
// The plan with every tensor outside `keep` set to float.
QuantPlan planQuantizingOnly(const QuantPlan& plan, const std::vector<std::string>& keep);
// The plan with the tensors of `drop` set to float.
QuantPlan planWithFloat(const QuantPlan& plan, const std::vector<std::string>& drop);
// `start` and every node downstream of it; every value those nodes read that is produced
// elsewhere becomes a graph input (named in *external, type f32, shape left to run time).
Result<Graph> downstreamCone(const Graph& graph, NodeId start, std::vector<std::string>* external);

} // namespace qs
