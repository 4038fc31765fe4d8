// PRelu: y = x < 0 ? slope * x : x, the slope broadcast unidirectionally to x's shape (a
// per-channel slope is usually [C,1,1]). f32, i32/i64 (opset 16), f16 via f32.
#include "ops/broadcast.h"
#include "ops/elementwise_types.h"
#include "ops/op.h"

namespace qs {
namespace {

constexpr TypeSet kPReluTypes = kFloatTypes | kTypeI32 | kTypeI64;

Status inferPRelu(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(2, 2));
    const DataType dtype = ctx.inputType(0);
    if (!typeIn(dtype, kPReluTypes)) return unsupportedTypeError(0, dtype, kPReluTypes);
    if (ctx.inputType(1) != dtype)
        return makeError(ErrorCode::TypeMismatch, "slope has type ", dataTypeName(ctx.inputType(1)),
                         ", expected ", dataTypeName(dtype));
    if (ctx.inputInfo(0).shapeKnown && ctx.inputInfo(1).shapeKnown) {
        const Shape& x = ctx.inputShape(0);
        const Shape& slope = ctx.inputShape(1);
        QS_ASSIGN(Shape merged, broadcastShapes(x, slope));
        if (merged.size() != x.size())
            return makeError(ErrorCode::ShapeMismatch, "slope shape ", shapeToString(slope),
                             " does not broadcast to input shape ", shapeToString(x));
        for (size_t i = 0; i < x.size(); ++i)
            if (x[i] >= 0 && merged[i] != x[i])
                return makeError(ErrorCode::ShapeMismatch, "slope shape ", shapeToString(slope),
                                 " does not broadcast to input shape ", shapeToString(x));
    }
    ctx.outputs()[0] = ctx.inputInfo(0);
    return {};
}

template <class T>
void runPRelu(const Tensor& x, const Tensor& slope, Tensor& y, ThreadPool& pool) {
    broadcastBinary<T, T, T>(x, slope, y, pool, [](T v, T s) { return v < T(0) ? T(s * v) : v; });
}

Status computePRelu(KernelContext& ctx) {
    const Tensor& x = ctx.input(0);
    const Tensor& slope = ctx.input(1);
    switch (x.dtype()) {
    case DataType::F32:
        runPRelu<float>(x, slope, ctx.allocateOutput(0), ctx.pool());
        return {};
    case DataType::I32:
        runPRelu<int32_t>(x, slope, ctx.allocateOutput(0), ctx.pool());
        return {};
    case DataType::I64:
        runPRelu<int64_t>(x, slope, ctx.allocateOutput(0), ctx.pool());
        return {};
    case DataType::F16: {
        Tensor y32(DataType::F32, x.shape());
        runPRelu<float>(x.castTo(DataType::F32), slope.castTo(DataType::F32), y32, ctx.pool());
        ctx.setOutput(0, y32.castTo(DataType::F16));
        return {};
    }
    default:
        return unsupportedTypeError(0, x.dtype(), kPReluTypes);
    }
}

} // namespace

extern const OpDef kOpPRelu{.type = "PRelu", .infer = inferPRelu, .compute = computePRelu};

} // namespace qs
