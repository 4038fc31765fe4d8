#include "analysis/model_summary.h"

#include "onnx/onnx_importer.h"

#include <nlohmann/json.hpp>

#include <map>
#include <sstream>

namespace qs {

namespace {
TensorSummary summarizeValue(const Value& v) {
    TensorSummary t;
    t.name = v.name;
    t.dtype = v.info.dtype;
    t.shape = v.info.shape;
    t.dimNames = v.dimNames;
    t.dimNames.resize(t.shape.size());
    return t;
}

nlohmann::json tensorJson(const TensorSummary& t) {
    nlohmann::json dims = nlohmann::json::array();
    for (size_t i = 0; i < t.shape.size(); ++i) {
        if (t.shape[i] >= 0)
            dims.push_back(t.shape[i]);
        else
            dims.push_back(t.dimNames[i].empty() ? std::string("?") : t.dimNames[i]);
    }
    return {{"name", t.name}, {"dtype", dataTypeName(t.dtype)}, {"shape", dims}};
}

std::string shapeText(const TensorSummary& t) {
    std::string s = "[";
    for (size_t i = 0; i < t.shape.size(); ++i) {
        if (i) s += ",";
        s += t.shape[i] >= 0 ? std::to_string(t.shape[i])
                             : (t.dimNames[i].empty() ? "?" : t.dimNames[i]);
    }
    return s + "]";
}
} // namespace

ModelSummary summarizeModel(const Graph& graph) {
    ModelSummary s;
    s.graphName = graph.name;
    s.producer =
        graph.producerName + (graph.producerVersion.empty() ? "" : " " + graph.producerVersion);
    s.irVersion = graph.irVersion;
    s.opset = graph.opsetVersion();
    s.nodeCount = graph.nodeCount();
    for (ValueId in : graph.inputs()) s.inputs.push_back(summarizeValue(graph.value(in)));
    for (ValueId out : graph.outputs()) s.outputs.push_back(summarizeValue(graph.value(out)));
    std::map<std::string, int> ops;
    for (const Node& n : graph.nodes())
        ++ops[n.domain.empty() ? n.opType : n.domain + "." + n.opType];
    s.opCounts.assign(ops.begin(), ops.end());
    for (const Value& v : graph.values()) {
        if (!v.initializer) continue;
        s.initializerBytes += int64_t(v.initializer->byteSize());
        const DataType t = v.initializer->dtype();
        if (t == DataType::F32 || t == DataType::F16 || t == DataType::F64)
            s.parameterCount += v.initializer->numel();
    }
    // Weights held in Constant nodes (paddle2onnx, some exporters) count too.
    for (const Node& n : graph.nodes()) {
        if (n.opType != "Constant") continue;
        if (const Attribute* a = n.attribute("value"); a && a->kind == Attribute::Kind::Tensor) {
            const DataType t = a->t.dtype();
            s.initializerBytes += int64_t(a->t.byteSize());
            if (t == DataType::F32 || t == DataType::F16 || t == DataType::F64)
                s.parameterCount += a->t.numel();
        }
    }
    s.unsupportedOps = unsupportedOps(graph);
    return s;
}

std::string modelSummaryToJson(const ModelSummary& s) {
    nlohmann::json j;
    j["graph"] = s.graphName;
    j["producer"] = s.producer;
    j["ir_version"] = s.irVersion;
    j["opset"] = s.opset;
    j["node_count"] = s.nodeCount;
    j["inputs"] = nlohmann::json::array();
    for (const auto& t : s.inputs) j["inputs"].push_back(tensorJson(t));
    j["outputs"] = nlohmann::json::array();
    for (const auto& t : s.outputs) j["outputs"].push_back(tensorJson(t));
    j["op_counts"] = nlohmann::json::object();
    for (const auto& [op, n] : s.opCounts) j["op_counts"][op] = n;
    j["parameter_count"] = s.parameterCount;
    j["initializer_bytes"] = s.initializerBytes;
    j["unsupported_ops"] = nlohmann::json::object();
    for (const auto& [op, n] : s.unsupportedOps) j["unsupported_ops"][op] = n;
    return j.dump(2);
}

std::string modelSummaryToText(const ModelSummary& s) {
    std::ostringstream os;
    os << "graph: " << (s.graphName.empty() ? "(unnamed)" : s.graphName) << "\n";
    os << "producer: " << (s.producer.empty() ? "(unknown)" : s.producer) << ", IR " << s.irVersion
       << ", opset " << s.opset << "\n";
    os << "inputs:\n";
    for (const auto& t : s.inputs)
        os << "  " << t.name << "  " << dataTypeName(t.dtype) << " " << shapeText(t) << "\n";
    os << "outputs:\n";
    for (const auto& t : s.outputs)
        os << "  " << t.name << "  " << dataTypeName(t.dtype) << " " << shapeText(t) << "\n";
    os << "nodes: " << s.nodeCount << "\n";
    for (const auto& [op, n] : s.opCounts) os << "  " << op << ": " << n << "\n";
    os << "parameters: " << s.parameterCount << " (" << s.initializerBytes
       << " bytes of constants)\n";
    if (s.unsupportedOps.empty()) {
        os << "unsupported ops: none\n";
    } else {
        os << "unsupported ops:";
        for (const auto& [op, n] : s.unsupportedOps) os << " " << op << " (" << n << ")";
        os << "\n";
    }
    return os.str();
}

} // namespace qs
