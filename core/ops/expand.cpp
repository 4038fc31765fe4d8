// Expand: broadcasts the input to a shape (numpy rules, both ways: a 1 in the target keeps the
// input's dim). The copy is a strided view with stride 0 on broadcast dims.
#include "ops/op.h"
#include "ops/strided_copy.h"

namespace qs {
namespace {

Status inferExpand(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(2, 2));
    QS_TRY(ctx.requireType(1, {DataType::I64, DataType::I32}));
    const Tensor* target = ctx.inputValue(1);
    if (!target) return InferContext::valueNotKnown(1);
    if (target->rank() != 1)
        return ctx.fail(ErrorCode::InvalidModel,
                        "input 1 must be 1-D, has shape " + shapeToString(target->shape()));
    const Shape shape = target->toInt64Vector();
    for (int64_t d : shape)
        if (d < 0)
            return ctx.fail(ErrorCode::InvalidArgument,
                            "shape " + shapeToString(shape) + " has a negative dim");
    if (!ctx.inputInfo(0).shapeKnown) {
        ctx.outputs()[0] = TensorInfo{ctx.inputType(0), {}, false};
        return {};
    }
    QS_ASSIGN(Shape out, broadcastShapes(ctx.inputShape(0), shape));
    if (ctx.inputInfo(0).isFullyKnown()) QS_TRY(checkedNumel(out).status());
    ctx.setOutput(0, ctx.inputType(0), std::move(out));
    return {};
}

Status computeExpand(KernelContext& ctx) {
    const Tensor& in = ctx.input(0);
    Tensor& out = ctx.allocateOutput(0);
    const std::vector<int64_t> inStrides = stridesOf(in.shape());
    const int lead = out.rank() - in.rank();
    std::vector<int64_t> strides(size_t(out.rank()), 0);
    for (int d = 0; d < in.rank(); ++d)
        strides[size_t(lead + d)] = in.dim(d) == 1 ? 0 : inStrides[size_t(d)];
    copyStrided(out.rawData(), in.rawData(), dataTypeSize(in.dtype()), out.shape(), strides,
                ctx.pool());
    return {};
}

} // namespace

extern const OpDef kOpExpand{
    .type = "Expand", .infer = inferExpand, .compute = computeExpand, .foldable = true};

} // namespace qs
