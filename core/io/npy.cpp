#include "io/npy.h"

#include <onnx/onnx_pb.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace qs {

namespace {

Result<std::string> readWholeFile(const std::string& path, int64_t maxBytes = int64_t(8) << 30) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        return makeError(ErrorCode::IoError, "is a directory");
    std::ifstream in(path, std::ios::binary);
    if (!in) return makeError(ErrorCode::IoError, "cannot open: ", std::strerror(errno));
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    if (size < 0) return makeError(ErrorCode::IoError, "cannot read");
    if (size > maxBytes)
        return makeError(ErrorCode::ResourceLimit, "file is larger than ", maxBytes, " bytes");
    in.seekg(0);
    std::string bytes(size_t(size), '\0');
    if (size > 0 && !in.read(bytes.data(), size))
        return makeError(ErrorCode::IoError, "read failed");
    return bytes;
}

// Parses the value of 'key' in the .npy header dict: {'descr': '<f4', 'fortran_order': False,
// 'shape': (1, 2), }
std::string headerField(const std::string& header, const std::string& key) {
    const std::string quoted = "'" + key + "'";
    size_t p = header.find(quoted);
    if (p == std::string::npos) return {};
    p = header.find(':', p + quoted.size());
    if (p == std::string::npos) return {};
    ++p;
    while (p < header.size() && header[p] == ' ') ++p;
    if (p >= header.size()) return {};
    if (header[p] == '\'') {
        const size_t e = header.find('\'', p + 1);
        return e == std::string::npos ? std::string() : header.substr(p, e - p + 1);
    }
    if (header[p] == '(') {
        const size_t e = header.find(')', p);
        return e == std::string::npos ? std::string() : header.substr(p, e - p + 1);
    }
    const size_t e = header.find_first_of(",}", p);
    return header.substr(p, e == std::string::npos ? std::string::npos : e - p);
}

Result<DataType> npyDescrToType(const std::string& descr) {
    // descr like '<f4', '|u1', '|b1', '<i8'
    if (descr.size() < 5) return makeError(ErrorCode::ParseError, "bad dtype descriptor ", descr);
    const std::string d = descr.substr(1, descr.size() - 2);
    if (d[0] == '>' && d.substr(1) != "i1" && d.substr(1) != "u1")
        return makeError(ErrorCode::Unsupported, "big-endian arrays (", d, ") are not supported");
    const std::string t = d.substr(1);
    if (t == "f4") return DataType::F32;
    if (t == "f8") return DataType::F64;
    if (t == "f2") return DataType::F16;
    if (t == "i1") return DataType::I8;
    if (t == "u1") return DataType::U8;
    if (t == "i4") return DataType::I32;
    if (t == "i8") return DataType::I64;
    if (t == "b1") return DataType::Bool;
    return makeError(ErrorCode::Unsupported, "unsupported .npy dtype ", d);
}

const char* typeToNpyDescr(DataType t) {
    switch (t) {
    case DataType::F32:
        return "<f4";
    case DataType::F64:
        return "<f8";
    case DataType::F16:
        return "<f2";
    case DataType::I8:
        return "|i1";
    case DataType::U8:
        return "|u1";
    case DataType::I32:
        return "<i4";
    case DataType::I64:
        return "<i8";
    case DataType::Bool:
        return "|b1";
    case DataType::Undefined:
        break;
    }
    return "";
}

} // namespace

