// Attribute readers shared by the qs.int8 ops (int8_ops.cpp, int8_conv_transpose.cpp): code
// types and the output stage of the accumulating ops (requantize.h's, chosen by "requant").
#pragma once

#include "ops/op.h"
#include "quant/int8/requantize.h"

namespace qs::int8 {

inline Result<DataType> codeType(const NodeAttributes& a, const char* key) {
    const std::string t = a.getString(key, "u8");
    if (t == "u8") return DataType::U8;
    if (t == "i8") return DataType::I8;
    if (t == "f32") return DataType::F32;
    return makeError(ErrorCode::InvalidModel, "attribute '", key, "' is '", t,
                     "', expected u8, i8 or f32");
}

inline Status requireCodes(const InferContext& ctx, int input) {
    return ctx.requireType(input, {DataType::U8, DataType::I8});
}

// The output stage attributes shared by the accumulating ops.
struct OutputStage {
    DataType type = DataType::U8;
    OutputRequant requant;
    float scale = 1.0f;

    static Result<OutputStage> read(const NodeAttributes& a) {
        OutputStage s;
        QS_ASSIGN(s.type, codeType(a, "y_type"));
        s.scale = a.getFloat("y_scale", 1.0f);
        s.requant.zeroPoint = int32_t(a.getInt("y_zero_point", 0));
        s.requant.lo = int32_t(a.getInt("lo", s.type == DataType::I8 ? -128 : 0));
        s.requant.hi = int32_t(a.getInt("hi", s.type == DataType::I8 ? 127 : 255));
        const std::string kind = a.getString("requant", "float");
        if (kind != "float" && kind != "fixed")
            return makeError(ErrorCode::InvalidModel, "attribute 'requant' is '", kind,
                             "', expected float or fixed");
        s.requant.kind = kind == "fixed" ? RequantKind::FixedPoint : RequantKind::Float;
        if (!(s.scale > 0.0f))
            return makeError(ErrorCode::InvalidModel, "attribute 'y_scale' must be positive");
        return s;
    }
};

} // namespace qs::int8
