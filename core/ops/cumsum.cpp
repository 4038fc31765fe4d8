// CumSum: running sum along the axis given by input 1 (a scalar), inclusive or `exclusive`
// (the first output is 0), forward or `reverse`. Sums accumulate sequentially in the element
// type (f32 rounding as a plain loop; integers wrap). f32, f64, f16 via f32, i32, i64.
#include "ops/broadcast.h"
#include "ops/elementwise_types.h"
#include "ops/op.h"

#include <type_traits>

namespace qs {
namespace {

// f64 too: the ONNX backend cases of CumSum are all double, and the loop is a plain template.
constexpr TypeSet kCumSumTypes = kFloatTypes | kTypeI32 | kTypeI64 | typeBit(DataType::F64);

Status inferCumSum(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(2, 2));
    if (!typeIn(ctx.inputType(0), kCumSumTypes))
        return unsupportedTypeError(0, ctx.inputType(0), kCumSumTypes);
    QS_TRY(ctx.requireType(1, {DataType::I32, DataType::I64}));
    const TensorInfo& axis = ctx.inputInfo(1);
    if (axis.isFullyKnown() && numelOf(axis.shape) != 1)
        return makeError(ErrorCode::ShapeMismatch, "axis input has shape ",
                         shapeToString(axis.shape), ", expected a scalar");
    ctx.outputs()[0] = ctx.inputInfo(0);
    return {};
}

// Integers accumulate in their unsigned twin so overflow wraps instead of being undefined.
template <class T, bool = std::is_integral_v<T>> struct WrapType { using type = T; };
template <class T> struct WrapType<T, true> { using type = std::make_unsigned_t<T>; };

template <class T>
void runCumSum(const Tensor& x, int axis, bool exclusive, bool reverse, Tensor& y,
               ThreadPool& pool) {
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < x.rank(); ++d) {
        if (d < axis)
            outer *= x.dim(d);
        else if (d > axis)
            inner *= x.dim(d);
    }
    const int64_t n = x.dim(axis);
    const T* px = x.data<T>();
    T* py = y.data<T>();
    using U = typename WrapType<T>::type;
    pool.parallelFor(outer * inner,
                     std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, n)),
                     [&](int64_t begin, int64_t end) {
                         for (int64_t t = begin; t < end; ++t) {
                             const int64_t base = (t / inner) * n * inner + t % inner;
                             U sum = U(0);
                             for (int64_t k = 0; k < n; ++k) {
                                 const int64_t at = base + (reverse ? n - 1 - k : k) * inner;
                                 if (exclusive) {
                                     py[at] = T(sum);
                                     sum = U(sum + U(px[at]));
                                 } else {
                                     sum = U(sum + U(px[at]));
                                     py[at] = T(sum);
                                 }
                             }
                         }
                     });
}

Status computeCumSum(KernelContext& ctx) {
    const Tensor& in = ctx.input(0);
    const std::vector<int64_t> axisValue = ctx.input(1).toInt64Vector();
    if (axisValue.size() != 1)
        return makeError(ErrorCode::ShapeMismatch, "axis input has ", axisValue.size(),
                         " values, expected 1");
    QS_ASSIGN(const int axis, normalizeAxis(axisValue[0], in.rank()));
    const bool exclusive = ctx.getInt("exclusive", 0) != 0;
    const bool reverse = ctx.getInt("reverse", 0) != 0;
    switch (in.dtype()) {
    case DataType::F32:
        runCumSum<float>(in, axis, exclusive, reverse, ctx.allocateOutput(0), ctx.pool());
        return {};
    case DataType::F64:
        runCumSum<double>(in, axis, exclusive, reverse, ctx.allocateOutput(0), ctx.pool());
        return {};
    case DataType::I32:
        runCumSum<int32_t>(in, axis, exclusive, reverse, ctx.allocateOutput(0), ctx.pool());
        return {};
    case DataType::I64:
        runCumSum<int64_t>(in, axis, exclusive, reverse, ctx.allocateOutput(0), ctx.pool());
        return {};
    case DataType::F16: {
        Tensor y32(DataType::F32, in.shape());
        runCumSum<float>(in.castTo(DataType::F32), axis, exclusive, reverse, y32, ctx.pool());
        ctx.setOutput(0, y32.castTo(DataType::F16));
        return {};
    }
    default:
        return unsupportedTypeError(0, in.dtype(), kCumSumTypes);
    }
}

} // namespace

extern const OpDef kOpCumSum{
    .type = "CumSum", .infer = inferCumSum, .compute = computeCumSum, .foldable = true};

} // namespace qs
