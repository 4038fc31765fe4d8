// Graph rewrites for fast fp32 inference (what ONNX Runtime's "all" optimisation level does for
// these models): Identity/Dropout removed, Constant nodes and Identity-of-constant inlined,
// BatchNormalization folded into the preceding Conv/ConvTranspose/Gemm, and a Relu/Clip that is
// a Conv/ConvTranspose/Gemm/MatMul's only reader fused into it as the output clamp
// (attributes qs_clip_min/qs_clip_max, honoured by those kernels' epilogues).
// Outputs are unchanged up to float rounding (BN folding reassociates one multiply).
#pragma once

#include "ir/graph.h"

namespace qs {

struct InferenceOptimizationReport {
    int identitiesRemoved = 0;
    int batchNormsFolded = 0;
    int activationsFused = 0;
};

Result<Graph> optimizeForInference(const Graph& graph,
                                   InferenceOptimizationReport* report = nullptr);

// Identity / inference Dropout removed (consumers read the input; Identity of a constant becomes
// a constant). Exposed for the quantization pipeline, which folds BN but fuses in its plan.
Result<Graph> removePassThroughs(const Graph& graph, int* removed = nullptr);

// Fusion alone (used by optimizeForInference, calibration and the analyses' cones). nodeMap
// (optional): for every node of `graph`, its id in the result (kNoNode for a fused-away
// activation; the order of the nodes is kept).
Result<Graph> fuseActivations(const Graph& graph, int* fused = nullptr,
                              std::vector<NodeId>* nodeMap = nullptr);

} // namespace qs
