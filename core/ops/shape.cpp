// Shape and Size: read only the input's shape, never its data.
#include "ops/op.h"

#include <algorithm>

namespace qs {
namespace {

// The [start, end) range of dims Shape reports (attributes since opset 15), clamped to
// [0, rank] as the spec says; negative values count from the back.
std::pair<int64_t, int64_t> shapeRange(const NodeAttributes& attrs, int64_t opset, int64_t rank) {
    int64_t start = opset >= 15 ? attrs.getInt("start", 0) : 0;
    int64_t end = opset >= 15 ? attrs.getInt("end", rank) : rank;
    if (start < 0) start += rank;
    if (end < 0) end += rank;
    start = std::clamp<int64_t>(start, 0, rank);
    end = std::clamp<int64_t>(end, 0, rank);
    return {start, std::max(start, end)};
}

Status inferShape(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(1, 1));
    if (!ctx.inputInfo(0).shapeKnown) {
        ctx.setOutput(0, DataType::I64, {-1});
        return {};
    }
    const auto [start, end] = shapeRange(ctx, ctx.opset(), int64_t(ctx.inputShape(0).size()));
    ctx.setOutput(0, DataType::I64, {end - start});
    return {};
}

Status computeShape(KernelContext& ctx) {
    const Shape& in = ctx.input(0).shape();
    const auto [start, end] = shapeRange(ctx, ctx.opset(), int64_t(in.size()));
    Tensor& out = ctx.allocateOutput(0);
    std::copy(in.begin() + start, in.begin() + end, out.data<int64_t>());
    return {};
}

Status inferSize(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(1, 1));
    ctx.setOutput(0, DataType::I64, {});
    return {};
}

Status computeSize(KernelContext& ctx) {
    ctx.allocateOutput(0).data<int64_t>()[0] = ctx.input(0).numel();
    return {};
}

} // namespace

extern const OpDef kOpShape{
    .type = "Shape", .infer = inferShape, .compute = computeShape, .foldable = true};
extern const OpDef kOpSize{
    .type = "Size", .infer = inferSize, .compute = computeSize, .foldable = true};

} // namespace qs
