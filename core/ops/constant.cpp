// Constant: its output is the attribute's tensor. The importer folds most Constant nodes into
// initializers; this op covers the rest (and graphs built by passes).
#include "ops/op.h"

namespace qs {
namespace {

// The tensor of whichever value attribute is set (value, value_float(s), value_int(s)).
Result<Tensor> constantValue(const NodeAttributes& attrs) {
    const Node& node = attrs.node();
    if (const Attribute* a = node.attribute("value")) {
        if (a->kind != Attribute::Kind::Tensor)
            return makeError(ErrorCode::InvalidModel, "attribute 'value' is not a tensor");
        if (a->t.isNull())
            return makeError(ErrorCode::Unsupported,
                             "attribute 'value' has an unsupported data type");
        return a->t;
    }
    if (const Attribute* a = node.attribute("value_float")) return Tensor::scalar<float>(a->f);
    if (const Attribute* a = node.attribute("value_floats"))
        return Tensor::fromVector<float>({int64_t(a->floats.size())}, a->floats);
    if (const Attribute* a = node.attribute("value_int")) return Tensor::scalar<int64_t>(a->i);
    if (const Attribute* a = node.attribute("value_ints"))
        return Tensor::fromVector<int64_t>({int64_t(a->ints.size())}, a->ints);
    if (node.attribute("value_string") || node.attribute("value_strings"))
        return makeError(ErrorCode::Unsupported, "string constants are not supported");
    if (node.attribute("sparse_value"))
        return makeError(ErrorCode::Unsupported, "sparse constants are not supported");
    return makeError(ErrorCode::InvalidModel, "Constant has no value attribute");
}

Status inferConstant(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(0, 0));
    QS_ASSIGN(Tensor value, constantValue(ctx));
    ctx.setOutput(0, value.dtype(), value.shape());
    return {};
}

Status computeConstant(KernelContext& ctx) {
    // Shares the attribute's buffer: kernels never write into their inputs.
    QS_ASSIGN(Tensor value, constantValue(ctx));
    ctx.setOutput(0, std::move(value));
    return {};
}

} // namespace

extern const OpDef kOpConstant{
    .type = "Constant", .infer = inferConstant, .compute = computeConstant, .foldable = true};

} // namespace qs
