// ConstantOfShape: a tensor of the shape given by input 0, filled with the one-element 'value'
// attribute (float 0 when absent); the output type is the value's type.
#include "ops/op.h"

#include <algorithm>

namespace qs {
namespace {

Result<Tensor> fillValue(const NodeAttributes& attrs) {
    const Tensor* value = attrs.getTensor("value");
    if (!value) {
        if (attrs.has("value"))
            return makeError(ErrorCode::Unsupported, "attribute 'value' has an unsupported type");
        return Tensor::scalar<float>(0.0f);
    }
    if (value->isNull())
        return makeError(ErrorCode::Unsupported, "attribute 'value' has an unsupported data type");
    if (value->numel() != 1)
        return makeError(ErrorCode::InvalidModel, "attribute 'value' has ", value->numel(),
                         " elements, expected 1");
    return *value;
}

Status inferConstantOfShape(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(1, 1));
    QS_TRY(ctx.requireType(0, {DataType::I64, DataType::I32}));
    QS_ASSIGN(Tensor value, fillValue(ctx));
    const Tensor* dims = ctx.inputValue(0);
    if (!dims) return InferContext::valueNotKnown(0);
    if (dims->rank() != 1)
        return ctx.fail(ErrorCode::InvalidModel,
                        "input 0 must be 1-D, has shape " + shapeToString(dims->shape()));
    Shape out = dims->toInt64Vector();
    if (std::any_of(out.begin(), out.end(), [](int64_t d) { return d < 0; }))
        return ctx.fail(ErrorCode::InvalidArgument,
                        "shape " + shapeToString(out) + " has a negative dim");
    QS_TRY(checkedNumel(out).status());
    ctx.setOutput(0, value.dtype(), std::move(out));
    return {};
}

template <class T> void fillWith(Tensor& out, const Tensor& value) {
    T v;
    std::memcpy(&v, value.rawData(), sizeof(T));
    std::fill_n(static_cast<T*>(out.rawData()), out.numel(), v);
}

Status computeConstantOfShape(KernelContext& ctx) {
    QS_ASSIGN(Tensor value, fillValue(ctx));
    Tensor& out = ctx.allocateOutput(0);
    switch (dataTypeSize(value.dtype())) {
    case 1:
        fillWith<uint8_t>(out, value);
        break;
    case 2:
        fillWith<uint16_t>(out, value);
        break;
    case 4:
        fillWith<uint32_t>(out, value);
        break;
    case 8:
        fillWith<uint64_t>(out, value);
        break;
    default:
        return makeError(ErrorCode::Unsupported, "value type ", dataTypeName(value.dtype()),
                         " is not supported");
    }
    return {};
}

} // namespace

extern const OpDef kOpConstantOfShape{.type = "ConstantOfShape",
                                      .infer = inferConstantOfShape,
                                      .compute = computeConstantOfShape,
                                      .foldable = true};

} // namespace qs
