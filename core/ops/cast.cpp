// Cast (target type from the `to` attribute) and CastLike (target type of input 1) among the
// supported dtypes. Conversions follow Tensor::castTo: float -> int truncates toward zero and
// saturates (NaN -> 0), any -> bool is "!= 0", to f16 rounds to nearest even.
#include "ops/op.h"

#include <string>

namespace qs {
namespace {

std::string onnxTypeName(int64_t code) {
    switch (code) {
    case 4:
        return "uint16";
    case 5:
        return "int16";
    case 8:
        return "string";
    case 12:
        return "uint32";
    case 13:
        return "uint64";
    case 14:
        return "complex64";
    case 15:
        return "complex128";
    case 16:
        return "bfloat16";
    default:
        return code >= 17 ? "float8" : "unknown";
    }
}

Result<DataType> targetType(const InferContext& ctx) {
    if (ctx.node().opType == "CastLike") return ctx.inputType(1);
    if (!ctx.has("to")) return makeError(ErrorCode::InvalidModel, "attribute 'to' is missing");
    const int64_t to = ctx.getInt("to", 0);
    const DataType dtype = fromOnnxDataType(int(to));
    if (dtype == DataType::Undefined)
        return makeError(ErrorCode::Unsupported, "cast to ONNX type ", to, " (", onnxTypeName(to),
                         ") is not supported");
    return dtype;
}

Status inferCast(InferContext& ctx) {
    const bool castLike = ctx.node().opType == "CastLike";
    QS_TRY(ctx.requireInputs(castLike ? 2 : 1, castLike ? 2 : 1));
    for (int i = 0; i < ctx.numInputs(); ++i)
        if (ctx.inputType(i) == DataType::Undefined)
            return makeError(ErrorCode::Unsupported, "input ", i, " has an unsupported type");
    QS_ASSIGN(const DataType to, targetType(ctx));
    ctx.outputs()[0] = ctx.inputInfo(0);
    ctx.outputs()[0].dtype = to;
    return {};
}

Status computeCast(KernelContext& ctx) {
    ctx.setOutput(0, ctx.input(0).castTo(ctx.outputInfo(0).dtype));
    return {};
}

} // namespace

// Cast is everywhere in shape subgraphs (Shape -> Cast -> Mul -> Cast): foldable.
extern const OpDef kOpCast{
    .type = "Cast", .infer = inferCast, .compute = computeCast, .foldable = true};
extern const OpDef kOpCastLike{
    .type = "CastLike", .infer = inferCast, .compute = computeCast, .foldable = true};

} // namespace qs
