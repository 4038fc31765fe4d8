// Range: [start, start + delta, ...) up to (excluding) limit, from three scalar inputs of
// one type (f32, f64, i32, i64).
#include "ops/op.h"

#include <cmath>

namespace qs {
namespace {

// Element count max(ceil((limit - start) / delta), 0): exact integer arithmetic for
// integer types, double for floating types (as ONNX Runtime computes it).
template <class T> Result<int64_t> rangeCount(T start, T limit, T delta) {
    if (delta == T(0)) return makeError(ErrorCode::InvalidArgument, "delta is 0");
    if constexpr (std::is_integral_v<T>) {
        const int64_t span = int64_t(limit) - int64_t(start), step = int64_t(delta);
        int64_t q = span / step;
        if (span % step != 0 && ((span > 0) == (step > 0))) ++q;
        return std::max<int64_t>(q, 0);
    } else {
        const double q = std::ceil((double(limit) - double(start)) / double(delta));
        if (!(q < 1e15))
            return q > 0 ? makeError(ErrorCode::ResourceLimit, "range has too many elements")
                         : Result<int64_t>(int64_t(0));
        return std::max<int64_t>(int64_t(q), 0);
    }
}

template <class T> Result<int64_t> countOf(const Tensor& s, const Tensor& l, const Tensor& d) {
    return rangeCount<T>(s.data<T>()[0], l.data<T>()[0], d.data<T>()[0]);
}

Status inferRange(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(3, 3));
    QS_TRY(ctx.requireType(0, {DataType::F32, DataType::F64, DataType::I32, DataType::I64}));
    const DataType dtype = ctx.inputType(0);
    for (int i = 0; i < 3; ++i) {
        if (ctx.inputType(i) != dtype)
            return ctx.fail(ErrorCode::TypeMismatch, "input " + std::to_string(i) + " has type " +
                                                         dataTypeName(ctx.inputType(i)) +
                                                         ", expected " + dataTypeName(dtype));
        if (ctx.inputInfo(i).isFullyKnown() && numelOf(ctx.inputShape(i)) != 1)
            return ctx.fail(ErrorCode::InvalidModel,
                            "input " + std::to_string(i) + " must be a scalar");
    }
    for (int i = 0; i < 3; ++i)
        if (!ctx.inputValue(i)) return InferContext::valueNotKnown(i);
    const Tensor &s = *ctx.inputValue(0), &l = *ctx.inputValue(1), &d = *ctx.inputValue(2);
    Result<int64_t> count = int64_t(0);
    switch (dtype) {
    case DataType::F32:
        count = countOf<float>(s, l, d);
        break;
    case DataType::F64:
        count = countOf<double>(s, l, d);
        break;
    case DataType::I32:
        count = countOf<int32_t>(s, l, d);
        break;
    default:
        count = countOf<int64_t>(s, l, d);
        break;
    }
    if (!count) return count.status();
    QS_TRY(checkedNumel({*count}).status());
    ctx.setOutput(0, dtype, {*count});
    return {};
}

// Element i is start + i * delta (not a running sum, so errors do not accumulate); floating
// types compute it in double and round once to T.
template <class T> void fillRange(KernelContext& ctx) {
    Tensor& out = ctx.allocateOutput(0);
    const T start = ctx.input(0).data<T>()[0], delta = ctx.input(2).data<T>()[0];
    T* y = out.data<T>();
    for (int64_t i = 0; i < out.numel(); ++i) {
        if constexpr (std::is_integral_v<T>)
            y[i] = T(start + T(i) * delta);
        else
            y[i] = T(double(start) + double(i) * double(delta));
    }
}

Status computeRange(KernelContext& ctx) {
    switch (ctx.input(0).dtype()) {
    case DataType::F32:
        fillRange<float>(ctx);
        break;
    case DataType::F64:
        fillRange<double>(ctx);
        break;
    case DataType::I32:
        fillRange<int32_t>(ctx);
        break;
    case DataType::I64:
        fillRange<int64_t>(ctx);
        break;
    default:
        return makeError(ErrorCode::Unsupported, "type ", dataTypeName(ctx.input(0).dtype()),
                         " is not supported");
    }
    return {};
}

} // namespace

extern const OpDef kOpRange{
    .type = "Range", .infer = inferRange, .compute = computeRange, .foldable = true};

} // namespace qs
