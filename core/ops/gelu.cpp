// Gelu (opset 20): approximate = "none": 0.5 x (1 + erf(x / sqrt(2)));
// approximate = "tanh": 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))). f32, f16 via f32.
#include "ops/broadcast.h"
#include "ops/elementwise_types.h"
#include "ops/op.h"

#include <cmath>
#include <numbers>

namespace qs {
namespace {

constexpr TypeSet kGeluTypes = kFloatTypes;

Result<bool> useTanhApproximation(const NodeAttributes& attrs) {
    const std::string mode = attrs.getString("approximate", "none");
    if (mode == "none") return false;
    if (mode == "tanh") return true;
    return makeError(ErrorCode::InvalidModel, "attribute approximate is '", mode,
                     "', expected 'none' or 'tanh'");
}

Status inferGelu(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(1, 1));
    if (!typeIn(ctx.inputType(0), kGeluTypes))
        return unsupportedTypeError(0, ctx.inputType(0), kGeluTypes);
    QS_TRY(useTanhApproximation(ctx).status());
    ctx.outputs()[0] = ctx.inputInfo(0);
    return {};
}

void runGelu(const Tensor& x, Tensor& y, bool tanhApprox, ThreadPool& pool) {
    const float* px = x.data<float>();
    float* py = y.data<float>();
    pool.parallelFor(x.numel(), kElementwiseGrain, [&](int64_t begin, int64_t end) {
        if (tanhApprox) {
            const float k = std::sqrt(2.0f / std::numbers::pi_v<float>);
            for (int64_t i = begin; i < end; ++i) {
                const float v = px[i];
                py[i] = 0.5f * v * (1.0f + std::tanh(k * (v + 0.044715f * v * v * v)));
            }
        } else {
            const float invSqrt2 = 1.0f / std::numbers::sqrt2_v<float>;
            for (int64_t i = begin; i < end; ++i)
                py[i] = 0.5f * px[i] * (1.0f + std::erf(px[i] * invSqrt2));
        }
    });
}

Status computeGelu(KernelContext& ctx) {
    QS_ASSIGN(const bool tanhApprox, useTanhApproximation(ctx));
    const Tensor& x = ctx.input(0);
    if (x.dtype() == DataType::F16) {
        const Tensor x32 = x.castTo(DataType::F32);
        Tensor y32(DataType::F32, x.shape());
        runGelu(x32, y32, tanhApprox, ctx.pool());
        ctx.setOutput(0, y32.castTo(DataType::F16));
        return {};
    }
    runGelu(x, ctx.allocateOutput(0), tanhApprox, ctx.pool());
    return {};
}

} // namespace

extern const OpDef kOpGelu{
    .type = "Gelu", .infer = inferGelu, .compute = computeGelu, .foldable = true};

} // namespace qs
