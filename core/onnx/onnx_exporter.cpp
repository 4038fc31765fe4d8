#include "onnx/onnx_exporter.h"

#include "io/npy.h"
#include "util/atomic_file.h"
#include "onnx/shape_probe.h"

#include <algorithm>
#include <bit>
#include <climits>
#include <onnx/onnx_pb.h>
#include <optional>

namespace qs {

namespace {

static_assert(std::endian::native == std::endian::little,
              "raw_data is little-endian: the exporter copies tensor bytes as they are in memory");

// The oldest IR version that may carry a default-domain opset (onnx/docs/Versioning.md table).
int64_t minIrVersionForOpset(int64_t opset) {
    if (opset <= 8) return 3;
    if (opset == 9) return 4;
    if (opset == 10) return 5;
    if (opset == 11) return 6;
    if (opset <= 14) return 7;
    if (opset <= 18) return 8;
    if (opset <= 20) return 9;
    if (opset <= 22) return 10;
    return 11;
}

// The importer names a dim without dim_value or dim_param "?": it is anonymous, not a name.
bool isDimName(const std::string& name) {
    return !name.empty() && name != "?";
}

void writeTensor(const Tensor& t, onnx::TensorProto* proto) {
    for (int64_t d : t.shape()) proto->add_dims(d);
    proto->set_data_type(toOnnxDataType(t.dtype()));
    if (t.byteSize())
        proto->set_raw_data(t.rawData(), t.byteSize());
    else
        proto->set_raw_data(std::string());
}

Status writeAttribute(const std::string& key, const Attribute& a, onnx::AttributeProto* proto) {
    using AP = onnx::AttributeProto;
    proto->set_name(key);
    switch (a.kind) {
    case Attribute::Kind::Int:
        proto->set_type(AP::INT);
        proto->set_i(a.i);
        break;
    case Attribute::Kind::Float:
        proto->set_type(AP::FLOAT);
        proto->set_f(a.f);
        break;
    case Attribute::Kind::String:
        proto->set_type(AP::STRING);
        proto->set_s(a.s);
        break;
    case Attribute::Kind::Ints:
        proto->set_type(AP::INTS);
        for (int64_t v : a.ints) proto->add_ints(v);
        break;
    case Attribute::Kind::Floats:
        proto->set_type(AP::FLOATS);
        for (float v : a.floats) proto->add_floats(v);
        break;
    case Attribute::Kind::Strings:
        proto->set_type(AP::STRINGS);
        for (const std::string& v : a.strings) proto->add_strings(v);
        break;
    case Attribute::Kind::Tensor:
        if (a.t.isNull())
            return makeError(ErrorCode::InvalidModel, "attribute '", key, "' holds no tensor");
        proto->set_type(AP::TENSOR);
        writeTensor(a.t, proto->mutable_t());
        break;
    case Attribute::Kind::Graph:
        // The importer keeps subgraphs (If/Loop bodies), sparse tensors and type protos opaque.
        return makeError(
            ErrorCode::Unsupported, "attribute '", key,
            "' is a subgraph or another kind QuantScope does not keep; it cannot be written");
    }
    return {};
}

class ModelWriter {
public:
    explicit ModelWriter(const Graph& graph)
        : m_graph(graph)
        , m_symbolic(inferSymbolicInfos(graph)) {}

