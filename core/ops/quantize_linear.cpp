// QuantizeLinear and DequantizeLinear, per tensor (opset 10: scalar scale and zero point) or
// per axis (opset 13: 1-D scale and zero point along `axis`, default 1).
//
// Quantize: q = saturate(roundHalfToEven(x / scale) + zero_point). The division is done in
// f32 (not a multiplication by 1/scale) to match the ONNX reference and ONNX Runtime bit for
// bit; rounding is half to even (nearbyint under the default rounding mode, which core never
// changes), then the zero point is added and the result saturated to [qmin, qmax] of the
// output type (u8 without a zero point, else the zero point's type: u8 or i8). NaN maps to the
// zero point (as x = 0 would).
// Dequantize: y = (x - zero_point) * scale in f32, x and zero point u8, i8 or i32; the
// difference is formed exactly in int64 before the conversion to f32.
#include "ops/broadcast.h"
#include "ops/elementwise_types.h"
#include "ops/op.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace qs {
namespace {

// Scale/zero-point layout: per tensor (channels == 1) or per `axis` of x.
struct QuantLayout {
    int64_t outer = 1;
    int64_t channels = 1;
    int64_t inner = 1;
};

// Validates scale (input 1) and zero point (input 2) shapes against x (dims of x may be -1
// at static time; the layout is then only meaningful for validation).
Result<QuantLayout> quantLayout(const NodeAttributes& attrs, int64_t opset, const Shape& x,
                                const Shape& scale, const Shape* zeroPoint) {
    QuantLayout l;
    const int64_t count = numelOf(scale);
    const bool perTensor = scale.empty() || (scale.size() == 1 && count == 1);
    if (!perTensor) {
        if (opset < 13 || scale.size() != 1)
            return makeError(ErrorCode::ShapeMismatch, "scale has shape ", shapeToString(scale),
                             opset < 13 ? ", expected a scalar before opset 13"
                                        : ", expected a scalar or 1-D");
        if (attrs.getInt("block_size", 0) != 0)
            return makeError(ErrorCode::Unsupported,
                             "blocked quantization (block_size) is not supported");
        QS_ASSIGN(const int axis, normalizeAxis(attrs.getInt("axis", 1), int(x.size())));
        if (x[size_t(axis)] >= 0 && x[size_t(axis)] != count)
            return makeError(ErrorCode::ShapeMismatch, "scale has ", count, " values, but axis ",
                             axis, " of input 0 has ", x[size_t(axis)]);
        l.channels = count;
        for (int d = 0; d < int(x.size()); ++d) {
            if (d < axis)
                l.outer *= x[size_t(d)];
            else if (d > axis)
                l.inner *= x[size_t(d)];
        }
    } else {
        l.inner = numelOf(x);
    }
    if (zeroPoint && numelOf(*zeroPoint) != count)
        return makeError(ErrorCode::ShapeMismatch, "zero point has shape ",
                         shapeToString(*zeroPoint), ", scale has shape ", shapeToString(scale));
    return l;
}

template <bool Quantize> Status inferQuantLinear(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(2, 3));
    const DataType xType = ctx.inputType(0);
    constexpr TypeSet kXTypes = Quantize ? kFloatTypes | kTypeI32 : kTypeI8 | kTypeU8 | kTypeI32;
    if (!typeIn(xType, kXTypes)) return unsupportedTypeError(0, xType, kXTypes);
    QS_TRY(ctx.requireType(1, {DataType::F32}));
    DataType outType = Quantize ? DataType::U8 : DataType::F32;
    if (ctx.hasInput(2)) {
        const DataType zpType = ctx.inputType(2);
        if (Quantize) {
            QS_TRY(ctx.requireType(2, {DataType::U8, DataType::I8}));
            outType = zpType;
        } else if (zpType != xType) {
            return makeError(ErrorCode::TypeMismatch, "zero point has type ", dataTypeName(zpType),
                             ", expected ", dataTypeName(xType), " like input 0");
        }
    } else if (Quantize && ctx.has("output_dtype")) {
        outType = fromOnnxDataType(int(ctx.getInt("output_dtype", 2)));
        if (outType != DataType::U8 && outType != DataType::I8)
            return makeError(ErrorCode::Unsupported, "output_dtype ", ctx.getInt("output_dtype", 0),
                             " is not supported (u8 or i8 only)");
    }
    const TensorInfo& x = ctx.inputInfo(0);
    if (x.shapeKnown && ctx.inputInfo(1).isFullyKnown() &&
        (!ctx.hasInput(2) || ctx.inputInfo(2).isFullyKnown())) {
        QS_TRY(quantLayout(ctx, ctx.opset(), x.shape, ctx.inputShape(1),
                           ctx.hasInput(2) ? &ctx.inputShape(2) : nullptr)
                   .status());
    }
    ctx.outputs()[0] = x;
    ctx.outputs()[0].dtype = outType;
    return {};
}

