// BatchNormalization, inference mode: y = (x - mean) / sqrt(var + eps) * scale + B per channel
// (dim 1), computed as y = x * a + b with a = scale / sqrt(var + eps) and b = B - mean * a
// (a and b in double, rounded once to f32). Training mode (the training_mode attribute, or
// the running-statistics outputs 1-4) is not supported. X rank >= 2; f32, f16 via f32.
#include "ops/broadcast.h"
#include "ops/elementwise_types.h"
#include "ops/op.h"

#include <cmath>

namespace qs {
namespace {

Status checkInferenceMode(const InferContext& ctx) {
    if (ctx.getInt("training_mode", 0) != 0)
        return makeError(ErrorCode::Unsupported,
                         "training mode (training_mode = 1) is not supported");
    for (int i = 1; i < ctx.numOutputs(); ++i)
        if (ctx.node().outputs[size_t(i)] != kNoValue)
            return makeError(
                ErrorCode::Unsupported, "output ", i,
                " (running statistics) exists only in training mode, which is not supported");
    if (ctx.opset() < 9 && ctx.getInt("spatial", 1) == 0)
        return makeError(ErrorCode::Unsupported,
                         "spatial = 0 (per-activation statistics) is not supported");
    return {};
}

Status inferBatchNorm(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(5, 5));
    QS_TRY(checkInferenceMode(ctx));
    for (int i = 0; i < 5; ++i)
        if (!typeIn(ctx.inputType(i), kFloatTypes))
            return unsupportedTypeError(i, ctx.inputType(i), kFloatTypes);
    const TensorInfo& x = ctx.inputInfo(0);
    if (x.shapeKnown) {
        if (x.shape.size() < 2)
            return makeError(ErrorCode::ShapeMismatch, "input 0 has ", x.shape.size(),
                             " dims, expected at least 2");
        const int64_t channels = x.shape[1];
        static const char* const kNames[] = {"", "scale", "B", "mean", "var"};
        for (int i = 1; i < 5; ++i) {
            const TensorInfo& p = ctx.inputInfo(i);
            if (!p.isFullyKnown() || channels < 0) continue;
            if (p.shape.size() != 1 || p.shape[0] != channels)
                return makeError(ErrorCode::ShapeMismatch, "input ", i, " (", kNames[i],
                                 ") has shape ", shapeToString(p.shape), ", expected [", channels,
                                 "]");
        }
    }
    ctx.outputs()[0] = x;
    return {};
}

Status computeBatchNorm(KernelContext& ctx) {
    const Tensor x = ctx.input(0).castTo(DataType::F32);
    const int64_t n = x.dim(0), channels = x.dim(1);
    const int64_t spatial = channels ? x.numel() / (n * channels) : 0;
    std::vector<float> params[4];
    for (int i = 1; i < 5; ++i) {
        params[i - 1] = ctx.input(i).toFloatVector();
        if (int64_t(params[i - 1].size()) != channels)
            return makeError(ErrorCode::ShapeMismatch, "input ", i, " has ", params[i - 1].size(),
                             " values, expected ", channels);
    }
    const double eps = double(ctx.getFloat("epsilon", 1e-5f));
    std::vector<float> a(static_cast<size_t>(channels)), b(static_cast<size_t>(channels));
    for (size_t c = 0; c < size_t(channels); ++c) {
        const double scale = double(params[0][c]) / std::sqrt(double(params[3][c]) + eps);
        a[c] = float(scale);
        b[c] = float(double(params[1][c]) - double(params[2][c]) * scale);
    }
    Tensor y(DataType::F32, x.shape());
    const float* px = x.data<float>();
    float* py = y.data<float>();
    ctx.pool().parallelFor(
        n * channels, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, spatial)),
        [&](int64_t begin, int64_t end) {
            for (int64_t plane = begin; plane < end; ++plane) {
                const float ac = a[size_t(plane % channels)], bc = b[size_t(plane % channels)];
                const float* src = px + plane * spatial;
                float* dst = py + plane * spatial;
                for (int64_t i = 0; i < spatial; ++i) dst[i] = src[i] * ac + bc;
            }
        });
    ctx.setOutput(0, ctx.input(0).dtype() == DataType::F16 ? y.castTo(DataType::F16) : y);
    return {};
}

} // namespace

extern const OpDef kOpBatchNormalization{
    .type = "BatchNormalization", .infer = inferBatchNorm, .compute = computeBatchNorm};

} // namespace qs
