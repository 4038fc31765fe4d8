#include "onnx/onnx_importer.h"

#include "ops/op_registry.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <onnx/onnx_pb.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qs {

namespace {

template <class T> void copyRepeated(const T& field, void* dst, int64_t n) {
    using Elem = typename T::value_type;
    if (n > 0) std::memcpy(dst, field.data(), size_t(n) * sizeof(Elem));
}

Result<std::string> readExternalData(const onnx::TensorProto& proto, const std::string& baseDir,
                                     size_t expectBytes) {
    std::string location;
    int64_t offset = 0, length = -1;
    for (const auto& kv : proto.external_data()) {
        if (kv.key() == "location")
            location = kv.value();
        else if (kv.key() == "offset")
            offset = std::strtoll(kv.value().c_str(), nullptr, 10);
        else if (kv.key() == "length")
            length = std::strtoll(kv.value().c_str(), nullptr, 10);
    }
    if (location.empty())
        return makeError(ErrorCode::InvalidModel, "external data has no location");
    const std::filesystem::path rel(location);
    if (rel.is_absolute() || location.find("..") != std::string::npos)
        return makeError(ErrorCode::InvalidModel, "external data location '", location,
                         "' must be a relative path inside the model's folder");
    if (baseDir.empty())
        return makeError(ErrorCode::InvalidModel, "external data '", location,
                         "' cannot be resolved for an in-memory model");
    const std::filesystem::path full = std::filesystem::path(baseDir) / rel;
    std::ifstream in(full, std::ios::binary);
    if (!in)
        return makeError(ErrorCode::IoError, "external data file '", full.string(),
                         "': ", std::strerror(errno));
    in.seekg(0, std::ios::end);
    const int64_t fileSize = in.tellg();
    if (length < 0) length = int64_t(expectBytes);
    if (offset < 0 || length != int64_t(expectBytes) || offset > fileSize ||
        length > fileSize - offset)
        return makeError(ErrorCode::InvalidModel, "external data file '", full.string(), "' (",
                         fileSize, " bytes) does not hold ", expectBytes, " bytes at offset ",
                         offset);
    std::string bytes(expectBytes, '\0');
    in.seekg(offset);
    if (expectBytes && !in.read(bytes.data(), std::streamsize(expectBytes)))
        return makeError(ErrorCode::IoError, "external data file '", full.string(),
                         "': read failed");
    return bytes;
}

} // namespace

