// Incremental re-evaluation ("what-if"): a prepared analysis session holds every f32 activation
// of the evaluation data twice — from the fp32 run and from the simulator run of the current
// plan — and the SQNR of every tensor against float. A change to the plan (one layer's weight
// bits, keeping it in float, its weight granularity; one activation's clip range) is turned
// into a new plan by the plan builder (so dependent entries follow: a bias's scale is
// s_in · s_w), the tensors whose quantization differs are found, and only the nodes downstream
// of them (the cone) are run, fed at the cone's edge from the cached quantized activations.
// The result equals a full simulator run of the new plan from the model input.
//
// Repairs (a model quantized with bias correction and/or AdaRound): a change to one layer's
// weight quantization (bits, granularity, keepFloat, AdaRound on/off) redoes that layer's
// repairs for its new quantization, as quantizeModel would, before the cone is run:
//   - bias correction: the layer's shift E[ΔW·x] for its new weight grid, from the input means
//     the quantizer used (kept in QuantizedModel::biasCorrection: calibration means, or
//     data-free from BN statistics), subtracted from the layer's uncorrected bias;
//   - AdaRound: the layer's rounding learned again on its new grid (same iterations, the same
//     deterministic solver) from its original float weight. Its inputs are the session's
//     evaluation data, not the calibration data (the quantizer keeps neither): x_q is the
//     cached quantized activation at the layer's input (earlier layers quantized and rounded as
//     the session's plan has them), x_f the float model's (float weights) input there;
//   - kept in float: no correction, float weights.
// Approximation: downstream layers keep their own corrections and roundings (the quantizer
// would learn their AdaRound again on the changed inputs; their bias corrections come from
// float means and do not change). With bias correction alone the what-if therefore equals a
// full requantization with the same change; with AdaRound it does exactly when the layer is
// the last weighted one and the session's data is the calibration data.
// The plan is built from the graph with float weights (as quantizeModel builds it before
// AdaRound); the simulator runs the graph with the learned weights, which lie on that plan's grid.
//
// Memory: both caches keep every f32 value of every sample (mobilenet_v2_bn at 224×224: about
// 75 MB per sample for the two); give it a few evaluation samples.
#pragma once

