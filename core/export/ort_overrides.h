// ONNX Runtime's per-tensor quantization overrides: the value of
// quantize_static(..., extra_options={"TensorQuantOverrides": ...}) (onnxruntime/python/tools/
// quantization/quantize.py, tensor_quant_overrides.py), so ORT's own quantizer reproduces the
// chosen (mixed-precision) plan:
//   {"<tensor>": [{"quant_type": "QInt8", "scale": 0.02, "zero_point": 0}],          per tensor
//    "<weight>": [{"quant_type": "QInt8", "axis": 0, "scale": s0, "zero_point": 0},  per channel:
//                 {"scale": s1, "zero_point": 0}, ...]}                              one per
//                 channel
// quant_type is the name of onnxruntime.quantization.QuantType (load with
// QuantType.from_string). 'symmetric', 'reduce_range', 'rmin' and 'rmax' are never written:
// ORT refuses them beside an explicit scale and zero point.
#pragma once

#include "quant/quant_plan.h"

#include <set>
#include <string>
#include <vector>

namespace qs {

struct OrtOverridesExport {
    std::string json;
    int tensors = 0;
    // What ORT cannot take (bit widths without a QuantType, per-group scales, dynamic
    // activations) and the float nodes to pass as nodes_to_exclude.
    std::vector<std::string> notes;
    std::vector<std::string> floatNodes;
};

// "QInt8", "QUInt8", "QInt16", "QUInt16", "QInt4", "QUInt4"; nullptr for other bit widths.
const char* ortQuantTypeName(int bits, bool isSigned);

// Quantized tensors with their own parameters (weights and activations). Bias is left to ORT
// (int32 at s_in * s_w, as we do); passive tensors are left to ORT's own passive-op handling.
// modelTensors: the tensor names of the model ORT will quantize (ORT refuses overrides of
// tensors it does not find); a plan tensor outside it (a BatchNorm-folded weight) is left out
// and counted in the notes. nullptr: every tensor of the plan.
OrtOverridesExport ortTensorQuantOverrides(const QuantPlan& plan,
                                           const std::set<std::string>* modelTensors = nullptr);

} // namespace qs
