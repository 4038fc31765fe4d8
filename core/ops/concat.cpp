// Concat along one axis, for any element type: for each index over the dims before the axis,
// the inputs' contiguous blocks are copied one after the other.
#include "ops/op.h"

#include <algorithm>
#include <cstring>

namespace qs {
namespace {

// Opset 1-3 allowed omitting the axis (default 1); since opset 4 it is required.
Result<int64_t> concatAxis(const NodeAttributes& attrs, int64_t opset) {
    if (attrs.has("axis")) return attrs.getInt("axis", 0);
    if (opset < 4) return int64_t(1);
    return makeError(ErrorCode::InvalidModel, "missing attribute 'axis'");
}

Status inferConcat(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(1, 1 << 20));
    QS_ASSIGN(int64_t axisAttr, concatAxis(ctx, ctx.opset()));
    const DataType dtype = ctx.inputType(0);
    int rank = -1;
    for (int i = 0; i < ctx.numInputs(); ++i) {
        if (!ctx.hasInput(i))
            return ctx.fail(ErrorCode::InvalidModel, "input " + std::to_string(i) + " is missing");
        if (ctx.inputType(i) != dtype)
            return ctx.fail(ErrorCode::TypeMismatch, "input " + std::to_string(i) + " has type " +
                                                         dataTypeName(ctx.inputType(i)) +
                                                         ", expected " + dataTypeName(dtype));
        if (ctx.inputInfo(i).shapeKnown) rank = int(ctx.inputShape(i).size());
    }
    if (rank < 0) {
        ctx.outputs()[0] = TensorInfo{dtype, {}, false};
        return {};
    }
    if (rank == 0) return ctx.fail(ErrorCode::InvalidModel, "cannot concatenate scalars");
    QS_ASSIGN(int axis, normalizeAxis(axisAttr, rank));
    Shape out(size_t(rank), -1);
    out[size_t(axis)] = 0;
    for (int i = 0; i < ctx.numInputs(); ++i) {
        const TensorInfo& info = ctx.inputInfo(i);
        if (!info.shapeKnown) {
            out[size_t(axis)] = -1;
            continue;
        }
        if (int(info.shape.size()) != rank)
            return makeError(ErrorCode::ShapeMismatch, "input ", i, " has ", info.shape.size(),
                             " dims, expected ", rank);
        for (int d = 0; d < rank; ++d) {
            const int64_t dim = info.shape[size_t(d)];
            int64_t& o = out[size_t(d)];
            if (d == axis)
                o = (o < 0 || dim < 0) ? -1 : o + dim;
            else if (dim >= 0 && o >= 0 && dim != o)
                return makeError(ErrorCode::ShapeMismatch, "input ", i, " has shape ",
                                 shapeToString(info.shape),
                                 ", which does not match the other inputs outside axis ", axis);
            else if (dim >= 0)
                o = dim;
        }
    }
    ctx.setOutput(0, dtype, std::move(out));
    return {};
}

Status computeConcat(KernelContext& ctx) {
    Tensor& out = ctx.allocateOutput(0);
    const int axis = normalizeAxis(concatAxis(ctx, ctx.opset()).value(), out.rank()).value();
    int64_t outer = 1;
    for (int d = 0; d < axis; ++d) outer *= out.dim(d);
    // Bytes each input contributes per outer index, and the same for the output.
    std::vector<size_t> blockBytes(size_t(ctx.numInputs()));
    size_t outBlock = 0;
    for (int i = 0; i < ctx.numInputs(); ++i) {
        const Tensor& in = ctx.input(i);
        blockBytes[size_t(i)] = outer == 0 ? 0 : in.byteSize() / size_t(outer);
        outBlock += blockBytes[size_t(i)];
    }
    auto* dst = static_cast<std::byte*>(out.rawData());
    const int64_t grain = std::max<int64_t>(1, int64_t(256 * 1024 / std::max<size_t>(outBlock, 1)));
    ctx.pool().parallelFor(outer, grain, [&](int64_t begin, int64_t end) {
        for (int64_t o = begin; o < end; ++o) {
            std::byte* p = dst + size_t(o) * outBlock;
            for (int i = 0; i < ctx.numInputs(); ++i) {
                const size_t n = blockBytes[size_t(i)];
                if (n)
                    std::memcpy(
                        p, static_cast<const std::byte*>(ctx.input(i).rawData()) + size_t(o) * n,
                        n);
                p += n;
            }
        }
    });
    return {};
}

} // namespace

extern const OpDef kOpConcat{
    .type = "Concat", .infer = inferConcat, .compute = computeConcat, .foldable = true};

} // namespace qs
