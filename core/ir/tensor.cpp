#include "ir/tensor.h"

#include <bit>
#include <cmath>
#include <limits>
#include <new>

namespace qs {

size_t dataTypeSize(DataType dtype) {
    switch (dtype) {
    case DataType::F32:
        return 4;
    case DataType::F16:
        return 2;
    case DataType::I8:
        return 1;
    case DataType::U8:
        return 1;
    case DataType::I32:
        return 4;
    case DataType::I64:
        return 8;
    case DataType::Bool:
        return 1;
    case DataType::F64:
        return 8;
    case DataType::Undefined:
        return 0;
    }
    return 0;
}

const char* dataTypeName(DataType dtype) {
    switch (dtype) {
    case DataType::F32:
        return "f32";
    case DataType::F16:
        return "f16";
    case DataType::I8:
        return "i8";
    case DataType::U8:
        return "u8";
    case DataType::I32:
        return "i32";
    case DataType::I64:
        return "i64";
    case DataType::Bool:
        return "bool";
    case DataType::F64:
        return "f64";
    case DataType::Undefined:
        return "undefined";
    }
    return "undefined";
}

int toOnnxDataType(DataType dtype) {
    switch (dtype) {
    case DataType::F32:
        return 1;
    case DataType::U8:
        return 2;
    case DataType::I8:
        return 3;
    case DataType::I32:
        return 6;
    case DataType::I64:
        return 7;
    case DataType::Bool:
        return 9;
    case DataType::F16:
        return 10;
    case DataType::F64:
        return 11;
    case DataType::Undefined:
        return 0;
    }
    return 0;
}

DataType fromOnnxDataType(int onnxType) {
    switch (onnxType) {
    case 1:
        return DataType::F32;
    case 2:
        return DataType::U8;
    case 3:
        return DataType::I8;
    case 6:
        return DataType::I32;
    case 7:
        return DataType::I64;
    case 9:
        return DataType::Bool;
    case 10:
        return DataType::F16;
    case 11:
        return DataType::F64;
    default:
        return DataType::Undefined;
    }
}

std::string shapeToString(const Shape& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) {
        if (i) s += ",";
        s += shape[i] < 0 ? std::string("?") : std::to_string(shape[i]);
    }
    return s + "]";
}

Result<int64_t> checkedNumel(const Shape& shape, int64_t maxElements) {
    int64_t n = 1;
    for (int64_t d : shape) {
        if (d < 0)
            return makeError(ErrorCode::ShapeMismatch, "negative dimension in shape ",
                             shapeToString(shape));
        if (d != 0 && n > maxElements / d)
            return makeError(ErrorCode::ResourceLimit, "shape ", shapeToString(shape),
                             " has more than ", maxElements, " elements");
        n *= d;
    }
    return n;
}

std::vector<int64_t> stridesOf(const Shape& shape) {
    std::vector<int64_t> strides(shape.size(), 1);
    for (int i = int(shape.size()) - 2; i >= 0; --i)
        strides[size_t(i)] = strides[size_t(i) + 1] * shape[size_t(i) + 1];
    return strides;
}

float halfToFloat(uint16_t h) {
    const uint32_t sign = uint32_t(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f;
    uint32_t mant = h & 0x3ff;
    uint32_t bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else { // subnormal: normalise
            exp = 127 - 15 + 1;
            while (!(mant & 0x400)) {
                mant <<= 1;
                --exp;
            }
            mant &= 0x3ff;
            bits = sign | (exp << 23) | (mant << 13);
        }
    } else if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (mant << 13);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
    }
    return std::bit_cast<float>(bits);
}

uint16_t floatToHalf(float f) {
    const uint32_t x = std::bit_cast<uint32_t>(f);
    const uint16_t sign = uint16_t((x >> 16) & 0x8000);
    const uint32_t absx = x & 0x7fffffffu;
    if (absx >= 0x7f800000u)
        return uint16_t(sign | 0x7c00 | (absx > 0x7f800000u ? 0x200 : 0)); // Inf/NaN
    if (absx >= 0x477ff000u) return uint16_t(sign | 0x7c00);               // overflow
    if (absx < 0x38800000u) {                                              // subnormal half
        if (absx < 0x33000000u) return sign;                               // rounds to zero
        const uint32_t e = absx >> 23;
        const uint32_t m = (absx & 0x7fffff) | 0x800000;
        const uint32_t shift = 126 - e; // half subnormal unit is 2^-24
        uint32_t result = m >> shift;
        const uint32_t dropped = m & ((1u << shift) - 1);
        const uint32_t halfway = 1u << (shift - 1);
        if (dropped > halfway || (dropped == halfway && (result & 1))) ++result;
        return uint16_t(sign | result);
    }
    uint32_t result = ((absx - 0x38000000u) >> 13);
    const uint32_t dropped = absx & 0x1fff;
    if (dropped > 0x1000 || (dropped == 0x1000 && (result & 1))) ++result;
    return uint16_t(sign | result);
}

namespace {
std::shared_ptr<std::byte[]> allocateBuffer(size_t bytes) {
    // 64-byte alignment for vector loads; at least one byte so data() is never null.
    const size_t size = (bytes + 63) & ~size_t(63);
    auto* p = static_cast<std::byte*>(::operator new[](size ? size : 64, std::align_val_t(64)));
    return std::shared_ptr<std::byte[]>(
        p, [](std::byte* q) { ::operator delete[](q, std::align_val_t(64)); });
}
} // namespace

Tensor::Tensor(DataType dtype, Shape shape)
    : m_dtype(dtype)
    , m_shape(std::move(shape)) {
    assert(dtype != DataType::Undefined);
    m_numel = numelOf(m_shape);
    assert(m_numel >= 0);
    m_buffer = allocateBuffer(byteSize());
    m_data = m_buffer.get();
}

