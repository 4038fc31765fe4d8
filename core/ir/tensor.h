// Tensor: owning, typed, dense, row-major. The buffer is shared between copies (copying a Tensor
// is cheap; Reshape-like ops alias); kernels never write into their inputs, so sharing is safe.
// clone() makes a deep copy.
#pragma once

#include "util/error.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace qs {

enum class DataType : uint8_t { Undefined = 0, F32, F16, I8, U8, I32, I64, Bool, F64 };

size_t dataTypeSize(DataType dtype);
const char* dataTypeName(DataType dtype); // "f32", "i64", ...

// The ONNX TensorProto.DataType code (1 = FLOAT, 7 = INT64, ...) and back.
int toOnnxDataType(DataType dtype);
DataType fromOnnxDataType(int onnxType); // Undefined when we do not support it

template <class T> constexpr DataType dataTypeOf() {
    if constexpr (std::is_same_v<T, float>)
        return DataType::F32;
    else if constexpr (std::is_same_v<T, double>)
        return DataType::F64;
    else if constexpr (std::is_same_v<T, int8_t>)
        return DataType::I8;
    else if constexpr (std::is_same_v<T, uint8_t>)
        return DataType::U8;
    else if constexpr (std::is_same_v<T, int32_t>)
        return DataType::I32;
    else if constexpr (std::is_same_v<T, int64_t>)
        return DataType::I64;
    else if constexpr (std::is_same_v<T, bool>)
        return DataType::Bool;
    else if constexpr (std::is_same_v<T, uint16_t>)
        return DataType::F16; // raw half bits
    else
        static_assert(sizeof(T) == 0, "unsupported tensor element type");
}

using Shape = std::vector<int64_t>;

std::string shapeToString(const Shape& shape); // "[1,3,224,224]"

// Product of dims with overflow and negativity checks; the limit guards against lying size fields.
Result<int64_t> checkedNumel(const Shape& shape, int64_t maxElements = int64_t(1) << 40);
inline int64_t numelOf(const Shape& shape) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
}

// Row-major strides in elements.
std::vector<int64_t> stridesOf(const Shape& shape);

float halfToFloat(uint16_t h);
uint16_t floatToHalf(float f); // round to nearest even

class Tensor {
public:
    Tensor() = default;
    // Uninitialised storage of the given type and shape (assert: shape is valid).
    Tensor(DataType dtype, Shape shape);

    static Tensor zeros(DataType dtype, Shape shape);
    template <class T> static Tensor fromVector(Shape shape, const std::vector<T>& values);
    template <class T> static Tensor scalar(T value) {
        return fromVector<T>({}, std::vector<T>{value});
    }
    // Checked allocation for sizes that come from files or user input.
    static Result<Tensor> allocate(DataType dtype, Shape shape);

    // dtype and shape without storage (rawData() is null): what an executor keeps of a constant
    // whose consumers all prepacked it (OpKernel::prepacked), for shape inference.
    static Tensor shapeOnly(DataType dtype, Shape shape);
    bool hasStorage() const { return m_data != nullptr; }

    bool isNull() const { return m_dtype == DataType::Undefined; }
    DataType dtype() const { return m_dtype; }
    const Shape& shape() const { return m_shape; }
    int rank() const { return int(m_shape.size()); }
    int64_t dim(int i) const { return m_shape[size_t(i < 0 ? i + rank() : i)]; }
    int64_t numel() const { return m_numel; }
    size_t byteSize() const { return size_t(m_numel) * dataTypeSize(m_dtype); }

    template <class T> T* data() {
        assert(m_dtype == dataTypeOf<T>() ||
               (std::is_same_v<T, uint8_t> && m_dtype == DataType::Bool));
        return reinterpret_cast<T*>(m_data);
    }
    template <class T> const T* data() const {
        assert(m_dtype == dataTypeOf<T>() ||
               (std::is_same_v<T, uint8_t> && m_dtype == DataType::Bool));
        return reinterpret_cast<const T*>(m_data);
    }
    template <class T> std::span<T> span() { return {data<T>(), size_t(m_numel)}; }
    template <class T> std::span<const T> span() const { return {data<T>(), size_t(m_numel)}; }
    void* rawData() { return m_data; }
    const void* rawData() const { return m_data; }

    // Same buffer, new shape (numel must match).
    Tensor reshaped(Shape shape) const;
    // The first n entries along axis 0 as a copy (a batch's first samples); the tensor itself
    // when it has no more than n, when n <= 0 (all of it) or when it is a scalar.
    Tensor firstRows(int64_t n) const;
    Tensor clone() const;
    // Converts to another dtype (numeric cast; f16 via halfToFloat, bool as 0/1).
    Tensor castTo(DataType dtype) const;
    bool sharesBufferWith(const Tensor& other) const { return m_data && m_data == other.m_data; }

    // Values of an integer tensor as int64 (i8/u8/i32/i64/bool) — for shape-like inputs.
    std::vector<int64_t> toInt64Vector() const;
    // Values as float (any numeric dtype).
    std::vector<float> toFloatVector() const;

private:
    DataType m_dtype = DataType::Undefined;
    Shape m_shape;
    int64_t m_numel = 0;
    std::shared_ptr<std::byte[]> m_buffer;
    std::byte* m_data = nullptr;
};

template <class T> Tensor Tensor::fromVector(Shape shape, const std::vector<T>& values) {
    Tensor t(dataTypeOf<T>(), std::move(shape));
    assert(size_t(t.numel()) == values.size());
    if constexpr (std::is_same_v<T, bool>) {
        auto* d = t.data<uint8_t>();
        for (size_t i = 0; i < values.size(); ++i) d[i] = values[i] ? 1 : 0;
    } else if (!values.empty()) {
        std::memcpy(t.rawData(), values.data(), values.size() * sizeof(T));
    }
    return t;
}

// Compact description of a tensor without its data (shape inference, UI).
struct TensorInfo {
    DataType dtype = DataType::Undefined;
    Shape shape;             // -1 for a dimension that is not known
    bool shapeKnown = false; // false: even the rank is unknown
    bool isFullyKnown() const {
        if (!shapeKnown) return false;
        for (int64_t d : shape)
            if (d < 0) return false;
        return true;
    }
};

} // namespace qs
