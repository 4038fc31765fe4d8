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

#include <memory>
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
    int threads = 1; // the layers' runs are spread over them; results do not depend on it
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

// The float prefix cache behind sensitivity and the mixed-bit table: the model run once in
// fp32 (and, on request, once fully quantized) on `data` with every value a layer's cone reads
// kept; then any plan can be run on one layer's cone from those values.
class LayerConeRunner {
public:
    static Result<std::unique_ptr<LayerConeRunner>>
    create(const QuantizedModel& model, const std::vector<QuantLayerRef>& layers,
           const Tensor& data, const std::string& inputName, int threads, int batchSize,
           bool quantizedCache, const Progress* cancel = nullptr); // polled per node
    const Tensor& reference() const { return m_reference; }        // fp32 first output, all samples
    int threads() const { return m_threads; }
    const Tensor& quantized() const {
        return m_quantized;
    } // fully quantized (empty without the cache)
    // False when the layer does not reach the first graph output (it cannot change it).
    bool reachesOutput(size_t layer) const;
    // The first output over all samples with `plan`, running only the layer's cone, fed from the
    // float cache or (fromQuantized) the fully quantized one. Safe to call from several threads
    // at once (inside a pool's job the cone runs on the calling thread alone). `cancel` is
    // polled per batch and node (Cancelled).
    Result<Tensor> run(size_t layer, const QuantPlan& plan, bool fromQuantized,
                       const Progress* cancel = nullptr) const;

private:
    struct Cone {
        Graph graph;
        std::vector<std::string> external;
    };
    struct Cache {
        std::vector<std::map<std::string, Tensor>> batches;
    };
    std::vector<Cone> m_cones;
    Cache m_float, m_quant;
    Tensor m_reference, m_quantized;
    std::string m_output;
    int m_threads = 1;
};

// The same from an existing runner (shared with the mixed-bit table); options.reverse needs
// its quantized cache.
Result<SensitivityResult> analyzeSensitivity(const QuantizedModel& model,
                                             const std::vector<QuantLayerRef>& layers,
                                             const LayerConeRunner& runner, const Tensor* labels,
                                             const SensitivityOptions& options = {});

// Pieces shared with the error-propagation analysis.
// What one layer quantizes: its weight, bias and output (after a fused activation), and with
// withInput its input activation too.
std::vector<std::string> layerTensors(const Graph& graph, const QuantLayerRef& layer,
                                      bool withInput);
// The plan with every tensor outside `keep` set to float.
QuantPlan planQuantizingOnly(const QuantPlan& plan, const std::vector<std::string>& keep);
// The plan with the tensors of `drop` set to float.
QuantPlan planWithFloat(const QuantPlan& plan, const std::vector<std::string>& drop);
// `start` and every node downstream of it; every value those nodes read that is produced
// elsewhere becomes a graph input (named in *external, its type kept, its shape left to run time).
Result<Graph> downstreamCone(const Graph& graph, NodeId start, std::vector<std::string>* external);
// The same from several start nodes (their union).
Result<Graph> downstreamCone(const Graph& graph, const std::vector<NodeId>& starts,
                             std::vector<std::string>* external);

} // namespace qs
