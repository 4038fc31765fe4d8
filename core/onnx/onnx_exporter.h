// ONNX export: a Graph back to a ModelProto (fp32 or any graph), and the QDQ form of a
// quantized graph that ONNX Runtime consumes.
//
// Plain export writes the opset imports, the nodes in topological order with every attribute
// kind, initializers as little-endian raw_data, graph inputs/outputs with element type and
// shape (dim_param names from Value::dimNames), and value_info for intermediate values whose
// type or shape is known. Dims that only an earlier shape inference bound (a batch of 1 put in
// for a dynamic dim) are not written as fixed: a dim is fixed only when it is declared so or
// does not change when the dynamic input dims change (onnx/shape_probe.h).
//
// QDQ export (after ONNX Runtime's quantizer format): every quantized weight becomes an
// int8/uint8 initializer of its codes followed by DequantizeLinear (per axis where the plan is
// per channel); a quantized bias an int32 initializer (scale s_in·s_w) followed by
// DequantizeLinear; every quantized activation QuantizeLinear→DequantizeLinear right where it
// is produced. Consumers then read exactly the fake-quantized values the Simulator computes.
// Passive and float tensors get nothing. Names of existing values are kept (the DequantizeLinear
// output takes the original name), so graph outputs keep their names.
// Per-axis DequantizeLinear needs opset 13: a model below it is raised to 13 first, its nodes
// rewritten to the forms of opset 13 with the same meaning (onnx/opset_upgrade.h), rather than
// mixing in com.microsoft Q/DQ ops, so the result is plain ONNX that any runtime reads. Where the
// QDQ form cannot hold the plan exactly — activations above 8 bits, asymmetric weights above 8
// bits, dynamic quantization other than uint8 per tensor — the export fails naming the tensor;
// the one approximation (activations rounding half away from zero: QuantizeLinear rounds half to
// even, so exact ties differ) is listed in the report's notes.
#pragma once

#include "ir/graph.h"

#include <string>
#include <vector>

namespace qs {

struct QuantPlan;

// Serialized ModelProto. Errors name the node, attribute or value that cannot be written
// (subgraph attributes, values of unknown type among the graph inputs/outputs).
Result<std::string> exportOnnxBytes(const Graph& graph);
// Written atomically (temporary file + rename).
Status exportOnnxFile(const Graph& graph, const std::string& path);

struct QdqExportReport {
    int64_t opsetBefore = 0; // default-domain opset of the input graph
    int64_t opsetAfter = 0;  // of the exported model (at least 13: per-axis DequantizeLinear)
    int quantizedWeights = 0;
    int quantizedBiases = 0;
    int quantizedActivations = 0;
    std::vector<std::string> notes; // conversions and approximations made, one line each
};

// The QDQ graph itself (runs in our executor too). `graph` is the graph the plan describes
// (BatchNorm folded if the plan says so). Errors name the tensor or node at fault: a plan
// tensor the graph lacks, a weight that is not an f32 initializer, bit widths QDQ at opset 13
// cannot hold (activations above 8 bits, asymmetric weights above 8 bits).
Result<Graph> buildQdqGraph(const Graph& graph, const QuantPlan& plan,
                            QdqExportReport* report = nullptr);
Result<std::string> exportQdqBytes(const Graph& graph, const QuantPlan& plan,
                                   QdqExportReport* report = nullptr);
// Written atomically.
Status exportQdqModel(const Graph& graph, const QuantPlan& plan, const std::string& path,
                      QdqExportReport* report = nullptr);

} // namespace qs
