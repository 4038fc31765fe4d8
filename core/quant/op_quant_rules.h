// How each op takes part in quantization. One table, read by the plan builder, the simulator
// and (later) the integer lowering.
#pragma once

#include "ir/graph.h"

namespace qs {

enum class OpQuantRule : uint8_t {
    Weighted, // Conv, ConvTranspose, Gemm, MatMul with a constant operand: quantized weights and
              // input activations, int32 bias, requantized output
    Passive,  // output on the input's grid (Relu, MaxPool, Reshape, ...): takes the input's params
    Requantize, // output gets its own params (Add, Concat, AveragePool, Sigmoid, ...)
    Float,      // no integer kernel: a float island (Softmax, LayerNormalization, Cast, ...)
};

const char* opQuantRuleName(OpQuantRule rule);
OpQuantRule opQuantRule(const Graph& graph, const Node& node);
// Relu / Clip: can be fused into a preceding weighted op or Add as its requantization clamp.
bool isFusableActivation(const Node& node);

} // namespace qs