template <class Q>
void quantize(const float* x, const float* scale, const Q* zeroPoint, Q* y, const QuantLayout& l,
              ThreadPool& pool) {
    constexpr float kMin = float(std::numeric_limits<Q>::min());
    constexpr float kMax = float(std::numeric_limits<Q>::max());
    const int64_t planes = l.outer * l.channels;
    pool.parallelFor(planes,
                     std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, l.inner)),
                     [&](int64_t begin, int64_t end) {
                         for (int64_t p = begin; p < end; ++p) {
                             const int64_t c = p % l.channels;
                             const float s = scale[c];
                             const float z = zeroPoint ? float(zeroPoint[c]) : 0.0f;
                             const float* src = x + p * l.inner;
                             Q* dst = y + p * l.inner;
                             for (int64_t i = 0; i < l.inner; ++i) {
                                 float v = std::nearbyint(src[i] / s) + z;
                                 v = v != v ? z : std::min(std::max(v, kMin), kMax);
                                 dst[i] = Q(v);
                             }
                         }
                     });
}

template <class Q>
void dequantize(const Q* x, const float* scale, const Q* zeroPoint, float* y, const QuantLayout& l,
                ThreadPool& pool) {
    const int64_t planes = l.outer * l.channels;
    pool.parallelFor(planes,
                     std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, l.inner)),
                     [&](int64_t begin, int64_t end) {
                         for (int64_t p = begin; p < end; ++p) {
                             const int64_t c = p % l.channels;
                             const float s = scale[c];
                             const int64_t z = zeroPoint ? int64_t(zeroPoint[c]) : 0;
                             const Q* src = x + p * l.inner;
                             float* dst = y + p * l.inner;
                             for (int64_t i = 0; i < l.inner; ++i)
                                 dst[i] = float(int64_t(src[i]) - z) * s;
                         }
                     });
}

template <class Q> const Q* zeroPointData(const KernelContext& ctx) {
    return ctx.hasInput(2) ? ctx.input(2).data<Q>() : nullptr;
}

Status computeQuantize(KernelContext& ctx) {
    const Tensor x = ctx.input(0).castTo(DataType::F32);
    const Tensor& scale = ctx.input(1);
    QS_ASSIGN(const QuantLayout l, quantLayout(ctx, ctx.opset(), x.shape(), scale.shape(),
                                               ctx.hasInput(2) ? &ctx.input(2).shape() : nullptr));
    Tensor& y = ctx.allocateOutput(0);
    if (y.dtype() == DataType::I8)
        quantize(x.data<float>(), scale.data<float>(), zeroPointData<int8_t>(ctx), y.data<int8_t>(),
                 l, ctx.pool());
    else
        quantize(x.data<float>(), scale.data<float>(), zeroPointData<uint8_t>(ctx),
                 y.data<uint8_t>(), l, ctx.pool());
    return {};
}

