// Resize and Upsample (being written).
#include "ops/op.h"

namespace qs {
namespace {
Status inferResize(InferContext& ctx)
{
    return ctx.fail(ErrorCode::Unsupported, "Resize is not implemented yet");
}
Status computeResize(KernelContext&)
{
    return Error(ErrorCode::Unsupported, "Resize is not implemented yet");
}
} // namespace
extern const OpDef kOpResize{.type = "Resize", .infer = inferResize, .compute = computeResize};
extern const OpDef kOpUpsample{.type = "Upsample", .infer = inferResize, .compute = computeResize};
} // namespace qs
