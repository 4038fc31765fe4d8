// The quantizable layers of a quantized model as the analyses list them: every weighted node
// (Conv, ConvTranspose, Gemm, MatMul with a constant weight) that the plan quantizes, with
// where its weight lives before BatchNorm merge, after it, and as quantized (after CLE).
// Every analysis in this folder walks this one list, so their rows line up by index.
#pragma once

#include "quant/quantizer.h"

#include <optional>
#include <string>
#include <vector>

namespace qs {

struct QuantLayerRef {
    NodeId node = kNoNode;  // in QuantizedModel::graph
    std::string name;       // node name
    std::string op;         // "Conv"
    bool depthwise = false; // Conv with group == input channels == output channels
    int channelAxis = 0;    // output-channel axis of the weight
    std::string weight;     // weight value name in QuantizedModel::graph
    std::string batchNorm;  // the BatchNormalization merged into it ("" if none)
    std::string input;      // the data input tensor
    std::string output; // the tensor the layer's output is quantized on (after a fused Relu/Clip)
    Tensor weightOriginal;  // before BN merge (the imported weight)
    Tensor weightMerged;    // after BN merge, before CLE
    Tensor weightQuantized; // what the plan quantizes (after CLE when on); float values
};

// In graph (topological) order. Nodes kept in float are left out.
std::vector<QuantLayerRef> quantLayers(const QuantizedModel& model);

} // namespace qs
