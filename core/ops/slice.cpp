// Slice: starts/ends/axes as attributes before opset 10; from opset 10 starts, ends, axes
// and steps are inputs. Out-of-range starts and ends are clamped exactly as the ONNX spec
// says; negative steps walk backwards. The copy is a strided view of the input.
#include "ops/op.h"
#include "ops/strided_copy.h"

#include <algorithm>

namespace qs {
namespace {

struct SliceDims {
    Shape shape;                // output shape
    std::vector<int64_t> start; // first input index per dim
    std::vector<int64_t> step;  // input step per dim
};

// The index lists, from attributes (opset < 10) or from inputs 1-4. A missing value is
// reported as the input that would give it.
struct SliceArgs {
    std::vector<int64_t> starts, ends, axes, steps;
};

Result<SliceArgs> sliceArgs(const NodeAttributes& attrs, int64_t opset,
                            const std::vector<const Tensor*>& values) {
    SliceArgs args;
    if (opset < 10) {
        if (!attrs.has("starts") || !attrs.has("ends"))
            return makeError(ErrorCode::InvalidModel, "missing attribute 'starts' or 'ends'");
        args.starts = attrs.getInts("starts");
        args.ends = attrs.getInts("ends");
        args.axes = attrs.getInts("axes");
    } else {
        for (int i = 1; i <= 4; ++i) {
            if (!values[size_t(i)]) continue;
            if (values[size_t(i)]->rank() != 1)
                return makeError(ErrorCode::InvalidModel, "input ", i, " must be 1-D, has shape ",
                                 shapeToString(values[size_t(i)]->shape()));
        }
        args.starts = values[1]->toInt64Vector();
        args.ends = values[2]->toInt64Vector();
        if (values[3]) args.axes = values[3]->toInt64Vector();
        if (values[4]) args.steps = values[4]->toInt64Vector();
    }
    const size_t n = args.starts.size();
    if (args.axes.empty())
        for (size_t i = 0; i < n; ++i) args.axes.push_back(int64_t(i));
    if (args.steps.empty()) args.steps.assign(n, 1);
    if (args.ends.size() != n || args.axes.size() != n || args.steps.size() != n)
        return makeError(ErrorCode::InvalidModel,
                         "starts, ends, axes and steps have different lengths");
    return args;
}

// Per-dim start, step and length. Unknown input dims (-1) stay unknown in the output.
Result<SliceDims> planSlice(const SliceArgs& args, const Shape& in) {
    const int rank = int(in.size());
    SliceDims plan{in, std::vector<int64_t>(size_t(rank), 0),
                   std::vector<int64_t>(size_t(rank), 1)};
    std::vector<bool> seen(size_t(rank), false);
    for (size_t i = 0; i < args.starts.size(); ++i) {
        QS_ASSIGN(int axis, normalizeAxis(args.axes[i], rank));
        if (seen[size_t(axis)])
            return makeError(ErrorCode::InvalidModel, "axis ", axis, " is sliced twice");
        seen[size_t(axis)] = true;
        const int64_t step = args.steps[i];
        if (step == 0) return makeError(ErrorCode::InvalidModel, "step ", i, " is 0");
        const int64_t dim = in[size_t(axis)];
        plan.step[size_t(axis)] = step;
        if (dim < 0) {
            plan.shape[size_t(axis)] = -1;
            continue;
        }
        int64_t start = args.starts[i], end = args.ends[i];
        if (start < 0) start += dim;
        if (end < 0) end += dim;
        int64_t count = 0;
        if (dim == 0) {
            start = 0;
        } else if (step > 0) {
            start = std::clamp<int64_t>(start, 0, dim);
            end = std::clamp<int64_t>(end, 0, dim);
            count = end > start ? 1 + (end - start - 1) / step : 0;
        } else {
            start = std::clamp<int64_t>(start, 0, dim - 1);
            end = std::clamp<int64_t>(end, -1, dim - 1);
            // -step overflows for INT64_MIN; any step that large takes one element.
            const int64_t stride = step == INT64_MIN ? INT64_MAX : -step;
            count = start > end ? 1 + (start - end - 1) / stride : 0;
        }
        plan.start[size_t(axis)] = count > 0 ? start : 0;
        plan.shape[size_t(axis)] = count;
    }
    return plan;
}

Status inferSlice(InferContext& ctx) {
    QS_TRY(ctx.opset() < 10 ? ctx.requireInputs(1, 1) : ctx.requireInputs(3, 5));
    std::vector<const Tensor*> values(5, nullptr);
    for (int i = 1; i < std::min(ctx.numInputs(), 5); ++i) {
        if (!ctx.hasInput(i)) continue;
        QS_TRY(ctx.requireType(i, {DataType::I64, DataType::I32}));
        values[size_t(i)] = ctx.inputValue(i);
        if (!values[size_t(i)]) return InferContext::valueNotKnown(i);
    }
    if (!ctx.inputInfo(0).shapeKnown) {
        ctx.outputs()[0] = TensorInfo{ctx.inputType(0), {}, false};
        return {};
    }
    QS_ASSIGN(SliceArgs args, sliceArgs(ctx, ctx.opset(), values));
    QS_ASSIGN(SliceDims plan, planSlice(args, ctx.inputShape(0)));
    ctx.setOutput(0, ctx.inputType(0), std::move(plan.shape));
    return {};
}

Status computeSlice(KernelContext& ctx) {
    std::vector<const Tensor*> values(5, nullptr);
    for (int i = 1; i < std::min(ctx.numInputs(), 5); ++i) values[size_t(i)] = ctx.inputOrNull(i);
    const Tensor& in = ctx.input(0);
    QS_ASSIGN(SliceArgs args, sliceArgs(ctx, ctx.opset(), values));
    QS_ASSIGN(SliceDims plan, planSlice(args, in.shape()));
    Tensor& out = ctx.allocateOutput(0);
    const std::vector<int64_t> inStrides = stridesOf(in.shape());
    std::vector<int64_t> strides(inStrides.size());
    int64_t offset = 0;
    for (size_t d = 0; d < inStrides.size(); ++d) {
        offset += plan.start[d] * inStrides[d];
        strides[d] = plan.step[d] * inStrides[d];
    }
    const size_t elemSize = dataTypeSize(in.dtype());
    copyStrided(out.rawData(),
                static_cast<const std::byte*>(in.rawData()) + size_t(offset) * elemSize, elemSize,
                out.shape(), strides, ctx.pool());
    return {};
}

} // namespace

extern const OpDef kOpSlice{
    .type = "Slice", .infer = inferSlice, .compute = computeSlice, .foldable = true};

} // namespace qs