Tensor Tensor::zeros(DataType dtype, Shape shape) {
    Tensor t(dtype, std::move(shape));
    std::memset(t.m_data, 0, t.byteSize());
    return t;
}

Result<Tensor> Tensor::allocate(DataType dtype, Shape shape) {
    if (dtype == DataType::Undefined)
        return makeError(ErrorCode::Unsupported, "tensor of undefined data type");
    QS_ASSIGN(int64_t n, checkedNumel(shape));
    constexpr int64_t kMaxBytes = int64_t(4) << 30; // 4 GiB: refuse rather than exhaust memory
    if (n > kMaxBytes / int64_t(dataTypeSize(dtype)))
        return makeError(ErrorCode::ResourceLimit, "tensor of shape ", shapeToString(shape), " (",
                         dataTypeName(dtype), ") exceeds the 4 GiB tensor limit");
    try {
        return Tensor(dtype, std::move(shape));
    } catch (const std::bad_alloc&) {
        return makeError(ErrorCode::ResourceLimit, "out of memory allocating a tensor of shape ",
                         shapeToString(shape));
    }
}

Tensor Tensor::shapeOnly(DataType dtype, Shape shape) {
    Tensor t;
    t.m_dtype = dtype;
    t.m_shape = std::move(shape);
    t.m_numel = numelOf(t.m_shape);
    return t;
}

Tensor Tensor::reshaped(Shape shape) const {
    Tensor t = *this;
    t.m_shape = std::move(shape);
    assert(numelOf(t.m_shape) == m_numel);
    return t;
}

Tensor Tensor::firstRows(int64_t n) const {
    if (rank() == 0 || n <= 0 || n >= dim(0)) return *this;
    Shape s = m_shape;
    s[0] = n;
    Tensor out(m_dtype, std::move(s));
    std::memcpy(out.m_data, m_data, out.byteSize());
    return out;
}

Tensor Tensor::clone() const {
    if (isNull()) return {};
    Tensor t(m_dtype, m_shape);
    std::memcpy(t.m_data, m_data, byteSize());
    return t;
}

namespace {
template <class Src, class Dst> void convertLoop(const Src* s, Dst* d, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
        if constexpr (std::is_same_v<Dst, bool>)
            d[i] = s[i] != Src(0);
        else if constexpr (std::is_integral_v<Dst> && std::is_floating_point_v<Src>) {
            // Saturating float->int cast: C++ leaves out-of-range conversions undefined.
            const double v = double(s[i]);
            if (std::isnan(v))
                d[i] = 0;
            else if (v <= double(std::numeric_limits<Dst>::min()))
                d[i] = std::numeric_limits<Dst>::min();
            else if (v >= double(std::numeric_limits<Dst>::max()))
                d[i] = std::numeric_limits<Dst>::max();
            else
                d[i] = Dst(s[i]);
        } else
            d[i] = Dst(s[i]);
    }
}

template <class Src> void convertFrom(const Src* s, Tensor& out, int64_t n) {
    switch (out.dtype()) {
    case DataType::F32:
        convertLoop(s, out.data<float>(), n);
        break;
    case DataType::F64:
        convertLoop(s, out.data<double>(), n);
        break;
    case DataType::I8:
        convertLoop(s, out.data<int8_t>(), n);
        break;
    case DataType::U8:
        convertLoop(s, out.data<uint8_t>(), n);
        break;
    case DataType::I32:
        convertLoop(s, out.data<int32_t>(), n);
        break;
    case DataType::I64:
        convertLoop(s, out.data<int64_t>(), n);
        break;
    case DataType::Bool:
        convertLoop(s, out.data<bool>(), n);
        break;
    case DataType::F16: {
        auto* d = out.data<uint16_t>();
        for (int64_t i = 0; i < n; ++i) d[i] = floatToHalf(float(s[i]));
        break;
    }
    case DataType::Undefined:
        break;
    }
}
} // namespace

Tensor Tensor::castTo(DataType dtype) const {
    if (dtype == m_dtype) return *this;
    Tensor out(dtype, m_shape);
    switch (m_dtype) {
    case DataType::F32:
        convertFrom(data<float>(), out, m_numel);
        break;
    case DataType::F64:
        convertFrom(data<double>(), out, m_numel);
        break;
    case DataType::I8:
        convertFrom(data<int8_t>(), out, m_numel);
        break;
    case DataType::U8:
        convertFrom(data<uint8_t>(), out, m_numel);
        break;
    case DataType::I32:
        convertFrom(data<int32_t>(), out, m_numel);
        break;
    case DataType::I64:
        convertFrom(data<int64_t>(), out, m_numel);
        break;
    case DataType::Bool:
        convertFrom(data<bool>(), out, m_numel);
        break;
    case DataType::F16: {
        std::vector<float> tmp(static_cast<size_t>(m_numel));
        const auto* h = data<uint16_t>();
        for (int64_t i = 0; i < m_numel; ++i) tmp[size_t(i)] = halfToFloat(h[i]);
        convertFrom(tmp.data(), out, m_numel);
        break;
    }
    case DataType::Undefined:
        break;
    }
    return out;
}

std::vector<int64_t> Tensor::toInt64Vector() const {
    Tensor t = castTo(DataType::I64);
    return {t.data<int64_t>(), t.data<int64_t>() + t.numel()};
}

std::vector<float> Tensor::toFloatVector() const {
    Tensor t = castTo(DataType::F32);
    return {t.data<float>(), t.data<float>() + t.numel()};
}

} // namespace qs