Status computeDequantize(KernelContext& ctx) {
    const Tensor& x = ctx.input(0);
    const Tensor& scale = ctx.input(1);
    QS_ASSIGN(const QuantLayout l, quantLayout(ctx, ctx.opset(), x.shape(), scale.shape(),
                                               ctx.hasInput(2) ? &ctx.input(2).shape() : nullptr));
    float* y = ctx.allocateOutput(0).data<float>();
    const float* s = scale.data<float>();
    switch (x.dtype()) {
    case DataType::I8:
        dequantize(x.data<int8_t>(), s, zeroPointData<int8_t>(ctx), y, l, ctx.pool());
        return {};
    case DataType::U8:
        dequantize(x.data<uint8_t>(), s, zeroPointData<uint8_t>(ctx), y, l, ctx.pool());
        return {};
    case DataType::I32:
        dequantize(x.data<int32_t>(), s, zeroPointData<int32_t>(ctx), y, l, ctx.pool());
        return {};
    default:
        return unsupportedTypeError(0, x.dtype(), kTypeI8 | kTypeU8 | kTypeI32);
    }
}

// DynamicQuantizeLinear: u8 asymmetric quantization with the range taken from x itself,
// widened to include 0: scale = (max(0, max x) - min(0, min x)) / 255 and
// zero_point = saturate(roundHalfToEven(-min / scale)), all in f32 as the ONNX reference;
// then y as QuantizeLinear (NaN is ignored for the range and maps to the zero point). An
// all-zero x gives scale 0, zero point 0 and y = 0.
Status inferDynamicQuantize(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(1, 1));
    QS_TRY(ctx.requireType(0, {DataType::F32}));
    ctx.outputs()[0] = ctx.inputInfo(0);
    ctx.outputs()[0].dtype = DataType::U8;
    for (int i = 1; i < ctx.numOutputs() && i < 3; ++i)
        if (ctx.node().outputs[size_t(i)] != kNoValue)
            ctx.setOutput(i, i == 1 ? DataType::F32 : DataType::U8, {});
    return {};
}

Status computeDynamicQuantize(KernelContext& ctx) {
    const Tensor& x = ctx.input(0);
    float lo = 0.0f, hi = 0.0f;
    for (float v : x.span<float>()) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    if (std::isinf(lo) || std::isinf(hi))
        return makeError(ErrorCode::NumericError,
                         "input contains an infinity, so it has no finite range");
    const float scale = (hi - lo) / 255.0f;
    const uint8_t zeroPoint =
        scale > 0.0f ? uint8_t(std::clamp(std::nearbyint(0.0f - lo / scale), 0.0f, 255.0f)) : 0;
    Tensor& y = ctx.allocateOutput(0);
    if (scale > 0.0f) {
        const float s = scale;
        quantize<uint8_t>(x.data<float>(), &s, &zeroPoint, y.data<uint8_t>(),
                          QuantLayout{1, 1, x.numel()}, ctx.pool());
    } else {
        std::fill_n(y.data<uint8_t>(), y.numel(), uint8_t(0));
    }
    if (ctx.numOutputs() > 1 && ctx.node().outputs[1] != kNoValue)
        ctx.allocateOutput(1).data<float>()[0] = scale;
    if (ctx.numOutputs() > 2 && ctx.node().outputs[2] != kNoValue)
        ctx.allocateOutput(2).data<uint8_t>()[0] = zeroPoint;
    return {};
}

} // namespace

extern const OpDef kOpDynamicQuantizeLinear{.type = "DynamicQuantizeLinear",
                                            .infer = inferDynamicQuantize,
                                            .compute = computeDynamicQuantize};
extern const OpDef kOpQuantizeLinear{
    .type = "QuantizeLinear", .infer = inferQuantLinear<true>, .compute = computeQuantize};
extern const OpDef kOpDequantizeLinear{
    .type = "DequantizeLinear", .infer = inferQuantLinear<false>, .compute = computeDequantize};

} // namespace qs
