#include "quant/op_quant_rules.h"

#include <string_view>

namespace qs {

const char* opQuantRuleName(OpQuantRule rule) {
    switch (rule) {
    case OpQuantRule::Weighted:
        return "weighted";
    case OpQuantRule::Passive:
        return "passive";
    case OpQuantRule::Requantize:
        return "requantize";
    case OpQuantRule::Float:
        return "float";
    }
    return "float";
}

bool isFusableActivation(const Node& node) {
    return node.domain.empty() && (node.opType == "Relu" || node.opType == "Clip");
}

OpQuantRule opQuantRule(const Graph& graph, const Node& node) {
    if (!node.domain.empty()) return OpQuantRule::Float;
    const std::string_view op = node.opType;
    auto constInput = [&](size_t i) {
        return i < node.inputs.size() && node.inputs[i] != kNoValue &&
               graph.value(node.inputs[i]).initializer;
    };
    if (op == "Conv" || op == "ConvTranspose" || op == "Gemm")
        return constInput(1) ? OpQuantRule::Weighted : OpQuantRule::Requantize;
    if (op == "MatMul") return constInput(1) ? OpQuantRule::Weighted : OpQuantRule::Requantize;
    if (op == "Resize" || op == "Upsample") {
        const Attribute* mode = node.attribute("mode");
        return !mode || mode->s == "nearest" ? OpQuantRule::Passive : OpQuantRule::Requantize;
    }
    for (std::string_view p :
         {"Relu",    "Clip",      "MaxPool", "GlobalMaxPool", "Reshape",  "Flatten",   "Transpose",
          "Squeeze", "Unsqueeze", "Slice",   "Pad",           "Identity", "Dropout",   "Gather",
          "Split",   "Expand",    "Tile",    "Max",           "Min",      "ReduceMax", "ReduceMin"})
        if (op == p) return OpQuantRule::Passive;
    for (std::string_view r : {"Add",
                               "Sub",
                               "Mul",
                               "Div",
                               "Sum",
                               "Mean",
                               "Concat",
                               "AveragePool",
                               "GlobalAveragePool",
                               "ReduceMean",
                               "Sigmoid",
                               "HardSigmoid",
                               "HardSwish",
                               "Tanh",
                               "Gelu",
                               "Exp",
                               "LeakyRelu",
                               "PRelu",
                               "BatchNormalization",
                               "Neg",
                               "Abs",
                               "Elu",
                               "Softplus",
                               "Sqrt",
                               "Pow"})
        if (op == r) return OpQuantRule::Requantize;
    return OpQuantRule::Float;
}

} // namespace qs
