// Reshape, Flatten, Squeeze and Unsqueeze: ops that only change the shape. The kernels alias
// the input buffer (no copy); all the work is in shape inference.
#include "ops/op.h"

#include <algorithm>

namespace qs {
namespace {

// Product of dims, or -1 when one of them is unknown.
int64_t knownProduct(const Shape& shape, size_t begin, size_t end) {
    int64_t n = 1;
    for (size_t i = begin; i < end; ++i) {
        if (shape[i] < 0) return -1;
        n *= shape[i];
    }
    return n;
}

// An integer list given as an attribute before `inputSinceOpset` and as input `input` from
// then on. Absent (optional and not given): std::nullopt.
Result<std::optional<std::vector<int64_t>>> intsFromAttrOrInput(const InferContext& ctx,
                                                                const char* attribute, int input,
                                                                int64_t inputSinceOpset) {
    if (ctx.opset() < inputSinceOpset) {
        if (!ctx.has(attribute)) return std::optional<std::vector<int64_t>>();
        return std::optional(ctx.getInts(attribute));
    }
    if (!ctx.hasInput(input)) return std::optional<std::vector<int64_t>>();
    QS_TRY(ctx.requireType(input, {DataType::I64, DataType::I32}));
    if (ctx.inputInfo(input).shapeKnown && ctx.inputShape(input).size() > 1)
        return makeError(ErrorCode::InvalidModel, "input ", input, " must be 1-D, has shape ",
                         shapeToString(ctx.inputShape(input)));
    const Tensor* value = ctx.inputValue(input);
    if (!value) return InferContext::valueNotKnown(input).takeError();
    return std::optional(value->toInt64Vector());
}

// Sorted, unique axes normalised for `rank`.
Result<std::vector<int>> normalizeAxes(const std::vector<int64_t>& axes, int rank) {
    std::vector<int> out;
    for (int64_t a : axes) {
        QS_ASSIGN(int axis, normalizeAxis(a, rank));
        out.push_back(axis);
    }
    std::sort(out.begin(), out.end());
    if (std::adjacent_find(out.begin(), out.end()) != out.end())
        return makeError(ErrorCode::InvalidModel, "axes contain a repeated axis");
    return out;
}

Status setUnknownRank(InferContext& ctx) {
    ctx.outputs()[0] = TensorInfo{ctx.inputType(0), {}, false};
    return {};
}

// ONNX Reshape: 0 copies the input dim at the same index (unless allowzero), -1 is inferred
// from the element count.
Result<Shape> reshapeTarget(const TensorInfo& input, const std::vector<int64_t>& target,
                            bool allowZero) {
    Shape out(target.size());
    int inferredAt = -1;
    for (size_t i = 0; i < target.size(); ++i) {
        const int64_t t = target[i];
        if (t == 0 && !allowZero) {
            if (!input.shapeKnown)
                out[i] = -1;
            else if (i >= input.shape.size())
                return makeError(ErrorCode::InvalidModel, "shape[", i,
                                 "] is 0 (copy the input dim) but the input has ",
                                 input.shape.size(), " dims");
            else
                out[i] = input.shape[i];
        } else if (t == -1) {
            if (inferredAt >= 0)
                return makeError(ErrorCode::InvalidModel, "shape has more than one -1");
            inferredAt = int(i);
        } else if (t < -1) {
            return makeError(ErrorCode::InvalidModel, "shape[", i, "] is ", t);
        } else {
            out[i] = t;
        }
    }
    // Bounds the known dims first so the products below cannot overflow.
    Shape knownDims;
    for (int64_t d : out)
        if (d > 0) knownDims.push_back(d);
    QS_TRY(checkedNumel(knownDims).status());
    const int64_t inputCount =
        input.shapeKnown ? knownProduct(input.shape, 0, input.shape.size()) : -1;
    if (inferredAt >= 0) {
        out[size_t(inferredAt)] = 1;
        const int64_t rest = knownProduct(out, 0, out.size());
        out[size_t(inferredAt)] = -1;
        if (inputCount < 0 || rest < 0) return out;
        if (rest == 0 || inputCount % rest != 0)
            return makeError(ErrorCode::ShapeMismatch, "cannot reshape ",
                             shapeToString(input.shape), " to ",
                             shapeToString(Shape(target.begin(), target.end())));
        out[size_t(inferredAt)] = inputCount / rest;
    } else if (inputCount >= 0 && knownProduct(out, 0, out.size()) >= 0 &&
               knownProduct(out, 0, out.size()) != inputCount) {
        return makeError(ErrorCode::ShapeMismatch, "cannot reshape ", shapeToString(input.shape),
                         " to ", shapeToString(out));
    }
    return out;
}

Status inferReshape(InferContext& ctx) {
    QS_TRY(ctx.opset() < 5 ? ctx.requireInputs(1, 1) : ctx.requireInputs(2, 2));
    QS_ASSIGN(auto target, intsFromAttrOrInput(ctx, "shape", 1, 5));
    if (!target) return ctx.fail(ErrorCode::InvalidModel, "missing attribute 'shape'");
    const bool allowZero = ctx.opset() >= 14 && ctx.getInt("allowzero", 0) != 0;
    QS_ASSIGN(Shape out, reshapeTarget(ctx.inputInfo(0), *target, allowZero));
    ctx.setOutput(0, ctx.inputType(0), std::move(out));
    return {};
}

Status inferFlatten(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(1, 1));
    if (!ctx.inputInfo(0).shapeKnown) {
        ctx.setOutput(0, ctx.inputType(0), {-1, -1});
        return {};
    }
    const Shape& in = ctx.inputShape(0);
    const int64_t rank = int64_t(in.size());
    int64_t axis = ctx.getInt("axis", 1);
    if (axis < -rank || axis > rank)
        return makeError(ErrorCode::InvalidModel, "axis ", axis, " is out of range for rank ",
                         rank);
    if (axis < 0) axis += rank;
    ctx.setOutput(0, ctx.inputType(0),
                  {knownProduct(in, 0, size_t(axis)), knownProduct(in, size_t(axis), in.size())});
    return {};
}

Status inferSqueeze(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(1, ctx.opset() < 13 ? 1 : 2));
    QS_ASSIGN(auto axes, intsFromAttrOrInput(ctx, "axes", 1, 13));
    if (!ctx.inputInfo(0).shapeKnown) return setUnknownRank(ctx);
    const Shape& in = ctx.inputShape(0);
    Shape out;
    if (!axes || axes->empty()) {
        // Without axes (or with an empty list, as ONNX Runtime reads it) every dim of size 1
        // goes; an unknown dim makes the rank unknown.
        for (int64_t d : in) {
            if (d < 0) return setUnknownRank(ctx);
            if (d != 1) out.push_back(d);
        }
    } else {
        QS_ASSIGN(std::vector<int> squeezed, normalizeAxes(*axes, int(in.size())));
        for (int i = 0; i < int(in.size()); ++i) {
            const bool drop = std::binary_search(squeezed.begin(), squeezed.end(), i);
            if (drop && in[size_t(i)] > 1)
                return makeError(ErrorCode::ShapeMismatch, "cannot squeeze axis ", i, " of size ",
                                 in[size_t(i)]);
            if (!drop) out.push_back(in[size_t(i)]);
        }
    }
    ctx.setOutput(0, ctx.inputType(0), std::move(out));
    return {};
}