// Shared with io/npy.cpp (TensorProto .pb files).
Result<Tensor> tensorFromProto(const onnx::TensorProto& proto, const std::string& baseDir,
                               int64_t maxBytes) {
    const std::string what =
        proto.name().empty() ? std::string("tensor") : "tensor '" + proto.name() + "'";
    const DataType dtype = fromOnnxDataType(proto.data_type());
    if (dtype == DataType::Undefined)
        return makeError(ErrorCode::Unsupported, what, " has unsupported data type ",
                         proto.data_type());
    Shape shape(proto.dims().begin(), proto.dims().end());
    auto numelOr = checkedNumel(shape);
    if (!numelOr) return std::move(numelOr.addContext(what)).takeError();
    const int64_t numel = *numelOr;
    const size_t elem = dataTypeSize(dtype);
    if (numel > maxBytes / int64_t(elem))
        return makeError(ErrorCode::ResourceLimit, what, " of shape ", shapeToString(shape),
                         " exceeds the size limit");
    const size_t bytes = size_t(numel) * elem;

    auto mismatch = [&](size_t have) {
        return makeError(ErrorCode::InvalidModel, what, " has shape ", shapeToString(shape), " (",
                         numel, " elements) but its data holds ", have);
    };

    // The data must be present before we allocate: a lying dims field never allocates.
    if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
        QS_ASSIGN(std::string raw, readExternalData(proto, baseDir, bytes).addContext(what));
        QS_ASSIGN(Tensor t, Tensor::allocate(dtype, shape));
        if (bytes) std::memcpy(t.rawData(), raw.data(), bytes);
        return t;
    }
    if (proto.has_raw_data()) {
        if (proto.raw_data().size() != bytes) return mismatch(proto.raw_data().size());
        QS_ASSIGN(Tensor t, Tensor::allocate(dtype, shape));
        if (bytes) std::memcpy(t.rawData(), proto.raw_data().data(), bytes);
        return t;
    }
    switch (dtype) {
    case DataType::F32: {
        if (proto.float_data_size() != numel) return mismatch(size_t(proto.float_data_size()));
        QS_ASSIGN(Tensor t, Tensor::allocate(dtype, shape));
        copyRepeated(proto.float_data(), t.rawData(), numel);
        return t;
    }
    case DataType::F64: {
        if (proto.double_data_size() != numel) return mismatch(size_t(proto.double_data_size()));
        QS_ASSIGN(Tensor t, Tensor::allocate(dtype, shape));
        copyRepeated(proto.double_data(), t.rawData(), numel);
        return t;
    }
    case DataType::I64: {
        if (proto.int64_data_size() != numel) return mismatch(size_t(proto.int64_data_size()));
        QS_ASSIGN(Tensor t, Tensor::allocate(dtype, shape));
        copyRepeated(proto.int64_data(), t.rawData(), numel);
        return t;
    }
    case DataType::I32:
    case DataType::I8:
    case DataType::U8:
    case DataType::Bool:
    case DataType::F16: {
        // int32_data carries all of these, one element per entry (f16 as its bit pattern).
        if (proto.int32_data_size() != numel) return mismatch(size_t(proto.int32_data_size()));
        QS_ASSIGN(Tensor t, Tensor::allocate(dtype, shape));
        for (int64_t i = 0; i < numel; ++i) {
            const int32_t v = proto.int32_data(int(i));
            switch (dtype) {
            case DataType::I32:
                t.data<int32_t>()[i] = v;
                break;
            case DataType::I8:
                t.data<int8_t>()[i] = int8_t(v);
                break;
            case DataType::U8:
                t.data<uint8_t>()[i] = uint8_t(v);
                break;
            case DataType::Bool:
                t.data<bool>()[i] = v != 0;
                break;
            default:
                t.data<uint16_t>()[i] = uint16_t(v);
                break;
            }
        }
        return t;
    }
    case DataType::Undefined:
        break;
    }
    return makeError(ErrorCode::Unsupported, what, " has unsupported data type ",
                     proto.data_type());
}