    Result<std::string> write() {
        const Graph& g = m_graph;
        onnx::ModelProto model;
        const int64_t opset = g.opsetVersion("") > 0 ? g.opsetVersion("") : 13;
        const int64_t irVersion = std::max(g.irVersion, minIrVersionForOpset(opset));
        model.set_ir_version(irVersion);
        model.set_producer_name("QuantScope");
        model.set_producer_version("0.1");
        std::map<std::string, int64_t> opsets = g.opsets();
        opsets[""] = opset;
        for (const Node& n : g.nodes())
            if (!opsets.count(n.domain)) opsets[n.domain] = 1; // a domain used without an import
        for (const auto& [domain, version] : opsets) {
            auto* op = model.add_opset_import();
            op->set_domain(domain);
            op->set_version(version);
        }

        onnx::GraphProto* graph = model.mutable_graph();
        graph->set_name(g.name.empty() ? "graph" : g.name);
        for (NodeId n : g.topoOrder()) {
            const Node& node = g.node(n);
            onnx::NodeProto* np = graph->add_node();
            np->set_name(node.name);
            np->set_op_type(node.opType);
            if (!node.domain.empty()) np->set_domain(node.domain);
            for (ValueId in : node.inputs)
                np->add_input(in == kNoValue ? std::string() : g.value(in).name);
            for (ValueId out : node.outputs)
                np->add_output(out == kNoValue ? std::string() : g.value(out).name);
            for (const auto& [key, attr] : node.attributes) {
                Status st = writeAttribute(key, attr, np->add_attribute());
                if (!st) return std::move(st.addContext("node " + node.label())).takeError();
            }
        }

        // IR 3 requires every initializer to be listed among the graph inputs as well.
        const bool initializersAreInputs = irVersion < 4;
        for (ValueId in : g.inputs()) QS_TRY(writeValueInfo(in, graph->add_input(), "graph input"));
        for (ValueId v = 0; v < g.valueCount(); ++v) {
            const Value& value = g.value(v);
            if (!value.initializer || value.producer != kNoNode) continue;
            onnx::TensorProto* t = graph->add_initializer();
            t->set_name(value.name);
            writeTensor(*value.initializer, t);
            if (initializersAreInputs) {
                onnx::ValueInfoProto* vi = graph->add_input();
                vi->set_name(value.name);
                auto* tt = vi->mutable_type()->mutable_tensor_type();
                tt->set_elem_type(toOnnxDataType(value.initializer->dtype()));
                for (int64_t d : value.initializer->shape())
                    tt->mutable_shape()->add_dim()->set_dim_value(d);
            }
        }
        for (ValueId out : g.outputs())
            QS_TRY(writeValueInfo(out, graph->add_output(), "graph output"));
        for (ValueId v = 0; v < g.valueCount(); ++v) {
            const Value& value = g.value(v);
            if (value.producer == kNoNode || value.isGraphOutput || value.initializer) continue;
            onnx::ValueInfoProto vi;
            if (writeValueInfo(v, &vi, "value").isOk()) *graph->add_value_info() = std::move(vi);
        }

        if (model.ByteSizeLong() > size_t(INT_MAX))
            return makeError(ErrorCode::ResourceLimit,
                             "the model is larger than 2 GiB, which protobuf cannot write");
        std::string bytes;
        if (!model.SerializeToString(&bytes))
            return makeError(ErrorCode::Internal, "protobuf serialization failed");
        return bytes;
    }

private:
    // A value's element type and shape. Graph inputs are written as declared; for other values
    // a dim is written as fixed only when it was declared fixed or does not depend on a dynamic
    // input dim (an earlier shape inference may have bound the batch to 1 in Value::info).
    Status writeValueInfo(ValueId v, onnx::ValueInfoProto* proto, const char* what) const {
        const Value& value = m_graph.value(v);
        proto->set_name(value.name);
        const TensorInfo& symbolic = m_symbolic[size_t(v)];
        const DataType dtype =
            value.info.dtype != DataType::Undefined ? value.info.dtype : symbolic.dtype;
        if (dtype == DataType::Undefined)
            return makeError(ErrorCode::Unsupported, what, " '", value.name,
                             "' has no known element type (or one QuantScope does not represent, "
                             "such as uint16, bfloat16 or string)");
        auto* tt = proto->mutable_type()->mutable_tensor_type();
        tt->set_elem_type(toOnnxDataType(dtype));

        const TensorInfo* base = value.info.shapeKnown ? &value.info
                                 : symbolic.shapeKnown ? &symbolic
                                                       : nullptr;
        if (!base) return {};
        // dimNames of the same rank come from a declaration in the file (the importer writes a
        // name, "?" for an anonymous dynamic dim, "" for a fixed one); shape inference never
        // writes them, so a dim declared fixed is trusted.
        const bool declared = value.info.shapeKnown && value.dimNames.size() == base->shape.size();
        const bool comparable = symbolic.shapeKnown && symbolic.shape.size() == base->shape.size();
        auto* shape = tt->mutable_shape();
        for (size_t i = 0; i < base->shape.size(); ++i) {
            const int64_t d = base->shape[i];
            auto* dim = shape->add_dim();
            if (declared && isDimName(value.dimNames[i])) {
                dim->set_dim_param(value.dimNames[i]);
            } else if (d < 0 || (declared && !value.dimNames[i].empty())) {
                // an anonymous dynamic dim
            } else if (declared || value.isGraphInput || (comparable && symbolic.shape[i] == d)) {
                dim->set_dim_value(d);
            }
        }
        return {};
    }

    const Graph& m_graph;
    std::vector<TensorInfo> m_symbolic; // per value: inferred with dynamic input dims kept dynamic
};

} // namespace

Result<std::string> exportOnnxBytes(const Graph& graph) {
    if (graph.topoOrder().size() != size_t(graph.nodeCount())) {
        // Not finalized (a graph under construction): order it on a copy; a cycle is an error.
        Graph g = graph;
        QS_TRY(g.finalize());
        return ModelWriter(g).write();
    }
    return ModelWriter(graph).write();
}

Status exportOnnxFile(const Graph& graph, const std::string& path) {
    auto bytes = exportOnnxBytes(graph);
    if (!bytes) return std::move(bytes.addContext("file " + path)).takeError();
    return writeFileAtomically(path, *bytes);
}

} // namespace qs
