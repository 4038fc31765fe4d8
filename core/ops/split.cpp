// Split along one axis into parts given by 'split' (attribute before opset 13, input from 13),
// or into equal parts: as many as there are outputs, or 'num_outputs' (opset 18, where the
// last part may be smaller).
#include "ops/op.h"

#include <algorithm>
#include <cstring>

namespace qs {
namespace {

// Part lengths along the axis; dim < 0 (unknown) gives unknown parts for an equal split.
Result<std::vector<int64_t>> splitLengths(const InferContext& ctx, int64_t dim) {
    const int parts = ctx.numOutputs();
    std::optional<std::vector<int64_t>> split;
    if (ctx.opset() < 13) {
        if (ctx.has("split")) split = ctx.getInts("split");
    } else if (ctx.hasInput(1)) {
        QS_TRY(ctx.requireType(1, {DataType::I64, DataType::I32}));
        const Tensor* value = ctx.inputValue(1);
        if (!value) return InferContext::valueNotKnown(1).takeError();
        split = value->toInt64Vector();
    }
    if (split) {
        if (int(split->size()) != parts)
            return makeError(ErrorCode::InvalidModel, "split has ", split->size(), " entries for ",
                             parts, " outputs");
        int64_t sum = 0;
        for (int64_t s : *split) {
            if (s < 0)
                return makeError(ErrorCode::InvalidModel, "split contains a negative length ", s);
            sum += s;
        }
        if (dim >= 0 && sum != dim)
            return makeError(ErrorCode::ShapeMismatch, "split lengths sum to ", sum,
                             ", the axis has ", dim);
        return *split;
    }
    if (dim < 0) return std::vector<int64_t>(size_t(parts), -1);
    if (ctx.opset() >= 18 && ctx.has("num_outputs")) {
        const int64_t n = ctx.getInt("num_outputs", parts);
        if (n != parts)
            return makeError(ErrorCode::InvalidModel, "num_outputs is ", n, " but the node has ",
                             parts, " outputs");
        // Parts of ceil(dim / n); the last one takes what is left.
        const int64_t chunk = (dim + n - 1) / n;
        std::vector<int64_t> lengths(static_cast<size_t>(n));
        for (int64_t i = 0; i < n; ++i)
            lengths[size_t(i)] = std::clamp<int64_t>(dim - i * chunk, 0, chunk);
        return lengths;
    }
    if (dim % parts != 0)
        return makeError(ErrorCode::ShapeMismatch, "axis of length ", dim, " cannot be split into ",
                         parts, " equal parts");
    return std::vector<int64_t>(size_t(parts), dim / parts);
}

Status inferSplit(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(1, ctx.opset() < 13 ? 1 : 2));
    if (ctx.numOutputs() < 1) return ctx.fail(ErrorCode::InvalidModel, "Split has no outputs");
    const TensorInfo& in = ctx.inputInfo(0);
    if (!in.shapeKnown) {
        for (int i = 0; i < ctx.numOutputs(); ++i)
            ctx.outputs()[size_t(i)] = TensorInfo{in.dtype, {}, false};
        return {};
    }
    QS_ASSIGN(int axis, normalizeAxis(ctx.getInt("axis", 0), int(in.shape.size())));
    QS_ASSIGN(std::vector<int64_t> lengths, splitLengths(ctx, in.shape[size_t(axis)]));
    for (int i = 0; i < ctx.numOutputs(); ++i) {
        Shape out = in.shape;
        out[size_t(axis)] = lengths[size_t(i)];
        ctx.setOutput(i, in.dtype, std::move(out));
    }
    return {};
}

Status computeSplit(KernelContext& ctx) {
    const Tensor& in = ctx.input(0);
    const int axis = normalizeAxis(ctx.getInt("axis", 0), in.rank()).value();
    int64_t outer = 1, inner = int64_t(dataTypeSize(in.dtype()));
    for (int d = 0; d < axis; ++d) outer *= in.dim(d);
    for (int d = axis + 1; d < in.rank(); ++d) inner *= in.dim(d);
    const auto* src = static_cast<const std::byte*>(in.rawData());
    const size_t inRow = size_t(in.dim(axis) * inner);
    size_t offset = 0;
    for (int i = 0; i < ctx.numOutputs(); ++i) {
        const size_t partRow = size_t(ctx.outputInfo(i).shape[size_t(axis)] * inner);
        if (ctx.node().outputs[size_t(i)] != kNoValue) {
            auto* dst = static_cast<std::byte*>(ctx.allocateOutput(i).rawData());
            if (partRow > 0)
                for (int64_t o = 0; o < outer; ++o)
                    std::memcpy(dst + size_t(o) * partRow, src + size_t(o) * inRow + offset,
                                partRow);
        }
        offset += partRow;
    }
    return {};
}

} // namespace

extern const OpDef kOpSplit{.type = "Split", .infer = inferSplit, .compute = computeSplit};

} // namespace qs