namespace {

TensorInfo infoFromType(const onnx::TypeProto& type, std::vector<std::string>* dimNames) {
    TensorInfo info;
    if (!type.has_tensor_type()) return info;
    info.dtype = fromOnnxDataType(type.tensor_type().elem_type());
    if (!type.tensor_type().has_shape()) return info;
    info.shapeKnown = true;
    for (const auto& d : type.tensor_type().shape().dim()) {
        if (d.has_dim_value() && d.dim_value() >= 0) {
            info.shape.push_back(d.dim_value());
            if (dimNames) dimNames->push_back("");
        } else {
            info.shape.push_back(-1);
            if (dimNames) dimNames->push_back(d.has_dim_param() ? d.dim_param() : "?");
        }
    }
    return info;
}

Result<Attribute> convertAttribute(const onnx::AttributeProto& a, const std::string& baseDir,
                                   int64_t maxBytes) {
    Attribute out;
    using AP = onnx::AttributeProto;
    AP::AttributeType type = a.type();
    if (type == AP::UNDEFINED) { // old exporters leave type unset: infer from the set field
        if (a.has_f())
            type = AP::FLOAT;
        else if (a.has_i())
            type = AP::INT;
        else if (a.has_s())
            type = AP::STRING;
        else if (a.has_t())
            type = AP::TENSOR;
        else if (a.floats_size())
            type = AP::FLOATS;
        else if (a.ints_size())
            type = AP::INTS;
        else if (a.strings_size())
            type = AP::STRINGS;
    }
    switch (type) {
    case AP::FLOAT:
        out.kind = Attribute::Kind::Float;
        out.f = a.f();
        break;
    case AP::INT:
        out.kind = Attribute::Kind::Int;
        out.i = a.i();
        break;
    case AP::STRING:
        out.kind = Attribute::Kind::String;
        out.s = a.s();
        break;
    case AP::FLOATS:
        out.kind = Attribute::Kind::Floats;
        out.floats.assign(a.floats().begin(), a.floats().end());
        break;
    case AP::INTS:
        out.kind = Attribute::Kind::Ints;
        out.ints.assign(a.ints().begin(), a.ints().end());
        break;
    case AP::STRINGS:
        out.kind = Attribute::Kind::Strings;
        out.strings.assign(a.strings().begin(), a.strings().end());
        break;
    case AP::TENSOR: {
        out.kind = Attribute::Kind::Tensor;
        QS_ASSIGN(out.t, tensorFromProto(a.t(), baseDir, maxBytes));
        break;
    }
    case AP::GRAPH:
    case AP::GRAPHS:
        out.kind = Attribute::Kind::Graph;
        break; // subgraphs are not executed (If/Loop unsupported)
    default:
        out.kind = Attribute::Kind::Graph;
        break; // sparse tensors, type protos: kept opaque
    }
    return out;
}

Result<Graph> convertModel(onnx::ModelProto& model, const std::string& baseDir,
                           const ImportOptions& options) {
    if (!model.has_graph() || model.ir_version() <= 0)
        return makeError(ErrorCode::ParseError, "not an ONNX model (no graph or IR version)");
    Graph g;
    g.irVersion = model.ir_version();
    g.producerName = model.producer_name();
    g.producerVersion = model.producer_version();
    for (const auto& op : model.opset_import())
        g.opsets()[op.domain() == "ai.onnx" ? std::string() : op.domain()] = op.version();
    if (!g.opsets().count("")) g.opsets()[""] = model.opset_import_size() ? 1 : 7;
    if (g.opsetVersion() < 7)
        return makeError(ErrorCode::Unsupported, "opset ", g.opsetVersion(),
                         " is older than 7, the oldest supported");

    onnx::GraphProto& graph = *model.mutable_graph();
    g.name = graph.name();

    for (auto& init : *graph.mutable_initializer()) {
        if (init.name().empty())
            return makeError(ErrorCode::InvalidModel, "an initializer has no name");
        QS_ASSIGN(ValueId id, g.addValue(init.name()));
        QS_ASSIGN(Tensor t, tensorFromProto(init, baseDir, options.maxTensorBytes));
        // Free the protobuf copy now: peak memory stays near one copy of the weights.
        std::string().swap(*init.mutable_raw_data());
        init.clear_float_data();
        init.clear_int64_data();
        init.clear_int32_data();
        Value& v = g.value(id);
        v.info = TensorInfo{t.dtype(), t.shape(), true};
        v.dimNames.assign(t.shape().size(), "");
        v.initializer = std::move(t);
    }
    std::vector<ValueId> inputs;
    for (const auto& in : graph.input()) {
        if (auto existing = g.findValue(in.name())) {
            // An input that is also an initializer (IR < 4 lists every weight): the initializer
            // is its default; it is not a runtime input.
            if (g.value(*existing).initializer) continue;
            return makeError(ErrorCode::InvalidModel, "graph input '", in.name(),
                             "' is declared twice");
        }
        if (in.has_type() && !in.type().has_tensor_type())
            return makeError(
                ErrorCode::Unsupported, "graph input '", in.name(),
                "' is not a tensor (sequence, map and optional types are not supported)");
        QS_ASSIGN(ValueId id, g.addValue(in.name()));
        Value& v = g.value(id);
        v.info = infoFromType(in.type(), &v.dimNames);
        inputs.push_back(id);
    }
    g.setInputs(inputs);

    std::map<std::string, int> nameUse;
    int index = 0;
    for (const auto& np : graph.node()) {
        Node n;
        n.opType = np.op_type();
        n.domain = np.domain() == "ai.onnx" ? std::string() : np.domain();
        n.name = np.name().empty() ? n.opType + "_" + std::to_string(index) : np.name();
        if (nameUse[n.name]++)
            n.name += "_" + std::to_string(index); // keep names unique for selection
        ++index;
        for (const auto& in : np.input())
            n.inputs.push_back(in.empty() ? kNoValue : g.valueOrAdd(in));
        for (const auto& out : np.output())
            n.outputs.push_back(out.empty() ? kNoValue : g.valueOrAdd(out));
        for (const auto& a : np.attribute()) {
            auto attr = convertAttribute(a, baseDir, options.maxTensorBytes);
            if (!attr)
                return std::move(
                           attr.addContext("node " + n.label() + " attribute '" + a.name() + "'"))
                    .takeError();
            n.attributes.emplace(a.name(), std::move(attr).value());
        }
        g.addNode(std::move(n));
    }
    std::vector<ValueId> outputs;
    for (const auto& out : graph.output()) {
        auto id = g.findValue(out.name());
        if (!id)
            return makeError(ErrorCode::InvalidModel, "graph output '", out.name(),
                             "' is not produced by any node");
        Value& v = g.value(*id);
        TensorInfo declared = infoFromType(out.type(), &v.dimNames);
        if (declared.dtype != DataType::Undefined) v.info = declared;
        outputs.push_back(*id);
    }
    g.setOutputs(outputs);
    for (const auto& vi : graph.value_info()) {
        if (auto id = g.findValue(vi.name())) {
            Value& v = g.value(*id);
            if (!v.initializer && !v.isGraphInput) {
                std::vector<std::string> names;
                v.info = infoFromType(vi.type(), &names);
                v.dimNames = names;
            }
        }
    }
    QS_TRY(g.finalize());
    return g;
}

Result<Graph> finishImport(onnx::ModelProto& model, const std::string& baseDir,
                           const ImportOptions& options, ImportReport* report) {
    auto graph = convertModel(model, baseDir, options);
    if (graph && report) report->unsupportedOps = unsupportedOps(*graph);
    return graph;
}

const char* const kParseFailed =
    "not an ONNX model, or the file is truncated (protobuf parse failed)";

Result<Graph> importBytes(const void* data, size_t size, const std::string& baseDir,
                          const ImportOptions& options, ImportReport* report) {
    if (size == 0) return makeError(ErrorCode::ParseError, "empty file");
    onnx::ModelProto model;
    if (size > size_t(INT32_MAX))
        return makeError(ErrorCode::ResourceLimit, "model larger than 2 GiB (use external data)");
    if (!model.ParseFromArray(data, int(size)))
        return makeError(ErrorCode::ParseError, kParseFailed);
    auto graph = convertModel(model, baseDir, options);
    if (graph && report) report->unsupportedOps = unsupportedOps(*graph);
    return graph;
}

} // namespace

