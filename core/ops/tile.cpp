// Tile: repeats the input 'repeats[d]' times along each dim d. Viewed as a copy of shape
// [r0, d0, r1, d1, ...] with stride 0 on every repeat dim, it is one strided copy.
#include "ops/op.h"
#include "ops/strided_copy.h"

namespace qs {
namespace {

Status inferTile(InferContext& ctx) {
    if (ctx.opset() < 6)
        return ctx.fail(ErrorCode::Unsupported,
                        "Tile before opset 6 (tiles/axis inputs) is not supported");
    QS_TRY(ctx.requireInputs(2, 2));
    QS_TRY(ctx.requireType(1, {DataType::I64, DataType::I32}));
    const Tensor* repeats = ctx.inputValue(1);
    if (!repeats) return InferContext::valueNotKnown(1);
    const TensorInfo& in = ctx.inputInfo(0);
    if (!in.shapeKnown) {
        ctx.outputs()[0] = TensorInfo{in.dtype, {}, false};
        return {};
    }
    const std::vector<int64_t> r = repeats->toInt64Vector();
    if (repeats->rank() != 1 || r.size() != in.shape.size())
        return ctx.fail(ErrorCode::InvalidModel,
                        "repeats has shape " + shapeToString(repeats->shape()) + ", expected [" +
                            std::to_string(in.shape.size()) + "]");
    Shape out = in.shape;
    // Bounds dims and repeats together first so the products below cannot overflow.
    Shape factors;
    for (int64_t v : out)
        if (v > 0) factors.push_back(v);
    for (int64_t v : r)
        if (v > 0) factors.push_back(v);
    QS_TRY(checkedNumel(factors).status());
    for (size_t d = 0; d < r.size(); ++d) {
        if (r[d] < 0)
            return ctx.fail(ErrorCode::InvalidArgument,
                            "repeats[" + std::to_string(d) + "] is negative");
        if (out[d] >= 0) out[d] *= r[d];
    }
    QS_TRY(checkedNumel(out).status());
    ctx.setOutput(0, in.dtype, std::move(out));
    return {};
}

Status computeTile(KernelContext& ctx) {
    const Tensor& in = ctx.input(0);
    const std::vector<int64_t> repeats = ctx.input(1).toInt64Vector();
    const std::vector<int64_t> inStrides = stridesOf(in.shape());
    Shape view;
    std::vector<int64_t> strides;
    for (int d = 0; d < in.rank(); ++d) {
        view.insert(view.end(), {repeats[size_t(d)], in.dim(d)});
        strides.insert(strides.end(), {0, inStrides[size_t(d)]});
    }
    Tensor& out = ctx.allocateOutput(0);
    copyStrided(out.rawData(), in.rawData(), dataTypeSize(in.dtype()), view, strides, ctx.pool());
    return {};
}

} // namespace

extern const OpDef kOpTile{.type = "Tile", .infer = inferTile, .compute = computeTile};

} // namespace qs
