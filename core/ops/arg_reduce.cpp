// ArgMax and ArgMin: the int64 index of the first (or, with select_last_index = 1, the last)
// extreme value along `axis` (default 0), keepdims (default 1). NaN compares false, so a NaN
// is never selected unless it is the first element. f32, f16 via f32, i8, u8, i32, i64.
#include "ops/broadcast.h"
#include "ops/elementwise_types.h"
#include "ops/op.h"

namespace qs {
namespace {

constexpr TypeSet kArgTypes = kNumericTypes;

Status inferArg(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(1, 1));
    if (!typeIn(ctx.inputType(0), kArgTypes))
        return unsupportedTypeError(0, ctx.inputType(0), kArgTypes);
    if (!ctx.inputInfo(0).shapeKnown) {
        ctx.outputs()[0] = TensorInfo{DataType::I64, {}, false};
        return {};
    }
    Shape shape = ctx.inputShape(0);
    QS_ASSIGN(const int axis, normalizeAxis(ctx.getInt("axis", 0), int(shape.size())));
    if (ctx.getInt("keepdims", 1) != 0)
        shape[size_t(axis)] = 1;
    else
        shape.erase(shape.begin() + axis);
    ctx.setOutput(0, DataType::I64, std::move(shape));
    return {};
}

template <class T>
void runArg(const Tensor& x, int axis, bool argMax, bool last, Tensor& y, ThreadPool& pool) {
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < x.rank(); ++d) {
        if (d < axis)
            outer *= x.dim(d);
        else if (d > axis)
            inner *= x.dim(d);
    }
    const int64_t n = x.dim(axis);
    const T* px = x.data<T>();
    int64_t* py = y.data<int64_t>();
    pool.parallelFor(
        outer * inner, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, n)),
        [&](int64_t begin, int64_t end) {
            for (int64_t t = begin; t < end; ++t) {
                const T* src = px + (t / inner) * n * inner + t % inner;
                int64_t best = 0;
                for (int64_t r = 1; r < n; ++r) {
                    const T v = src[r * inner], b = src[best * inner];
                    const bool better = argMax ? (last ? v >= b : v > b) : (last ? v <= b : v < b);
                    if (better) best = r;
                }
                py[t] = best;
            }
        });
}

Status computeArg(KernelContext& ctx) {
    const bool argMax = ctx.node().opType == "ArgMax";
    const bool last = ctx.getInt("select_last_index", 0) != 0;
    const Tensor& in = ctx.input(0);
    QS_ASSIGN(const int axis, normalizeAxis(ctx.getInt("axis", 0), in.rank()));
    if (in.dim(axis) == 0)
        return makeError(ErrorCode::ShapeMismatch, "axis ", axis,
                         " has size 0, so there is no extreme value");
    const Tensor x = in.dtype() == DataType::F16 ? in.castTo(DataType::F32) : in;
    Tensor& y = ctx.allocateOutput(0);
    switch (x.dtype()) {
    case DataType::F32:
        runArg<float>(x, axis, argMax, last, y, ctx.pool());
        return {};
    case DataType::I8:
        runArg<int8_t>(x, axis, argMax, last, y, ctx.pool());
        return {};
    case DataType::U8:
        runArg<uint8_t>(x, axis, argMax, last, y, ctx.pool());
        return {};
    case DataType::I32:
        runArg<int32_t>(x, axis, argMax, last, y, ctx.pool());
        return {};
    case DataType::I64:
        runArg<int64_t>(x, axis, argMax, last, y, ctx.pool());
        return {};
    default:
        return unsupportedTypeError(0, in.dtype(), kArgTypes);
    }
}

} // namespace

extern const OpDef kOpArgMax{
    .type = "ArgMax", .infer = inferArg, .compute = computeArg, .foldable = true};
extern const OpDef kOpArgMin{
    .type = "ArgMin", .infer = inferArg, .compute = computeArg, .foldable = true};

} // namespace qs
