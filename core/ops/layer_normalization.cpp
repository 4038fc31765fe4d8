// LayerNormalization (opset 17): x viewed as [rows, D] with D = prod(shape[axis:]); each row
// is normalised by its mean and population variance, then scaled and shifted:
// y = (x - mean) / sqrt(var + epsilon) * scale + B, scale and B broadcast to shape[axis:].
// Statistics in double (two passes); the optional outputs Mean and InvStdDev have shape
// shape[:axis] + [1] * (rank - axis), in f32. f32, f16 via f32.
#include "ops/broadcast.h"
#include "ops/elementwise_types.h"
#include "ops/op.h"

#include <cmath>

namespace qs {
namespace {

// Checks that `param` broadcasts unidirectionally to `target` (known dims only).
Status checkBroadcastsTo(int input, const Shape& param, const Shape& target) {
    QS_ASSIGN(const Shape merged, broadcastShapes(target, param));
    bool ok = merged.size() == target.size();
    for (size_t i = 0; ok && i < target.size(); ++i) ok = target[i] < 0 || merged[i] == target[i];
    if (!ok)
        return makeError(
            ErrorCode::ShapeMismatch, "input ", input, " has shape ", shapeToString(param),
            ", which does not broadcast to the normalised shape ", shapeToString(target));
    return {};
}

// `t` broadcast to `target`, flattened to f32.
std::vector<float> expandTo(const Tensor& t, const Shape& target) {
    const Tensor f = t.castTo(DataType::F32);
    std::vector<float> out(size_t(numelOf(target)));
    const BroadcastPlan plan(target, {&f.shape()});
    const float* src = f.data<float>();
    const int64_t stride = plan.innerStride(0);
    plan.forRange(0, int64_t(out.size()), [&](int64_t o, const int64_t* offs, int64_t len) {
        for (int64_t i = 0; i < len; ++i) out[size_t(o + i)] = src[offs[0] + i * stride];
    });
    return out;
}

Status inferLayerNorm(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(2, 3));
    for (int i = 0; i < ctx.numInputs(); ++i)
        if (ctx.hasInput(i) && !typeIn(ctx.inputType(i), kFloatTypes))
            return unsupportedTypeError(i, ctx.inputType(i), kFloatTypes);
    const TensorInfo& x = ctx.inputInfo(0);
    ctx.outputs()[0] = x;
    if (!x.shapeKnown) {
        for (int i = 1; i < ctx.numOutputs(); ++i)
            ctx.outputs()[size_t(i)] = TensorInfo{DataType::F32, {}, false};
        return {};
    }
    const int rank = int(x.shape.size());
    QS_ASSIGN(const int axis, normalizeAxis(ctx.getInt("axis", -1), rank));
    const Shape normalized(x.shape.begin() + axis, x.shape.end());
    for (int i = 1; i < ctx.numInputs(); ++i)
        if (ctx.hasInput(i) && ctx.inputInfo(i).shapeKnown)
            QS_TRY(checkBroadcastsTo(i, ctx.inputShape(i), normalized));
    Shape statShape(x.shape.begin(), x.shape.begin() + axis);
    statShape.resize(size_t(rank), 1);
    for (int i = 1; i < ctx.numOutputs() && i < 3; ++i)
        if (ctx.node().outputs[size_t(i)] != kNoValue) ctx.setOutput(i, DataType::F32, statShape);
    return {};
}

Status computeLayerNorm(KernelContext& ctx) {
    const Tensor x = ctx.input(0).castTo(DataType::F32);
    QS_ASSIGN(const int axis, normalizeAxis(ctx.getInt("axis", -1), x.rank()));
    const Shape normalized(x.shape().begin() + axis, x.shape().end());
    const int64_t d = numelOf(normalized);
    const int64_t rows =
        d ? x.numel() / d : numelOf(Shape(x.shape().begin(), x.shape().begin() + axis));
    for (int i = 1; i < ctx.numInputs(); ++i)
        if (ctx.hasInput(i)) QS_TRY(checkBroadcastsTo(i, ctx.input(i).shape(), normalized));
    const std::vector<float> scale = expandTo(ctx.input(1), normalized);
    const std::vector<float> bias =
        ctx.hasInput(2) ? expandTo(ctx.input(2), normalized) : std::vector<float>(size_t(d));
    const double eps = double(ctx.getFloat("epsilon", 1e-5f));

    Tensor y(DataType::F32, x.shape());
    const bool wantMean = ctx.numOutputs() > 1 && ctx.node().outputs[1] != kNoValue;
    const bool wantInvStd = ctx.numOutputs() > 2 && ctx.node().outputs[2] != kNoValue;
    Tensor meanOut = wantMean ? ctx.allocateOutput(1) : Tensor();
    Tensor invStdOut = wantInvStd ? ctx.allocateOutput(2) : Tensor();
    const float* px = x.data<float>();
    float* py = y.data<float>();
    ctx.pool().parallelFor(rows, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, d)),
                           [&](int64_t begin, int64_t end) {
                               for (int64_t r = begin; r < end; ++r) {
                                   const float* src = px + r * d;
                                   float* dst = py + r * d;
                                   double mean = 0.0, var = 0.0;
                                   for (int64_t i = 0; i < d; ++i) mean += src[i];
                                   mean /= double(d);
                                   for (int64_t i = 0; i < d; ++i)
                                       var += (src[i] - mean) * (src[i] - mean);
                                   var /= double(d);
                                   const double invStd = 1.0 / std::sqrt(var + eps);
                                   for (int64_t i = 0; i < d; ++i)
                                       dst[i] = float((src[i] - mean) * invStd) * scale[size_t(i)] +
                                                bias[size_t(i)];
                                   if (wantMean) meanOut.data<float>()[r] = float(mean);
                                   if (wantInvStd) invStdOut.data<float>()[r] = float(invStd);
                               }
                           });
    ctx.setOutput(0, ctx.input(0).dtype() == DataType::F16 ? y.castTo(DataType::F16) : y);
    return {};
}

} // namespace

extern const OpDef kOpLayerNormalization{
    .type = "LayerNormalization", .infer = inferLayerNorm, .compute = computeLayerNorm};

} // namespace qs