Status inferUnsqueeze(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(ctx.opset() < 13 ? 1 : 2, ctx.opset() < 13 ? 1 : 2));
    QS_ASSIGN(auto axes, intsFromAttrOrInput(ctx, "axes", 1, 13));
    if (!axes) return ctx.fail(ErrorCode::InvalidModel, "missing attribute 'axes'");
    if (!ctx.inputInfo(0).shapeKnown) return setUnknownRank(ctx);
    const Shape& in = ctx.inputShape(0);
    const int outRank = int(in.size() + axes->size());
    QS_ASSIGN(std::vector<int> inserted, normalizeAxes(*axes, outRank));
    Shape out;
    for (int i = 0, next = 0; i < outRank; ++i)
        out.push_back(std::binary_search(inserted.begin(), inserted.end(), i) ? 1
                                                                              : in[size_t(next++)]);
    ctx.setOutput(0, ctx.inputType(0), std::move(out));
    return {};
}

// All four alias the input: the output is the same buffer under the inferred shape.
Status computeAlias(KernelContext& ctx) {
    ctx.setOutput(0, ctx.input(0).reshaped(ctx.outputInfo(0).shape));
    return {};
}

} // namespace

extern const OpDef kOpReshape{
    .type = "Reshape", .infer = inferReshape, .compute = computeAlias, .foldable = true};
extern const OpDef kOpFlatten{
    .type = "Flatten", .infer = inferFlatten, .compute = computeAlias, .foldable = true};
extern const OpDef kOpSqueeze{
    .type = "Squeeze", .infer = inferSqueeze, .compute = computeAlias, .foldable = true};
extern const OpDef kOpUnsqueeze{
    .type = "Unsqueeze", .infer = inferUnsqueeze, .compute = computeAlias, .foldable = true};

} // namespace qs
