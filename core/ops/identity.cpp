// Identity and Dropout (inference: the input passes through; Dropout's optional mask output
// is all true). Both alias their input buffer instead of copying.
#include "ops/op.h"

#include <cstring>

namespace qs {
namespace {

Status inferIdentity(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(1, ctx.node().opType == "Dropout" ? 3 : 1));
    // Dropout's training_mode input (opset 12+) asks for random dropping: not an inference op.
    if (const Tensor* training = ctx.inputValue(2);
        training && training->numel() == 1 && training->toInt64Vector()[0])
        return ctx.fail(ErrorCode::Unsupported,
                        "Dropout in training mode (training_mode = true) is not supported");
    ctx.setOutput(0, ctx.inputType(0), ctx.inputShape(0));
    if (ctx.numOutputs() > 1 && ctx.node().outputs[1] != kNoValue)
        ctx.setOutput(1, DataType::Bool, ctx.inputShape(0));
    return {};
}

Status computeIdentity(KernelContext& ctx) {
    ctx.setOutput(0, ctx.input(0));
    if (ctx.numOutputs() > 1 && ctx.node().outputs[1] != kNoValue) {
        Tensor& mask = ctx.allocateOutput(1);
        std::memset(mask.rawData(), 1, mask.byteSize());
    }
    return {};
}

} // namespace

extern const OpDef kOpIdentity{
    .type = "Identity", .infer = inferIdentity, .compute = computeIdentity, .foldable = true};
extern const OpDef kOpDropout{
    .type = "Dropout", .infer = inferIdentity, .compute = computeIdentity, .foldable = true};

} // namespace qs
