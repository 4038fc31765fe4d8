// Binary elementwise ops with numpy broadcasting: arithmetic (Add, Sub, Mul, Div, Mod, Pow),
// comparisons (Equal, Less, Greater, LessOrEqual, GreaterOrEqual) and logic (And, Or, Xor).
// Integer arithmetic wraps around (two's complement) instead of being undefined; integer Div
// truncates toward zero like C, and an integer division by zero is an error rather than a trap.
// f16 inputs are computed in f32 and the result rounded back to f16 (nearest even).
#include "ops/broadcast.h"
#include "ops/elementwise_types.h"
#include "ops/op.h"

#include <cmath>
#include <limits>
#include <type_traits>

namespace qs {
namespace {

enum class BinaryKind {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Equal,
    Less,
    Greater,
    LessOrEqual,
    GreaterOrEqual,
    And,
    Or,
    Xor
};

constexpr bool isComparison(BinaryKind k) {
    return k == BinaryKind::Equal || k == BinaryKind::Less || k == BinaryKind::Greater ||
           k == BinaryKind::LessOrEqual || k == BinaryKind::GreaterOrEqual;
}
constexpr bool isLogical(BinaryKind k) {
    return k == BinaryKind::And || k == BinaryKind::Or || k == BinaryKind::Xor;
}

// Types of input 0 (and of input 1 except for Pow, whose exponent has its own set).
constexpr TypeSet inputTypes(BinaryKind k) {
    if (isLogical(k)) return kTypeBool;
    if (k == BinaryKind::Equal) return kNumericTypes | kTypeBool;
    if (k == BinaryKind::Pow) return kFloatTypes | kTypeI32 | kTypeI64;
    return kNumericTypes;
}
constexpr TypeSet kPowExponentTypes = kNumericTypes;

template <class T> T wrapAdd(T a, T b) {
    if constexpr (std::is_integral_v<T>)
        return T(std::make_unsigned_t<T>(a) + std::make_unsigned_t<T>(b));
    else
        return a + b;
}
template <class T> T wrapSub(T a, T b) {
    if constexpr (std::is_integral_v<T>)
        return T(std::make_unsigned_t<T>(a) - std::make_unsigned_t<T>(b));
    else
        return a - b;
}
template <class T> T wrapMul(T a, T b) {
    if constexpr (std::is_integral_v<T>)
        return T(std::make_unsigned_t<T>(a) * std::make_unsigned_t<T>(b));
    else
        return a * b;
}
// Integer division truncating toward zero; b != 0 is checked beforehand. MIN / -1 wraps.
template <class T> T divide(T a, T b) {
    if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
        if (b == T(-1)) return wrapSub(T(0), a);
    }
    return a / b;
}
// fmod = 1: the remainder has the sign of the dividend (C fmod / %); fmod = 0: of the divisor
// (Python / numpy mod).
template <class T> T modulo(T a, T b, bool cStyle) {
    T r;
    if constexpr (std::is_floating_point_v<T>)
        r = std::fmod(a, b);
    else if constexpr (std::is_signed_v<T>)
        r = b == T(-1) ? T(0) : T(a % b);
    else
        r = T(a % b);
    if constexpr (std::is_signed_v<T> || std::is_floating_point_v<T>) {
        if (!cStyle && r != T(0) && ((r < T(0)) != (b < T(0)))) r = T(r + b);
    }
    return r;
}

// double -> integer, saturating, NaN -> 0 (C++ leaves out-of-range conversions undefined).
template <class T> T saturateToInt(double v) {
    if (std::isnan(v)) return T(0);
    if (v <= double(std::numeric_limits<T>::lowest())) return std::numeric_limits<T>::lowest();
    if (v >= double(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
    return T(v);
}

// Integer power by squaring, wrapping on overflow. Negative exponents give the truncated
// exact value: 1 for base 1, +-1 for base -1, else 0.
template <class T, class E> T intPow(T base, E exponent) {
    if (exponent < E(0)) {
        if (base == T(1)) return T(1);
        if constexpr (std::is_signed_v<T>)
            if (base == T(-1)) return (int64_t(exponent) % 2 == 0) ? T(1) : T(-1);
        return T(0);
    }
    T result = T(1);
    uint64_t e = uint64_t(exponent);
    while (e) {
        if (e & 1) result = wrapMul(result, base);
        base = wrapMul(base, base);
        e >>= 1;
    }
    return result;
}

template <class TA, class TB> TA power(TA a, TB b) {
    if constexpr (std::is_same_v<TA, float> && std::is_same_v<TB, float>)
        return std::pow(a, b);
    else if constexpr (std::is_same_v<TA, float>)
        return float(std::pow(double(a), double(b)));
    else if constexpr (std::is_floating_point_v<TB>)
        return saturateToInt<TA>(std::pow(double(a), double(b)));
    else
        return intPow(a, b);
}

// Calls fn(std::type_identity<T>{}) for the element type of dtype, or returns an error.
template <class Fn> Status dispatchType(DataType dtype, int input, TypeSet allowed, Fn&& fn) {
    if (!typeIn(dtype, allowed)) return unsupportedTypeError(input, dtype, allowed);
    switch (dtype) {
    case DataType::F32:
        return fn(std::type_identity<float>{});
    case DataType::I8:
        return fn(std::type_identity<int8_t>{});
    case DataType::U8:
        return fn(std::type_identity<uint8_t>{});
    case DataType::I32:
        return fn(std::type_identity<int32_t>{});
    case DataType::I64:
        return fn(std::type_identity<int64_t>{});
    case DataType::Bool:
        return fn(std::type_identity<bool>{});
    default:
        return unsupportedTypeError(input, dtype, allowed);
    }
}

template <class T> bool containsZero(const Tensor& t) {
    const T* p = t.data<T>();
    for (int64_t i = 0; i < t.numel(); ++i)
        if (p[i] == T(0)) return true;
    return false;
}

template <BinaryKind K, class T>
Status runTyped(const Tensor& a, const Tensor& b, Tensor& y, const NodeAttributes& attrs,
                ThreadPool& pool) {
    using B = BinaryKind;
    constexpr bool kValid =
        std::is_same_v<T, bool> ? (isLogical(K) || K == B::Equal) : !isLogical(K);
    if constexpr (!kValid) {
        return unsupportedTypeError(0, dataTypeOf<T>(), inputTypes(K));
    } else if constexpr (K == B::Add) {
        broadcastBinary<T, T, T>(a, b, y, pool, [](T u, T v) { return wrapAdd(u, v); });
    } else if constexpr (K == B::Sub) {
        broadcastBinary<T, T, T>(a, b, y, pool, [](T u, T v) { return wrapSub(u, v); });
    } else if constexpr (K == B::Mul) {
        broadcastBinary<T, T, T>(a, b, y, pool, [](T u, T v) { return wrapMul(u, v); });
    } else if constexpr (K == B::Div || K == B::Mod) {
        if constexpr (std::is_integral_v<T>)
            if (containsZero<T>(b))
                return makeError(ErrorCode::NumericError, "integer division by zero");
        if constexpr (K == B::Div) {
            broadcastBinary<T, T, T>(a, b, y, pool, [](T u, T v) { return divide(u, v); });
        } else {
            const bool cStyle = attrs.getInt("fmod", 0) != 0;
            broadcastBinary<T, T, T>(a, b, y, pool,
                                     [cStyle](T u, T v) { return modulo(u, v, cStyle); });
        }
    } else if constexpr (K == B::Equal) {
        broadcastBinary<T, T, bool>(a, b, y, pool, [](T u, T v) { return u == v; });
    } else if constexpr (K == B::Less) {
        broadcastBinary<T, T, bool>(a, b, y, pool, [](T u, T v) { return u < v; });
    } else if constexpr (K == B::Greater) {
        broadcastBinary<T, T, bool>(a, b, y, pool, [](T u, T v) { return u > v; });
    } else if constexpr (K == B::LessOrEqual) {
        broadcastBinary<T, T, bool>(a, b, y, pool, [](T u, T v) { return u <= v; });
    } else if constexpr (K == B::GreaterOrEqual) {
        broadcastBinary<T, T, bool>(a, b, y, pool, [](T u, T v) { return u >= v; });
    } else if constexpr (K == B::And) {
        broadcastBinary<T, T, bool>(a, b, y, pool, [](bool u, bool v) { return u && v; });
    } else if constexpr (K == B::Or) {
        broadcastBinary<T, T, bool>(a, b, y, pool, [](bool u, bool v) { return u || v; });
    } else if constexpr (K == B::Xor) {
        broadcastBinary<T, T, bool>(a, b, y, pool, [](bool u, bool v) { return u != v; });
    }
    return {};
}

// Pow: the exponent has its own type; the result has the base's type.
template <class TA> Status runPow(const Tensor& a, const Tensor& b, Tensor& y, ThreadPool& pool) {
    if constexpr (std::is_same_v<TA, float> || std::is_same_v<TA, int32_t> ||
                  std::is_same_v<TA, int64_t>) {
        return dispatchType(b.dtype(), 1, kPowExponentTypes, [&](auto tag) -> Status {
            using TB = typename decltype(tag)::type;
            if constexpr (std::is_same_v<TB, bool>)
                return unsupportedTypeError(1, DataType::Bool, kPowExponentTypes);
            else
                broadcastBinary<TA, TB, TA>(a, b, y, pool, [](TA u, TB v) { return power(u, v); });
            return {};
        });
    } else {
        return unsupportedTypeError(0, a.dtype(), inputTypes(BinaryKind::Pow));
    }
}

template <BinaryKind K>
Status runBinary(const Tensor& a, const Tensor& b, Tensor& y, const NodeAttributes& attrs,
                 ThreadPool& pool) {
    return dispatchType(a.dtype(), 0, inputTypes(K), [&](auto tag) -> Status {
        using T = typename decltype(tag)::type;
        if constexpr (K == BinaryKind::Pow)
            return runPow<T>(a, b, y, pool);
        else
            return runTyped<K, T>(a, b, y, attrs, pool);
    });
}

template <BinaryKind K> Status inferBinary(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(2, 2));
    const DataType ta = ctx.inputType(0), tb = ctx.inputType(1);
    if (!typeIn(ta, inputTypes(K))) return unsupportedTypeError(0, ta, inputTypes(K));
    if constexpr (K == BinaryKind::Pow) {
        if (!typeIn(tb, kPowExponentTypes)) return unsupportedTypeError(1, tb, kPowExponentTypes);
    } else if (ta != tb) {
        return makeError(ErrorCode::TypeMismatch, "inputs have types ", dataTypeName(ta), " and ",
                         dataTypeName(tb), ", expected the same");
    }
    const DataType out = isComparison(K) || isLogical(K) ? DataType::Bool : ta;
    if (!ctx.inputInfo(0).shapeKnown || !ctx.inputInfo(1).shapeKnown) {
        ctx.outputs()[0] = TensorInfo{out, {}, false};
        return {};
    }
    QS_ASSIGN(Shape shape, broadcastShapes(ctx.inputShape(0), ctx.inputShape(1)));
    ctx.setOutput(0, out, std::move(shape));
    return {};
}

template <BinaryKind K> Status computeBinary(KernelContext& ctx) {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    if (a.dtype() == DataType::F16 || b.dtype() == DataType::F16) {
        const Tensor a32 = a.dtype() == DataType::F16 ? a.castTo(DataType::F32) : a;
        const Tensor b32 = b.dtype() == DataType::F16 ? b.castTo(DataType::F32) : b;
        const DataType outType = ctx.outputInfo(0).dtype;
        Tensor y32(outType == DataType::F16 ? DataType::F32 : outType, ctx.outputInfo(0).shape);
        QS_TRY(runBinary<K>(a32, b32, y32, ctx, ctx.pool()));
        ctx.setOutput(0, outType == DataType::F16 ? y32.castTo(DataType::F16) : y32);
        return {};
    }
    return runBinary<K>(a, b, ctx.allocateOutput(0), ctx, ctx.pool());
}

} // namespace

// Binary ops are cheap and common in shape subgraphs (Equal, Mul on i64 dims): foldable.
#define QS_BINARY_OP(Name)                                                                         \
    extern const OpDef kOp##Name{.type = #Name,                                                    \
                                 .infer = inferBinary<BinaryKind::Name>,                           \
                                 .compute = computeBinary<BinaryKind::Name>,                       \
                                 .foldable = true};
QS_BINARY_OP(Add)
QS_BINARY_OP(Sub)
QS_BINARY_OP(Mul)
QS_BINARY_OP(Div)
QS_BINARY_OP(Mod)
QS_BINARY_OP(Pow)
QS_BINARY_OP(Equal)
QS_BINARY_OP(Less)
QS_BINARY_OP(Greater)
QS_BINARY_OP(LessOrEqual)
QS_BINARY_OP(GreaterOrEqual)
QS_BINARY_OP(And)
QS_BINARY_OP(Or)
QS_BINARY_OP(Xor)
#undef QS_BINARY_OP

} // namespace qs
