// Where: out = cond ? x : y with numpy broadcasting of all three inputs. Works on the bits of
// any element type (it only selects), so every dtype is supported.
#include "ops/broadcast.h"
#include "ops/op.h"

namespace qs {
namespace {

Status inferWhere(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(3, 3));
    QS_TRY(ctx.requireType(0, {DataType::Bool}));
    const DataType dtype = ctx.inputType(1);
    if (ctx.inputType(2) != dtype)
        return makeError(ErrorCode::TypeMismatch, "inputs 1 and 2 have types ", dataTypeName(dtype),
                         " and ", dataTypeName(ctx.inputType(2)), ", expected the same");
    for (int i = 0; i < 3; ++i) {
        if (!ctx.inputInfo(i).shapeKnown) {
            ctx.outputs()[0] = TensorInfo{dtype, {}, false};
            return {};
        }
    }
    QS_ASSIGN(Shape shape, broadcastShapes(ctx.inputShape(0), ctx.inputShape(1)));
    QS_ASSIGN(shape, broadcastShapes(shape, ctx.inputShape(2)));
    ctx.setOutput(0, dtype, std::move(shape));
    return {};
}

// T is an unsigned integer of the element's size: the values are only copied.
template <class T>
void runWhere(const Tensor& cond, const Tensor& x, const Tensor& y, Tensor& out, ThreadPool& pool) {
    const BroadcastPlan plan(out.shape(), {&cond.shape(), &x.shape(), &y.shape()});
    const bool* pc = cond.data<bool>();
    const T* px = static_cast<const T*>(x.rawData());
    const T* py = static_cast<const T*>(y.rawData());
    T* po = static_cast<T*>(out.rawData());
    const int64_t sc = plan.innerStride(0), sx = plan.innerStride(1), sy = plan.innerStride(2);
    pool.parallelFor(out.numel(), kElementwiseGrain, [&](int64_t begin, int64_t end) {
        plan.forRange(begin, end, [&](int64_t o, const int64_t* offs, int64_t len) {
            const bool* c = pc + offs[0];
            const T* a = px + offs[1];
            const T* b = py + offs[2];
            T* dst = po + o;
            for (int64_t i = 0; i < len; ++i) dst[i] = c[i * sc] ? a[i * sx] : b[i * sy];
        });
    });
}

Status computeWhere(KernelContext& ctx) {
    const Tensor& cond = ctx.input(0);
    const Tensor& x = ctx.input(1);
    const Tensor& y = ctx.input(2);
    Tensor& out = ctx.allocateOutput(0);
    switch (dataTypeSize(x.dtype())) {
    case 1:
        runWhere<uint8_t>(cond, x, y, out, ctx.pool());
        return {};
    case 2:
        runWhere<uint16_t>(cond, x, y, out, ctx.pool());
        return {};
    case 4:
        runWhere<uint32_t>(cond, x, y, out, ctx.pool());
        return {};
    case 8:
        runWhere<uint64_t>(cond, x, y, out, ctx.pool());
        return {};
    default:
        return makeError(ErrorCode::Unsupported, "input 1 has type ", dataTypeName(x.dtype()));
    }
}

} // namespace

extern const OpDef kOpWhere{
    .type = "Where", .infer = inferWhere, .compute = computeWhere, .foldable = true};

} // namespace qs
