// Clip: y = min(max(x, lo), hi), so lo > hi gives hi everywhere (as ONNX specifies) and NaN
// passes through. Bounds are attributes `min`/`max` before opset 11 and optional scalar inputs
// 1 and 2 from opset 11; a missing bound is the type's lowest/highest value.
// f32, f16 via f32, and from opset 12 the integer types.
#include "ops/broadcast.h"
#include "ops/elementwise_types.h"
#include "ops/op.h"

#include <limits>
#include <type_traits>

namespace qs {
namespace {

constexpr TypeSet kClipTypes = kNumericTypes;

Status inferClip(InferContext& ctx) {
    const bool boundsAsInputs = ctx.opset() >= 11;
    QS_TRY(ctx.requireInputs(1, boundsAsInputs ? 3 : 1));
    const DataType dtype = ctx.inputType(0);
    const TypeSet allowed = ctx.opset() >= 12 ? kClipTypes : kFloatTypes;
    if (!typeIn(dtype, allowed)) return unsupportedTypeError(0, dtype, allowed);
    for (int i = 1; i < 3; ++i) {
        if (!ctx.hasInput(i)) continue;
        if (ctx.inputType(i) != dtype)
            return makeError(ErrorCode::TypeMismatch, "input ", i, " has type ",
                             dataTypeName(ctx.inputType(i)), ", expected ", dataTypeName(dtype),
                             " like the data");
        const TensorInfo& info = ctx.inputInfo(i);
        if (info.isFullyKnown() && numelOf(info.shape) != 1)
            return makeError(ErrorCode::ShapeMismatch, "input ", i, " has shape ",
                             shapeToString(info.shape), ", expected a scalar");
    }
    ctx.outputs()[0] = ctx.inputInfo(0);
    return {};
}

template <class T> void runClip(const Tensor& x, Tensor& y, T lo, T hi, ThreadPool& pool) {
    const T* px = x.data<T>();
    T* py = y.data<T>();
    pool.parallelFor(x.numel(), kElementwiseGrain, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            const T v = px[i] < lo ? lo : px[i];
            py[i] = hi < v ? hi : v;
        }
    });
}

// Reads bound input i (already in the compute type T), or returns the fallback.
template <class T> Result<T> boundFromInput(const KernelContext& ctx, int i, T fallback) {
    const Tensor* t = ctx.inputOrNull(i);
    if (!t) return fallback;
    if (t->numel() != 1)
        return makeError(ErrorCode::ShapeMismatch, "input ", i, " has shape ",
                         shapeToString(t->shape()), ", expected a scalar");
    if (t->dtype() == DataType::F16) return T(halfToFloat(t->data<uint16_t>()[0]));
    return t->data<T>()[0];
}

template <class T> Status clipTyped(KernelContext& ctx, const Tensor& x, Tensor& y) {
    T lo = std::numeric_limits<T>::lowest();
    T hi = std::numeric_limits<T>::max();
    if (ctx.opset() < 11) {
        if constexpr (!std::is_floating_point_v<T>)
            return unsupportedTypeError(0, dataTypeOf<T>(), kFloatTypes);
        lo = ctx.getFloat("min", lo);
        hi = ctx.getFloat("max", hi);
    } else {
        QS_ASSIGN(lo, boundFromInput<T>(ctx, 1, lo));
        QS_ASSIGN(hi, boundFromInput<T>(ctx, 2, hi));
    }
    runClip<T>(x, y, lo, hi, ctx.pool());
    return {};
}

Status computeClip(KernelContext& ctx) {
    const Tensor& x = ctx.input(0);
    switch (x.dtype()) {
    case DataType::F32:
        return clipTyped<float>(ctx, x, ctx.allocateOutput(0));
    case DataType::I8:
        return clipTyped<int8_t>(ctx, x, ctx.allocateOutput(0));
    case DataType::U8:
        return clipTyped<uint8_t>(ctx, x, ctx.allocateOutput(0));
    case DataType::I32:
        return clipTyped<int32_t>(ctx, x, ctx.allocateOutput(0));
    case DataType::I64:
        return clipTyped<int64_t>(ctx, x, ctx.allocateOutput(0));
    case DataType::F16: {
        Tensor y32(DataType::F32, x.shape());
        QS_TRY(clipTyped<float>(ctx, x.castTo(DataType::F32), y32));
        ctx.setOutput(0, y32.castTo(DataType::F16));
        return {};
    }
    default:
        return unsupportedTypeError(0, x.dtype(), kClipTypes);
    }
}

} // namespace

extern const OpDef kOpClip{
    .type = "Clip", .infer = inferClip, .compute = computeClip, .foldable = true};

} // namespace qs
