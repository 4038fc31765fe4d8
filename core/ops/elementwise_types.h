// Sets of element types an elementwise op accepts, and the "input N has type X, supported: ..."
// error that names them. f16 is accepted by float ops through an f32 round trip (compute in
// f32, round the result to nearest-even half), which is exact for min/max/abs/neg and within
// half a half-ulp of the exact result otherwise.
#pragma once

#include "ir/tensor.h"

#include <cstdint>
#include <string>

namespace qs {

using TypeSet = uint32_t;
constexpr TypeSet typeBit(DataType t) {
    return TypeSet(1) << unsigned(t);
}
constexpr TypeSet kTypeF32 = typeBit(DataType::F32);
constexpr TypeSet kTypeF16 = typeBit(DataType::F16);
constexpr TypeSet kTypeI8 = typeBit(DataType::I8);
constexpr TypeSet kTypeU8 = typeBit(DataType::U8);
constexpr TypeSet kTypeI32 = typeBit(DataType::I32);
constexpr TypeSet kTypeI64 = typeBit(DataType::I64);
constexpr TypeSet kTypeBool = typeBit(DataType::Bool);
constexpr TypeSet kFloatTypes = kTypeF32 | kTypeF16;
constexpr TypeSet kSignedIntTypes = kTypeI8 | kTypeI32 | kTypeI64;
constexpr TypeSet kIntTypes = kSignedIntTypes | kTypeU8;
constexpr TypeSet kNumericTypes = kFloatTypes | kIntTypes;

inline bool typeIn(DataType t, TypeSet set) {
    return (typeBit(t) & set) != 0;
}

// "input 0 has type f64, supported: f32/f16/i32".
inline Error unsupportedTypeError(int input, DataType t, TypeSet set) {
    std::string list;
    for (DataType d : {DataType::F32, DataType::F16, DataType::I8, DataType::U8, DataType::I32,
                       DataType::I64, DataType::Bool, DataType::F64})
        if (typeIn(d, set)) list += std::string(list.empty() ? "" : "/") + dataTypeName(d);
    return makeError(ErrorCode::Unsupported, "input ", input, " has type ", dataTypeName(t),
                     ", supported: ", list);
}

} // namespace qs
