// Variadic elementwise ops with numpy broadcasting: Max, Min, Sum, Mean. Inputs are folded
// left to right into the output (((x0 op x1) op x2) ...), so the float rounding is that of
// the sequential sum; Mean divides the sum by the input count. Max/Min propagate NaN like
// numpy's maximum/minimum. f16 is computed in f32 and rounded back to f16 (nearest even).
#include "ops/broadcast.h"
#include "ops/elementwise_types.h"
#include "ops/op.h"

#include <type_traits>

namespace qs {
namespace {

enum class VariadicKind { Max, Min, Sum, Mean };

constexpr TypeSet variadicTypes(VariadicKind k) {
    return k == VariadicKind::Max || k == VariadicKind::Min ? kNumericTypes : kFloatTypes;
}

template <class T> T maxOf(T u, T v) {
    if constexpr (std::is_floating_point_v<T>)
        return (u > v || u != u) ? u : v;
    else
        return u > v ? u : v;
}
template <class T> T minOf(T u, T v) {
    if constexpr (std::is_floating_point_v<T>)
        return (u < v || u != u) ? u : v;
    else
        return u < v ? u : v;
}

template <VariadicKind K> Status inferVariadic(InferContext& ctx) {
    if (ctx.numInputs() < 1)
        return makeError(ErrorCode::InvalidModel, "expects at least 1 input, has 0");
    const DataType dtype = ctx.inputType(0);
    if (!typeIn(dtype, variadicTypes(K))) return unsupportedTypeError(0, dtype, variadicTypes(K));
    bool shapeKnown = true;
    Shape shape;
    for (int i = 0; i < ctx.numInputs(); ++i) {
        if (!ctx.hasInput(i)) return makeError(ErrorCode::InvalidModel, "input ", i, " is missing");
        if (ctx.inputType(i) != dtype)
            return makeError(ErrorCode::TypeMismatch, "input ", i, " has type ",
                             dataTypeName(ctx.inputType(i)), ", expected ", dataTypeName(dtype),
                             " like input 0");
        if (!ctx.inputInfo(i).shapeKnown) {
            shapeKnown = false;
            continue;
        }
        if (i == 0) {
            shape = ctx.inputShape(0);
        } else {
            QS_ASSIGN(shape, broadcastShapes(shape, ctx.inputShape(i)));
        }
    }
    if (shapeKnown)
        ctx.setOutput(0, dtype, std::move(shape));
    else
        ctx.outputs()[0] = TensorInfo{dtype, {}, false};
    return {};
}

// y = a op b with broadcasting into y's shape.
template <VariadicKind K, class T>
void combine(const Tensor& a, const Tensor& b, Tensor& y, ThreadPool& pool) {
    if constexpr (K == VariadicKind::Max)
        broadcastBinary<T, T, T>(a, b, y, pool, [](T u, T v) { return maxOf(u, v); });
    else if constexpr (K == VariadicKind::Min)
        broadcastBinary<T, T, T>(a, b, y, pool, [](T u, T v) { return minOf(u, v); });
    else
        broadcastBinary<T, T, T>(a, b, y, pool, [](T u, T v) { return u + v; });
}

template <VariadicKind K, class T>
void runVariadic(const std::vector<Tensor>& inputs, Tensor& y, ThreadPool& pool) {
    combine<K, T>(inputs[0], inputs[1], y, pool);
    for (size_t i = 2; i < inputs.size(); ++i) combine<K, T>(y, inputs[i], y, pool);
    if constexpr (K == VariadicKind::Mean) {
        const T count = T(inputs.size());
        T* py = y.data<T>();
        pool.parallelFor(y.numel(), kElementwiseGrain, [&](int64_t begin, int64_t end) {
            for (int64_t i = begin; i < end; ++i) py[i] /= count;
        });
    }
}

template <VariadicKind K> Status computeVariadic(KernelContext& ctx) {
    if (ctx.numInputs() == 1) {
        ctx.setOutput(0, ctx.input(0));
        return {};
    }
    const DataType dtype = ctx.input(0).dtype();
    if (!typeIn(dtype, variadicTypes(K))) return unsupportedTypeError(0, dtype, variadicTypes(K));
    const bool viaF32 = dtype == DataType::F16;
    std::vector<Tensor> inputs;
    for (int i = 0; i < ctx.numInputs(); ++i)
        inputs.push_back(viaF32 ? ctx.input(i).castTo(DataType::F32) : ctx.input(i));
    Tensor y(viaF32 ? DataType::F32 : dtype, ctx.outputInfo(0).shape);
    switch (y.dtype()) {
    case DataType::F32:
        runVariadic<K, float>(inputs, y, ctx.pool());
        break;
    case DataType::I8:
        if constexpr (variadicTypes(K) & kTypeI8) runVariadic<K, int8_t>(inputs, y, ctx.pool());
        break;
    case DataType::U8:
        if constexpr (variadicTypes(K) & kTypeU8) runVariadic<K, uint8_t>(inputs, y, ctx.pool());
        break;
    case DataType::I32:
        if constexpr (variadicTypes(K) & kTypeI32) runVariadic<K, int32_t>(inputs, y, ctx.pool());
        break;
    case DataType::I64:
        if constexpr (variadicTypes(K) & kTypeI64) runVariadic<K, int64_t>(inputs, y, ctx.pool());
        break;
    default:
        break;
    }
    ctx.setOutput(0, viaF32 ? y.castTo(DataType::F16) : y);
    return {};
}

} // namespace

extern const OpDef kOpMax{.type = "Max",
                          .infer = inferVariadic<VariadicKind::Max>,
                          .compute = computeVariadic<VariadicKind::Max>,
                          .foldable = true};
extern const OpDef kOpMin{.type = "Min",
                          .infer = inferVariadic<VariadicKind::Min>,
                          .compute = computeVariadic<VariadicKind::Min>,
                          .foldable = true};
extern const OpDef kOpSum{.type = "Sum",
                          .infer = inferVariadic<VariadicKind::Sum>,
                          .compute = computeVariadic<VariadicKind::Sum>,
                          .foldable = true};
extern const OpDef kOpMean{.type = "Mean",
                           .infer = inferVariadic<VariadicKind::Mean>,
                           .compute = computeVariadic<VariadicKind::Mean>,
                           .foldable = true};

} // namespace qs
