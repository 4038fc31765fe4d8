// InstanceNormalization: each (n, c) plane is normalised by its own mean and (population)
// variance: y = scale[c] * (x - mean) / sqrt(var + epsilon) + B[c]. Statistics are computed
// in double with two passes (mean, then squared deviations). f32, f16 via f32.
#include "ops/broadcast.h"
#include "ops/elementwise_types.h"
#include "ops/op.h"

#include <cmath>

namespace qs {
namespace {

Status inferInstanceNorm(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(3, 3));
    for (int i = 0; i < 3; ++i)
        if (!typeIn(ctx.inputType(i), kFloatTypes))
            return unsupportedTypeError(i, ctx.inputType(i), kFloatTypes);
    const TensorInfo& x = ctx.inputInfo(0);
    if (x.shapeKnown) {
        if (x.shape.size() < 2)
            return makeError(ErrorCode::ShapeMismatch, "input 0 has ", x.shape.size(),
                             " dims, expected at least 2");
        for (int i = 1; i < 3; ++i) {
            const TensorInfo& p = ctx.inputInfo(i);
            if (p.isFullyKnown() && x.shape[1] >= 0 &&
                (p.shape.size() != 1 || p.shape[0] != x.shape[1]))
                return makeError(ErrorCode::ShapeMismatch, "input ", i, " has shape ",
                                 shapeToString(p.shape), ", expected [", x.shape[1], "]");
        }
    }
    ctx.outputs()[0] = x;
    return {};
}

Status computeInstanceNorm(KernelContext& ctx) {
    const Tensor x = ctx.input(0).castTo(DataType::F32);
    const int64_t n = x.dim(0), channels = x.dim(1);
    const int64_t spatial = channels && n ? x.numel() / (n * channels) : 0;
    const std::vector<float> scale = ctx.input(1).toFloatVector();
    const std::vector<float> bias = ctx.input(2).toFloatVector();
    if (int64_t(scale.size()) != channels || int64_t(bias.size()) != channels)
        return makeError(ErrorCode::ShapeMismatch, "scale and B have ", scale.size(), " and ",
                         bias.size(), " values, expected ", channels);
    const double eps = double(ctx.getFloat("epsilon", 1e-5f));
    Tensor y(DataType::F32, x.shape());
    const float* px = x.data<float>();
    float* py = y.data<float>();
    ctx.pool().parallelFor(n * channels,
                           std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, spatial)),
                           [&](int64_t begin, int64_t end) {
                               for (int64_t plane = begin; plane < end; ++plane) {
                                   const float* src = px + plane * spatial;
                                   float* dst = py + plane * spatial;
                                   double mean = 0.0, var = 0.0;
                                   for (int64_t i = 0; i < spatial; ++i) mean += src[i];
                                   mean /= double(spatial);
                                   for (int64_t i = 0; i < spatial; ++i)
                                       var += (src[i] - mean) * (src[i] - mean);
                                   var /= double(spatial);
                                   const size_t c = size_t(plane % channels);
                                   const double a = double(scale[c]) / std::sqrt(var + eps);
                                   const double b = double(bias[c]) - mean * a;
                                   for (int64_t i = 0; i < spatial; ++i)
                                       dst[i] = float(src[i] * a + b);
                               }
                           });
    ctx.setOutput(0, ctx.input(0).dtype() == DataType::F16 ? y.castTo(DataType::F16) : y);
    return {};
}

} // namespace

extern const OpDef kOpInstanceNormalization{
    .type = "InstanceNormalization", .infer = inferInstanceNorm, .compute = computeInstanceNorm};

} // namespace qs