Result<Tensor> readNpyBytes(const void* data, size_t size) {
    const auto* b = static_cast<const unsigned char*>(data);
    if (size < 10 || std::memcmp(b, "\x93NUMPY", 6) != 0)
        return makeError(ErrorCode::ParseError, "not a .npy file (bad magic)");
    const int major = b[6];
    size_t headerLen = 0, offset = 0;
    if (major == 1) {
        headerLen = size_t(b[8]) | (size_t(b[9]) << 8);
        offset = 10;
    } else if (major == 2 || major == 3) {
        if (size < 12) return makeError(ErrorCode::ParseError, "truncated .npy header");
        headerLen =
            size_t(b[8]) | (size_t(b[9]) << 8) | (size_t(b[10]) << 16) | (size_t(b[11]) << 24);
        offset = 12;
    } else {
        return makeError(ErrorCode::Unsupported, "unsupported .npy format version ", major);
    }
    if (headerLen > size - offset) return makeError(ErrorCode::ParseError, "truncated .npy header");
    const std::string header(reinterpret_cast<const char*>(b + offset), headerLen);
    offset += headerLen;

    QS_ASSIGN(DataType dtype, npyDescrToType(headerField(header, "descr")));
    const std::string fortran = headerField(header, "fortran_order");
    if (fortran.find("True") != std::string::npos)
        return makeError(ErrorCode::Unsupported,
                         "Fortran-ordered arrays are not supported (save with C order)");
    const std::string shapeText = headerField(header, "shape");
    if (shapeText.size() < 2 || shapeText.front() != '(' || shapeText.back() != ')')
        return makeError(ErrorCode::ParseError, "bad shape in .npy header");
    Shape shape;
    {
        std::string inner = shapeText.substr(1, shapeText.size() - 2);
        std::stringstream ss(inner);
        std::string item;
        while (std::getline(ss, item, ',')) {
            size_t a = item.find_first_not_of(" L");
            if (a == std::string::npos) continue;
            char* end = nullptr;
            const long long v = std::strtoll(item.c_str() + a, &end, 10);
            if (end == item.c_str() + a || v < 0)
                return makeError(ErrorCode::ParseError, "bad dimension '", item, "' in .npy shape");
            shape.push_back(v);
        }
    }
    QS_ASSIGN(int64_t numel, checkedNumel(shape));
    const size_t need = size_t(numel) * dataTypeSize(dtype);
    if (numel > int64_t(size) || need > size - offset)
        return makeError(ErrorCode::ParseError, "truncated .npy data: shape ", shapeToString(shape),
                         " needs ", need, " bytes, file has ", size - offset);
    QS_ASSIGN(Tensor t, Tensor::allocate(dtype, shape));
    if (need) std::memcpy(t.rawData(), b + offset, need);
    return t;
}

Result<Tensor> readNpy(const std::string& path) {
    auto bytes = readWholeFile(path);
    if (!bytes) return std::move(bytes.addContext("file " + path)).takeError();
    auto t = readNpyBytes(bytes->data(), bytes->size());
    t.addContext("file " + path);
    return t;
}

Status writeNpy(const std::string& path, const Tensor& tensor) {
    std::string header = "{'descr': '";
    header += typeToNpyDescr(tensor.dtype());
    header += "', 'fortran_order': False, 'shape': (";
    for (size_t i = 0; i < tensor.shape().size(); ++i) {
        header += std::to_string(tensor.shape()[i]);
        header += (tensor.shape().size() == 1 || i + 1 < tensor.shape().size()) ? ", " : "";
    }
    header += "), }";
    // Pad so that magic + len + header is a multiple of 64, ending with '\n'.
    const size_t total = 10 + header.size() + 1;
    header.append((64 - total % 64) % 64, ' ');
    header += '\n';
    std::string bytes = "\x93NUMPY";
    bytes += char(1);
    bytes += char(0);
    bytes += char(header.size() & 0xff);
    bytes += char((header.size() >> 8) & 0xff);
    bytes += header;
    // Streamed: the tensor is not copied into the header's string.
    return writeFileAtomically(path, [&](AtomicFileSink& sink) -> Status {
        QS_TRY(sink.write(bytes));
        return sink.write(
            std::string_view(static_cast<const char*>(tensor.rawData()), tensor.byteSize()));
    });
}

Result<Tensor> tensorFromProto(const onnx::TensorProto& proto, const std::string& baseDir,
                               int64_t maxBytes);

Result<Tensor> readTensorProtoFile(const std::string& path) {
    auto bytes = readWholeFile(path);
    if (!bytes) return std::move(bytes.addContext("file " + path)).takeError();
    onnx::TensorProto proto;
    if (!proto.ParseFromString(*bytes))
        return makeError(ErrorCode::ParseError, "file ", path,
                         ": not a serialised ONNX TensorProto");
    auto t = tensorFromProto(proto, std::filesystem::path(path).parent_path().string(),
                             int64_t(4) << 30);
    t.addContext("file " + path);
    return t;
}

Result<Tensor> readTensorProtoBytes(const void* data, size_t size) {
    if (size > size_t(std::numeric_limits<int>::max()))
        return makeError(ErrorCode::ResourceLimit, "TensorProto larger than 2 GiB");
    onnx::TensorProto proto;
    if (!proto.ParseFromArray(data, int(size)))
        return makeError(ErrorCode::ParseError, "not a serialised ONNX TensorProto");
    return tensorFromProto(proto, "", int64_t(4) << 30);
}

Result<Tensor> readTensorFile(const std::string& path) {
    const std::string ext = std::filesystem::path(path).extension().string();
    if (ext == ".pb") return readTensorProtoFile(path);
    return readNpy(path);
}

} // namespace qs