#include "quant/quantizer.h"

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace qs {

struct AnalysisSessionOptions {
    int threads = 1;
    int batchSize = 16;
    // create() polls it per node, a what-if's cone run per node and its AdaRound redo per
    // iteration block: Cancelled. A what-if given a cancel of its own polls that one instead.
    const Progress* cancel = nullptr;
};

// One layer's what-if settings (unset fields keep the current plan's).
struct LayerChange {
    std::string node;                       // a weighted node of QuantizedModel::graph
    std::optional<int> weightBits;          // 2..16
    std::optional<Granularity> granularity; // of the weight
    bool keepFloat = false;                 // as --float NODE
    // AdaRound this layer (true) or round it to nearest (false); unset: as it is now.
    std::optional<bool> adaround;
};

struct TensorSqnrDelta {
    std::string tensor;
    double beforeDb = 0.0, afterDb = 0.0; // against fp32; +inf when exact
};

struct WhatIfResult {
    double outputSqnrBeforeDb = 0.0, outputSqnrAfterDb = 0.0; // first graph output vs fp32
    std::vector<TensorSqnrDelta> tensors;    // every f32 tensor of the cone, topological order
    std::vector<std::string> changedTensors; // whose quantization the change altered
    int nodesRun = 0;                        // cone size
    double seconds = 0.0;                    // wall time of the evaluation
    // Repairs of the changed layer redone for its new quantization, one line each
    // ("bias correction conv_12 (empirical)", "AdaRound conv_12 (1000 iterations, 16 samples)",
    // "bias correction removed: conv_12 kept in float", ...); empty when none applied.
    std::vector<std::string> redone;
    std::optional<BiasCorrectionLayer> biasCorrection; // the new correction
    std::optional<AdaRoundLayer> adaround;             // the new rounding's errors
    double repairSeconds = 0.0;                        // part of `seconds`
    Tensor output;                                     // the new first output, all samples
};

class AnalysisSession {
public:
    // data: N first for `inputName` ("" = the first model input). Runs fp32 and the simulator
    // once over all of it. The session reads `model` and must not outlive it.
    static Result<std::unique_ptr<AnalysisSession>>
    create(const QuantizedModel& model, const Tensor& data, const std::string& inputName,
           const AnalysisSessionOptions& options = {});

    const QuantizedModel& model() const { return *m_model; }
    const QuantPlan& plan() const { return m_plan; }
    const QuantConfig& config() const { return m_config; }
    const std::map<std::string, ClipRange>& ranges() const { return m_ranges; }
    const Tensor& reference() const { return m_reference; } // fp32 first output
    const Tensor& output() const { return m_output; }       // current plan's first output
    double outputSqnrDb() const;
    // Current SQNR of an f32 tensor against float (+inf exact); nullopt if not cached.
    std::optional<double> tensorSqnrDb(const std::string& tensor) const;
    int64_t samples() const { return m_samples; }
    int threads() const { return m_threads; }

    // The plan a change would give (errors name the node or tensor at fault).
    Result<QuantPlan> planWith(const LayerChange& change) const;
    Result<QuantPlan> planWithRange(const std::string& tensor, ClipRange range) const;

    // Evaluate without changing the session. perTensor = false: only the output (no per-tensor
    // SQNRs; the cone's intermediate values are not kept — faster). cancel (optional): polled
    // per cone node and AdaRound iteration block instead of the session's (a GUI preview on a
    // session that outlived the run which made it).
    Result<WhatIfResult> whatIf(const LayerChange& change, bool perTensor = true,
                                const Progress* cancel = nullptr) const;
    Result<WhatIfResult> whatIfRange(const std::string& tensor, ClipRange range,
                                     bool perTensor = true, const Progress* cancel = nullptr) const;
    // Any plan for the same graph (the cone is what differs from the current plan).
    // The const evaluations may run on several threads at once (inside a pool's job the cone
    // runs on the calling thread alone).
    Result<WhatIfResult> evaluate(const QuantPlan& plan, bool perTensor = true,
                                  const Progress* cancel = nullptr) const;

    // Make a change the current plan: the caches are updated on its cone only.
    Status apply(const LayerChange& change);

private:
    AnalysisSession() = default;
    // A change turned into a plan and, when the layer's repairs are redone, graphs.
    struct Variant {
        QuantPlan plan;
        std::optional<Graph> graph, planGraph; // set when the layer's initializers changed
        bool adarounded = false;
        std::vector<std::string> redone;
        std::optional<BiasCorrectionLayer> biasCorrection;
        std::optional<AdaRoundLayer> adaround;
        double seconds = 0.0;
    };
    Result<Variant> variantWith(const LayerChange& change, const Progress* cancel) const;
    Result<std::vector<Tensor>> floatInputsAt(const std::string& tensor) const;
    Result<WhatIfResult> evaluateInto(const QuantPlan& plan, const Graph& graph,
                                      const std::vector<NodeId>& alsoRun, bool commit,
                                      bool perTensor, const Progress* cancel);

    const QuantizedModel* m_model = nullptr;
    // What the simulator runs (corrected biases, learned roundings) and what plans are built from
    // (the same with float weights where AdaRound rounded them); the model's, plus applied changes.
    Graph m_graph, m_planGraph;
    std::set<std::string> m_adarounded; // nodes whose weights in m_graph AdaRound learned
    QuantConfig m_config;               // the model's config plus the changes applied
    std::map<std::string, ClipRange> m_ranges;
    QuantPlan m_plan;
    std::string m_inputName, m_outputName;
    int m_threads = 1;
    const Progress* m_cancel = nullptr; // AnalysisSessionOptions::cancel
    int64_t m_samples = 0;
    // Per batch: value name → tensor.
    std::vector<std::map<std::string, Tensor>> m_float, m_quant;
    struct Power {
        double signal = 0.0, noise = 0.0;
    };
    std::map<std::string, Power> m_power; // per f32 tensor, current plan
    Tensor m_reference, m_output;
    // Every what-if builds a whole plan: the weights' parameters are computed once.
    mutable WeightParamsCache m_weightCache;
};

} // namespace qs
