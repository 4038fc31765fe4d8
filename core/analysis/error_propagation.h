// Graph-wise error: with the whole model quantized, how far every intermediate tensor is from
// float, and how much of that error each node *injects* versus *inherits*.
//   total     y_q − y_f: the node's output in the quantized model against float.
//   injected  y_i − y_f: the node run on exact float inputs with its own quantization (its
//             quantized weights and bias, its output requantization) — the error it adds.
//   inherited y_q − y_i: what reaches it from upstream, as propagated through the node.
// Powers are mean squares over the evaluation samples; SQNR = 10·log10(signal / noise).
// When the two parts are uncorrelated, total ≈ injected + inherited in power.
#pragma once

#include "quant/quantizer.h"

#include <string>
#include <vector>

namespace qs {

struct TensorError {
    std::string tensor, node, op;
    bool quantized = false; // the tensor has its own quantization in the plan
    double signal = 0.0;    // mean y_f²
    double totalNoise = 0.0, injectedNoise = 0.0, inheritedNoise = 0.0; // mean squares
    double totalSqnrDb = 0.0, injectedSqnrDb = 0.0,
           inheritedSqnrDb = 0.0; // +inf when the noise is 0
    // injected / (injected + inherited) power: near 1, act on this node; near 0, look upstream.
    double injectedShare = 0.0;
};

struct ErrorPropagationOptions {
    int threads = 1;
    int batchSize = 16;
    const Progress* cancel = nullptr; // polled per batch and node: Cancelled
};

struct ErrorPropagation {
    std::vector<TensorError> tensors; // every f32 node output, topological order
    int64_t samples = 0;
};

Result<ErrorPropagation> analyzeErrorPropagation(const QuantizedModel& model, const Tensor& data,
                                                 const std::string& inputName,
                                                 const ErrorPropagationOptions& options = {});

} // namespace qs