std::vector<std::pair<std::string, int>> unsupportedOps(const Graph& graph) {
    std::map<std::string, int> counts;
    for (const Node& n : graph.nodes())
        if (!findOp(n.domain, n.opType))
            ++counts[n.domain.empty() ? n.opType : n.domain + "." + n.opType];
    return {counts.begin(), counts.end()};
}

Result<Graph> importOnnxBytes(const void* data, size_t size, const std::string& baseDir,
                              const ImportOptions& options, ImportReport* report) {
    return importBytes(data, size, baseDir, options, report);
}

Result<Graph> importOnnxFile(const std::string& path, const ImportOptions& options,
                             ImportReport* report) {
    auto fail = [&](Error e) { return std::move(e.addContext("file " + path)); };
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        return fail(Error(ErrorCode::IoError, "is a directory"));
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(makeError(ErrorCode::IoError, "cannot open: ", std::strerror(errno)));
    struct stat st {};
    const bool statOk = ::fstat(fd, &st) == 0;
    if (!statOk || st.st_size == 0) {
        ::close(fd);
        return fail(statOk ? Error(ErrorCode::ParseError, "empty file")
                           : Error(ErrorCode::IoError, "cannot read"));
    }
    if (st.st_size > int64_t(INT32_MAX)) {
        ::close(fd);
        return fail(Error(ErrorCode::ResourceLimit, "model larger than 2 GiB (use external data)"));
    }
    // Parse straight from the file: no second copy of the bytes in memory.
    onnx::ModelProto model;
    const bool parsed = model.ParseFromFileDescriptor(fd);
    ::close(fd);
    if (!parsed) return fail(Error(ErrorCode::ParseError, kParseFailed));
    const std::string baseDir =
        std::filesystem::absolute(std::filesystem::path(path)).parent_path().string();
    auto g = finishImport(model, baseDir, options, report);
    if (!g) return fail(g.takeError());
    return g;
}

} // namespace qs
